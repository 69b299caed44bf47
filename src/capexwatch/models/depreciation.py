"""Depreciation: straight-line vintage depreciation under reported against economic useful lives.

The method behind the claim (Burry, Nov 2025) that hyperscalers understate depreciation by $176B
over 2026-2028 (published-analyses.md section 5)::

    D_t(L)  = sum over vintages v with 0 <= t - v < L of capex_v / L     (straight line, no salvage)
    U_t     = D_t(L_economic) - D_t(L_reported)                          (understated depreciation)
    overstatement_t = U_t * (1 - tax) / reported net income_t

run here on quarters, with capex from the store (``{from_store: big4_capex_quarters}``) followed by
a forecast. Only the short-lived share of capex (servers and network equipment; Microsoft said
about two thirds of its Oct-Dec 2025 capex was short-lived) is subject to the life gap; buildings
depreciate the same way in both views and cancel out of U.

Burry's own inputs (per-company capex paths and the "true" lives) were not published, so $176B
is not exactly reproducible; the model reproduces the arithmetic (a $40,000 GPU costs $13,333 a
year over 3 years against $6,667 over 6).
"""

from __future__ import annotations

import numpy as np

from capexwatch.facts.periods import quarter_index
from capexwatch.models._kernels import straight_line, to_years
from capexwatch.models._spec import (
    Context,
    ModelSpec,
    Option,
    Output,
    Param,
    year_groups,
)
from capexwatch.models._typing import Outputs, Params

__all__ = ["SPECS", "depreciation"]

BURRY_URL = "https://www.tipranks.com/news/michael-burry-sounds-alarm-on-176b-depreciation-gap-among-tech-giants"


def depreciation(p: Params, ctx: Context) -> Outputs:
    """Reported against economic straight-line depreciation of the short-lived share of capex."""
    lag = int(ctx.options.get("in_service_lag_quarters", 0))
    short = p["capex_usd"] * p["short_lived_share"][:, None]
    d_rep = straight_line(short, 4.0 * p["reported_life_years"], lag)
    d_econ = straight_line(short, 4.0 * p["economic_life_years"], lag)
    under = d_econ - d_rep
    starts = year_groups(ctx.horizon_quarters, ctx.start_quarter)[1]
    out: Outputs = {
        "reported_depreciation_usd": to_years(d_rep, starts),
        "economic_depreciation_usd": to_years(d_econ, starts),
        "understated_depreciation_usd": to_years(under, starts),
        "understated_depreciation_total_usd": under.sum(axis=1),
    }
    tax = p["tax_rate"][:, None] if "tax_rate" in p else 0.0
    after_tax = under * (1.0 - tax)
    if "net_income_usd" in p:
        out["earnings_overstatement_ratio"] = to_years(after_tax, starts) / to_years(p["net_income_usd"], starts)
    window = ctx.options.get("window_years")
    if window is not None and ctx.start_quarter is not None:
        q0 = quarter_index(ctx.start_quarter)
        years = (q0 + np.arange(ctx.horizon_quarters)) // 4
        mask = (years >= window[0]) & (years <= window[1])
        out["understated_depreciation_window_usd"] = under[:, mask].sum(axis=1)
        if "net_income_usd" in p:
            out["earnings_overstatement_window_ratio"] = after_tax[:, mask].sum(axis=1) / p["net_income_usd"][
                :, mask
            ].sum(axis=1)
    return out


DEPRECIATION = ModelSpec(
    name="depreciation",
    title="Depreciation: reported against economic useful lives, by vintage",
    description="Straight-line vintage depreciation of the short-lived share of capex under the "
    "reported and the economic life; understated depreciation per year and as a share of earnings.",
    func=depreciation,
    time_series=True,
    default_horizon=28,
    params=(
        Param(
            "capex_usd",
            "capex per quarter (vintages), USD; history from the store then a forecast",
            "USD",
            shape="quarterly",
            low=0,
        ),
        Param("reported_life_years", "useful life the companies report (5-6 years in 2025)", "years", low=0.25),
        Param("economic_life_years", "economic life (Burry: 2-3 years)", "years", low=0.25),
        Param(
            "short_lived_share",
            "share of capex in servers and network equipment (default 1: all of it)",
            "ratio",
            default=1.0,
            low=0,
            high=1,
        ),
        Param("net_income_usd", "reported net income per quarter, USD", "USD", shape="quarterly", optional=True),
        Param(
            "tax_rate",
            "tax rate applied to understated depreciation (absent: pre-tax)",
            "ratio",
            optional=True,
            low=0,
            high=1,
            high_open=True,
        ),
    ),
    options=(
        Option(
            "in_service_lag_quarters",
            "quarters between capex and first depreciation (0: the same quarter, as in Burry's formula)",
            "int",
            default=0,
            low=0,
            high=20,
        ),
        Option("window_years", "calendar years [first, last] summed into the window outputs", "year_range"),
    ),
    outputs=(
        Output(
            "reported_depreciation_usd",
            "depreciation under the reported life, per year",
            "USD",
            kind="series",
            freq="Y",
        ),
        Output(
            "economic_depreciation_usd",
            "depreciation under the economic life, per year",
            "USD",
            kind="series",
            freq="Y",
        ),
        Output(
            "understated_depreciation_usd", "economic - reported depreciation, per year", "USD", kind="series", freq="Y"
        ),
        Output(
            "earnings_overstatement_ratio",
            "understated depreciation after tax / net income, per year",
            "ratio",
            kind="series",
            freq="Y",
            requires=("net_income_usd",),
        ),
        Output("understated_depreciation_total_usd", "understated depreciation over the horizon", "USD"),
        Output(
            "understated_depreciation_window_usd",
            "understated depreciation over the window years",
            "USD",
            requires=("option:window_years",),
        ),
        Output(
            "earnings_overstatement_window_ratio",
            "after-tax understated depreciation / net income over the window years",
            "ratio",
            requires=("option:window_years", "net_income_usd"),
        ),
    ),
    references=(BURRY_URL,),
)

SPECS: tuple[ModelSpec, ...] = (DEPRECIATION,)
