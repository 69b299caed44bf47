"""The link between contagion.feedback and credit.gpu_collateral: the neoclouds' cost of debt
follows sentiment, and the credit model decides breach and default (models/neocloud.py)."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pytest

from capexwatch.errors import ScenarioError
from capexwatch.models import contagion, neocloud
from capexwatch.models.credit import GPU_COLLATERAL
from capexwatch.models.engine import _context, draw_parameters
from capexwatch.models.scenario import Scenario, load_scenario, parse_scenario
from capexwatch.models.store_fill import fill_from_store
from tests._support.scenarios import SCENARIOS, scenario

N = 3000


def _draw(s: Scenario, n: int = N, seed: int = 4) -> dict[str, np.ndarray]:
    return draw_parameters(s, seed=seed, block=0, n=n)


def _credit_alone(params: dict[str, np.ndarray], s: Scenario, n: int) -> dict[str, np.ndarray]:
    """credit.gpu_collateral run by itself on the neocloud facility's draws: the credit test
    scenario's own defaults, overwritten by the contagion scenario's neocloud_ arrays."""
    own = scenario("credit", horizon_quarters=s.horizon_quarters)
    p = _draw(own, n)
    for name in p:
        if f"neocloud_{name}" in params:
            p[name] = params[f"neocloud_{name}"]
    ctx = _context(own, n)
    return GPU_COLLATERAL.func(p, ctx)


@pytest.mark.usefixtures("kernel")
def test_with_sentiment_fixed_the_neocloud_pd_is_the_credit_models_pd() -> None:
    s = scenario("contagion_credit")
    params = _draw(s)
    # no pivot: vendors earn their baseline, sentiment is exactly 0 in every quarter
    params["pivot_cut_ratio"] = np.zeros(N)
    out = contagion.feedback(params, _context(s, N))
    assert np.all(out["sentiment_index"] == 0.0)
    alone = _credit_alone(params, s, N)
    np.testing.assert_array_equal(out["neocloud_default_prob"], alone["defaulted_flag"])
    np.testing.assert_array_equal(out["neocloud_default_prob_final"], alone["default_flag"])
    assert np.all(out["neocloud_default_prob_added"] == 0.0)
    pd = out["neocloud_default_prob_final"].mean()
    assert pd == alone["default_flag"].mean() and 0.05 < pd < 0.95  # a facility that can default
    # a shock that sentiment does not pass on to the spread (beta = 0) leaves the PD as it is too
    params = _draw(s)
    params["neocloud_spread_sensitivity"] = np.zeros(N)
    out = contagion.feedback(params, _context(s, N))
    assert out["sentiment_min"].min() < -0.05
    np.testing.assert_array_equal(out["neocloud_default_prob"], _credit_alone(params, s, N)["defaulted_flag"])


@pytest.mark.usefixtures("kernel")
def test_lower_sentiment_raises_the_pd_monotonically() -> None:
    s = scenario("contagion_credit")
    params = _draw(s)
    ctx = _context(s, N)
    levels = [0.0, -0.05, -0.1, -0.2, -0.3, -0.5]
    flags = [neocloud.gpu_collateral_pd(np.full((N, s.horizon_quarters), x), params, ctx)[1] for x in levels]
    pd = [f[:, -1].mean() for f in flags]
    # path by path: a dearer loan never turns a default into survival, nor defaults later
    for dear, cheap in zip(flags[1:], flags[:-1], strict=True):
        assert np.all(dear >= cheap)
    assert all(b >= a for a, b in zip(pd, pd[1:], strict=False)) and pd[-1] > pd[0] + 0.02
    # through the loop: a deeper pivot, lower sentiment, a higher PD on the same draws
    finals = []
    for cut in (0.0, 0.3, 0.6):
        p = dict(params)
        p["pivot_cut_ratio"] = np.full(N, cut)
        p["loop_gain"] = np.full(N, 0.8)
        finals.append(contagion.feedback(p, ctx)["neocloud_default_prob_final"].mean())
    assert finals[0] < finals[1] < finals[2]


def test_the_pivot_presets_borrow_on_the_ddtl2_facility_with_its_sources() -> None:
    s = load_scenario("pivot-1")
    ddtl2 = load_scenario("credit-coreweave-ddtl2")
    assert s.options["neocloud_pd"] == "gpu-collateral"
    assert s.options["neocloud_maturity_quarters"] == ddtl2.options["maturity_quarters"] == 16
    assert s.options["neocloud_amortisation"] == "linear"
    for name, entry in ddtl2.params.items():
        if entry.default:
            assert f"neocloud_{name}" not in s.params
            continue
        mine = s.params[f"neocloud_{name}"]
        assert mine.source == entry.source
        assert (mine.note or "").startswith("from preset credit-coreweave-ddtl2")
    # Vera Rubin's launch, 2026Q3: quarter 4 of the facility's 2025Q3 start, quarter 2 of 2026Q1
    n, h = 4, s.horizon_quarters
    launches = draw_parameters(
        s.replace(params={"neocloud_generation_launches": s.params["neocloud_generation_launches"]}), 1, 0, n
    )
    assert launches["neocloud_generation_launches"][0].tolist() == [0, 0, 1] + [0] * (h - 3)


def test_the_presets_neocloud_pd_equals_the_facility_alone_at_zero_sentiment(store: Any) -> None:
    s = fill_from_store(load_scenario("pivot-2"), store)
    ddtl2 = fill_from_store(load_scenario("credit-coreweave-ddtl2"), store)
    n = 2000
    params = _draw(s, n)
    params["pivot_cut_ratio"] = np.zeros(n)
    out = contagion.feedback(params, _context(s, n))
    p = _draw(ddtl2.replace(horizon_quarters=s.horizon_quarters), n)
    p |= {name: params[f"neocloud_{name}"] for name in p if f"neocloud_{name}" in params}
    alone = GPU_COLLATERAL.func(p, _context(ddtl2.replace(horizon_quarters=s.horizon_quarters), n))
    np.testing.assert_array_equal(out["neocloud_default_prob"], alone["defaulted_flag"])


def _contagion_text(options: str, extra: str = "", drop: tuple[str, ...] = ()) -> str:
    text = textwrap.dedent(SCENARIOS["contagion_credit"])
    lines = [line for line in text.splitlines() if not line.startswith("options:")]
    lines = [line for line in lines if not line.strip().startswith(drop)] if drop else lines
    return "\n".join(lines) + extra + f"\noptions: {options}\n"


def _error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, filename="bad.yaml")
    assert exc.value.exit_code == 2
    return exc.value


def test_entries_given_in_the_scenario_override_the_preset() -> None:
    text = textwrap.dedent(
        """
        model: contagion
        start_quarter: 2026Q1
        parameters:
          neocloud_spread_annual: {value: 0.13, source: CoreWeave DDTL 2.0 non-IG tier (SOFR + 13.00%)}
          neocloud_spread_sensitivity: 2
        """
    )
    params = "\n".join(
        f"  {k}: 1e9"
        for k in ("msft_capex_usd", "googl_capex_usd", "amzn_capex_usd", "meta_capex_usd", "orcl_capex_usd")
    )
    shares = "\n".join(f"  {v}_hyperscaler_share: 0.3" for v in ("nvda", "amd", "avgo", "mrvl", "tsm"))
    text += f"{params}\n{shares}\n  pivot_cut_ratio: 0.3\n  loop_gain: 0.5\n"
    terms = "neocloud_facility: credit-coreweave-ddtl2, neocloud_maturity_quarters: 8"
    text += f"options: {{neocloud_pd: gpu-collateral, {terms}}}\n"
    s = parse_scenario(text, filename="t.yaml")
    assert s.params["neocloud_spread_annual"].value.value == 0.13  # type: ignore[union-attr]
    assert s.options["neocloud_maturity_quarters"] == 8 and s.options["neocloud_amortisation"] == "linear"
    assert s.params["neocloud_facility_usd"].value.value == 4.95e9  # type: ignore[union-attr]


def test_gpu_collateral_without_a_facility_is_a_field_error() -> None:
    facility = tuple(f"neocloud_{p.name}" for p in GPU_COLLATERAL.params)
    err = _error(_contagion_text("{neocloud_pd: gpu-collateral}", drop=facility))
    assert "parameters.neocloud_facility_usd" in str(err) and "neocloud_facility" in str(err)


def test_triangle_terms_are_refused_beside_a_facility() -> None:
    err = _error(_contagion_text("{neocloud_pd: gpu-collateral}", extra="\n  neocloud_lgd_ratio: 0.6"))
    assert "parameters.neocloud_lgd_ratio" in str(err) and "credit-triangle" in str(err)


def test_a_facility_without_gpu_collateral_is_a_field_error() -> None:
    err = _error(_contagion_text("{pivot: 2}"))
    assert "neocloud_pd: gpu-collateral" in str(err)


def test_only_credit_presets_can_be_named() -> None:
    err = _error(_contagion_text("{neocloud_pd: gpu-collateral, neocloud_facility: pivot-1}"))
    assert "options.neocloud_facility" in str(err) and "credit-coreweave-ddtl2" in str(err)
