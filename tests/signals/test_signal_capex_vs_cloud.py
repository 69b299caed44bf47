"""capex_vs_cloud: the two-quarter trend, its edges, definitional breaks and Oracle's three measures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from capexwatch.signals import capex_vs_cloud
from capexwatch.signals._inputs import Inputs
from tests._support.sigdata import cal_rows, evaluate, history_status, inputs, ref_quarters, thresholds


def _company(t: str, capex: list[float], cloud: list[float]) -> list[dict[str, object]]:
    """capex and cloud revenue from 2024Q1 on."""
    return cal_rows(t, "capex", (2024, 1), capex) + cal_rows(t, "cloud_revenue", (2024, 1), cloud)


RISING = [5, 6, 7, 8, 9, 10, 11]
# cloud: 100 a quarter in 2024, then growth y/y 30%, 25%, 20%: decelerating two quarters running
DECEL = [100, 100, 100, 100, 130, 125, 120]


def test_rising_capex_and_two_quarters_of_deceleration_fire() -> None:
    q = _company("GOOGL", RISING, DECEL) + _company("AMZN", RISING, DECEL)
    sig = evaluate("capex_vs_cloud", inputs(q))
    h = history_status(sig)
    # 2025Q2: one deceleration known (2025Q1's growth has no predecessor) and, over the same
    # companies (none had growth y/y in 2024Q4), one capex rise: could be alert, so not yet known
    assert h["2025Q2"] == "insufficient-data" and h["2025Q3"] == "alert"
    assert sig.status == "alert" and sig.as_of == "2025Q3"
    assert sig.values["group_cloud_growth_yoy_pct"].value == pytest.approx(20.0)
    assert sig.values["GOOGL_status"].value == "alert"
    gt = capex_vs_cloud.company_table(inputs(q), thresholds("capex_vs_cloud"), "GOOGL")
    assert gt.set_index("quarter").loc["2025Q3", "measure"] == "cloud_revenue"


def test_accelerating_or_flat_growth_does_not_fire() -> None:
    flat = [100, 100, 100, 100, 130, 130, 130]
    q = _company("GOOGL", RISING, flat) + _company("AMZN", RISING, flat)
    sig = evaluate("capex_vs_cloud", inputs(q))
    assert sig.status == "ok"
    assert history_status(sig)["2025Q3"] == "ok"


def test_falling_capex_does_not_fire_even_when_growth_slows() -> None:
    falling = [11, 10, 9, 8, 7, 6, 5]
    q = _company("GOOGL", falling, DECEL) + _company("AMZN", falling, DECEL)
    assert evaluate("capex_vs_cloud", inputs(q)).status == "ok"


@pytest.mark.parametrize(("q3", "expected"), [(129.0, "ok"), (128.99, "alert")])
def test_min_decel_edge(q3: float, expected: str) -> None:
    # growth 31% -> 30% -> 29%: each step is exactly 1.0 pp; with min_decel_pp = 1 that is not a
    # deceleration; 28.99% makes the last step count (and the first one is 1.0: still watch+)
    cloud = [100, 100, 100, 100, 131, 130, q3]
    q = _company("GOOGL", RISING, cloud) + _company("AMZN", RISING, cloud)
    st = history_status(evaluate("capex_vs_cloud", inputs(q), min_decel_pp=1.0))["2025Q3"]
    assert st == ("ok" if expected == "ok" else "watch")


@pytest.mark.parametrize(("rise", "fires"), [(5.0, False), (5.01, True)])
def test_min_capex_rise_edge(rise: float, fires: bool) -> None:
    capex = [100, 100, 100, 100, 100, 105, 105 * (1 + rise / 100)]
    q = _company("GOOGL", capex, DECEL) + _company("AMZN", capex, DECEL)
    gt = capex_vs_cloud.company_table(inputs(q), thresholds("capex_vs_cloud", min_capex_rise_pct=5.0), "GOOGL")
    assert bool(gt.set_index("quarter").loc["2025Q3", "capex_rising"]) is fires


def test_one_company_alert_raises_the_board_to_watch() -> None:
    q = _company("GOOGL", RISING, DECEL) + _company("AMZN", [11, 10, 9, 8, 7, 6, 5], [100] * 4 + [150] * 3)
    sig = evaluate("capex_vs_cloud", inputs(q))
    assert sig.values["GOOGL_status"].value == "alert"
    assert sig.status in ("watch", "alert")
    assert "GOOGL" in (sig.reason or "") or sig.status == "alert"


def test_group_needs_two_companies() -> None:
    sig = evaluate("capex_vs_cloud", inputs(_company("GOOGL", RISING, DECEL)))
    assert history_status(sig)["2025Q3"] == "insufficient-data"
    assert sig.status == "watch"  # GOOGL alone is in alert: the board does not hide it
    assert "fewer than 2 companies" in (sig.reason or "")


# --------------------------------------------------------------------------- breaks and measures


def test_no_growth_across_the_microsoft_intelligent_cloud_break() -> None:
    # MSFT re-segmented from 2024-09-30 (metrics.py breaks): old basis 100, new basis 60. Growth
    # across the break would read -40% and fake a deceleration; Azure's reported growth is used.
    cap = cal_rows("MSFT", "capex", (2023, 3), [5, 6, 7, 8, 9, 10, 11, 12])
    cloud = cal_rows("MSFT", "cloud_revenue", (2023, 3), [100, 100, 100, 100, 60, 62, 64, 66])
    azure = cal_rows("MSFT", "azure_growth_yoy_pct", (2023, 3), [29, 29, 30, 31, 33, 34, 35, 35])
    inp = inputs(cap + cloud + azure)
    t = capex_vs_cloud.company_table(inp, thresholds("capex_vs_cloud"), "MSFT").set_index("quarter")
    for q in ("2024Q3", "2024Q4", "2025Q1", "2025Q2"):
        assert t.loc[q, "measure"] == "azure_growth_yoy_pct", q
    assert evaluate("capex_vs_cloud", inp, ticker="MSFT").status == "ok"
    from capexwatch.signals._growth import yoy
    from capexwatch.signals._panel import metric_rows

    g = yoy(metric_rows(inp, "cloud_revenue", ["MSFT"]), {"MSFT": ("2024-09-30",)}).set_index("calendar_quarter")
    assert pd.isna(g.loc["2024Q3", "yoy_pct"]) and "definitional break" in g.loc["2024Q3", "yoy_reason"]


def test_group_leaves_a_company_out_across_its_break() -> None:
    msft = cal_rows("MSFT", "capex", (2023, 3), [5, 6, 7, 8, 9, 10, 11, 12]) + cal_rows(
        "MSFT", "cloud_revenue", (2023, 3), [100, 100, 100, 100, 60, 62, 64, 66]
    )
    others = []
    for t in ("GOOGL", "AMZN"):
        others += cal_rows(t, "capex", (2023, 3), [5, 6, 7, 8, 9, 10, 11, 12])
        others += cal_rows(t, "cloud_revenue", (2023, 3), [100, 100, 100, 100, 130, 130, 130, 130])
    g, _, _ = capex_vs_cloud.group_table(inputs(msft + others), thresholds("capex_vs_cloud"))
    row = g.set_index("quarter").loc["2024Q4"]
    assert row["cloud_members"] == ["AMZN", "GOOGL"]
    assert row["growth_pct"] == pytest.approx(30.0)


def test_oracle_measures_are_never_mixed() -> None:
    # cloud_revenue (IaaS+SaaS) only in some quarters; the license-support line in all. Mixing
    # 2025Q2 cloud_revenue (80) with a 2024Q2 license-support figure (50) would read +60%.
    cr = cal_rows("ORCL", "cloud_revenue", (2024, 1), [70, None, 72, None, 75, 80, 82])
    cr = [r for r in cr if r["value"] is not None]
    ocs = cal_rows("ORCL", "oracle_cloud_services_license_support_revenue", (2024, 1), [40, 50, 52, 54, 48, 56, 57])
    cap = cal_rows("ORCL", "capex", (2024, 1), RISING)
    t = capex_vs_cloud.company_table(inputs(cr + ocs + cap), thresholds("capex_vs_cloud"), "ORCL").set_index("quarter")
    row = t.loc["2025Q2"]
    assert row["measure"] == "oracle_cloud_services_license_support_revenue"
    assert row["growth_pct"] == pytest.approx((56 / 50 - 1) * 100)
    assert row["prev_growth_pct"] == pytest.approx((48 / 40 - 1) * 100)


# --------------------------------------------------------------------------- real data


def _ref_group(ref: pd.DataFrame, quarters: list[str]) -> dict[str, dict[str, float]]:
    """Independent re-computation from company_quarters.csv: like-for-like group cloud growth."""
    c = ref[ref["metric"] == "cloud_segment_revenue"].copy()
    c = pd.concat([c, ref[ref["metric"] == "oracle_cloud_revenue_iaas_saas"]])
    c["pe"] = pd.to_datetime(c["period_end"])
    by = {(r.ticker, r.cq): r for r in c.itertuples()}
    brk = pd.Timestamp("2024-09-30")

    def yoy(t: str, q: str) -> tuple[float, float] | None:
        y, n = int(q[:4]), int(q[-1])
        cur, old = by.get((t, q)), by.get((t, f"{y - 1}Q{n}"))
        if cur is None or old is None or (t == "MSFT" and old.pe < brk <= cur.pe):
            return None
        return cur.value_usd, old.value_usd

    out = {}
    for q in quarters:
        y, n = int(q[:4]), int(q[-1])
        prev = f"{y}Q{n - 1}" if n > 1 else f"{y - 1}Q4"
        s = [t for t in ("AMZN", "GOOGL", "MSFT", "ORCL") if yoy(t, q) and yoy(t, prev)]
        now = sum(yoy(t, q)[0] for t in s) / sum(yoy(t, q)[1] for t in s) - 1  # type: ignore[index]
        before = sum(yoy(t, prev)[0] for t in s) / sum(yoy(t, prev)[1] for t in s) - 1  # type: ignore[index]
        out[q] = {"members": s, "growth": now * 100, "prev": before * 100}
    return out


def test_real_group_growth_matches_reference_and_fires_in_early_2025(real_inputs: Inputs, reference_dir: Path) -> None:
    ref = ref_quarters(reference_dir)
    exp = _ref_group(ref, ["2024Q4", "2025Q1"])
    g, _, _ = capex_vs_cloud.group_table(real_inputs, thresholds("capex_vs_cloud"))
    g = g.set_index("quarter")
    for q, e in exp.items():
        assert g.loc[q, "cloud_members"] == e["members"]
        assert g.loc[q, "growth_pct"] == pytest.approx(e["growth"])
        assert g.loc[q, "prev_growth_pct"] == pytest.approx(e["prev"])
    # AWS and Google Cloud growth slowed in 2024Q4 and 2025Q1 while capex kept rising
    assert exp["2024Q4"]["growth"] < exp["2024Q4"]["prev"] and exp["2025Q1"]["growth"] < exp["2025Q1"]["prev"]
    cap = ref[ref["metric"] == "capex_cash_purchases_ppe"].pivot(index="cq", columns="ticker", values="value_usd")
    members = ["AMZN", "GOOGL", "MSFT", "ORCL"]
    for q, p in (("2024Q4", "2024Q3"), ("2025Q1", "2024Q4")):
        assert cap.loc[q, members].sum() > cap.loc[p, members].sum()
    sig = evaluate("capex_vs_cloud", real_inputs)
    assert history_status(sig)["2025Q1"] == "alert"
    # and the latest quarter: growth re-accelerated (2026Q2), so no alert now
    assert sig.as_of == "2026Q2" and sig.status != "alert"


def test_real_microsoft_uses_azure_around_the_break(real_inputs: Inputs) -> None:
    t = capex_vs_cloud.company_table(real_inputs, thresholds("capex_vs_cloud"), "MSFT").set_index("quarter")
    for q in ("2024Q3", "2024Q4", "2025Q1", "2025Q2"):
        assert t.loc[q, "measure"] == "azure_growth_yoy_pct"
    assert t.loc["2026Q2", "measure"] == "cloud_revenue"  # FY26Q4 vs FY25Q4, both re-segmented
