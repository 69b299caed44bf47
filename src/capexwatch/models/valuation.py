"""Valuation: a reverse DCF -- the growth and margin a market value implies, against revenue scenarios.

Value of a company with revenue ``R0`` today, growing at ``g`` a year for ``N`` years, converting a
share ``m`` of revenue into free cash flow, discounted at ``r``, with Gordon growth ``g_T`` after
year N (Damodaran, *Investment Valuation*, 3rd ed., ch. 12; the reverse form is Mauboussin &
Rappaport, *Expectations Investing*, 2001)::

    V(g, m) = m R0 [ sum_{t=1..N} q^t + q^N (1 + g_T) / (r - g_T) ],   q = (1 + g) / (1 + r)

Solving ``V = market value`` for g (given the scenario margin) gives the implied growth; for m
(given the scenario growth) the implied margin. ``V`` at the scenario's growth and margin is what
the scenario supports; the market value above it is the "FOMO premium"
(``market / scenario - 1``). Paths where ``r <= g_T`` have no finite value (NaN).
"""

from __future__ import annotations

import numpy as np

from capexwatch.models._spec import Context, ModelSpec, Option, Output, Param
from capexwatch.models._typing import FloatArray, Outputs, Params

__all__ = ["SPECS", "dcf_value", "valuation"]

_G_LOW, _G_HIGH = -0.99, 10.0


def dcf_value(
    revenue: FloatArray,
    growth: FloatArray,
    margin: FloatArray,
    rate: FloatArray,
    terminal_growth: FloatArray,
    years: int,
) -> FloatArray:
    """``V(g, m)`` above, vectorised over paths (NaN where ``rate <= terminal_growth``)."""
    q = (1.0 + growth) / (1.0 + rate)
    qn = q**years
    near_one = np.abs(q - 1.0) < 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        annuity = np.where(near_one, float(years), q * (1.0 - qn) / np.where(near_one, 1.0, 1.0 - q))
        terminal = np.where(rate > terminal_growth, qn * (1.0 + terminal_growth) / (rate - terminal_growth), np.nan)
    value: FloatArray = margin * revenue * (annuity + terminal)
    return value


def valuation(p: Params, ctx: Context) -> Outputs:
    """Reverse DCF: implied growth and margin, scenario value and FOMO premium."""
    years = int(ctx.options.get("explicit_years", 10))
    mv, r0 = p["market_value_usd"], p["revenue_usd"]
    rate, g_t = p["discount_rate"], p["terminal_growth"]
    out: Outputs = {}
    if "fcf_margin" in p:
        g = _implied_growth(mv, r0, p["fcf_margin"], rate, g_t, years)
        out["implied_growth_ratio"] = g
        out["implied_revenue_final_usd"] = r0 * (1.0 + g) ** years
    if "revenue_growth_annual" in p:
        unit = dcf_value(r0, p["revenue_growth_annual"], np.ones_like(r0), rate, g_t, years)
        out["implied_margin_ratio"] = mv / unit
    if "fcf_margin" in p and "revenue_growth_annual" in p:
        value = dcf_value(r0, p["revenue_growth_annual"], p["fcf_margin"], rate, g_t, years)
        out["scenario_value_usd"] = value
        out["fomo_premium_usd"] = mv - value
        out["fomo_premium_ratio"] = mv / value - 1.0
    return out


def _implied_growth(
    mv: FloatArray, r0: FloatArray, margin: FloatArray, rate: FloatArray, g_t: FloatArray, years: int
) -> FloatArray:
    """Growth g in [-0.99, 10] with ``V(g, margin) = mv`` by bisection (V rises with g when
    margin > 0); a fixed 64 halvings, so each path's answer depends on that path alone."""
    lo = np.full_like(mv, _G_LOW)
    hi = np.full_like(mv, _G_HIGH)
    v_lo = dcf_value(r0, lo, margin, rate, g_t, years)
    v_hi = dcf_value(r0, hi, margin, rate, g_t, years)
    ok = (margin > 0) & (v_lo <= mv) & (mv <= v_hi)
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        below = dcf_value(r0, mid, margin, rate, g_t, years) < mv
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.where(ok, 0.5 * (lo + hi), np.nan)


VALUATION = ModelSpec(
    name="valuation",
    title="Valuation: reverse DCF and the FOMO premium",
    description="The revenue growth and free-cash-flow margin a market value implies, against revenue "
    "scenarios; market value over the scenario's DCF value is the 'FOMO premium'.",
    func=valuation,
    params=(
        Param("market_value_usd", "market (enterprise) value", "USD", low=0, low_open=True),
        Param("revenue_usd", "revenue over the last year", "USD", low=0, low_open=True),
        Param(
            "revenue_growth_annual",
            "scenario revenue growth per year over the explicit period",
            "ratio",
            optional=True,
            low=-1,
            low_open=True,
        ),
        Param("fcf_margin", "scenario free cash flow / revenue", "ratio", optional=True, high=1),
        Param("discount_rate", "discount rate per year", "ratio", low=-1, low_open=True),
        Param(
            "terminal_growth",
            "growth per year after the explicit period (must be < discount rate)",
            "ratio",
            low=-1,
            low_open=True,
        ),
    ),
    options=(
        Option(
            "explicit_years", "years of explicit growth before the terminal value", "int", default=10, low=1, high=100
        ),
    ),
    outputs=(
        Output(
            "implied_growth_ratio",
            "revenue growth per year the market value implies at the scenario margin",
            "ratio",
            requires=("fcf_margin",),
        ),
        Output(
            "implied_revenue_final_usd",
            "revenue in the last explicit year at the implied growth",
            "USD",
            requires=("fcf_margin",),
        ),
        Output(
            "implied_margin_ratio",
            "FCF margin the market value implies at the scenario growth",
            "ratio",
            requires=("revenue_growth_annual",),
        ),
        Output(
            "scenario_value_usd",
            "DCF value at the scenario's growth and margin",
            "USD",
            requires=("fcf_margin", "revenue_growth_annual"),
        ),
        Output(
            "fomo_premium_usd", "market value - scenario value", "USD", requires=("fcf_margin", "revenue_growth_annual")
        ),
        Output(
            "fomo_premium_ratio",
            "market value / scenario value - 1",
            "ratio",
            requires=("fcf_margin", "revenue_growth_annual"),
        ),
    ),
)

SPECS: tuple[ModelSpec, ...] = (VALUATION,)
