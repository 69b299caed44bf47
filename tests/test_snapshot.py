"""The bundled snapshot against the real reference data it was built from."""

from __future__ import annotations

import csv
import hashlib
import tomllib
from collections import defaultdict
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from capexwatch.sources import snapshot

SNAP = Path(str(resources.files("capexwatch.sources.snapshot")))


def test_manifest_checksums_match_files() -> None:
    man = snapshot.manifest()
    for name in ("company_quarters", "macro_series"):
        data = (SNAP / f"{name}.csv").read_bytes()
        assert hashlib.sha256(data).hexdigest() == man["files"][name]["sha256"]
        assert sum(1 for _ in csv.reader(data.decode().splitlines())) - 1 == man["files"][name]["rows"]


def test_every_quarter_row_has_a_source_and_no_duplicate_keys() -> None:
    q = snapshot.load_company_quarters()
    assert len(q) > 400
    assert q["source_url"].str.startswith("http").all()
    assert q["source_kind"].isin(["sec-xbrl", "primary", "secondary"]).all()
    assert not q.duplicated(["ticker", "metric", "fiscal_period"]).any()
    from capexwatch.metrics import METRICS

    assert set(q["metric"]) <= set(METRICS)


def test_snapshot_keeps_every_reference_value(reference_dir: Path) -> None:
    """Each reference row is in the snapshot, converted to base units, with the same source."""
    ref = pd.read_csv(reference_dir / "company_quarters.csv")
    snap = snapshot.load_company_quarters()
    assert len(ref) == len(snap)
    merged = ref.merge(
        snap,
        left_on=["ticker", "fiscal_period", "metric", "source_url"],
        right_on=["ticker", "fiscal_period", "reference_metric", "source_url"],
        how="left",
        validate="one_to_one",
    )
    assert merged["value"].notna().all()
    usd = merged["unit_x"] == "USD_millions"
    assert (merged.loc[usd, "value"] == merged.loc[usd, "value_usd_millions"] * 1e6).all()
    assert (merged.loc[~usd, "value"] == merged.loc[~usd, "value_usd_millions"]).all()
    assert (merged["note_x"] == merged["note_y"]).all()


def test_macro_series_have_sources_and_agree_across_files(reference_dir: Path) -> None:
    m = snapshot.load_macro()
    assert set(m["series_id"]) >= {"DFF", "FEDFUNDS", "DGS10", "BAMLH0A0HYM2", "NFCI", "ANFCI"}
    assert m["source"].str.startswith("FRED:").all()
    assert not m.duplicated(["series_id", "date"]).any()
    origins = snapshot.manifest()["origins"]
    assert set(m["source"]) <= set(origins)
    # the two DGS10 copies agree wherever both have a value (the reference README says so)
    a = pd.read_csv(reference_dir / "macro" / "FRED_DGS10__Thecoderstef_Macro-Charts.csv").dropna()
    b = pd.read_csv(reference_dir / "macro" / "FRED_DGS10__sivamsapingali_Codex_Macro-Monitor.csv").dropna()
    j = a.merge(b, on="date")
    assert len(j) > 5000
    assert (j["DGS10"] - j["value"]).abs().max() < 1e-9
    snap = m[m["series_id"] == "DGS10"].set_index("date")["value"]
    assert snap.loc["2026-07-28"] == pytest.approx(4.61)
    assert snap.loc["1980-01-02"] == pytest.approx(10.5)


def test_four_quarters_agree_with_published_fiscal_year_totals() -> None:
    """Where a fiscal-year total was published, the snapshot's four quarters sum to it (to the
    published precision)."""
    q = snapshot.load_company_quarters()
    pub = snapshot.load_published_figures()
    fy = pub[~pub["fiscal_period"].str.contains("Q")]
    sums: dict[tuple[str, str, int], list[float]] = defaultdict(list)
    for r in q.itertuples():
        sums[(r.ticker, r.metric, r.fiscal_year)].append(r.value)
    checked = 0
    for r in fy.itertuples():
        key = (r.ticker, r.metric, int(r.fiscal_period[2:6]))
        if len(sums.get(key, [])) == 4:
            total = sum(sums[key])
            # published totals are rounded to $0.1B
            assert abs(total - r.value) <= 0.05e9 + 1e-3 * abs(r.value), (key, total, r.value)
            checked += 1
    if not len(fy):
        pytest.skip("no published fiscal-year totals bundled yet")
    assert checked >= 2


def test_fiscal_labels_follow_the_fiscal_year_end() -> None:
    """Period ends sit in the quarter the fiscal label implies, given the universe's FYE month."""
    from capexwatch.universe import load_universe

    fye = {c["ticker"]: c["fye_month"] for c in load_universe()}
    q = snapshot.load_company_quarters()
    for r in q.itertuples():
        end = pd.Timestamp(r.period_end)
        # months from this quarter's end to the fiscal-year end
        months_to_fye = 3 * (4 - r.fiscal_quarter)
        expected = end + pd.DateOffset(months=months_to_fye)
        # 52/53-week years end within about a week of the month boundary
        ok = {(expected + pd.Timedelta(days=d)).month for d in (-8, 0, 8)}
        assert fye[r.ticker] in ok, (r.ticker, r.fiscal_period, r.period_end)
        fy_end_year = {(expected + pd.Timedelta(days=d)).year for d in (-8, 0, 8)}
        assert r.fiscal_year in fy_end_year, (r.ticker, r.fiscal_period, r.period_end)


def test_manifest_is_valid_toml() -> None:
    with (SNAP / "MANIFEST.toml").open("rb") as fh:
        assert tomllib.load(fh)["version"] == snapshot.snapshot_version()


def test_snapshot_build_keeps_the_curated_entries() -> None:
    """scripts/build_snapshot.py rewrites MANIFEST.toml: the hand-curated historical_cycles entry
    must come out as it is in the bundled manifest (rows and checksum of the file on disk)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "scripts" / "build_snapshot.py"
    spec = importlib.util.spec_from_file_location("build_snapshot", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    built = tomllib.loads(mod.curated_entries(SNAP))["files"]
    assert built["historical_cycles"] == snapshot.manifest()["files"]["historical_cycles"]
    data = (SNAP / "historical_cycles.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == built["historical_cycles"]["sha256"]
