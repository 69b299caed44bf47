"""The shared helpers: runs, two-leg status, growth across breaks, TTM, the current-quarter rule."""

from __future__ import annotations

import pandas as pd
import pytest

from capexwatch.facts.periods import calendar_quarter_end, quarter_index, quarter_label
from capexwatch.signals._compare import ge, gt
from capexwatch.signals._current import pick_current
from capexwatch.signals._growth import ttm, yoy
from capexwatch.signals._panel import metric_rows
from capexwatch.signals._runs import roll_up, run_lengths, streaks, two_leg_status
from tests._support.sigdata import cal_rows, inputs


def test_quarter_arithmetic() -> None:
    assert quarter_label(quarter_index("2025Q4") + 1) == "2026Q1"
    assert (
        calendar_quarter_end("2024Q1").isoformat() == "2024-03-31"
        and calendar_quarter_end("2024Q2").isoformat() == "2024-06-30"
    )


def test_runs_treat_unknown_and_gaps_as_open() -> None:
    assert run_lengths([1, 2, 3, 4], [True, True, False, True]) == [(1, True), (2, True), (0, False), (1, False)]
    assert run_lengths([1, 2, 4], [True, True, True]) == [(1, True), (2, True), (1, True)]  # gap at 3
    assert run_lengths([1, 2, 3], [True, None, True]) == [(1, True), (None, True), (1, True)]
    assert streaks([True, True, None, True]) == [1, 2, None, 1]


def test_two_leg_status() -> None:
    assert two_leg_status(True, 2, False, True, 2, False, 2) == ("alert", None)
    assert two_leg_status(True, 2, False, True, 1, False, 2)[0] == "watch"
    assert two_leg_status(True, 1, False, True, 1, False, 2)[0] == "ok"
    # an open run may be longer than counted: never call that ok
    assert two_leg_status(True, 1, True, True, 1, True, 2)[0] == "insufficient-data"
    assert two_leg_status(True, 2, False, True, 1, True, 2) == (
        "watch",
        "earlier quarters unknown: the status could be alert",
    )
    assert two_leg_status(False, 0, False, None, None, True, 2)[0] == "ok"  # the trigger cannot fire
    assert two_leg_status(True, 3, False, None, None, True, 2)[0] == "insufficient-data"


def test_roll_up() -> None:
    assert roll_up("ok", {"A": "alert"})[0] == "watch"
    assert roll_up("insufficient-data", {"A": "alert"})[0] == "watch"
    assert roll_up("alert", {"A": "ok"}) == ("alert", None)
    assert roll_up("ok", {"A": "watch"}) == ("ok", None)


def test_tolerant_comparisons() -> None:
    assert not gt(105 * 1.05 / 105 * 100 - 100, 5.0)  # 5.000000000000004 is 5
    assert ge(0.1 + 0.2, 0.3) and not gt(0.1 + 0.2, 0.3)


def test_yoy_respects_breaks_and_gaps() -> None:
    rows = cal_rows("MSFT", "cloud_revenue", (2023, 1), [10, 10, 10, 10, 12, 12, 6, 6])
    inp = inputs(rows)
    g = yoy(metric_rows(inp, "cloud_revenue"), {"MSFT": ("2024-09-30",)}).set_index("calendar_quarter")
    assert g.loc["2024Q1", "yoy_pct"] == pytest.approx(20.0)
    assert pd.isna(g.loc["2024Q3", "yoy_pct"]) and "break" in g.loc["2024Q3", "yoy_reason"]
    assert pd.isna(g.loc["2023Q4", "yoy_pct"]) and "year earlier" in g.loc["2023Q4", "yoy_reason"]


def test_ttm_requires_four_consecutive_quarters() -> None:
    rows = cal_rows("X", "capex", (2024, 1), [1, 2, 3, 4, 5, 6])
    rows = [r for r in rows if r["calendar_quarter"] != "2024Q3"]
    t = ttm(metric_rows(inputs(rows), "capex")).set_index("calendar_quarter")
    assert t["ttm"].isna().all()
    five = inputs(cal_rows("X", "capex", (2024, 1), [1, 2, 3, 4, 5]))
    full = ttm(metric_rows(five, "capex")).set_index("calendar_quarter")
    assert full.loc["2024Q4", "ttm"] == 10 and full.loc["2025Q1", "ttm"] == 14
    assert [r["value"] for r in full.loc["2025Q1", "ttm_rows"]] == [2, 3, 4, 5]


def test_pick_current_lag_rule() -> None:
    t = pd.DataFrame(
        {
            "quarter": ["2025Q1", "2025Q2", "2025Q3", "2025Q4"],
            "status": ["ok", "insufficient-data", "insufficient-data", "insufficient-data"],
            "reason": [None, "x", "y", "no data for 2025Q4"],
        }
    )
    row, why = pick_current(t, max_lag=2)
    assert row is None and "3 quarters behind" in (why or "") and "no data for 2025Q4" in (why or "")
    row, why = pick_current(t, max_lag=3)
    assert row is not None and row["quarter"] == "2025Q1"
