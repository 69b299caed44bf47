"""hardware_saturation: buyers' plateau, vendor stall, double ordering, rental glut; edges and real data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from capexwatch.signals._inputs import Inputs
from tests._support.sigdata import cal_rows, evaluate, event, history_status, inputs, ref_quarters

BIG4 = ("MSFT", "GOOGL", "AMZN", "META")


def _buyers(values: list[float], skip_last: str | None = None) -> list[dict[str, object]]:
    out = []
    for t in BIG4:
        rows = cal_rows(t, "capex", (2025, 1), values)
        if t == skip_last:
            rows = rows[:-1]
        out += rows
    return out


def _nvda(values: list[float]) -> list[dict[str, object]]:
    return cal_rows("NVDA", "data_center_revenue", (2025, 1), values)


def test_plateau_and_vendor_stall_fire_alert() -> None:
    # capex +10%, +0.45%, +0.09%: two plateau quarters; NVIDIA DC -0.8% in the last
    sig = evaluate("hardware_saturation", inputs(_buyers([100, 110, 110.5, 110.6]) + _nvda([10, 12, 13, 12.9])))
    h = history_status(sig)
    assert h["2025Q2"] == "ok" and h["2025Q3"] == "ok"  # one plateau quarter is not yet a plateau
    assert h["2025Q4"] == "alert" and sig.status == "alert"
    assert [c.fired for c in sig.checks[:2]] == [True, True]


def test_growth_does_not_fire() -> None:
    sig = evaluate("hardware_saturation", inputs(_buyers([100, 110, 121, 133]) + _nvda([10, 12, 14, 16])))
    assert sig.status == "ok"


@pytest.mark.parametrize(("last", "plateau"), [(1.0, True), (1.01, False)])
def test_plateau_threshold_edge(last: float, plateau: bool) -> None:
    # growth exactly at plateau_growth_pct (1%) counts as a plateau quarter; 1.01% does not
    capex = [100, 110, 111.1, 111.1 * (1 + last / 100)]
    sig = evaluate("hardware_saturation", inputs(_buyers(capex) + _nvda([10, 12, 14, 16])))
    assert sig.checks[0].fired is plateau
    assert sig.status == ("watch" if plateau else "ok")


@pytest.mark.parametrize(("growth", "flat"), [(1.0, True), (1.01, False), (-3.0, True)])
def test_vendor_flat_edge(growth: float, flat: bool) -> None:
    sig = evaluate(
        "hardware_saturation", inputs(_buyers([100, 110, 121, 133]) + _nvda([10, 12, 14, 14 * (1 + growth / 100)]))
    )
    assert sig.checks[1].fired is flat
    assert sig.status == ("watch" if flat else "ok")


def test_missing_buyer_is_not_a_silent_ok() -> None:
    # META's last quarter is missing: the Big-Four growth is not like-for-like, so no "ok"
    sig = evaluate(
        "hardware_saturation", inputs(_buyers([100, 110, 121, 133], skip_last="META") + _nvda([10, 12, 14, 16]))
    )
    assert history_status(sig)["2025Q4"] == "insufficient-data"
    assert sig.as_of == "2025Q3"  # the board reports the latest quarter it can evaluate


def test_double_ordering_signature() -> None:
    base = _buyers([100, 110, 121, 133, 146, 160]) + _nvda([10, 12, 14, 16, 18, 20])
    rev = cal_rows("NVDA", "revenue", (2025, 1), [10, 10, 10, 10, 12, 12])  # +20% y/y
    inv = cal_rows("NVDA", "inventory", (2025, 1), [5, 5, 5, 5, 7.5, 7.5])  # +50% y/y
    po = cal_rows("NVDA", "purchase_obligations", (2025, 1), [8, 8, 8, 8, 12.8, 12.8])  # +60% y/y
    sig = evaluate("hardware_saturation", inputs(base + rev + inv + po))
    assert sig.checks[2].fired is True and sig.status == "watch"
    inv_slow = cal_rows("NVDA", "inventory", (2025, 1), [5, 5, 5, 5, 5.5, 5.5])  # +10%: slower than revenue
    sig2 = evaluate("hardware_saturation", inputs(base + rev + inv_slow + po))
    assert sig2.checks[2].fired is False and sig2.status == "ok"


def test_double_ordering_not_evaluated_without_data() -> None:
    sig = evaluate("hardware_saturation", inputs(_buyers([100, 110, 121, 133]) + _nvda([10, 12, 14, 16])))
    assert sig.checks[2].fired is None and "not evaluated" in sig.checks[2].detail


@pytest.mark.parametrize(("price", "fires"), [(1.60, True), (1.65, False)])
def test_rental_price_below_breakeven(price: float, fires: bool) -> None:
    ev = [
        event(
            "gpu_rental_price",
            "2025-11-01",
            "H100 rental market",
            price,
            metric="h100_rental_price",
            unit="USD_per_gpu_hour",
        )
    ]
    sig = evaluate("hardware_saturation", inputs(_buyers([100, 110, 121, 133]) + _nvda([10, 12, 14, 16]), events=ev))
    assert sig.checks[3].fired is fires
    assert sig.status == ("watch" if fires else "ok")


def test_hyperscaler_list_prices_are_not_the_market_price() -> None:
    ev = [event("gpu_rental_price", "2025-11-01", "AMZN", 1.0, metric="h100_rental_price", unit="USD_per_gpu_hour")]
    sig = evaluate("hardware_saturation", inputs(_buyers([100, 110, 121, 133]) + _nvda([10, 12, 14, 16]), events=ev))
    assert sig.checks[3].fired is None


def test_ticker_mode_one_company_plateau_is_watch() -> None:
    q = cal_rows("NEBX", "capex", (2025, 1), [100, 100, 100, 100])
    sig = evaluate("hardware_saturation", inputs(q), ticker="NEBX")
    assert sig.status == "watch" and sig.scope == "NEBX"


# --------------------------------------------------------------------------- real data


def test_real_history_matches_reference(real_inputs: Inputs, reference_dir: Path) -> None:
    """The 2022-23 capex digestion shows as watch; statuses follow from company_quarters.csv."""
    ref = ref_quarters(reference_dir)
    cap = ref[ref["metric"] == "capex_cash_purchases_ppe"].pivot(index="cq", columns="ticker", values="value_usd")
    b4 = cap[list(BIG4)].dropna()
    growth = (b4.sum(axis=1).pct_change() * 100).dropna()
    dc = ref[(ref["ticker"] == "NVDA") & (ref["metric"] == "nvidia_data_center_revenue")].set_index("cq")["value_usd"]
    dc_g = (dc.sort_index().pct_change() * 100).dropna()
    sig = evaluate("hardware_saturation", real_inputs)
    hist = {h.quarter: h for h in sig.history}
    run = 0
    checked = 0
    for q, g in growth.items():
        run = run + 1 if g <= 1.0 else 0
        a = run >= 2
        if q not in dc_g.index:
            continue
        b = dc_g[q] <= 1.0
        expected = "alert" if a and b else "watch" if a or b else "ok"
        assert hist[q].status == expected, q
        assert hist[q].value == pytest.approx(g), q
        checked += 1
    assert checked >= 14
    assert hist["2023Q1"].status == "watch" and hist["2023Q2"].status == "watch"
    assert sig.status == "ok" and sig.as_of == "2026Q1"
    # evidence: each capex figure with its source
    caps = [e for e in sig.evidence if e.metric == "capex"]
    assert len(caps) == 8 and all(e.source_url for e in caps)
    latest = {e.ticker: e.value for e in caps if e.period and e.period.startswith("FY2026Q1")}
    assert latest["GOOGL"] == pytest.approx(float(cap.loc["2026Q1", "GOOGL"]))
    assert not pd.isna(sig.value)
