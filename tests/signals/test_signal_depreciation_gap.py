"""depreciation_gap: the vintage model, life disclosures, the operating-income edge, real lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from capexwatch.signals._inputs import Inputs
from capexwatch.signals.depreciation_gap import understatement, vintage_depreciation
from tests._support.sigdata import cal_rows, evaluate, event, inputs, ref_quarters

B = 1e9


def test_published_straight_line_unit_check() -> None:
    # published-analyses §5: a $40,000 GPU costs $13,333/yr over 3 years vs $6,667/yr over 6
    three = [40_000.0] + [0.0] * 11
    six = [40_000.0] + [0.0] * 23
    assert vintage_depreciation(three, 3) * 4 == pytest.approx(13_333.33, abs=0.01)
    assert vintage_depreciation(six, 6) * 4 == pytest.approx(6_666.67, abs=0.01)
    # after its life a vintage no longer depreciates
    assert vintage_depreciation([40_000.0] + [0.0] * 12, 3) == 0.0


def test_understatement_exact_upper_bound_and_not_computable() -> None:
    growing = [float(i) for i in range(1, 25)]  # 24 quarters
    u, kind = understatement(growing, 4, 6, 1.0)
    assert kind == "exact"
    assert u == pytest.approx(sum(growing[-16:]) / 16 - sum(growing) / 24)
    u2, kind2 = understatement(growing[-18:], 4, 6, 1.0)
    assert kind2 == "upper-bound" and u2 > u  # the missing old vintages would have lowered it
    assert understatement(growing[-10:], 4, 6, 1.0) == (None, "n/a")
    # steady capex: no gap at all
    assert understatement([5.0] * 24, 4, 6, 1.0)[0] == pytest.approx(0.0)


def _life(ticker: str, date: str, new: float) -> dict[str, object]:
    return event(
        "useful_life_change",
        date,
        ticker,
        None,
        metric="server_useful_life",
        unit="years",
        old_value=4.0,
        new_value=new,
    )


def _capex(n: int = 24) -> list[dict[str, object]]:
    return cal_rows("META", "capex", (2020, 1), [(1 + 0.05 * i) * B for i in range(n)])


@pytest.mark.parametrize(("life", "status"), [(4.0, "ok"), (4.5, "watch")])
def test_life_against_economic_life_edge(life: float, status: str) -> None:
    sig = evaluate("depreciation_gap", inputs(_capex(), events=[_life("META", "2019-01-01", life)]), ticker="META")
    assert sig.status == status


@pytest.mark.parametrize(("share", "status"), [(20.0, "alert"), (19.99, "watch")])
def test_share_of_operating_income_edge(share: float, status: str) -> None:
    capex = [(1 + 0.05 * i) * B for i in range(24)]
    u, kind = understatement(capex, 4.0, 6.0, 0.667)
    assert kind == "exact" and u is not None and u > 0
    oi = cal_rows("META", "operating_income", (2025, 4), [u / (share / 100)])
    sig = evaluate("depreciation_gap", inputs(_capex() + oi, events=[_life("META", "2019-01-01", 6.0)]), ticker="META")
    assert sig.status == status
    assert sig.values["META_share_of_operating_income_pct"].value == pytest.approx(share)


def test_upper_bound_above_threshold_stays_watch_with_a_note() -> None:
    capex = _capex(18)
    u, kind = understatement([float(r["value"]) for r in capex], 4.0, 6.0, 0.667)
    assert kind == "upper-bound"
    oi = cal_rows("META", "operating_income", (2024, 2), [u / 0.5])  # 50% of operating income (upper bound)
    sig = evaluate("depreciation_gap", inputs(capex + oi, events=[_life("META", "2019-01-01", 6.0)]), ticker="META")
    assert sig.status == "watch" and "upper bound" in (sig.reason or "")


def test_no_disclosed_life_is_insufficient() -> None:
    sig = evaluate("depreciation_gap", inputs(_capex()), ticker="META")
    assert sig.status == "insufficient-data" and "useful life" in (sig.reason or "")


def test_life_change_applies_from_its_date_only() -> None:
    ev = [_life("META", "2019-01-01", 4.0), _life("META", "2025-01-01", 6.0)]
    sig = evaluate("depreciation_gap", inputs(_capex(), events=ev), ticker="META")
    h = {x.quarter: x.status for x in sig.history}
    assert h["2024Q4"] == "ok" and h["2025Q1"] == "watch"


# --------------------------------------------------------------------------- real data


def test_real_reported_lives_and_vintage_model(real_inputs: Inputs, reference_dir: Path) -> None:
    text = (reference_dir / "published-analyses.md").read_text()
    # published-analyses §5 disclosed changes: MSFT 4 -> 6 (FY2023), Alphabet 4 -> 6 (2023),
    # Meta 5 -> 5.5 (2025), Amazon 6 -> 5 (2025)
    for needle in ("| 4 → 6 yrs |", "4 → 6 yrs; 5 → 6 yrs", "| 5 → 5.5 yrs |", "**6 → 5 yrs** (shortening)"):
        assert needle in text
    sig = evaluate("depreciation_gap", real_inputs)
    lives = {k.split("_")[0]: v.value for k, v in sig.values.items() if k.endswith("_reported_life_years")}
    assert lives["MSFT"] == 6.0 and lives["GOOGL"] == 6.0 and lives["META"] == 5.5 and lives["AMZN"] == 5.0
    assert sig.status == "watch"  # every hyperscaler's life is above 4 years; no operating income to alert on
    # Alphabet's understatement recomputed from company_quarters.csv (18 quarters: an upper bound)
    ref = ref_quarters(reference_dir)
    g = ref[(ref["ticker"] == "GOOGL") & (ref["metric"] == "capex_cash_purchases_ppe")].sort_values("fiscal_period")
    capex = g["value_usd"].tolist()
    expected = 0.667 * (sum(capex[-16:]) / 16 - sum(capex) / 24)
    assert sig.values["GOOGL_understated_depreciation_quarter_usd"].value == pytest.approx(expected)
    assert "upper-bound" in sig.values["GOOGL_understated_depreciation_quarter_usd"].label
    assert "GOOGL" in sig.coverage["upper_bound"]
    life_ev = [e for e in sig.evidence if e.label == "GOOGL reported useful life (years)"]
    assert life_ev and life_ev[0].value == 6.0 and life_ev[0].source_url
