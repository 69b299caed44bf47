"""liquidity_drain: rate hikes, HY spread widening, NFCI; threshold edges; real FRED data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from capexwatch.signals._inputs import Inputs
from tests._support.sigdata import evaluate, inputs, ref_fred


def _daily(sid: str, start: str, end: str, value: float, freq: str = "D") -> pd.DataFrame:
    d = pd.date_range(start, end, freq=freq)
    return pd.DataFrame({"series_id": sid, "date": d, "value": value})


def _series(
    dff_after: float = 1.00, hy_after: float = 3.00, nfci: float = -0.5, nfci_end: str = "2024-06-28"
) -> pd.DataFrame:
    parts = [
        _daily("DFF", "2023-01-01", "2024-03-31", 1.00),
        _daily("DFF", "2024-04-01", "2024-06-30", dff_after),
        _daily("BAMLH0A0HYM2", "2023-01-01", "2024-03-31", 3.00),
        _daily("BAMLH0A0HYM2", "2024-04-01", "2024-06-30", hy_after),
        _daily("NFCI", "2023-01-06", nfci_end, nfci, freq="W-FRI"),
    ]
    return pd.concat(parts, ignore_index=True)


def _at(series: pd.DataFrame, when: str = "2024-06-30") -> Inputs:
    return inputs(series=series, as_of=when)


@pytest.mark.parametrize(("after", "fires"), [(1.75, True), (1.74, False)])
def test_rate_hike_edge(after: float, fires: bool) -> None:
    sig = evaluate("liquidity_drain", _at(_series(dff_after=after)))
    c = {x.name: x for x in sig.checks}
    assert c["rate_hikes"].fired is fires
    assert sig.values["fed_funds_rise_bp"].value == pytest.approx((after - 1.0) * 100)
    assert sig.status == ("watch" if fires else "ok")


@pytest.mark.parametrize(("after", "fires"), [(4.50, True), (4.49, False)])
def test_spread_widening_edge(after: float, fires: bool) -> None:
    sig = evaluate("liquidity_drain", _at(_series(hy_after=after)))
    assert {x.name: x.fired for x in sig.checks}["credit_spreads"] is fires
    assert sig.value == pytest.approx((after - 3.0) * 100)


@pytest.mark.parametrize(("level", "fires"), [(0.0, False), (0.001, True)])
def test_nfci_edge(level: float, fires: bool) -> None:
    sig = evaluate("liquidity_drain", _at(_series(nfci=level)))
    assert {x.name: x.fired for x in sig.checks}["financial_conditions"] is fires


def test_two_checks_alert_three_alert_none_ok() -> None:
    assert evaluate("liquidity_drain", _at(_series(dff_after=2.0, hy_after=5.0))).status == "alert"
    assert evaluate("liquidity_drain", _at(_series(dff_after=2.0, hy_after=5.0, nfci=0.5))).status == "alert"
    assert evaluate("liquidity_drain", _at(_series())).status == "ok"


def test_the_low_is_six_months_not_all_history() -> None:
    # a rise that happened more than six months ago is not a hike now
    s = pd.concat([_daily("DFF", "2023-01-01", "2023-06-30", 1.0), _daily("DFF", "2023-07-01", "2024-06-30", 2.0)])
    other = _series()
    s = pd.concat([s, other[other["series_id"] != "DFF"]])
    sig = evaluate("liquidity_drain", _at(s))
    assert sig.values["fed_funds_rise_bp"].value == pytest.approx(0.0)


def test_stale_series_are_not_used_and_too_few_checks_is_insufficient() -> None:
    s = _series(nfci_end="2024-04-26")  # NFCI 65 days old at the date
    s = s[s["series_id"] != "BAMLH0A0HYM2"]
    sig = evaluate("liquidity_drain", _at(s))
    assert sig.status == "insufficient-data"
    assert "only 1 of 3 checks" in (sig.reason or "")


def test_one_check_firing_is_enough_for_watch_even_with_gaps() -> None:
    s = _series(dff_after=2.0)
    s = s[s["series_id"] != "BAMLH0A0HYM2"]
    s = s[s["series_id"] != "NFCI"]
    assert evaluate("liquidity_drain", _at(s)).status == "watch"


def test_monthly_fedfunds_counts_from_its_month_end() -> None:
    # no DFF: FEDFUNDS monthly. June's average (dated 1 June) is not known on 15 June.
    months = pd.date_range("2023-01-01", "2024-06-01", freq="MS")
    ff = pd.DataFrame({"series_id": "FEDFUNDS", "date": months, "value": [1.0] * (len(months) - 1) + [2.0]})
    other = _series()
    s = pd.concat([ff, other[other["series_id"] != "DFF"]])
    mid = evaluate("liquidity_drain", _at(s, "2024-06-15"))
    end = evaluate("liquidity_drain", _at(s, "2024-06-30"))
    assert {c.name: c.fired for c in mid.checks}["rate_hikes"] is False
    assert {c.name: c.fired for c in end.checks}["rate_hikes"] is True
    assert end.coverage["rate_series"] == "FEDFUNDS"


def test_no_series_is_insufficient() -> None:
    sig = evaluate("liquidity_drain", inputs(None))
    assert sig.status == "insufficient-data" and "no macro series" in (sig.reason or "")


# --------------------------------------------------------------------------- real data


def _expected(reference_dir: Path, when: str) -> dict[str, float]:
    """The three measures recomputed from the raw FRED copies in reference/macro."""
    d = pd.Timestamp(when)
    lo = d - pd.Timedelta(days=182)

    def rise(df: pd.DataFrame) -> float:
        w = df[(df["date"] > lo) & (df["date"] <= d)]
        return (float(df[df["date"] <= d]["value"].iloc[-1]) - float(w["value"].min())) * 100

    hy = ref_fred(reference_dir, "FRED_BAMLH0A0HYM2__sivamsapingali_Codex_Macro-Monitor.csv")
    nfci = ref_fred(reference_dir, "FRED_NFCI_weekly_2019_2026__TGRADEA_gradea-fred-archive_excerpt.csv")
    out = {"hy": rise(hy), "nfci": float(nfci[nfci["date"] <= d]["value"].iloc[-1])}
    if d >= pd.Timestamp("2022-02-06"):
        out["ff"] = rise(
            ref_fred(reference_dir, "FRED_DFF__HuseynliGulara_prediction-markets-fed-policy-forecasting.csv")
        )
    else:  # DFF copy starts 2021-08-06: FEDFUNDS monthly, known at its month's end
        ff = ref_fred(reference_dir, "FRED_FEDFUNDS__sivamsapingali_Codex_Macro-Monitor.csv")
        ff["date"] = ff["date"] + pd.offsets.MonthEnd(0)
        out["ff"] = rise(ff)
    return out


@pytest.mark.parametrize(
    ("when", "status"),
    [("2022-06-30", "alert"), ("2020-03-31", "alert"), ("2024-06-30", "ok"), ("2023-03-31", "watch")],
)
def test_real_statuses_match_reference_fred(real_inputs: Inputs, reference_dir: Path, when: str, status: str) -> None:
    e = _expected(reference_dir, when)
    fired = (e["ff"] >= 75) + (e["hy"] >= 150) + (e["nfci"] > 0)
    assert status == ("alert" if fired >= 2 else "watch" if fired else "ok")  # the reference says so
    sig = evaluate("liquidity_drain", real_inputs.known_by(when))
    assert sig.status == status
    assert sig.values["fed_funds_rise_bp"].value == pytest.approx(e["ff"], abs=1e-6)
    assert sig.values["hy_oas_rise_bp"].value == pytest.approx(e["hy"], abs=1e-6)
    assert sig.values["nfci"].value == pytest.approx(e["nfci"], abs=1e-9)
    assert all(ev.source_url and ev.source_url.startswith("https://fred.stlouisfed.org/series/") for ev in sig.evidence)


def test_real_latest_and_history(real_inputs: Inputs) -> None:
    sig = evaluate("liquidity_drain", real_inputs)
    assert sig.as_of_date is not None and sig.as_of_date.isoformat() == "2026-08-06"  # last DFF observation
    h = {x.quarter: x.status for x in sig.history}
    assert h["2022Q2"] == "alert" and h["2019Q2"] == "ok"
