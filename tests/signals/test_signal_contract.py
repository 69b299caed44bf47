"""The contract every signal keeps: fields, no crash on missing data, evidence with sources, JSON."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from capexwatch import signals as S
from capexwatch._json import dumps
from capexwatch.errors import UnknownSignalError
from capexwatch.signals._inputs import Inputs
from tests._support.sigdata import cal_rows, inputs

NAMES = [
    "roi_gap",
    "capital_intensity",
    "hardware_saturation",
    "liquidity_drain",
    "capex_vs_cloud",
    "energy_constraints",
    "depreciation_gap",
    "circular_financing",
]


def test_registry_has_the_eight_signals_in_board_order() -> None:
    assert S.signal_names() == NAMES
    with pytest.raises(UnknownSignalError, match="Known signals"):
        S.get_spec("roi")
    assert S.get_spec("ROI-GAP").name == "roi_gap"


@pytest.mark.parametrize(
    "inp",
    [
        inputs(None),
        inputs(cal_rows("MSFT", "capex", (2025, 1), [1e9])),  # one figure
        inputs(cal_rows("NVDA", "data_center_revenue", (2025, 1), [1e9, None, 2e9])),  # a blank value
        inputs(series=pd.DataFrame({"series_id": ["NFCI"], "date": ["2025-01-03"], "value": [0.1]})),
    ],
)
def test_missing_data_gives_insufficient_data_with_a_reason_never_a_crash(inp: Inputs) -> None:
    for name in NAMES:
        sig = S.evaluate(inp, name)
        assert "signal failed" not in (sig.reason or ""), (name, sig.reason)
        if sig.status == "insufficient-data":
            assert sig.reason, name
        else:  # only a firing check may say anything on this little data
            assert sig.status in ("watch", "alert"), (name, sig.status)


def test_real_board_contract(real_inputs: Inputs) -> None:
    sigs = S.evaluate_all(real_inputs)
    assert [s.name for s in sigs] == NAMES
    for s in sigs:
        assert "signal failed" not in (s.reason or ""), s.reason
        d = json.loads(dumps(s.to_dict()))
        for k in (
            "name",
            "status",
            "value",
            "as_of",
            "thresholds",
            "evidence",
            "question",
            "definition",
            "formula",
            "history",
            "coverage",
            "values",
            "checks",
        ):
            assert k in d, (s.name, k)
        assert s.status in S.STATUSES and s.history and s.summary
        if s.status != "insufficient-data":
            assert s.as_of and s.evidence, s.name
        for e in s.evidence:
            assert e.value is not None, (s.name, e.label)
            assert e.source_url or e.filing or e.source == "derived", (s.name, e.label)
        assert all(h.status in S.STATUSES for h in s.history)
        quarters = [h.quarter for h in s.history]
        assert quarters == sorted(quarters), s.name


@pytest.mark.parametrize("ticker", ["ORCL", "NVDA", "CRWV", "SPCX", "TSM"])
def test_every_signal_runs_for_any_company(real_inputs: Inputs, ticker: str) -> None:
    for s in S.evaluate_all(real_inputs, ticker=ticker):
        assert "signal failed" not in (s.reason or ""), (s.name, s.reason)
        assert s.status != "insufficient-data" or s.reason, s.name
