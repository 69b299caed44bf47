"""Each vectorised model against its per-path reference; closed forms; accounting identities."""

from __future__ import annotations

import math

import numpy as np
import pytest

from capexwatch.facts.periods import quarter_index
from capexwatch.models import _kernels, _reference
from capexwatch.models._spec import Context, year_groups
from capexwatch.models.engine import _context, draw_parameters
from capexwatch.models.valuation import dcf_value
from tests._support.scenarios import SCENARIOS, path_params, scenario

N_PATHS = 60
TOL = {"irr_ratio": 1e-7, "implied_growth_ratio": 1e-9}


def _compare(got: object, want: object, name: str) -> None:
    rel = TOL.get(name, 1e-9)
    g = np.asarray(got, dtype=float)
    w = np.asarray(want, dtype=float)
    assert g.shape == w.shape, name
    finite = np.abs(w[np.isfinite(w)])
    scale = max(1.0, float(finite.max())) if finite.size else 1.0
    np.testing.assert_allclose(g, w, rtol=rel, atol=1e-9 * scale, err_msg=name)


@pytest.mark.usefixtures("kernel")
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_vectorised_model_matches_per_path_reference(name: str) -> None:
    s = scenario(name)
    params = draw_parameters(s, seed=11, block=0, n=N_PATHS)
    out = s.model.func(params, _context(s, N_PATHS))
    ref = _reference.REFERENCE[s.model.name]
    starts = year_groups(s.horizon_quarters, s.start_quarter)[1]
    kw: dict[str, object] = {}
    if s.model.name == "required_revenue.cohort":
        kw["lag"] = s.options["in_service_lag_quarters"]
    if s.model.name == "depreciation":
        kw["lag"] = s.options["in_service_lag_quarters"]
        q0 = quarter_index(s.start_quarter)
        lo, hi = s.options["window_years"]
        kw["window"] = [t for t in range(s.horizon_quarters) if lo <= (q0 + t) // 4 <= hi]
    if s.model.name == "credit.gpu_collateral":
        kw["options"] = dict(s.options)
    if s.model.name == "valuation":
        kw["explicit_years"] = s.options["explicit_years"]
    if s.model.name == "contagion.feedback":
        kw["options"] = s.options
    for i in range(N_PATHS):
        want = ref(path_params(params, i), s.horizon_quarters, starts, **kw)
        assert set(want) == set(out), name
        for key, value in want.items():
            _compare(out[key][i], value, key)


def test_sequoia_published_arithmetic() -> None:
    # published-analyses.md section 1: f(G=50) = 200, f(G=150) = 600; holes 125 and 500
    from capexwatch.models.required_revenue import sequoia

    p = {
        "gpu_revenue_usd": np.array([50e9, 150e9]),
        "tco_multiplier": np.array([2.0, 2.0]),
        "gross_margin": np.array([0.5, 0.5]),
        "ai_revenue_usd": np.array([75e9, 100e9]),
    }
    out = sequoia(p, Context(paths=2, horizon_quarters=1))
    assert out["required_revenue_usd"].tolist() == [200e9, 600e9]
    assert out["revenue_gap_usd"].tolist() == [125e9, 500e9]


def test_straight_line_gpu_example() -> None:
    # published-analyses.md section 5: a $40,000 GPU costs $13,333/yr over 3 years, $6,667/yr over 6
    capex = np.zeros((2, 24))
    capex[:, 0] = 40_000.0
    dep = _kernels.straight_line(capex, np.array([12.0, 24.0]))
    yearly = _kernels.to_years(dep, [0, 4, 8, 12, 16, 20])
    assert yearly[0, :3] == pytest.approx([40_000 / 3] * 3)
    assert yearly[0, 3:].tolist() == [0.0, 0.0, 0.0]
    assert yearly[1] == pytest.approx([40_000 / 6] * 6)
    assert round(yearly[0, 0]) == 13_333 and round(yearly[1, 0]) == 6_667


def test_irr_known_values() -> None:
    cf = np.zeros((3, 12))
    cf[0, 0], cf[0, 8] = -100.0, 121.0  # 21% over two years = 10% a year
    cf[1, :5] = [-100, 30, 30, 30, 30]  # 7.7138% a quarter (textbook annuity)
    cf[2, :] = 10.0  # never negative: no IRR
    irr_q = _kernels.irr_quarterly(cf)
    assert (1 + irr_q[0]) ** 4 - 1 == pytest.approx(0.10, rel=1e-10)
    npv = sum(c / (1 + irr_q[1]) ** (t + 1) for t, c in enumerate(cf[1]))
    assert abs(npv) < 1e-9
    assert math.isnan(irr_q[2])


def test_irr_rows_do_not_depend_on_each_other() -> None:
    rng = np.random.default_rng(3)
    cf = np.concatenate([-rng.uniform(50, 100, (5000, 8)), rng.uniform(0, 40, (5000, 32))], axis=1)
    whole = _kernels.irr_quarterly(cf)
    parts = np.concatenate([_kernels.irr_quarterly(cf[i : i + 777]) for i in range(0, 5000, 777)])
    assert np.array_equal(whole, parts, equal_nan=True)


def test_cohort_revenue_equal_to_requirement_earns_exactly_the_target_return() -> None:
    # RR_t = D_t + r NBV_{t-1} + opex telescopes: revenue = RR gives NPV = 0 at the target return
    # once every vintage has run out its life, and the IRR equals the target return.
    s = scenario("cohort_path", horizon_quarters=40)
    p = dict(draw_parameters(s, seed=5, block=0, n=200))
    p.pop("revenue_growth_annual")
    ctx = _context(s, 200)
    base = {k: v for k, v in p.items() if k != "revenue_usd"}
    required = s.model.func(base, ctx)["required_revenue_usd"]
    out = s.model.func({**base, "revenue_usd": required}, ctx)
    scale = p["capex_usd"].sum(axis=1)
    assert np.all(np.abs(out["npv_usd"]) < 1e-9 * scale)
    np.testing.assert_allclose(out["irr_ratio"], p["target_return"], rtol=1e-6, atol=1e-9)


def test_cohort_npv_is_minus_discounted_book_value_when_horizon_cuts_lives() -> None:
    s = scenario("cohort_path", horizon_quarters=10)
    p = dict(draw_parameters(s, seed=6, block=0, n=100))
    p.pop("revenue_growth_annual")
    ctx = _context(s, 100)
    base = {k: v for k, v in p.items() if k != "revenue_usd"}
    first = s.model.func(base, ctx)
    required = first["required_revenue_usd"]
    out = s.model.func({**base, "revenue_usd": required}, ctx)
    # NBV at the horizon: capex to date minus depreciation to date
    rq = (1 + p["target_return"]) ** 0.25 - 1
    life_q = 4 * p["useful_life_years"]
    dep = _kernels.straight_line(p["capex_usd"], life_q, 1)
    nbv_end = p["capex_usd"].sum(axis=1) - dep.sum(axis=1)
    np.testing.assert_allclose(out["npv_usd"], -nbv_end / (1 + rq) ** 10, rtol=1e-9, atol=1e-6)


def test_jevons_elasticity_sign() -> None:
    # compute demand with efficiency gains rises when eps > 1 (Jevons), falls when eps < 1, flat at 1
    s = scenario("efficiency")
    p = dict(draw_parameters(s, seed=1, block=0, n=3))
    p["workload_growth_annual"] = np.zeros_like(p["workload_growth_annual"])
    p["compute_price_decline_annual"] = np.zeros(3)
    p["quantisation_rate_annual"] = np.full(3, 0.3)
    p["jevons_elasticity"] = np.array([0.5, 1.0, 1.5])
    out = s.model.func(p, _context(s, 3))
    growth = out["demand_growth_multiple"]
    assert growth[0] < 1.0 and growth[1] == pytest.approx(1.0) and growth[2] > 1.0


def test_valuation_round_trips() -> None:
    s = scenario("valuation")
    p = draw_parameters(s, seed=2, block=0, n=500)
    out = s.model.func(p, _context(s, 500))
    ok = np.isfinite(out["implied_growth_ratio"])
    assert ok.mean() > 0.9
    v = dcf_value(
        p["revenue_usd"], out["implied_growth_ratio"], p["fcf_margin"], p["discount_rate"], p["terminal_growth"], 10
    )
    np.testing.assert_allclose(v[ok], p["market_value_usd"][ok], rtol=1e-9)
    v2 = dcf_value(
        p["revenue_usd"],
        p["revenue_growth_annual"],
        out["implied_margin_ratio"],
        p["discount_rate"],
        p["terminal_growth"],
        10,
    )
    np.testing.assert_allclose(v2, p["market_value_usd"], rtol=1e-12)
    np.testing.assert_allclose(out["fomo_premium_ratio"], p["market_value_usd"] / out["scenario_value_usd"] - 1)


def test_dcf_value_matches_explicit_sum() -> None:
    r0, g, m, r, gt, n = 100.0, 0.2, 0.3, 0.1, 0.02, 7
    explicit = sum(m * r0 * (1 + g) ** t / (1 + r) ** t for t in range(1, n + 1))
    explicit += m * r0 * (1 + g) ** n * (1 + gt) / (r - gt) / (1 + r) ** n
    a = lambda x: np.array([x])  # noqa: E731
    assert dcf_value(a(r0), a(g), a(m), a(r), a(gt), n)[0] == pytest.approx(explicit, rel=1e-13)
    # growth equal to the discount rate (q = 1) takes the limit branch
    limit = m * r0 * (n + (1 + gt) / (r - gt))
    assert dcf_value(a(r0), a(r), a(m), a(r), a(gt), n)[0] == pytest.approx(limit, rel=1e-12)
