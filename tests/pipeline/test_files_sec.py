"""``ingest`` of SEC companyfacts files, offline: identity of new filers, foreign filers, idempotence."""

from __future__ import annotations

from pathlib import Path

import capexwatch
from capexwatch.pipeline.files import ingest_sec_path
from capexwatch.store.db import Store

NVDA_CIK = 1045810
RECORDED = Path(__file__).resolve().parents[1] / "data" / "recorded"
CF_FILE = RECORDED / "sec" / "companyfacts" / f"CIK{NVDA_CIK:010d}.json"


def test_ingest_unknown_filer_infers_fiscal_year(tmp_path: Path) -> None:
    """An empty store (no universe): the filer is named by the SEC ticker map with its FYE inferred
    (NVIDIA: January)."""
    store = Store.open(tmp_path / "empty.duckdb")
    try:
        out = ingest_sec_path(store, CF_FILE)
        c = out["companies"][0]
        assert c["ticker"] == "NVDA" and c["fye_source"] == "inferred" and c["fye_month"] == 1
        assert store.entity(NVDA_CIK)["ticker"] == "NVDA"
        assert store.entity(f"CIK{NVDA_CIK:010d}")["ticker"] == "NVDA"  # the CLI takes either
    finally:
        store.close()


def test_ingest_filer_the_ticker_map_does_not_list(tmp_path: Path) -> None:
    """A filer neither the store nor the ticker map knows keeps the id CIK##########."""
    doc = CF_FILE.read_bytes().replace(b'"cik":1045810', b'"cik":9999997', 1)
    assert doc != CF_FILE.read_bytes()
    path = tmp_path / "CIK0009999997.json"
    path.write_bytes(doc)
    store = Store.open(tmp_path / "empty.duckdb")
    try:
        out = ingest_sec_path(store, path)
        assert out["companies"][0]["ticker"] == "CIK0009999997"
    finally:
        store.close()


def test_second_ingest_of_the_same_file_writes_nothing(tmp_path: Path) -> None:
    """Only what differs from the store is written: the same document twice adds no load, fact or row."""
    store = Store.open(tmp_path / "empty.duckdb")
    try:
        first = ingest_sec_path(store, CF_FILE)
        assert first["written"] and first["new_quarters"] > 0
        before = store.counts()
        again = ingest_sec_path(store, CF_FILE)
        assert not again["written"]
        assert (again["new_quarters"], again["revisions"], again["withdrawn"]) == (0, 0, 0)
        assert again["companies"][0]["facts_new"] == 0
        assert store.counts() == before
    finally:
        store.close()


def test_foreign_ifrs_filer_is_labelled_not_a_traceback(reference_dir: Path) -> None:
    """TSMC files a 20-F on ifrs-full in TWD with USD convenience figures: the USD panel keeps USD
    only, and the summary says what was left out in which currency."""
    with capexwatch.open() as s:
        out = ingest_sec_path(s, reference_dir / "sec" / "CIK0001046179.json")
        units = {
            r[0]
            for r in s.con.execute("SELECT DISTINCT unit FROM panel WHERE ticker = 'TSM' AND source = 'sec'").fetchall()
        }
    c = out["companies"][0]
    assert c["ticker"] == "TSM" and c["fye_month"] == 12
    assert any("TWD" in n and "revenue" in n for n in c["notes"])
    assert units <= {"USD"}
