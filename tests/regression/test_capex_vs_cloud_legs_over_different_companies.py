"""Regression (issue 13, item 6): ``capex_vs_cloud`` summed capex over every company with a cloud
segment that reported capex (four on the bundled data) but cloud growth only over those with growth
y/y (two: Microsoft's re-segmentation and Oracle's separate measures leave them out), so one
company's capex surge could pair with other companies' slowing cloud. Both legs now run over one
set of companies, and each company's own result is shown beside the group's.
"""

from __future__ import annotations

import pytest

from tests._support.sigdata import cal_rows, evaluate, history_status, inputs

B = 1e9


def _quarters() -> list[dict[str, object]]:
    # AMZN and GOOGL: cloud growth y/y 30, 25, 20, 15% in 2025 (decelerating) while their capex
    # edges down (10 -> 9.9 -> 9.8 -> 9.7B); MSFT doubles its capex but has cloud revenue only for
    # the last two quarters (no growth y/y): it is in neither group leg
    q: list[dict[str, object]] = []
    for t in ("AMZN", "GOOGL"):
        q += cal_rows(t, "cloud_revenue", (2024, 1), [v * B for v in (100, 100, 100, 100, 130, 125, 120, 115)])
        q += cal_rows(t, "capex", (2024, 1), [v * B for v in (10, 10, 10, 10, 10, 9.9, 9.8, 9.7)])
    q += cal_rows("MSFT", "capex", (2024, 1), [v * B for v in (10, 10, 10, 10, 20, 30, 40, 50)])
    q += cal_rows("MSFT", "cloud_revenue", (2025, 3), [50 * B, 55 * B])
    return q


def test_group_capex_is_over_the_companies_whose_cloud_growth_it_is_paired_with() -> None:
    sig = evaluate("capex_vs_cloud", inputs(_quarters()))
    # the old rule: capex over AMZN, GOOGL and MSFT rose every quarter of 2025: alert; now the
    # companies whose cloud slows were not raising capex
    h = history_status(sig)
    assert h["2025Q3"] == "ok" and h["2025Q4"] == "ok"
    assert sig.as_of == "2025Q4"
    assert sig.coverage["group_members_used"] == ["AMZN", "GOOGL"]
    assert sig.coverage["capex_members_used"] == sig.coverage["cloud_members_used"] == ["AMZN", "GOOGL"]
    # by hand: capex 2 x 9.7 = 19.4B against 2 x 9.8 = 19.6B: -1.02%; growth 20% -> 15%
    assert sig.values["group_capex_usd"].value == pytest.approx(19.4 * B)
    assert sig.values["group_capex_change_pct"].value == pytest.approx((9.7 / 9.8 - 1) * 100)
    assert sig.values["group_cloud_growth_yoy_pct"].value == pytest.approx(15.0)
    assert sig.values["group_cloud_growth_prev_pct"].value == pytest.approx(20.0)


def test_each_company_is_shown_beside_the_group() -> None:
    sig = evaluate("capex_vs_cloud", inputs(_quarters()))
    res = sig.coverage["company_results"]
    assert set(res) == {"AMZN", "GOOGL", "MSFT"}
    assert res["AMZN"]["capex_change_pct"] == pytest.approx((9.7 / 9.8 - 1) * 100)
    assert res["AMZN"]["cloud_growth_yoy_pct"] == pytest.approx(15.0)
    assert res["AMZN"]["cloud_growth_prev_pct"] == pytest.approx(20.0)
    assert sig.values["MSFT_capex_change_pct"].value == pytest.approx(25.0)  # 40 -> 50B
    assert sig.values["MSFT_cloud_growth_yoy_pct"].value is None
