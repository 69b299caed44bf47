"""Regression (issue 13, item 7): ``capital_intensity`` put whole-company capex / revenue against
Bain's 0.25, which is data-centre capex over the revenue that capex must earn (published-analyses
§2). A company spending a steady 30% of its revenue (cash flow covering it twice) was on watch for
ever. The reference has no published threshold for whole-company intensity, so the ratio is now
compared with itself a year earlier, and thresholds.toml says so.
"""

from __future__ import annotations

import pytest

from capexwatch.signals.thresholds import default_thresholds
from tests._support.sigdata import cal_rows, evaluate, inputs

B = 1e9


def _company(capex: list[float]) -> list[dict[str, object]]:
    n = len(capex)
    return (
        cal_rows("ORCL", "capex", (2024, 1), [c * B for c in capex])
        + cal_rows("ORCL", "revenue", (2024, 1), [100 * B] * n)
        + cal_rows("ORCL", "operating_cash_flow", (2024, 1), [60 * B] * n)
    )


def test_steady_whole_company_intensity_above_bains_ratio_is_not_a_watch() -> None:
    # capex / revenue = 30 / 100 = 0.30 in both years (> 0.25); capex / OCF = 0.5
    sig = evaluate("capital_intensity", inputs(_company([30.0] * 8)), ticker="ORCL")
    assert sig.values["capex_to_revenue_ratio"].value == pytest.approx(0.30)
    assert sig.values["capex_to_ocf_ratio"].value == pytest.approx(0.5)
    assert sig.status == "ok"


def test_intensity_rising_on_a_year_earlier_is_a_watch_even_below_bains_ratio() -> None:
    # 0.10 -> 0.20: below 0.25, up 10 pp on a year earlier
    sig = evaluate("capital_intensity", inputs(_company([10.0] * 4 + [20.0] * 4)), ticker="ORCL")
    assert sig.values["capex_to_revenue_change_4q"].value == pytest.approx(0.10)
    assert sig.status == "watch"


def test_the_thresholds_file_says_which_comparison_and_why() -> None:
    entries = default_thresholds()["capital_intensity"]
    assert "capex_to_revenue_watch" not in entries
    src = entries["capex_to_revenue_rise_pp"].source
    assert "No published calibration" in src and "Bain" in src and "published-analyses §2" in src
