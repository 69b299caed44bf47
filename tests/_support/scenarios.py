"""Scenarios and helpers shared by the model tests (illustrative test inputs, not published figures)."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from capexwatch.models.scenario import Scenario, parse_scenario

SCENARIOS: dict[str, str] = {
    "sequoia": """
        model: required_revenue.sequoia
        parameters:
          gpu_revenue_usd: {dist: lognormal, mean: 25.5, sd: 0.3}
          tco_multiplier: {dist: triangular, low: 1.5, mode: 2, high: 3}
          gross_margin: {dist: uniform, low: 0.4, high: 0.6}
          ai_revenue_usd: {dist: uniform, low: 50e9, high: 150e9}
    """,
    "bain": """
        model: bain
        parameters:
          capex_usd: {dist: pert, low: 400e9, mode: 500e9, high: 700e9}
          capex_to_revenue_ratio: {dist: beta, a: 5, b: 15, low: 0.1, high: 0.5}
          fundable_revenue_usd: {dist: normal, mean: 1.2e12, sd: 1e11}
    """,
    "jpmorgan": """
        model: jpmorgan
        parameters:
          required_annual_revenue_usd: {dist: uniform, low: 500e9, high: 800e9}
          iphone_users: {dist: uniform, low: 1.4e9, high: 1.7e9}
          netflix_subscribers: 300.9e6
          investment_usd: {dist: uniform, low: 4e12, high: 6e12}
          target_return: {dist: uniform, low: 0.08, high: 0.12}
    """,
    "cohort_path": """
        model: cohort
        horizon_quarters: 24
        start_quarter: 2025Q2
        parameters:
          capex_usd: {annual: [{dist: uniform, low: 80, high: 120}, {dist: uniform, low: 50, high: 150}]}
          useful_life_years: {dist: uniform, low: 1.3, high: 4.6}
          target_return: {dist: uniform, low: 0.0, high: 0.2}
          capex_usd_per_mw: 10
          power_price_usd_per_mwh: {dist: uniform, low: 0.0001, high: 0.0003}
          pue: 1.2
          staff_usd_per_mw_year: 0.5
          other_opex_ratio: 0.02
          utilisation: {dist: uniform, low: 0.5, high: 1}
          revenue_usd: {dist: uniform, low: 3, high: 20}
          revenue_growth_annual: {dist: uniform, low: 0, high: 0.8}
    """,
    "cohort_rental": """
        model: cohort
        horizon_quarters: 40
        start_quarter: 2025Q1
        parameters:
          capex_usd: {annual: [410e9, {dist: uniform, low: 630e9, high: 725e9}]}
          useful_life_years: {dist: uniform, low: 2, high: 6}
          target_return: 0.1
          capex_usd_per_gpu: {dist: uniform, low: 47000, high: 52000}
          rental_usd_per_gpu_hour: {dist: uniform, low: 1.7, high: 4.5}
          rental_price_decline_annual: {dist: uniform, low: 0.0, high: 0.5}
          utilisation: {dist: uniform, low: 0.35, high: 0.99}
    """,
    "depreciation": """
        model: depreciation
        horizon_quarters: 20
        start_quarter: 2024Q3
        parameters:
          capex_usd: {quarters: [10, 20, {dist: uniform, low: 20, high: 40}, 30], extend: flat}
          reported_life_years: {dist: uniform, low: 4, high: 6}
          economic_life_years: {dist: uniform, low: 1.5, high: 3.5}
          short_lived_share: 0.667
          net_income_usd: {dist: uniform, low: 50, high: 60}
          tax_rate: 0.21
        options: {window_years: [2026, 2027], in_service_lag_quarters: 1}
    """,
    "efficiency": """
        model: efficiency
        horizon_quarters: 30
        parameters:
          capex_usd: {annual: [100, 150, 150], extend: zero}
          installed_base_usd: 200
          useful_life_years: {dist: uniform, low: 3, high: 6}
          initial_utilisation: {dist: uniform, low: 0.7, high: 1.0}
          workload_growth_annual: {dist: normal, mean: 0.5, sd: 0.3, clip: [-0.9, 5], per: quarter}
          perf_per_usd_growth_annual: {dist: uniform, low: 0, high: 1}
          quantisation_rate_annual: {dist: uniform, low: 0, high: 0.3}
          speculative_decoding_rate_annual: 0.1
          edge_offload_rate_annual: {dist: uniform, low: 0, high: 0.1}
          compute_price_decline_annual: {dist: uniform, low: 0.1, high: 0.3}
          jevons_elasticity: {dist: uniform, low: 0, high: 2}
    """,
    "valuation": """
        model: valuation
        parameters:
          market_value_usd: {dist: uniform, low: 1e12, high: 2e12}
          revenue_usd: 18.7e9
          revenue_growth_annual: {dist: uniform, low: 0.1, high: 0.4}
          fcf_margin: {dist: uniform, low: 0.1, high: 0.4}
          discount_rate: {dist: uniform, low: 0.08, high: 0.12}
          terminal_growth: {dist: uniform, low: 0.0, high: 0.03}
        options: {explicit_years: 10}
    """,
    "credit": """
        model: credit.gpu_collateral
        horizon_quarters: 16
        start_quarter: 2025Q3
        parameters:
          facility_usd: 1e9
          initial_ltv_ratio: {dist: uniform, low: 0.5, high: 0.8}
          gpu_cost_usd: 50000
          economic_life_years: {dist: uniform, low: 2, high: 6}
          generation_drop_ratio: 0.1
          generation_launches: {quarters: [0, 0, 0, 1]}
          generation_launch_rate_annual: 0.5
          launch_draw: {dist: uniform, low: 0, high: 1, per: quarter}
          value_rental_elasticity: {dist: uniform, low: 0, high: 1}
          rental_usd_per_gpu_hour: {dist: uniform, low: 1.5, high: 3}
          rental_price_decline_annual: {dist: uniform, low: 0.1, high: 0.5}
          rental_volatility_annual: 0.6
          rental_shock: {dist: normal, mean: 0, sd: 1, per: quarter}
          utilisation: {dist: uniform, low: 0.35, high: 0.99}
          power_price_usd_per_kwh: 0.08
          gpu_kw: 1.2
          pue: 1.2
          other_opex_usd_per_gpu_hour: 0.1
          contracted_share: {dist: uniform, low: 0, high: 0.8}
          counterparty_pd_annual: 0.2
          counterparty_default_draw: {dist: uniform, low: 0, high: 1}
          base_rate_annual: {quarters: [0.04, 0.045, 0.05], extend: flat}
          spread_annual: {dist: uniform, low: 0.02, high: 0.13}
          spread_shock_annual: {dist: normal, mean: 0, sd: 0.01, clip: [-0.05, 0.05], per: quarter}
          ltv_covenant: 0.85
          dscr_covenant: 1.1
          fire_sale_discount: 0.25
          cash_reserve_usd: 2e7
        options: {amortisation: linear, draw_quarters: 3, maturity_quarters: 16, cash_flows: "yes"}
    """,
    "contagion": """
        model: contagion.feedback
        horizon_quarters: 20
        start_quarter: 2026Q1
        parameters:
          msft_capex_usd: {dist: uniform, low: 30e9, high: 40e9}
          googl_capex_usd: {dist: uniform, low: 25e9, high: 45e9}
          amzn_capex_usd: {dist: uniform, low: 30e9, high: 50e9}
          meta_capex_usd: {dist: uniform, low: 15e9, high: 25e9}
          orcl_capex_usd: 10e9
          msft_cloud_growth_annual: {dist: uniform, low: 0, high: 0.4}
          amzn_cloud_growth_annual: 0.2
          meta_cloud_growth_annual: {dist: uniform, low: -0.1, high: 0.3}
          msft_ocf_usd: {dist: uniform, low: 30e9, high: 45e9}
          googl_ocf_usd: 40e9
          capex_to_ocf_max_ratio: {dist: uniform, low: 0.9, high: 1.3}
          nvda_hyperscaler_share: {dist: uniform, low: 0.2, high: 0.9}
          amd_hyperscaler_share: {dist: uniform, low: 0.1, high: 0.5}
          avgo_hyperscaler_share: 0.3
          mrvl_hyperscaler_share: {dist: uniform, low: 0, high: 1}
          tsm_hyperscaler_share: 0.25
          pivot_cut_ratio: {dist: uniform, low: 0.1, high: 0.6}
          loop_gain: {dist: uniform, low: 0, high: 1.2}
          capex_adjustment_speed: {dist: uniform, low: 0.2, high: 1}
          sentiment_smoothing: {dist: uniform, low: 0.3, high: 1}
          sentiment_turn_threshold: -0.05
          neocloud_spread_ratio: {dist: uniform, low: 0.06, high: 0.13}
          neocloud_spread_sensitivity: {dist: uniform, low: 0, high: 4}
          neocloud_lgd_ratio: 0.6
        options: {pivot: 2, shock_quarter: 2, cut_ramp_quarters: 3, sentiment_lag_quarters: 1}
    """,
}


def _contagion_with_credit_facility() -> str:
    """The contagion scenario with its neoclouds borrowing on the credit scenario's facility
    (``neocloud_pd: gpu-collateral``; every credit parameter and option under ``neocloud_``)."""
    contagion = textwrap.dedent(SCENARIOS["contagion"]).splitlines()
    credit = textwrap.dedent(SCENARIOS["credit"]).splitlines()
    start = credit.index("parameters:") + 1
    facility = [f"  neocloud_{line.strip()}" for line in credit[start:] if line.startswith("  ")]
    keep = [line for line in contagion if not line.strip().startswith(("neocloud_spread_ratio", "neocloud_lgd_ratio"))]
    options = keep.pop()  # options: {pivot: 2, ...}
    terms = "neocloud_amortisation: linear, neocloud_draw_quarters: 3, neocloud_maturity_quarters: 16"
    options = options.rstrip("}") + f", neocloud_pd: gpu-collateral, {terms}}}"
    return "\n".join([*keep, *facility, options]) + "\n"


SCENARIOS["contagion_credit"] = _contagion_with_credit_facility()


def scenario(name: str, **top: Any) -> Scenario:
    lines = textwrap.dedent(SCENARIOS[name]).splitlines()
    for k, v in top.items():
        hit = [i for i, line in enumerate(lines) if line.startswith(f"{k}:")]
        if hit:
            lines[hit[0]] = f"{k}: {v}"
        else:
            lines.insert(0, f"{k}: {v}")
    text = "\n".join(lines) + "\n"
    return parse_scenario(text, filename=f"{name}.yaml", name=name)


def path_params(params: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    """One path's parameters as plain floats (lists for quarterly parameters)."""
    return {k: (float(v[i]) if v.ndim == 1 else [float(x) for x in v[i]]) for k, v in params.items()}


def core(result: Any) -> dict[str, Any]:
    """A result's content without how it was run (timing, executor, block size, run id)."""
    d = result.to_dict()
    for k in ("elapsed_s", "executor", "run_id"):
        d.pop(k)
    return d
