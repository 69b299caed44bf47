"""Efficiency: does compute demand keep up with the capacity capex installs? (the efficiency paradox)

Per path and quarter t (t = 0 is today)::

    e_t        = ((1 - q)(1 - s)(1 - o)) ** (t / 4)       compute per unit of work, relative to today
                 (q: quantisation, s: speculative decoding, o: edge offload -- annual reduction rates)
    pi_t       = (1 - d) ** (t / 4)                       price per unit of compute (d: annual decline)
    W_t        = W_0 * prod_{k <= t} (1 + w_k) ** (1/4) * (e_t * pi_t) ** (-eps)
                 work demanded: underlying growth w (per quarter, may be random each quarter) and a
                 constant-elasticity response eps to the price of a unit of work (Jevons: eps > 1
                 means efficiency raises total compute demand)
    demand_t   = W_t * e_t                                 compute demanded
    capacity_t = B_0 * max(0, 1 - t / L) + sum over vintages in service of capex_v * (1 + h) ** (v / 4)
                 installed base retiring linearly over the life L, plus new capex, each vintage buying
                 (1 + h) per year more compute per dollar than the last (h: price-performance growth)

Demand is scaled so that ``demand_0 = initial_utilisation * capacity_0``; capacity is measured in
today's dollars of compute. Utilisation is ``min(1, demand / capacity)``; the stranded share is
``1 - demand / capacity`` where positive, and stranded capital is that share of the in-service
capital (at cost). Jevons (1865), *The Coal Question*, ch. 7; constant-elasticity demand as in
Saunders (1992), "The Khazzoom-Brookes postulate and neoclassical growth", Energy Journal 13(4).
"""

from __future__ import annotations

import numpy as np

from capexwatch.models._kernels import window_sum
from capexwatch.models._spec import Context, ModelSpec, Output, Param
from capexwatch.models._typing import Outputs, Params

__all__ = ["SPECS", "efficiency"]


def efficiency(p: Params, ctx: Context) -> Outputs:
    """Compute demand against installed capacity: utilisation and stranded capacity per quarter."""
    t_len = ctx.horizon_quarters
    t = np.arange(t_len, dtype=np.float64)
    years = t / 4.0
    life_q = 4.0 * p["useful_life_years"]
    base0 = p["installed_base_usd"]

    # capacity: vintage v buys (1 + h) ** (v / 4) units of today's compute per dollar
    perf = np.exp(np.outer(np.log1p(p["perf_per_usd_growth_annual"]), years))
    new_capacity = window_sum(p["capex_usd"] * perf, life_q, lag=1)
    base = base0[:, None] * np.clip(1.0 - t[None, :] / life_q[:, None], 0.0, None)
    capacity = base + new_capacity
    capital = base + window_sum(p["capex_usd"], life_q, lag=1)

    # demand: log-space so that the quarter-to-quarter growth is carried as a running sum
    log_eff = (
        np.log1p(-p["quantisation_rate_annual"])
        + np.log1p(-p["speculative_decoding_rate_annual"])
        + np.log1p(-p["edge_offload_rate_annual"])
    )
    log_price = np.log1p(-p["compute_price_decline_annual"])
    eps = p["jevons_elasticity"]
    growth_q = 0.25 * np.log1p(p["workload_growth_annual"])
    growth_q[:, 0] = 0.0  # today's demand is the anchor; growth applies from the next quarter
    log_work = np.cumsum(growth_q, axis=1) - np.outer(eps * (log_eff + log_price), years)
    log_demand = log_work + np.outer(log_eff, years)
    demand = (p["initial_utilisation"] * base0)[:, None] * np.exp(log_demand)

    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = demand / capacity
    utilisation = np.minimum(ratio, 1.0)
    stranded = np.clip(1.0 - ratio, 0.0, None)
    unmet = np.where(capacity > 0, np.clip(ratio - 1.0, 0.0, None), np.nan)
    stranded_capital = stranded * capital
    return {
        "compute_demand_index": demand / base0[:, None],
        "capacity_index": capacity / base0[:, None],
        "utilisation_ratio": utilisation,
        "stranded_capacity_ratio": stranded,
        "unmet_demand_ratio": unmet,
        "stranded_capital_usd": stranded_capital,
        "utilisation_final_ratio": utilisation[:, -1],
        "utilisation_mean_ratio": utilisation.mean(axis=1),
        "stranded_capital_peak_usd": stranded_capital.max(axis=1),
        "stranded_capital_final_usd": stranded_capital[:, -1],
        "demand_growth_multiple": demand[:, -1] / demand[:, 0],
    }


def _rate(name: str, text: str) -> Param:
    return Param(name, text + " (default 0)", "ratio", default=0.0, low=0.0, high=1.0, high_open=True)


EFFICIENCY = ModelSpec(
    name="efficiency",
    title="Efficiency: compute demand against the capacity capex installs",
    description="Work x compute per unit of work (falling with quantisation, speculative decoding and "
    "edge offload), with a Jevons demand response, against capacity from capex: utilisation and "
    "stranded capacity per quarter.",
    func=efficiency,
    time_series=True,
    default_horizon=40,
    params=(
        Param("capex_usd", "new capex per quarter, USD", "USD", shape="quarterly", low=0),
        Param(
            "installed_base_usd", "capital in service today (capacity in today's dollars)", "USD", low=0, low_open=True
        ),
        Param("useful_life_years", "life of the compute assets", "years", low=0.25),
        Param("initial_utilisation", "compute demand / capacity today", "ratio", low=0, low_open=True),
        Param(
            "workload_growth_annual",
            "growth of work demanded at constant prices, per year (per quarter with `per: quarter`)",
            "ratio",
            shape="quarterly",
            low=-1,
            low_open=True,
        ),
        Param(
            "perf_per_usd_growth_annual",
            "growth of compute per capex dollar, per year (default 0)",
            "ratio",
            default=0.0,
            low=-1,
            low_open=True,
        ),
        _rate("quantisation_rate_annual", "annual fall in compute per unit of work from quantisation"),
        _rate("speculative_decoding_rate_annual", "annual fall from speculative decoding"),
        _rate("edge_offload_rate_annual", "annual share of work moved off data centres to devices"),
        _rate("compute_price_decline_annual", "annual fall in the price of a unit of compute"),
        Param(
            "jevons_elasticity",
            "price elasticity of demand for work (>1: Jevons paradox; default 0)",
            "ratio",
            default=0.0,
            low=0,
        ),
    ),
    outputs=(
        Output("compute_demand_index", "compute demand, capacity today = 1", "index", kind="series"),
        Output("capacity_index", "installed capacity, capacity today = 1", "index", kind="series"),
        Output("utilisation_ratio", "min(1, demand / capacity)", "ratio", kind="series"),
        Output("stranded_capacity_ratio", "idle share of capacity", "ratio", kind="series"),
        Output("unmet_demand_ratio", "demand beyond capacity, as a share of capacity", "ratio", kind="series"),
        Output("stranded_capital_usd", "idle share x in-service capital at cost", "USD", kind="series"),
        Output("utilisation_final_ratio", "utilisation in the last quarter", "ratio"),
        Output("utilisation_mean_ratio", "mean utilisation over the horizon", "ratio"),
        Output("stranded_capital_peak_usd", "largest stranded capital in any quarter", "USD"),
        Output("stranded_capital_final_usd", "stranded capital in the last quarter", "USD"),
        Output("demand_growth_multiple", "compute demand last quarter / today", "multiple"),
    ),
)

SPECS: tuple[ModelSpec, ...] = (EFFICIENCY,)
