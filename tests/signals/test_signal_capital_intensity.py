"""capital_intensity: capex/OCF threshold, capex/revenue trend, TTM rules, group roll-up, real data."""

from __future__ import annotations

from pathlib import Path

import pytest

from capexwatch.signals._inputs import Inputs
from capexwatch.signals.capital_intensity import classify
from tests._support.sigdata import cal_rows, evaluate, history_status, inputs, ref_quarters, thresholds

B = 1e9


def _co(
    t: str, capex: float, revenue: float | None, ocf: float | None, n: int = 8, capex_before: float | None = None
) -> list[dict[str, object]]:
    """*n* quarters from 2024Q1; capex is *capex_before* (default: *capex*) in the first four."""
    first = capex if capex_before is None else capex_before
    rows = cal_rows(t, "capex", (2024, 1), [first * B] * min(n, 4) + [capex * B] * max(n - 4, 0))
    if revenue is not None:
        rows += cal_rows(t, "revenue", (2024, 1), [revenue * B] * n)
    if ocf is not None:
        rows += cal_rows(t, "operating_cash_flow", (2024, 1), [ocf * B] * n)
    return rows


@pytest.mark.parametrize(
    ("capex", "ocf", "status"),
    [(10.0, 10.0, "ok"), (10.0001, 10.0, "alert"), (1.0, -1.0, "alert"), (1.0, 0.0, "alert")],
)
def test_capex_to_ocf_edge(capex: float, ocf: float, status: str) -> None:
    # capex/OCF exactly 1.0 is not above 1; OCF <= 0 with capex > 0 is funded from outside
    sig = evaluate("capital_intensity", inputs(_co("ORCL", capex, 100.0, ocf)), ticker="ORCL")
    assert sig.status == status


@pytest.mark.parametrize(
    ("capex", "rise_pp", "status"), [(25.0, 0.0, "ok"), (25.01, 0.0, "watch"), (27.0, 2.0, "ok"), (27.01, 2.0, "watch")]
)
def test_capex_to_revenue_trend_edge(capex: float, rise_pp: float, status: str) -> None:
    # capex / revenue 0.25 a year earlier; now capex/100: a rise of exactly rise_pp does not fire
    q = _co("ORCL", capex, 100.0, 60.0, capex_before=25.0)
    sig = evaluate("capital_intensity", inputs(q), ticker="ORCL", capex_to_revenue_rise_pp=rise_pp)
    assert sig.as_of == "2025Q4" and sig.status == status
    assert sig.values["capex_to_revenue_ratio"].value == pytest.approx(capex / 100)
    assert sig.values["capex_to_revenue_change_4q"].value == pytest.approx((capex - 25.0) / 100)
    assert sig.values["fcf_after_capex_ttm_usd"].value == pytest.approx(4 * (60 - capex) * B)


def test_a_high_but_steady_capex_to_revenue_does_not_fire() -> None:
    # 0.40 both years: high, but no published level for whole-company intensity to judge it by
    sig = evaluate("capital_intensity", inputs(_co("ORCL", 40.0, 100.0, 60.0)), ticker="ORCL")
    assert sig.status == "ok"


def test_the_trend_needs_a_year_earlier() -> None:
    sig = evaluate("capital_intensity", inputs(_co("ORCL", 10.0, 100.0, 60.0, n=4)), ticker="ORCL")
    assert sig.status == "insufficient-data" and "four quarters earlier" in (sig.reason or "")


def test_missing_cash_flow_is_never_a_silent_ok() -> None:
    low = evaluate("capital_intensity", inputs(_co("ORCL", 10.0, 100.0, None)), ticker="ORCL")
    assert low.status == "insufficient-data" and "operating cash flow" in (low.reason or "")
    high = evaluate("capital_intensity", inputs(_co("ORCL", 40.0, 100.0, None, capex_before=30.0)), ticker="ORCL")
    assert high.status == "watch" and "not evaluated" in (high.reason or "")


def test_ttm_needs_four_consecutive_quarters() -> None:
    rows = _co("ORCL", 10.0, 100.0, 60.0, n=9)
    rows = [r for r in rows if not (r["calendar_quarter"] == "2025Q2" and r["metric"] == "capex")]
    sig = evaluate("capital_intensity", inputs(rows), ticker="ORCL")
    h = history_status(sig)
    assert h["2025Q4"] == "insufficient-data" and h["2026Q1"] == "insufficient-data"


def test_classify_is_pure() -> None:
    th = thresholds("capital_intensity")
    assert classify(0.3, 1.2, 10.0, 12.0, th, 0.3)[0] == "alert"
    assert classify(0.3, 0.5, 10.0, 5.0, th, 0.2)[0] == "watch"
    assert classify(0.2, 0.5, 10.0, 5.0, th, 0.3)[0] == "ok"
    assert classify(0.3, 0.5, 10.0, 5.0, th, 0.3)[0] == "ok"
    assert classify(None, 0.5, 10.0, 5.0, th, 0.3)[0] == "insufficient-data"
    assert classify(0.3, 0.5, 10.0, 5.0, th)[0] == "insufficient-data"


def test_group_like_for_like_and_roll_up() -> None:
    q = _co("MSFT", 10, 100, 50) + _co("GOOGL", 10, 100, 50) + _co("AMZN", 10, 100, 50) + _co("META", 30, 100, 20)
    sig = evaluate("capital_intensity", inputs(q))
    # group: capex 60 / revenue 400 = 0.15, capex / OCF 60/170: ok; META alone is in alert -> board watch
    assert sig.values["capex_to_revenue_ratio"].value == pytest.approx(0.15)
    assert sig.values["capex_to_ocf_ratio"].value == pytest.approx(60 / 170)
    assert sig.values["META_status"].value == "alert"
    assert sig.status == "watch" and "META" in (sig.reason or "")


def test_group_needs_three_members() -> None:
    q = _co("MSFT", 10, 100, 50) + _co("GOOGL", 10, 100, 50) + _co("AMZN", 10, 100, None) + _co("META", 10, 100, None)
    sig = evaluate("capital_intensity", inputs(q))
    assert history_status(sig)["2025Q4"] == "insufficient-data"
    assert "only 2 of 4" in (sig.reason or "")


# --------------------------------------------------------------------------- real data


def _ttm(ref, ticker: str, metric: str, periods: list[str]) -> float:  # type: ignore[no-untyped-def]
    r = ref[(ref["ticker"] == ticker) & (ref["metric"] == metric) & ref["fiscal_period"].isin(periods)]
    assert len(r) == len(periods), (ticker, metric)
    return float(r["value_usd"].sum())


def test_real_oracle_capex_exceeds_cash_flow(real_inputs: Inputs, reference_dir: Path) -> None:
    ref = ref_quarters(reference_dir)
    fy26 = ["FY2026Q1", "FY2026Q2", "FY2026Q3", "FY2026Q4"]
    capex = _ttm(ref, "ORCL", "capex_cash_purchases_ppe", fy26)
    ocf = _ttm(ref, "ORCL", "operating_cash_flow", fy26)
    assert capex / ocf > 1  # Oracle's FY2026 capex exceeded its operating cash flow
    sig = evaluate("capital_intensity", real_inputs, ticker="ORCL")
    assert sig.status == "alert" and sig.as_of == "2026Q2"
    assert sig.values["capex_ttm_usd"].value == pytest.approx(capex)
    assert sig.values["capex_to_ocf_ratio"].value == pytest.approx(capex / ocf)
    assert sig.values["fcf_after_capex_ttm_usd"].value == pytest.approx(ocf - capex)
    capex_ev = [e for e in sig.evidence if e.metric == "capex" and e.source != "derived"]
    assert [e.period[:8] for e in capex_ev] == fy26 and all(e.source_url for e in capex_ev)


def test_real_group_matches_reference(real_inputs: Inputs, reference_dir: Path) -> None:
    ref = ref_quarters(reference_dir)
    periods = {
        "MSFT": ["FY2025Q4", "FY2026Q1", "FY2026Q2", "FY2026Q3"],
        **{t: ["FY2025Q2", "FY2025Q3", "FY2025Q4", "FY2026Q1"] for t in ("GOOGL", "AMZN", "META")},
    }
    cap = sum(_ttm(ref, t, "capex_cash_purchases_ppe", p) for t, p in periods.items())
    rev = sum(_ttm(ref, t, "total_revenue", p) for t, p in periods.items())
    ocf = sum(_ttm(ref, t, "operating_cash_flow", p) for t, p in periods.items())
    sig = evaluate("capital_intensity", real_inputs)
    assert sig.as_of == "2026Q1"
    assert sig.coverage["group_members_used"] == ["AMZN", "GOOGL", "META", "MSFT"]
    assert sig.values["capex_to_revenue_ratio"].value == pytest.approx(cap / rev)
    assert sig.values["capex_to_ocf_ratio"].value == pytest.approx(cap / ocf)
    # the trend: the same four companies' TTM four quarters earlier
    before = {
        "MSFT": ["FY2024Q4", "FY2025Q1", "FY2025Q2", "FY2025Q3"],
        **{t: ["FY2024Q2", "FY2024Q3", "FY2024Q4", "FY2025Q1"] for t in ("GOOGL", "AMZN", "META")},
    }
    cap0 = sum(_ttm(ref, t, "capex_cash_purchases_ppe", p) for t, p in before.items())
    rev0 = sum(_ttm(ref, t, "total_revenue", p) for t, p in before.items())
    assert sig.values["capex_to_revenue_change_4q"].value == pytest.approx(cap / rev - cap0 / rev0)
    expected = "alert" if cap / ocf > 1 else "watch" if cap / rev > cap0 / rev0 else "ok"
    assert history_status(sig)["2026Q1"] == expected
    # Oracle is in alert, so the board is at least watch whatever the Big Four's own status
    assert sig.values["ORCL_status"].value == "alert" and sig.status in ("watch", "alert")
