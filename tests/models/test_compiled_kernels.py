"""The compiled (Numba) kernels of credit.gpu_collateral and contagion.feedback against their NumPy
kernels: every output, on several scenarios and the presets, to 1e-12 relative (the per-path
references and the closed forms run on both kernels through the ``kernel`` fixture)."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pytest

from capexwatch.models import _contagion_compiled, _credit_compiled, _jit
from capexwatch.models.engine import _context, draw_parameters
from capexwatch.models.scenario import Scenario, load_scenario, parse_scenario
from capexwatch.models.store_fill import fill_from_store
from tests._support.scenarios import SCENARIOS, scenario

pytestmark = pytest.mark.skipif(not _jit.available(), reason="Numba (the fast extra) is not installed")

RTOL = 1e-12

# illustrative inputs (not published figures), chosen to reach every branch of the facility:
# breach and payment defaults, bullets refinanced or not, declining balance, several draws
CREDIT_VARIANTS = {
    "bullet-breach": "{amortisation: bullet, maturity_quarters: 10, default_on: breach}",
    "annuity-declining": "{amortisation: annuity, draw_quarters: 2, value_curve: declining_balance}",
    "linear-long": '{amortisation: linear, maturity_quarters: 30, cash_flows: "yes"}',
    "bullet-refinance": '{amortisation: bullet, maturity_quarters: 6, draw_quarters: 3, cash_flows: "yes"}',
}
CREDIT_PARAMS = """
    facility_usd: 600e6
    initial_ltv_ratio: {dist: uniform, low: 0.4, high: 0.9}
    gpu_cost_usd: 50000
    economic_life_years: {dist: uniform, low: 1.5, high: 5}
    rental_usd_per_gpu_hour: {dist: uniform, low: 1, high: 4}
    rental_volatility_annual: 0.6
    rental_shock: {dist: normal, mean: 0, sd: 1, per: quarter}
    value_rental_elasticity: {dist: uniform, low: 0, high: 1.5}
    utilisation: {dist: uniform, low: 0.3, high: 1}
    generation_drop_ratio: 0.2
    generation_launch_rate_annual: 1
    launch_draw: {dist: uniform, low: 0, high: 1, per: quarter}
    contracted_share: {dist: uniform, low: 0, high: 1}
    counterparty_pd_annual: 0.3
    counterparty_default_draw: {dist: uniform, low: 0, high: 1}
    gpu_kw: 1
    power_price_usd_per_kwh: 0.1
    base_rate_annual: {quarters: [0.04, 0.05], extend: flat}
    spread_annual: {dist: uniform, low: 0.0, high: 0.15}
    ltv_covenant: 0.9
    dscr_covenant: 1.2
    fire_sale_discount: 0.3
    cash_reserve_usd: {dist: uniform, low: 0, high: 5e7}
"""


def _credit_variant(options: str, horizon: int = 24) -> Scenario:
    body = textwrap.indent(textwrap.dedent(CREDIT_PARAMS).strip(), "  ")
    text = f"model: credit\nhorizon_quarters: {horizon}\nparameters:\n{body}\noptions: {options}\n"
    return parse_scenario(text, filename="variant.yaml")


def _both(s: Scenario, monkeypatch: pytest.MonkeyPatch, n: int = 3000, seed: int = 7) -> tuple[Any, Any]:
    params = draw_parameters(s, seed=seed, block=0, n=n)
    ctx = _context(s, n)
    monkeypatch.setenv("CAPEXWATCH_JIT", "0")
    numpy_out = s.model.func(params, ctx)
    monkeypatch.setenv("CAPEXWATCH_JIT", "1")
    return numpy_out, s.model.func(params, ctx)


def _assert_same(numpy_out: dict[str, Any], compiled: dict[str, Any]) -> None:
    assert set(numpy_out) == set(compiled)
    for key, want in numpy_out.items():
        got, want = np.asarray(compiled[key]), np.asarray(want)
        assert got.shape == want.shape, key
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=key)
        finite = np.abs(want[np.isfinite(want)])
        scale = float(finite.max()) if finite.size else 1.0
        # relative to each value, and to the output's scale where a difference cancels to ~0
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * scale, err_msg=key)


@pytest.mark.parametrize("variant", sorted(CREDIT_VARIANTS))
def test_credit_compiled_equals_numpy(variant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    numpy_out, compiled = _both(_credit_variant(CREDIT_VARIANTS[variant]), monkeypatch)
    _assert_same(numpy_out, compiled)
    # the variant reaches what it is there for
    assert 0 < compiled["default_flag"].mean() < 1
    assert 0 < compiled["breach_any_flag"].mean() < 1


def test_credit_compiled_equals_numpy_on_the_test_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_same(*_both(scenario("credit"), monkeypatch))


CREDIT_PRESETS = ["credit-coreweave-ddtl2", "credit-coreweave-ddtl4", "credit-lambda-abs", "credit-xai-spv"]


@pytest.mark.parametrize("name", [*CREDIT_PRESETS, "credit-seed-bear"])
def test_credit_compiled_equals_numpy_on_the_presets(name: str, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_same(*_both(fill_from_store(load_scenario(name), store), monkeypatch, n=2000))


def test_credit_cost_of_debt_seam_compiled_equals_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    from capexwatch.models.credit import default_flags

    s = _credit_variant(CREDIT_VARIANTS["annuity-declining"])
    n = 2000
    params = draw_parameters(s, seed=3, block=0, n=n)
    rate = np.random.default_rng(1).uniform(0.0, 0.3, (n, s.horizon_quarters))
    flags = {}
    for jit in ("0", "1"):
        monkeypatch.setenv("CAPEXWATCH_JIT", jit)
        flags[jit] = default_flags(params, _context(s, n), rate)
    np.testing.assert_array_equal(flags["0"], flags["1"])


CONTAGION_OPTIONS = {
    "test-scenario": None,
    "named-pivot-no-lag": "{pivot: [META, ORCL], shock_quarter: 0, cut_ramp_quarters: 1, sentiment_lag_quarters: 0}",
    "slow-ramp-long-lag": "{pivot: 1, shock_quarter: 5, cut_ramp_quarters: 6, sentiment_lag_quarters: 4}",
}


@pytest.mark.parametrize("variant", sorted(CONTAGION_OPTIONS))
def test_contagion_compiled_equals_numpy(variant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    s = scenario("contagion")
    opts = CONTAGION_OPTIONS[variant]
    if opts is not None:
        text = textwrap.dedent(SCENARIOS["contagion"])
        text = "\n".join(line for line in text.splitlines() if not line.startswith("options:"))
        s = parse_scenario(f"{text}\noptions: {opts}\n", filename="variant.yaml")
    numpy_out, compiled = _both(s, monkeypatch)
    _assert_same(numpy_out, compiled)
    assert compiled["loop_turned_flag"].max() == 1.0  # the loop turns on some paths


@pytest.mark.parametrize("name", ["pivot-1", "pivot-2", "telecom-2001"])
def test_contagion_compiled_equals_numpy_on_the_presets(name: str, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_same(*_both(fill_from_store(load_scenario(name), store), monkeypatch, n=2000))


def test_the_switch_picks_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """CAPEXWATCH_JIT=0 runs the NumPy kernels (the compiled ones are not called), 1 the compiled."""

    def refuse(*args: Any) -> None:
        raise AssertionError("compiled kernel called")

    credit, contagion = scenario("credit"), scenario("contagion")
    monkeypatch.setattr(_credit_compiled, "facility_paths", refuse)
    monkeypatch.setattr(_contagion_compiled, "feedback_paths", refuse)
    for s in (credit, contagion):
        params = draw_parameters(s, seed=1, block=0, n=10)
        monkeypatch.setenv("CAPEXWATCH_JIT", "0")
        s.model.func(params, _context(s, 10))
        monkeypatch.setenv("CAPEXWATCH_JIT", "1")
        with pytest.raises(AssertionError, match="compiled kernel called"):
            s.model.func(params, _context(s, 10))
