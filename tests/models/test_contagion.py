"""contagion.feedback against closed forms: pass-through at gain 0, shock / (1 - g), the g = 1 boundary."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from capexwatch.errors import ScenarioError
from capexwatch.models import contagion
from capexwatch.models.engine import _context, draw_parameters
from capexwatch.models.scenario import Scenario, parse_scenario
from capexwatch.universe import load_universe

# illustrative inputs (not published figures): round capex so the shares are easy to check by hand
CAPEX = {"msft": 40e9, "googl": 30e9, "amzn": 20e9, "meta": 8e9, "orcl": 2e9}  # sum 100e9
SHARES = {"nvda": 0.5, "amd": 0.4, "avgo": 0.3, "mrvl": 0.2, "tsm": 0.25}


def _scenario(params: dict[str, object], options: str, horizon: int = 40) -> Scenario:
    lines = [f"  {k}: {v}" for k, v in params.items()]
    text = (
        f"model: contagion\nhorizon_quarters: {horizon}\nparameters:\n" + "\n".join(lines) + f"\noptions: {options}\n"
    )
    return parse_scenario(text, filename="t.yaml")


def _base(**over: object) -> dict[str, object]:
    p: dict[str, object] = {f"{b}_capex_usd": v for b, v in CAPEX.items()}
    p |= {f"{v}_hyperscaler_share": s for v, s in SHARES.items()}
    p |= {"pivot_cut_ratio": 0.3, "loop_gain": 0.0}
    p |= over
    return p


def _run(s: Scenario, n: int = 3) -> dict[str, np.ndarray]:
    params = draw_parameters(s, seed=1, block=0, n=n)
    return contagion.feedback(params, _context(s, n))


@pytest.mark.usefixtures("kernel")
def test_gain_zero_passes_the_shock_through_linearly() -> None:
    # META pivots by 30%: each vendor loses exactly 0.3 x META's share of its sales (H_v x 8/100)
    out = _run(_scenario(_base(), "{pivot: [META], shock_quarter: 2}"))
    for v, h in SHARES.items():
        want = 0.3 * h * 0.08
        assert out[f"{v}_revenue_drawdown_ratio"] == pytest.approx(want, rel=1e-12)
        assert out[f"{v}_revenue_shortfall_ratio"] == pytest.approx(want, rel=1e-12)
        assert np.all(out[f"{v}_quarters_to_trough"] == 0.0)
        assert out[f"{v}_revenue_index"][0, 1] == pytest.approx(1.0, rel=1e-15)  # nothing before the shock
    assert np.all(out["spread_count"] == 0.0) and np.all(out["non_pivot_cut_max_ratio"] == 0.0)


@pytest.mark.usefixtures("kernel")
def test_pivot_two_picks_the_two_largest_by_capex() -> None:
    out = _run(_scenario(_base(), "{pivot: 2}"))
    # MSFT + GOOGL = 70% of hyperscaler capex
    assert out["nvda_revenue_drawdown_ratio"] == pytest.approx(0.3 * 0.5 * 0.7, rel=1e-12)
    assert out["hyperscaler_capex_drawdown_ratio"] == pytest.approx(0.3 * 0.7, rel=1e-12)


@pytest.mark.usefixtures("kernel")
@pytest.mark.parametrize("g", [0.2, 0.5, 0.8])
def test_linear_loop_settles_at_shock_over_one_minus_gain(g: float) -> None:
    # every buyer pivots and buys all of every vendor's sales: d = -x + g d  ->  d* = -x / (1 - g)
    p = _base(loop_gain=g, pivot_cut_ratio=0.1, **{f"{v}_hyperscaler_share": 1.0 for v in SHARES})
    out = _run(_scenario(p, "{pivot: 5, shock_quarter: 0, sentiment_lag_quarters: 0}", horizon=200))
    want = 0.1 / (1.0 - g)
    assert out["nvda_revenue_index"][:, -1] == pytest.approx(1.0 - want, rel=1e-9)
    assert out["sentiment_index"][:, -1] == pytest.approx(-want, rel=1e-9)
    assert out["hyperscaler_capex_usd"][:, -1] == pytest.approx(100e9 * (1.0 - want), rel=1e-9)


@pytest.mark.usefixtures("kernel")
def test_one_pivot_with_loop_settles_at_the_closed_form() -> None:
    # META alone, shares H_v, other buyers and customers follow sentiment s: s* = -x c_bar / (1 - g)
    # where c_bar = mean_v H_v x 8% (META's share of vendor sales, averaged over vendors)
    g = 0.6
    out = _run(_scenario(_base(loop_gain=g), "{pivot: [META], sentiment_lag_quarters: 2}", horizon=300))
    c_bar = sum(SHARES.values()) / len(SHARES) * 0.08
    s_star = -0.3 * c_bar / (1.0 - g)
    assert out["sentiment_index"][:, -1] == pytest.approx(s_star, rel=1e-9)
    # the cut spreads: every non-pivoting hyperscaler ends g s* below baseline
    assert out["non_pivot_cut_max_ratio"] == pytest.approx(-g * s_star, rel=1e-9)


@pytest.mark.usefixtures("kernel")
def test_stability_boundary_at_gain_one() -> None:
    x = 0.01
    p = {**_base(pivot_cut_ratio=x), **{f"{v}_hyperscaler_share": 1.0 for v in SHARES}}
    opts = "{pivot: 5, shock_quarter: 0, sentiment_lag_quarters: 0}"
    below = _run(_scenario({**p, "loop_gain": 0.95}, opts, horizon=400))["sentiment_index"][0]
    at = _run(_scenario({**p, "loop_gain": 1.0}, opts, horizon=40))["sentiment_index"][0]
    above = _run(_scenario({**p, "loop_gain": 1.2}, opts, horizon=40))["hyperscaler_capex_usd"][0]
    assert below[-1] == pytest.approx(-x / 0.05, rel=1e-6)  # settles
    steps = np.diff(at)
    assert np.allclose(steps, -x, rtol=1e-9)  # g = 1: falls by x every quarter, never settles
    assert above[-1] == 0.0  # g > 1: runs away until capex is gone
    growth = np.diff(above[:8])
    assert np.all(np.diff(growth) < 0)  # ... accelerating on the way


@pytest.mark.usefixtures("kernel")
def test_room_caps_the_upside_only() -> None:
    # growth sentiment cannot lift MSFT above capex/OCF = 1 (room 0) but lifts the others
    p = _base(pivot_cut_ratio=0.0, msft_ocf_usd=40e9, capex_to_ocf_max_ratio=1.0, loop_gain=0.5)
    out = _run(_scenario(p, "{pivot: [META]}"))
    assert np.allclose(out["hyperscaler_capex_usd"], 100e9)  # no shock: nothing moves


@pytest.mark.usefixtures("kernel")
def test_neocloud_pd_is_the_credit_triangle() -> None:
    # no shock, sentiment 0: constant hazard spread / LGD -> PD(T) = 1 - exp(-T/4 x s / LGD)
    p = _base(pivot_cut_ratio=0.0, neocloud_spread_ratio=0.0625, neocloud_spread_sensitivity=2, neocloud_lgd_ratio=0.6)
    out = _run(_scenario(p, "{pivot: 1}", horizon=20))
    assert out["neocloud_default_prob_final"] == pytest.approx(1 - math.exp(-5 * 0.0625 / 0.6), rel=1e-12)
    assert np.all(out["neocloud_default_prob_added"] == 0.0)
    shocked = _run(_scenario({**p, "pivot_cut_ratio": 0.5, "loop_gain": 0.5}, "{pivot: 2}", horizon=20))
    assert np.all(shocked["neocloud_default_prob_added"] > 0)


@pytest.mark.usefixtures("kernel")
def test_invariants_on_random_paths() -> None:
    from tests._support.scenarios import scenario

    s = scenario("contagion")
    n = 400
    params = draw_parameters(s, seed=5, block=0, n=n)
    out = contagion.feedback(params, _context(s, n))
    for v in contagion.VENDORS:
        k = v.lower()
        assert np.all(out[f"{k}_revenue_index"] >= 0)
        assert np.all((out[f"{k}_revenue_drawdown_ratio"] >= 0) & (out[f"{k}_revenue_drawdown_ratio"] <= 1))
        # revenue index at t = 0 is 1 (shock starts at quarter 2)
        assert np.allclose(out[f"{k}_revenue_index"][:, 0], 1.0)
    # stock-flow: vendors' revenue from hyperscalers never exceeds what the hyperscalers spend
    # relative to today: with H <= 1 the index is bounded by the larger of the two demand sources
    assert np.all(out["hyperscaler_capex_usd"] >= 0)
    pd = out["neocloud_default_prob"]
    assert np.all(np.diff(pd, axis=1) >= 0) and np.all((pd >= 0) & (pd <= 1))
    assert set(np.unique(out["loop_turned_flag"])) <= {0.0, 1.0}
    assert np.all(out["spread_count"] <= 3)  # pivot: 2 leaves three hyperscalers


@pytest.mark.usefixtures("kernel")
def test_vendor_revenue_is_the_sum_over_buyers_of_capex_times_share() -> None:
    # the flow identity at gain 0: revenue index - 1 = sum_b c_vb (C_b(t)/C_b(0) - 1)
    s = _scenario(_base(msft_cloud_growth_annual=0.3, meta_cloud_growth_annual=0.1), "{pivot: [GOOGL]}", 12)
    out = _run(s, n=1)
    t = np.arange(12)
    growth = {b: 0.0 for b in CAPEX} | {"msft": 0.3, "meta": 0.1}
    for v, h in SHARES.items():
        want = np.ones(12)
        for b, c in CAPEX.items():
            rel = (1 + growth[b]) ** (t / 4) * (np.where(t >= 1, 0.7, 1.0) if b == "googl" else 1.0)
            want += h * c / 100e9 * (rel - 1)
        np.testing.assert_allclose(out[f"{v}_revenue_index"][0], want, rtol=1e-12)


def test_firms_match_the_universe() -> None:
    roles = {c["ticker"]: c["role"] for c in load_universe()}
    assert all(roles[b] == "hyperscaler" for b in contagion.BUYERS)
    assert {t for t, r in roles.items() if r == "hyperscaler"} == set(contagion.BUYERS)
    assert all(t in roles for t in contagion.VENDORS)


def _error(text: str) -> str:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(textwrap.dedent(text), filename="bad.yaml")
    return str(exc.value)


def test_pivot_naming_a_company_not_in_the_store_is_a_field_and_line_error() -> None:
    params = "\n".join(f"  {k}: {v}" for k, v in _base().items())
    msg = _error(f"model: contagion\nparameters:\n{params}\noptions:\n  pivot: [META, NFLX]\n")
    assert "line 16: options.pivot[1]" in msg and "'NFLX' is not a company" in msg
    msg = _error(f"model: contagion\nparameters:\n{params}\noptions:\n  pivot: 7\n")
    assert "line 16: options.pivot" in msg and "between 1 and 5" in msg


@pytest.mark.parametrize("gain", ["-0.5", "4", "{dist: uniform, low: 0.5, high: 3.5}"])
def test_bad_gain_is_a_field_and_line_error(gain: str) -> None:
    params = "\n".join(f"  {k}: {v}" for k, v in _base(loop_gain=gain).items())
    msg = _error(f"model: contagion\nparameters:\n{params}\n")
    assert "line 14: parameters.loop_gain" in msg and "[0, 3]" in msg


def test_bad_pivot_exits_2_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from capexwatch.cli import main

    params = "\n".join(f"  {k}: {v}" for k, v in _base().items())
    f = tmp_path / "bad.yaml"
    f.write_text(f"model: contagion\nparameters:\n{params}\noptions: {{pivot: [NFLX]}}\n")
    assert main(["simulate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "options.pivot" in err and "Traceback" not in err


def test_presets_run_on_the_store_and_record_the_rows(store: object) -> None:
    from capexwatch.models import load_scenario, simulate

    runs = {n: simulate(load_scenario(n), store=store, paths=4096) for n in ("pivot-1", "pivot-2", "telecom-2001")}
    rows = runs["pivot-1"].parameters["meta_capex_usd"]["from_store"]["rows"]
    assert rows[0]["ticker"] == "META" and rows[0]["calendar_quarter"] == "2026Q1"
    growth = runs["pivot-1"].parameters["msft_cloud_growth_annual"]["from_store"]
    assert growth["agg"] == "yoy" and growth["quarters"] == ["2025Q1", "2026Q1"]
    p1, p2 = (runs[n].outputs["nvda_revenue_shortfall_ratio"].p50 for n in ("pivot-1", "pivot-2"))
    assert 0 < p1 < p2
    telecom = runs["telecom-2001"].outputs
    assert telecom["non_pivot_cut_max_ratio"].max == 0.0  # gain 0: Oracle keeps to its baseline
    assert telecom["loop_turned_flag"].max == 0.0
