"""credit.gpu_collateral: closed forms, hand-computed losses, the annuity schedule, stock-flow identities,
bad input, the rental-price fit and the sensitivity grid."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest

from capexwatch.errors import ScenarioError
from capexwatch.models import _reference
from capexwatch.models.credit import HOURS_PER_QUARTER, default_flags, fit_rental_path
from capexwatch.models.credit_grid import pd_grid
from capexwatch.models.engine import _context, draw_parameters, simulate
from capexwatch.models.scenario import parse_scenario
from tests._support.scenarios import path_params


def _scenario(params: str, options: str = "", horizon: int = 24, extra: str = "") -> Any:
    text = f"model: credit.gpu_collateral\nseed: 5\nhorizon_quarters: {horizon}\n{extra}parameters:\n"
    text += "".join(f"  {line.strip()}\n" for line in params.splitlines() if line.strip())
    if options:
        text += f"options: {options}\n"
    return parse_scenario(text, filename="credit-test.yaml")


def _run(s: Any, n: int = 8) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    params = draw_parameters(s, seed=3, block=0, n=n)
    return params, s.model.func(params, _context(s, n))


BASE = """
    facility_usd: 600e6
    initial_ltv_ratio: 0.6
    gpu_cost_usd: 50000
    rental_usd_per_gpu_hour: 2.0
    spread_annual: 0.0
"""


@pytest.mark.usefixtures("kernel")
@pytest.mark.parametrize(("life", "cov"), [(3.0, 0.75), (4.0, 0.9), (2.5, 0.61), (5.0, 0.8)])
def test_zero_volatility_breach_quarter_is_the_closed_form_straight_line(life: float, cov: float) -> None:
    # bullet loan, no volatility: LTV_t = LTV0 / (1 - (t + 1) / 4L), so LTV_t > cov first at
    # t* = floor(4L (1 - LTV0 / cov)) (0-based quarter, LTV tested at the quarter's end)
    s = _scenario(
        BASE + f"economic_life_years: {life}\nltv_covenant: {cov}\nrental_volatility_annual: 0",
        "{amortisation: bullet, maturity_quarters: 40}",
        horizon=40,
    )
    _, out = _run(s)
    t_star = math.floor(4 * life * (1 - 0.6 / cov))
    assert np.all(out["time_to_first_breach_years"] == (t_star + 1) / 4)
    flags = out["breach_flag"][0]
    assert flags[:t_star].sum() == 0 and flags[t_star] == 1


@pytest.mark.usefixtures("kernel")
@pytest.mark.parametrize(("life", "factor", "cov"), [(4.0, 2.0, 0.8), (3.0, 1.5, 0.9)])
def test_zero_volatility_breach_quarter_is_the_closed_form_declining_balance(
    life: float, factor: float, cov: float
) -> None:
    # LTV_t = LTV0 / (1 - k/L)^((t+1)/4) > cov  <=>  t + 1 > 4 ln(LTV0 / cov) / ln(1 - k/L)
    s = _scenario(
        BASE + f"economic_life_years: {life}\ndeclining_balance_factor: {factor}\nltv_covenant: {cov}",
        "{amortisation: bullet, maturity_quarters: 40, value_curve: declining_balance}",
        horizon=40,
    )
    _, out = _run(s)
    x = 4 * math.log(0.6 / cov) / math.log(1 - factor / life)
    t_star = math.floor(x)  # first t with t + 1 > x
    assert np.all(out["time_to_first_breach_years"] == (t_star + 1) / 4)


@pytest.mark.usefixtures("kernel")
def test_expected_loss_is_pd_times_lgd_times_ead_by_hand() -> None:
    # $600M bullet against 20,000 GPUs ($1B at cost), straight line over 5 years, 60% fire-sale
    # discount. Revenue comes only from a take-or-pay contract (utilisation 0 at market). A path
    # whose counterparty defaults in quarter 0 has no revenue and no reserve, so it misses the
    # first interest payment: EAD = $600M; collateral after one quarter = $1B x (1 - 1/20) =
    # $950M, sold for $380M: LGD = 1 - 380/600. The other paths are paid every quarter.
    s = _scenario(
        BASE
        + """
        economic_life_years: 5
        utilisation: 0
        contracted_share: 1
        counterparty_pd_annual: 0.5
        counterparty_default_draw: 0.5
        base_rate_annual: 0.08
        fire_sale_discount: 0.6
        """,
        "{amortisation: bullet}",
        horizon=8,
    )
    params = draw_parameters(s, seed=3, block=0, n=4)
    # two paths whose counterparty defaults in quarter 0 (u close to 0), two that never do in 8
    # quarters: P(tau < 2y) = 1 - 0.5^2 = 0.75 -> u = 0.9 survives, u = 0.01 defaults at once
    params["counterparty_default_draw"] = np.array([0.01, 0.9, 0.02, 0.95])
    out = s.model.func(params, _context(s, 4))
    pd = out["default_flag"].mean()
    assert pd == 0.5
    lgd = 1 - 1e9 * (1 - 1 / 20) * 0.4 / 600e6
    np.testing.assert_allclose(out["lgd_ratio"][[0, 2]], lgd, rtol=1e-12)
    assert np.isnan(out["lgd_ratio"][[1, 3]]).all()
    np.testing.assert_allclose(out["ead_usd"][[0, 2]], 600e6, rtol=1e-12)
    np.testing.assert_allclose(out["loss_usd"].mean(), pd * lgd * 600e6, rtol=1e-12)
    # the survivors are paid: contract revenue covers interest every quarter
    assert 20_000 * HOURS_PER_QUARTER * 2.0 > 600e6 * 0.08 / 4


@pytest.mark.usefixtures("kernel")
def test_annuity_schedule_matches_the_formula_to_the_cent() -> None:
    # $10M at 8% a year (2% a quarter) over 20 quarters: P = B r / (1 - (1 + r)^-n) = $611,567.18
    s = _scenario(
        """
        facility_usd: 10e6
        initial_ltv_ratio: 0.5
        gpu_cost_usd: 50000
        economic_life_years: 100
        rental_usd_per_gpu_hour: 5
        base_rate_annual: 0.05
        spread_annual: 0.03
        """,
        '{amortisation: annuity, maturity_quarters: 20, cash_flows: "yes"}',
        horizon=20,
    )
    _, out = _run(s, 2)
    r, n, b0 = 0.02, 20, 10e6
    pay = b0 * r / (1 - (1 + r) ** -n)
    assert round(pay, 2) == 611567.18
    ds = out["debt_service_usd"][0]
    assert np.all(np.round(ds, 2) == round(pay, 2))
    for k in range(1, n + 1):
        closed = b0 * (1 + r) ** k - pay * ((1 + r) ** k - 1) / r
        assert round(out["balance_usd"][0][k - 1], 2) == round(closed, 2)
    assert abs(out["balance_usd"][0][-1]) < 0.005


@pytest.mark.usefixtures("kernel")
def test_stock_flow_identities_hold_on_every_path() -> None:
    from tests._support.scenarios import scenario

    s = scenario("credit")
    n = 400
    params = draw_parameters(s, seed=9, block=0, n=n)
    out = s.model.func(params, _context(s, n))
    bal, draw, prin = out["balance_usd"], out["draw_usd"], out["principal_usd"]
    cash, cfads, ds = out["cash_usd"], out["cfads_usd"], out["debt_service_usd"]
    prev_bal = np.hstack([np.zeros((n, 1)), bal[:, :-1]])
    prev_cash = np.hstack([params["cash_reserve_usd"][:, None], cash[:, :-1]])
    live = ~np.isnan(bal)
    live[:, 1:] &= ~np.isnan(bal[:, :-1])
    np.testing.assert_allclose(bal[live], (prev_bal + draw - prin)[live], rtol=1e-9, atol=1e-3)
    np.testing.assert_allclose(cash[live], (prev_cash + cfads - ds)[live], rtol=1e-9, atol=1e-3)
    np.testing.assert_allclose(ds[live], (out["interest_usd"] + prin)[live], rtol=1e-12)
    # draws sum to the facility on paths that survive the draw period; the loan is repaid at maturity
    survived = out["defaulted_flag"][:, 2] == 0
    np.testing.assert_allclose(draw[survived, :3].sum(axis=1), 1e9, rtol=1e-12)
    alive = out["default_flag"] == 0
    np.testing.assert_allclose(bal[alive, -1], 0.0, atol=1e-3)
    # a defaulted path stays defaulted; loss = LGD x EAD; losses never exceed exposure
    d = out["defaulted_flag"]
    assert np.all(np.diff(d, axis=1) >= 0)
    did = out["default_flag"] == 1
    np.testing.assert_allclose(out["loss_usd"][did], (out["lgd_ratio"] * out["ead_usd"])[did], rtol=1e-9)
    assert np.all(out["loss_usd"][~did] == 0) and np.all(out["loss_usd"] <= np.nan_to_num(out["ead_usd"]))


@pytest.mark.usefixtures("kernel")
def test_kernel_matches_reference_under_each_option() -> None:
    for opts in (
        "{amortisation: bullet, maturity_quarters: 10, default_on: breach}",
        "{amortisation: annuity, draw_quarters: 2, value_curve: declining_balance}",
        "{amortisation: linear, maturity_quarters: 30}",
    ):
        s = _scenario(
            BASE
            + """
            economic_life_years: {dist: uniform, low: 1.5, high: 5}
            rental_volatility_annual: 0.6
            rental_shock: {dist: normal, mean: 0, sd: 1, per: quarter}
            value_rental_elasticity: 1
            utilisation: {dist: uniform, low: 0.3, high: 1}
            generation_drop_ratio: 0.2
            generation_launch_rate_annual: 1
            launch_draw: {dist: uniform, low: 0, high: 1, per: quarter}
            gpu_kw: 1
            power_price_usd_per_kwh: 0.1
            base_rate_annual: 0.04
            ltv_covenant: 0.9
            dscr_covenant: 1.2
            fire_sale_discount: 0.3
            """,
            opts,
            horizon=12,
        )
        params, out = _run(s, 50)
        for i in range(50):
            want = _reference.credit(path_params(params, i), 12, options=s.options)
            for key, value in want.items():
                np.testing.assert_allclose(out[key][i], value, rtol=1e-9, atol=1e-6, err_msg=f"{opts} {key}")


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("ltv_covenant: 1.2", "parameters.ltv_covenant", "(0, 1]"),
        ("ltv_covenant: 65", "parameters.ltv_covenant", "(0, 1]"),
        ("economic_life_years: -3", "parameters.economic_life_years", "(0, inf]"),
    ],
)
def test_bad_input_names_field_and_line(line: str, field: str, words: str) -> None:
    params = BASE + ("economic_life_years: 4\n" if "life" not in line else "") + line
    with pytest.raises(ScenarioError) as exc:
        _scenario(params)
    text = str(exc.value)
    assert field in text and words in text
    assert re.search(r"line \d+: " + re.escape(field), text)
    assert exc.value.exit_code == 2


def test_bad_input_exits_2_from_the_cli(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from capexwatch.cli import main

    f = tmp_path / "bad.yaml"
    body = "".join(f"  {line.strip()}\n" for line in BASE.splitlines() if line.strip())
    f.write_text("model: credit\nparameters:\n" + body + "  economic_life_years: -2\n  ltv_covenant: 1.5\n")
    code = main(["simulate", str(f)])
    err = capsys.readouterr().err
    assert code == 2
    assert "line 8: parameters.economic_life_years" in err and "line 9: parameters.ltv_covenant" in err
    assert "Traceback" not in err


def test_rental_fit_by_hand() -> None:
    # $8 mid-2023 -> $1.70 Oct 2025 -> $2.35 Mar 2026 (published-analyses.md section 6)
    t = [2023.5, 2025.75, 2026 + 2 / 12]
    decline, vol = fit_rental_path(t, [8.0, 1.70, 2.35])
    mu = math.log(2.35 / 8.0) / (t[2] - t[0])
    s2 = (
        (math.log(1.7 / 8) - mu * 2.25) ** 2 / 2.25 + (math.log(2.35 / 1.7) - mu * (t[2] - t[1])) ** 2 / (t[2] - t[1])
    ) / 2
    assert decline == pytest.approx(1 - math.exp(mu), rel=1e-12)
    assert vol == pytest.approx(math.sqrt(s2), rel=1e-12)
    assert 0.35 < decline < 0.40 and 0.6 < vol < 0.65


@pytest.mark.usefixtures("kernel")
def test_cost_of_debt_seam_and_grid() -> None:
    from tests._support.scenarios import scenario

    s = scenario("credit")
    n = 2000
    params = draw_parameters(s, seed=2, block=0, n=n)
    ctx = _context(s, n)
    own = default_flags(params, ctx)
    np.testing.assert_array_equal(own, s.model.func(params, ctx)["defaulted_flag"])
    cheap = default_flags(params, ctx, np.full(16, 0.0)).mean(axis=0)
    dear = default_flags(params, ctx, np.full(16, 0.30)).mean(axis=0)
    assert np.all(dear >= cheap) and dear[-1] > cheap[-1]

    g = pd_grid(s, [1.5, 2.5, 4.0], [2.0, 4.0, 6.0], paths=3000, seed=4)
    pd = np.array(g.pd)
    # a cell equals a plain run with those two inputs as constants (common random numbers)
    one = s.replace(
        params={
            **s.params,
            "rental_usd_per_gpu_hour": s.params["rental_usd_per_gpu_hour"].__class__(
                "rental_usd_per_gpu_hour", _const(2.5), 1
            ),
            "economic_life_years": s.params["economic_life_years"].__class__("economic_life_years", _const(4.0), 1),
        }
    )
    r = simulate(one, paths=3000, seed=4)
    assert pd[1][1] == pytest.approx(r.outputs["default_flag"].mean, abs=1e-12)
    # higher rent or longer life never raises the PD on the same draws
    assert np.all(np.diff(pd, axis=0) <= 1e-12) and np.all(np.diff(pd, axis=1) <= 1e-12)


def _const(x: float) -> Any:
    from capexwatch.models.scenario import Const

    return Const(x)


CREDIT_PRESETS = [
    "credit-coreweave-ddtl2",
    "credit-coreweave-ddtl4",
    "credit-lambda-abs",
    "credit-xai-spv",
    "credit-seed-bear",
]


@pytest.mark.parametrize("name", CREDIT_PRESETS)
def test_presets_run_with_the_store_rate(name: str, store: Any) -> None:
    from capexwatch.models.scenario import load_scenario

    r = simulate(load_scenario(name), paths=4096, store=store)
    base = r.parameters["base_rate_annual"]
    rows = base["from_store"]["rows"]
    assert rows[0]["series_id"] == "DFF" and 0 < r.outputs["default_flag"].mean <= 1
    # every ASSUMPTION is labelled as one in the preset's source
    s = load_scenario(name)
    for entry in s.params.values():
        if entry.source and "ASSUMPTION" in (entry.note or ""):
            assert "ASSUMPTION" in entry.source


def test_preset_rental_terms_are_the_fit_of_section_6() -> None:
    from capexwatch.models.scenario import load_scenario

    decline, vol = fit_rental_path([2023.5, 2025.75, 2026 + 2 / 12], [8.0, 1.70, 2.35])
    s = load_scenario("credit-coreweave-ddtl2")
    assert s.params["rental_price_decline_annual"].value.value == round(decline, 3)
    assert s.params["rental_volatility_annual"].value.value == round(vol, 3)


def test_series_from_store_quarter_means_and_change(store: Any) -> None:
    from capexwatch.models.scenario import StoreQuery
    from capexwatch.models.store_query import query_series

    df = store.series("BAMLH0A0HYM2", start="2008-07-01", end="2008-12-31")
    q3 = df[df["date"].astype(str) < "2008-10-01"]["value"].mean()
    q4 = df[df["date"].astype(str) >= "2008-10-01"]["value"].mean()
    q = StoreQuery((), "", "quarters", start="2008Q3", end="2008Q4", series="BAMLH0A0HYM2", view="change")
    got = query_series(store, q)
    assert got["quarters"] == ["2008Q3", "2008Q4"]
    assert got["values"] == pytest.approx([0.0, q4 - q3], rel=1e-12)
    assert q4 - q3 > 5  # the 2008 widening, in percentage points
