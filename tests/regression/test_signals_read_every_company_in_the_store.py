"""Regression (issue 14, item 6): after a big user CSV, ``signals`` and ``report`` read every
company in the store (8.3 GB for ``signals`` with 8,748 companies), though they concern the
universe and what the user asks for.

A moderately sized synthetic store: 300 made-up companies beside the bundled snapshot. The
signals' inputs, the backtest's and the report's intensity table must hold none of them, unless
the user asks for one (``signal ... --ticker``). Not a timing test: it checks what is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import capexwatch
from capexwatch.pipeline import ingest_path
from capexwatch.signals import Inputs
from capexwatch.signals.backtest import backtest_inputs
from capexwatch.store import panel
from tests._support.synthcsv import SYNTH_PREFIX, synth_tickers, write_synth_csv

COMPANIES = 300


@pytest.fixture(scope="module")
def crowded_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module (the snapshot load and the ingest are the slow part)."""
    folder = tmp_path_factory.mktemp("crowded")
    csv_path = folder / "many.csv"
    write_synth_csv(csv_path, COMPANIES, quarters=8, metrics=3, seed=14)
    db = folder / "capexwatch.duckdb"
    with capexwatch.open(db) as s:
        ingest_path(s, csv_path)
    return db


@pytest.fixture
def crowded(crowded_path: Path) -> Iterator[capexwatch.Store]:
    with capexwatch.open(crowded_path, read_only=True) as s:
        yield s


def _synthetic(tickers: object) -> set[str]:
    return {str(t) for t in tickers if str(t).startswith(SYNTH_PREFIX)}  # type: ignore[attr-defined]


def test_the_store_holds_the_synthetic_companies(crowded: capexwatch.Store) -> None:
    stored = crowded.quarters(synth_tickers(COMPANIES), "capex")
    assert _synthetic(stored["ticker"].unique()) == set(synth_tickers(COMPANIES))


def test_signal_inputs_hold_no_company_outside_the_scope(crowded: capexwatch.Store) -> None:
    inputs = Inputs.from_store(crowded)
    assert not _synthetic(inputs.quarters["ticker"].unique())
    assert not _synthetic(inputs.entities["ticker"])
    assert {"MSFT", "NVDA"} <= set(inputs.quarters["ticker"])
    dated = Inputs.from_store(crowded, as_of="2025-06-30")
    assert not _synthetic(dated.quarters["ticker"].unique())
    assert not _synthetic(backtest_inputs(crowded).quarters["ticker"].unique())


def test_a_company_the_user_asks_for_is_read(crowded: capexwatch.Store) -> None:
    one = synth_tickers(COMPANIES)[7]
    inputs = Inputs.from_store(crowded, tickers=[one.lower()])
    assert _synthetic(inputs.quarters["ticker"].unique()) == {one}


def test_report_intensity_table_holds_no_company_outside_the_scope(crowded: capexwatch.Store) -> None:
    table = panel.capex_intensity(crowded)
    assert len(table) and not _synthetic(table["ticker"].unique())


class _Recording:
    """The store, recording the companies each ``quarters`` call read."""

    def __init__(self, store: capexwatch.Store) -> None:
        self.store = store
        self.read: list[set[str]] = []

    def quarters(self, ticker: object = None, metric: object = None, **kw: object) -> object:
        df = self.store.quarters(ticker, metric, **kw)  # type: ignore[arg-type]
        self.read.append(set(df["ticker"]))
        return df

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)


def test_report_model_sections_read_no_company_outside_the_scope(crowded: capexwatch.Store) -> None:
    # the report's model sections read the store through one memo (10,000 made-up companies took
    # a report from 180 to 660 MB when it read each metric for every company, bench_scale.py)
    from capexwatch.report.cycles_report import MemoStore

    rec = _Recording(crowded)
    memo = MemoStore(rec)
    nvda = memo.quarters("nvda", "revenue")
    assert set(nvda["ticker"]) == {"NVDA"} and len(nvda) > 8
    assert memo.quarters(["MSFT", "GOOGL"], "capex")["ticker"].nunique() == 2
    one = synth_tickers(COMPANIES)[3]
    assert set(memo.quarters(one, "capex")["ticker"]) == {one}  # asked for: read as asked
    assert rec.read and not any(_synthetic(r) for r in rec.read[:2])
    assert len(rec.read) == 3  # capex for the two, read once for the whole scope
