"""Regression (issue 13, item 5): ``roi_gap`` "widening" fired in any growth phase.

It compared the change in required revenue (16 x the change in NVIDIA's quarterly data-centre
revenue) with the change in AI revenue, in dollars: AI revenue growing 30% a quarter against
required revenue growing 20% still "widened" the gap, two quarters running = alert. Widening is
now a fall in the coverage ratio AI revenue / required revenue (like-for-like entities).
"""

from __future__ import annotations

import pytest

from tests._support.sigdata import cal_rows, evaluate, event, history_status, inputs

B = 1e9


def _case(dc: list[float], ai: list[float]):  # type: ignore[no-untyped-def]
    rows = cal_rows("NVDA", "data_center_revenue", (2025, 1), [v * B for v in dc])
    dates = ("2025-03-15", "2025-06-15", "2025-09-15")
    ev = [
        event("ai_revenue_run_rate", d, "OpenAI", a * B, metric="ai_revenue_run_rate", unit="USD_per_year")
        for d, a in zip(dates, ai, strict=False)
    ]
    return inputs(rows, events=ev)


def test_ai_revenue_outgrowing_required_revenue_is_not_widening() -> None:
    # required 160 -> 192 -> 224B (+20%, +16.7%); AI revenue 100 -> 130 -> 161B (+30%, +23.8%).
    # In dollars required grew more each quarter (32 > 30, 32 > 31): the old rule said alert.
    # Coverage 0.625 -> 0.677 -> 0.719 rises: no widening.
    sig = evaluate("roi_gap", _case([10, 12, 14], [100, 130, 161]))
    assert history_status(sig) == {"2025Q1": "insufficient-data", "2025Q2": "ok", "2025Q3": "ok"}
    assert sig.values["coverage_lfl_prev_ratio"].value == pytest.approx(130 / 192)
    assert sig.values["coverage_lfl_ratio"].value == pytest.approx(161 / 224)
    assert sig.values["widening_streak"].value == 0


def test_required_revenue_outgrowing_ai_revenue_still_widens() -> None:
    # AI revenue +10% a quarter (100 -> 110 -> 121B) against required +20%, +16.7%: coverage
    # 0.625 -> 0.573 -> 0.540 falls twice: watch, then alert
    sig = evaluate("roi_gap", _case([10, 12, 14], [100, 110, 121]))
    assert history_status(sig) == {"2025Q1": "insufficient-data", "2025Q2": "watch", "2025Q3": "alert"}
