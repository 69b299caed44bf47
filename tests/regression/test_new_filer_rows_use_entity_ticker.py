"""Regression: a filer new to the store must get panel rows under the same id as its entity.

A draft of the bulk path chose the id ``CIK##########`` for a new filer *after* deriving its
quarters, so the entity and the panel rows could disagree (rows under one id, entity under
another) and ``capexwatch quarters`` found nothing. The id is now fixed before deriving.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from capexwatch.pipeline.files import ingest_sec_path
from capexwatch.store.db import Store
from tests._support.data import RECORDED

CF = RECORDED / "sec" / "companyfacts" / "CIK0001045810.json"


def test_bulk_new_filer_rows_and_entity_agree(tmp_path: Path) -> None:
    z = tmp_path / "companyfacts.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("CIK0001045810.json", CF.read_bytes())
    store = Store.open(tmp_path / "empty.duckdb")  # no universe: NVIDIA is new
    try:
        out = ingest_sec_path(store, z)
        ticker = out["companies"][0]["ticker"]
        # named by its SEC ticker from the bundled ticker map (issue 13), not CIK0001045810
        assert store.entity(1045810)["ticker"] == ticker == "NVDA"
        tickers = {r[0] for r in store.con.execute("SELECT DISTINCT ticker FROM panel").fetchall()}
        assert tickers == {ticker}
        facts = {r[0] for r in store.con.execute("SELECT DISTINCT ticker FROM facts").fetchall()}
        assert facts == {ticker}
        assert len(store.quarters(ticker, "revenue", source="sec", ok_only=True)) > 0
    finally:
        store.close()
