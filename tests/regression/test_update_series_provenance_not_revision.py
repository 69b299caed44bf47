"""Regression: `update --series` counted every observation already in the snapshot as a revision.

The bundled snapshot stores FRED series with the repository they were copied from as ``source``;
a live fetch stores the FRED series page. The first version of the series diff compared the whole
row, so a changed ``source`` with an identical value was reported as a revision ("revised 90")
although no number changed. A revision is a changed *value*; a changed source is provenance.
"""

from __future__ import annotations

import csv

import pytest

import capexwatch
from capexwatch.pipeline.update import update
from tests._support.data import RECORDED
from tests._support.fakeserver import FakeServer

FEDFUNDS = RECORDED / "fred" / "FEDFUNDS.csv"


def test_source_change_alone_is_not_a_revision(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeServer() as server:
        server.add("/graph/fredgraph.csv", FEDFUNDS, content_type="text/csv", query={"id": "FEDFUNDS"})
        monkeypatch.setenv("CAPEXWATCH_FRED_CSV_URL", server.url + "/graph/fredgraph.csv")
        monkeypatch.delenv("FRED_API_KEY", raising=False)
        with capexwatch.open() as store:
            before = store.series("FEDFUNDS").set_index("date")["value"]
            rep = update(store, series=["FEDFUNDS"])
            after = store.series("FEDFUNDS").set_index("date")["value"]
    rows = list(csv.reader(FEDFUNDS.open()))[1:]
    s = rep.series[0]
    # the snapshot and the recorded download are the same FRED file: no value changed
    overlap = [d for d, _ in rows if any(str(x)[:10] == d for x in before.index)]
    assert overlap, "the snapshot should already hold these months"
    assert s["revised"] == 0
    assert s["provenance_updates"] == len(overlap)
    assert s["new"] == len(rows) - len(overlap)
    assert rep.written  # the new source is still recorded
    assert (after.loc[before.index] == before).all()
