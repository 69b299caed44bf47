"""Rebuild the recorded HTTP answers under tests/data/recorded/ from tests/data/reference/.

Run from the repository root: ``.venv/bin/python tests/data/recorded/build.py``. Every figure in the
output is copied from a real source file (see README.md beside this script); nothing is typed in.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import defaultdict
from pathlib import Path

#: verbatim copies of the curated reference files (provenance in tests/data/README.md)
REF = Path(__file__).resolve().parents[1] / "reference"
OUT = Path(__file__).resolve().parent

# (series id, reference file, first date kept or None for all rows)
FRED = [
    ("DFF", "FRED_DFF__HuseynliGulara_prediction-markets-fed-policy-forecasting.csv", None),
    ("FEDFUNDS", "FRED_FEDFUNDS__Thecoderstef_Macro-Charts.csv", "2019-01-01"),
    ("DGS10", "FRED_DGS10__Thecoderstef_Macro-Charts.csv", "2024-01-01"),
    ("BAMLH0A0HYM2", "FRED_BAMLH0A0HYM2__Thecoderstef_Macro-Charts.csv", "2025-01-01"),
    ("NFCI", "FRED_NFCI_weekly_2019_2026__TGRADEA_gradea-fred-archive_excerpt.csv", None),
]


def fredgraph_csv(series: str, src: Path, start: str | None, stop: str | None = None) -> str:
    """The rows of *src* (verbatim values) under fredgraph.csv's header ``observation_date,ID``."""
    rows = list(csv.reader(io.StringIO(src.read_text())))[1:]
    keep = [r for r in rows if (start is None or r[0] >= start) and (stop is None or r[0] <= stop)]
    return "observation_date," + series + "\n" + "".join(f"{d},{v}\n" for d, v in keep)


def submissions(companyfacts: Path) -> dict[str, object]:
    """A submissions document for NVIDIA whose filing index lists the filings of companyfacts.

    Header fields (cik, name, tickers, exchanges, fiscalYearEnd, ...) are those of NVIDIA's real
    submissions answer as quoted in a public repository (see README.md). Filings: accession,
    form and filing date exactly as in companyfacts; reportDate = the latest us-gaap period end the
    filing reports. Newest first, as the SEC lists them.
    """
    doc = json.loads(companyfacts.read_text())
    acc: dict[str, dict[str, object]] = defaultdict(dict)
    for tax, tags in doc["facts"].items():
        for tag in tags.values():
            for facts in tag["units"].values():
                for f in facts:
                    a = acc[f["accn"]]
                    a["form"], a["filed"] = f["form"], f["filed"]
                    if tax == "us-gaap":
                        a["end"] = max(str(a.get("end", "")), f["end"])
    order = sorted(acc, key=lambda k: (acc[k]["filed"], k), reverse=True)
    return {
        "cik": "1045810",
        "entityType": "operating",
        "sic": "3674",
        "sicDescription": "Semiconductors & Related Devices",
        "name": "NVIDIA CORP",
        "tickers": ["NVDA"],
        "exchanges": ["Nasdaq"],
        "fiscalYearEnd": "0126",
        "stateOfIncorporation": "DE",
        "formerNames": [
            {"name": "NVIDIA CORP/CA", "from": "1998-05-07T00:00:00.000Z", "to": "2002-06-04T00:00:00.000Z"}
        ],
        "filings": {
            "recent": {
                "accessionNumber": order,
                "filingDate": [acc[k]["filed"] for k in order],
                "reportDate": [acc[k].get("end", "") for k in order],
                "form": [acc[k]["form"] for k in order],
                "primaryDocument": ["" for _ in order],
            },
            "files": [],
        },
    }


def company_tickers(nvda_submissions: dict[str, object]) -> dict[str, dict[str, object]]:
    """The SEC's ticker map in its own format (``{"0": {"cik_str", "ticker", "title"}}``) for the
    filers the tests know: NVIDIA as in its submissions (name, first ticker), Alphabet and TSMC
    with the companyfacts ``entityName`` and the universe's ticker, Apple with the CIK the
    reference README gives (CIK0000320193) and its ticker AAPL (ecosystem-notes.md)."""
    rows: list[tuple[int, str, str]] = []
    tickers = nvda_submissions["tickers"]
    assert isinstance(tickers, list)
    rows.append((int(str(nvda_submissions["cik"])), str(tickers[0]), str(nvda_submissions["name"])))
    for name, ticker in (("CIK0001652044.json", "GOOGL"), ("CIK0001046179.json", "TSM")):
        doc = json.loads((REF / "sec" / name).read_text())
        rows.append((int(doc["cik"]), ticker, str(doc["entityName"])))
    rows.append((320193, "AAPL", "Apple"))
    return {str(i): {"cik_str": cik, "ticker": t, "title": title} for i, (cik, t, title) in enumerate(rows)}


def main() -> None:
    sec = OUT / "sec"
    (sec / "companyfacts").mkdir(parents=True, exist_ok=True)
    (sec / "submissions").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REF / "sec" / "CIK0001045810_excerpt.json", sec / "companyfacts" / "CIK0001045810.json")
    sub = submissions(REF / "sec" / "CIK0001045810.json")
    (sec / "submissions" / "CIK0001045810.json").write_text(json.dumps(sub, separators=(",", ":")))
    (sec / "company_tickers.json").write_text(json.dumps(company_tickers(sub), separators=(",", ":")))
    fred = OUT / "fred"
    fred.mkdir(exist_ok=True)
    for sid, name, start in FRED:
        (fred / f"{sid}.csv").write_text(fredgraph_csv(sid, REF / "macro" / name, start))
    # a slice with real missing observations (FRED leaves holidays empty in this export)
    (fred / "DGS10_1980.csv").write_text(
        fredgraph_csv(
            "DGS10", REF / "macro" / "FRED_DGS10__sivamsapingali_Codex_Macro-Monitor.csv", "1980-01-01", "1980-01-31"
        )
    )


if __name__ == "__main__":
    main()
