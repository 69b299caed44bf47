"""Build the bundled snapshot from ../shared/reference (run from the repository root).

    python scripts/build_snapshot.py [--reference ../shared/reference]

Writes src/capexwatch/sources/snapshot/{company_quarters.csv, macro_series.csv, MANIFEST.toml}.
Every value is copied from the reference files with its source; the only transformations are
(a) reference metric names -> canonical metric names (DESIGN.md), (b) USD millions -> USD, and
(c) the fiscal period end read from the note's leading ``period_end=YYYY-MM-DD``. The reference
value and unit are kept beside the converted ones so the conversion can be checked. The events and
published-figures files are curated by hand (see their headers) and are not written here.

Filing figures (issue 10): the filers' own iXBRL/XBRL documents in ``reference/sec/ixbrl`` are read
with capexwatch's parser and axis/member rules (the same code as ``capexwatch ingest``) into
``filing_panel.csv`` (quarters, both views), ``filing_annual.csv`` (fiscal years) and
``filing_observations.csv`` (customer shares, useful lives, breakdowns), each row with the filing's
accession. Loaded as ``source='sec'``, ``source_kind='sec-ixbrl'``, they take precedence over the
secondary figures of ``company_quarters.csv`` for the quarters they cover (NVIDIA Data Center) and
give the years (AWS, Google Cloud) from the filings.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "capexwatch" / "sources" / "snapshot"
SNAPSHOT_VERSION = "2026.11.21.1"

# reference metric -> canonical metric (DESIGN.md); the reference README explains each
METRIC_MAP = {
    "total_revenue": "revenue",
    "capex_cash_purchases_ppe": "capex",
    "capex_incl_finance_leases": "capex_incl_finance_leases",
    "capex_incl_finance_lease_principal": "capex_incl_finance_leases",
    "capex_net_of_proceeds_and_incentives": "capex_net",
    "cloud_segment_revenue": "cloud_revenue",
    "azure_revenue_growth_yoy": "azure_growth_yoy_pct",
    "oracle_cloud_services_and_license_support_revenue": "oracle_cloud_services_license_support_revenue",
    "oracle_cloud_revenue_iaas_saas": "cloud_revenue",
    "oracle_cloud_infrastructure_iaas_revenue": "oracle_oci_revenue",
    "nvidia_data_center_revenue": "data_center_revenue",
    "amd_data_center_segment_revenue": "data_center_revenue",
    "broadcom_ai_semiconductor_revenue": "ai_semiconductor_revenue",
    "operating_cash_flow": "operating_cash_flow",
    "depreciation_amortization": "depreciation_amortization",
    "depreciation": "depreciation",
}

# (series_id, file, value column, title, units, frequency); later files win on overlap
MACRO_FILES = [
    (
        "DFF",
        "FRED_DFF__HuseynliGulara_prediction-markets-fed-policy-forecasting.csv",
        "HuseynliGulara/prediction-markets-fed-policy-forecasting data/DFF.csv"
        " @ 720f4636c3a33bfec9347644560c258d4ba431e7",
        "Federal Funds Effective Rate",
        "percent",
        "daily",
    ),
    (
        "FEDFUNDS",
        "FRED_FEDFUNDS__sivamsapingali_Codex_Macro-Monitor.csv",
        "sivamsapingali/Codex_Macro-Monitor data/FEDFUNDS.csv @ 8d636dd589646aa850fbf7f75bcafa51542aab4f",
        "Federal Funds Effective Rate (monthly)",
        "percent",
        "monthly",
    ),
    (
        "FEDFUNDS",
        "FRED_FEDFUNDS__Thecoderstef_Macro-Charts.csv",
        "Thecoderstef/Macro-Charts data/FEDFUNDS.csv @ 4889f211b484ed8c7755a66371458b59ef3179d2",
        "Federal Funds Effective Rate (monthly)",
        "percent",
        "monthly",
    ),
    (
        "DGS10",
        "FRED_DGS10__sivamsapingali_Codex_Macro-Monitor.csv",
        "sivamsapingali/Codex_Macro-Monitor data/DGS10.csv @ 8d636dd589646aa850fbf7f75bcafa51542aab4f",
        "10-Year Treasury Constant Maturity Rate",
        "percent",
        "daily",
    ),
    (
        "DGS10",
        "FRED_DGS10__Thecoderstef_Macro-Charts.csv",
        "Thecoderstef/Macro-Charts data/DGS10.csv @ 4889f211b484ed8c7755a66371458b59ef3179d2",
        "10-Year Treasury Constant Maturity Rate",
        "percent",
        "daily",
    ),
    (
        "BAMLH0A0HYM2",
        "FRED_BAMLH0A0HYM2__sivamsapingali_Codex_Macro-Monitor.csv",
        "sivamsapingali/Codex_Macro-Monitor data/BAMLH0A0HYM2.csv @ 8d636dd589646aa850fbf7f75bcafa51542aab4f",
        "ICE BofA US High Yield Index Option-Adjusted Spread",
        "percent",
        "daily",
    ),
    (
        "BAMLH0A0HYM2",
        "FRED_BAMLH0A0HYM2__Thecoderstef_Macro-Charts.csv",
        "Thecoderstef/Macro-Charts data/BAMLH0A0HYM2.csv @ 4889f211b484ed8c7755a66371458b59ef3179d2",
        "ICE BofA US High Yield Index Option-Adjusted Spread",
        "percent",
        "daily",
    ),
    (
        "NFCI",
        "FRED_NFCI_weekly_2019_2026__TGRADEA_gradea-fred-archive_excerpt.csv",
        "TGRADEA/gradea-fred-archive NFCI.csv @ 2b017296ccb871d5feedb0761f10d40a235d6e41 (rows from 2019)",
        "Chicago Fed National Financial Conditions Index",
        "index",
        "weekly",
    ),
    (
        "NFCI_Q",
        "FRED_NFCI_quarterly__shawcharles_srvar-toolkit.csv",
        "shawcharles/srvar-toolkit data/NFCI.csv @ 422c0d1f9271d7d7a540a3fb609371dbfeec59a3",
        "Chicago Fed NFCI, quarterly average",
        "index",
        "quarterly",
    ),
    (
        "ANFCI",
        "FRED_ANFCI__sivamsapingali_Codex_Macro-Monitor.csv",
        "sivamsapingali/Codex_Macro-Monitor data/ANFCI.csv @ 8d636dd589646aa850fbf7f75bcafa51542aab4f",
        "Chicago Fed Adjusted National Financial Conditions Index",
        "index",
        "weekly",
    ),
]

# (document in reference/sec/ixbrl, ticker, accession, filed, where the accession comes from)
FILING_DOCUMENTS = [
    ("nvda-10-q-2025-08-27.htm", "NVDA", "0001045810-25-000209", "2025-08-27",
     "accession from reference/sec/CIK0001045810.json (companyfacts: fy 2026 Q2, 10-Q filed 2025-08-27)"),
    ("googl-10-k-2025-02-05.htm", "GOOGL", "0001652044-25-000014", "2025-02-05",
     "accession from reference/sec/CIK0001652044.json (companyfacts: fy 2024 FY, 10-K filed 2025-02-05)"),
    ("amzn-10-k-2025-02-07.htm", "AMZN", "0001018724-25-000004", "2025-02-07",
     "accession as cited in reference/company_quarters.csv for Amazon's FY2022 cash flows (latest filing "
     "reporting them: the FY2024 10-K); not read from an EDGAR index"),
    ("amzn-20221231_htm.xml", "AMZN", "0001018724-23-000004", "2023-02-03",
     "accession from reference/sec/ixbrl/README.md"),
]  # fmt: skip

_PERIOD_END = re.compile(r"^period_end=(\d{4}-\d{2}-\d{2})")
_FISCAL = re.compile(r"^FY(\d{4})Q([1-4])$")


def build_quarters(ref: Path) -> list[dict[str, str]]:
    rows = []
    with (ref / "company_quarters.csv").open(newline="", encoding="utf-8") as fh:
        for i, r in enumerate(csv.DictReader(fh), start=2):
            m = _PERIOD_END.match(r["note"])
            f = _FISCAL.match(r["fiscal_period"])
            if not m or not f:
                raise SystemExit(f"company_quarters.csv line {i}: no period_end in note or bad fiscal_period")
            metric = METRIC_MAP[r["metric"]]
            raw = float(r["value_usd_millions"])
            if r["unit"] == "USD_millions":
                value, unit = raw * 1e6, "USD"
            elif r["unit"] == "percent":
                value, unit = raw, "percent"
            else:
                raise SystemExit(f"line {i}: unknown unit {r['unit']!r}")
            rows.append(
                {
                    "ticker": r["ticker"],
                    "metric": metric,
                    "fiscal_period": r["fiscal_period"],
                    "fiscal_year": f.group(1),
                    "fiscal_quarter": f.group(2),
                    "period_end": m.group(1),
                    "calendar_quarter_end": r["calendar_quarter_end"],
                    "value": repr(round(value, 6)) if unit == "USD" else r["value_usd_millions"],
                    "unit": unit,
                    "reference_metric": r["metric"],
                    "reference_value": r["value_usd_millions"],
                    "reference_unit": r["unit"],
                    "source_url": r["source_url"],
                    "source_kind": r["source_kind"],
                    "note": r["note"],
                }
            )
    rows.sort(key=lambda r: (r["ticker"], r["metric"], r["period_end"], r["reference_metric"]))
    return rows


def build_macro(ref: Path) -> list[dict[str, str]]:
    merged: dict[tuple[str, str], dict[str, str]] = {}
    for sid, name, origin, *_ in MACRO_FILES:
        path = ref / "macro" / name
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            for date, value in reader:
                value = value.strip()
                if value in ("", "."):
                    continue  # FRED's missing observation
                dt.date.fromisoformat(date)
                merged[(sid, date)] = {
                    "series_id": sid,
                    "date": date,
                    "value": value,
                    "source": origin_key(sid, origin),
                }
    return [merged[k] for k in sorted(merged)]


def origin_key(sid: str, origin: str) -> str:
    """Short per-row source key 'FRED:SID owner/repo@commit8'; MANIFEST.toml [origins] has the full text."""
    repo, rest = origin.split(" ", 1)
    return f"FRED:{sid.removesuffix('_Q')} {repo}@{rest.split('@ ')[1][:8]}"


def build_filing_figures(ref: Path) -> dict[str, list[dict[str, str]]]:
    """Quarters, years and observations read from the filers' own documents (see module docstring)."""
    import pandas as pd

    from capexwatch.pipeline.filings import derive_filings, filing_facts_frame
    from capexwatch.sources.filings import read_filing
    from capexwatch.universe import load_universe

    fye = {str(c["ticker"]): c.get("fye_month") for c in load_universe()}
    frames: dict[str, list[pd.DataFrame]] = {}
    notes: dict[str, str] = {}
    for name, ticker, accn, filed, why in FILING_DOCUMENTS:
        filing = read_filing(ref / "sec" / "ixbrl" / name, accession=accn, filed=dt.date.fromisoformat(filed))
        frames.setdefault(ticker, []).append(filing_facts_frame(filing, ticker))
        notes[accn] = f"read from {name} ({filing.form} filed {filed}) by capexwatch's iXBRL parser; {why}"
    out: dict[str, list[pd.DataFrame]] = {"panel": [], "annual": [], "observations": []}
    for ticker, parts in frames.items():
        panel, annual, obs, _ = derive_filings(parts[0].iloc[0:0], pd.concat(parts), ticker=ticker,
                                               fye_month=fye.get(ticker))  # fmt: skip
        panel = panel[panel["status"] == "ok"]  # the snapshot carries figures, not the engine's refusals
        for df in (panel, annual):
            df["note"] = [f"{n + '; ' if isinstance(n, str) and n else ''}{notes.get(a, '')}"
                          for n, a in zip(df["note"], df["accn"], strict=True)]  # fmt: skip
        out["panel"].append(panel.drop(columns=["load_id"], errors="ignore"))
        out["annual"].append(annual[annual["view"] == "latest"].drop(columns=["view"]))
        out["observations"].append(obs)
    return {k: _records(pd.concat(v, ignore_index=True)) for k, v in out.items()}


def _records(df: Any) -> list[dict[str, str]]:
    import pandas as pd

    def cell(v: Any) -> str:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return ""
        if isinstance(v, pd.Timestamp | dt.datetime):
            return v.date().isoformat()
        if isinstance(v, float):
            return repr(v)
        return str(v)

    return [{c: cell(v) for c, v in r.items()} for r in df.to_dict(orient="records")]


def write_csv(path: Path, rows: list[dict[str, str]]) -> str:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, default=ROOT.parent / "shared" / "reference")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    q = build_quarters(args.reference)
    m = build_macro(args.reference)
    sha_q = write_csv(OUT / "company_quarters.csv", q)
    sha_m = write_csv(OUT / "macro_series.csv", m)
    filings = build_filing_figures(args.reference)
    sha_f = {k: write_csv(OUT / f"filing_{k}.csv", rows) for k, rows in filings.items()}
    filing_files = "".join(
        f'[files.filing_{k}]\nrows = {len(filings[k])}\nsha256 = "{sha}"\n\n' for k, sha in sha_f.items()
    )
    meta = "\n".join(
        f'[series.{sid}]\ntitle = "{title}"\nunits = "{units}"\nfrequency = "{freq}"\n'
        for sid, _, _, title, units, freq in {x[0]: x for x in MACRO_FILES}.values()
    )
    origins = "".join(
        f'"{origin_key(sid, o)}" = "https://fred.stlouisfed.org/series/{sid.removesuffix("_Q")} as stored in {o}"\n'
        for sid, _, o, *_ in MACRO_FILES
    )
    (OUT / "MANIFEST.toml").write_text(
        f"# Bundled snapshot of curated, cited figures. Built by scripts/build_snapshot.py\n"
        f"# from the reference material assembled 2026-11-21 (see each row's source).\n"
        f'version = "{SNAPSHOT_VERSION}"\n\n'
        f'[files.company_quarters]\nrows = {len(q)}\nsha256 = "{sha_q}"\n\n'
        f'[files.macro_series]\nrows = {len(m)}\nsha256 = "{sha_m}"\n\n{filing_files}{meta}\n[origins]\n{origins}',
        encoding="utf-8",
    )
    print(f"company_quarters.csv: {len(q)} rows; macro_series.csv: {len(m)} rows -> {OUT}")


if __name__ == "__main__":
    main()
