"""Required revenue: how much revenue AI infrastructure spending must earn.

Four published framings, each a pure vectorised function of parameter arrays (one value per path):

- :func:`sequoia` -- Cahn's chain (Sequoia, "AI's $200B Question", Sep 2023, and "AI's $600B
  Question", Jun 2024): required = G x k_tco x 1 / (1 - gross margin); gap = required - AI revenue.
- :func:`bain` -- Bain Global Technology Report 2025: required = capex / sustainable
  capex-to-revenue ratio; gap = required - fundable revenue.
- :func:`jpmorgan` -- JPMorgan (Nov 2025): per-user monthly equivalents of an annual requirement.
- :func:`cohort` -- a capex build-out by quarterly vintage: straight-line depreciation over an
  economic life, operating cost, and a target return give the revenue needed each quarter (the
  cost-of-service "revenue requirement": depreciation + return on net book value + operating cost;
  Bonbright, *Principles of Public Utility Rates*, 1961, ch. 8); against a revenue scenario, the
  build-out's NPV, IRR and payback.

Formulas and sources: ../shared/reference/published-analyses.md sections 1-3 (cited in each preset).
"""

from __future__ import annotations

import math

import numpy as np

from capexwatch.models._kernels import (
    HOURS_PER_QUARTER,
    annual_to_quarterly_rate,
    decayed_window_sum,
    horner_npv,
    irr_quarterly,
    payback_quarters,
    to_years,
    window_sum,
)
from capexwatch.models._spec import Context, ModelSpec, Option, Output, Param, year_groups
from capexwatch.models._typing import FloatArray, Outputs, Params

__all__ = ["SPECS", "bain", "cohort", "jpmorgan", "sequoia"]

SEQUOIA_URL = "https://sequoiacap.com/article/ais-600b-question"
BAIN_URL = "https://cybernews.com/tech/ai-progress-requires-billions-investment/"
JPM_URL = (
    "https://www.tomshardware.com/tech-industry/artificial-intelligence/usd650-billion-in-annual-revenue-"
    "required-to-deliver-10-percent-return-on-ai-buildout-investment-j-p-morgan-claims-equivalent-to-usd35-"
    "payment-from-every-iphone-user-or-usd180-from-every-netflix-subscriber-in-perpetuity"
)


# --- (a) Sequoia ---------------------------------------------------------------------------------


def sequoia(p: Params, ctx: Context) -> Outputs:
    """Sequoia/Cahn: ``required = G * k_tco / (1 - gross_margin)``; ``gap = required - R_AI``.

    ``G`` is Nvidia's data-centre revenue run-rate (a quarter x 4), ``k_tco`` the ratio of total
    data-centre cost to GPU spend (2: "for every $1 on a GPU roughly $1 on energy, buildings ...")
    and the end users' gross margin turns cost into the revenue they must earn (50% -> x2).
    The 2023 essay calls the result lifetime revenue per year of GPU capex; 2024 coverage treats it
    as annual revenue. It is exposed as one number, not annualised or discounted.
    """
    dc_cost = p["gpu_revenue_usd"] * p["tco_multiplier"]
    required = dc_cost / (1.0 - p["gross_margin"])
    out: Outputs = {"data_center_cost_usd": dc_cost, "required_revenue_usd": required}
    if "ai_revenue_usd" in p:
        out["revenue_gap_usd"] = required - p["ai_revenue_usd"]
        out["revenue_coverage_ratio"] = p["ai_revenue_usd"] / required
    return out


# --- (b) Bain ------------------------------------------------------------------------------------


def bain(p: Params, ctx: Context) -> Outputs:
    """Bain 2025: ``required = capex / k`` with k the sustainable capex-to-revenue ratio;
    ``gap = required - fundable revenue``."""
    required = p["capex_usd"] / p["capex_to_revenue_ratio"]
    out: Outputs = {"required_revenue_usd": required}
    if "fundable_revenue_usd" in p:
        out["revenue_gap_usd"] = required - p["fundable_revenue_usd"]
        out["funded_share_ratio"] = p["fundable_revenue_usd"] / required
    return out


# --- (c) JPMorgan --------------------------------------------------------------------------------


def jpmorgan(p: Params, ctx: Context) -> Outputs:
    """JPMorgan 2025: an annual revenue requirement as a monthly payment per user.

    ``monthly = R / 12 / users``. With an investment base and a target return it also gives the
    perpetuity profit ``r * I`` and the profit margin on R that this implies (the consistency check
    in published-analyses.md section 3: 10% on $5T is 77% of $650B).
    """
    monthly = p["required_annual_revenue_usd"] / 12.0
    out: Outputs = {}
    if "iphone_users" in p:
        out["monthly_per_iphone_user_usd"] = monthly / p["iphone_users"]
    if "netflix_subscribers" in p:
        out["monthly_per_netflix_subscriber_usd"] = monthly / p["netflix_subscribers"]
    if "investment_usd" in p and "target_return" in p:
        profit = p["investment_usd"] * p["target_return"]
        out["perpetuity_profit_usd"] = profit
        out["implied_profit_margin_ratio"] = profit / p["required_annual_revenue_usd"]
    return out


# --- (d) Cohort ----------------------------------------------------------------------------------


def cohort(p: Params, ctx: Context) -> Outputs:
    """A capex build-out by quarterly vintage: required revenue, and NPV/IRR/payback against revenue.

    Timing: capex of quarter v is paid at the end of quarter v and in service from quarter v + 1
    for ``useful_life_years`` (straight line, zero salvage). Per quarter t::

        D_t   = sum of capex_v / L over vintages in service          (depreciation)
        NBV_t = NBV_{t-1} + capex_t - D_t                            (net book value)
        RR_t  = D_t + r_q * NBV_{t-1} + opex_t                       (required revenue)
        CF_t  = revenue_t - opex_t - capex_t                         (pre-tax cash flow)

    with r_q the quarterly equivalent of the annual ``target_return``. Because
    ``D_t + r_q NBV_{t-1} - capex_t = (1 + r_q) NBV_{t-1} - NBV_t`` telescopes, revenue equal to
    RR gives NPV = minus the discounted book value left at the horizon: zero once every vintage has
    run out its life. Operating cost is power (MW x PUE x hours x price, MW from capex per MW),
    staff per MW, and other cost as a share of in-service capex, each optional.

    Revenue, when given, is either a path (``revenue_usd`` per quarter, optionally growing at
    ``revenue_growth_annual``) or the GPU-rental lens: for each vintage in service, GPUs (capex /
    all-in capex per GPU) x hours x utilisation x its rental price per GPU-hour, which starts at
    ``rental_usd_per_gpu_hour`` when the vintage enters service and falls by
    ``rental_price_decline_annual`` per year of its age (as the H100's price fell from launch).

    The GPU count has one basis: ``capex_usd_per_gpu`` is the all-in capex that comes with one
    GPU (its server node and network: $47-52k per H100 by cluster size, Aug 2024,
    published-analyses §6), so every capex dollar is divided by it once. A GPU share of capex would
    belong with the GPU's own price, not with an all-in cost: multiplying by both counted the
    non-GPU capex twice (~$83k per GPU instead of ~$50k; issue 13).
    """
    n = ctx.paths
    t_len = ctx.horizon_quarters
    lag = int(ctx.options.get("in_service_lag_quarters", 1))
    capex = p["capex_usd"]
    life_q = 4.0 * p["useful_life_years"]
    rq = annual_to_quarterly_rate(p["target_return"])
    t = np.arange(t_len, dtype=np.float64)

    in_service = window_sum(capex, life_q, lag)
    dep = in_service / life_q[:, None]
    nbv = np.cumsum(capex - dep, axis=1)
    # a fully depreciated build-out has a book value of exactly zero, not the cumsum's residue
    nbv[np.abs(nbv) <= 1e-12 * capex.sum(axis=1, keepdims=True)] = 0.0
    nbv_prev = np.concatenate([np.zeros((n, 1)), nbv[:, :-1]], axis=1)

    opex = np.zeros((n, t_len))
    util = p.get("utilisation")
    if "capex_usd_per_mw" in p:
        mw = in_service / p["capex_usd_per_mw"][:, None]
        if "power_price_usd_per_mwh" in p:
            load = util[:, None] if util is not None else 1.0
            pue = p["pue"][:, None]
            opex += mw * pue * HOURS_PER_QUARTER * p["power_price_usd_per_mwh"][:, None] * load
        if "staff_usd_per_mw_year" in p:
            opex += mw * (p["staff_usd_per_mw_year"][:, None] / 4.0)
    if "other_opex_ratio" in p:
        opex += in_service * (p["other_opex_ratio"][:, None] / 4.0)

    required = dep + rq[:, None] * nbv_prev + opex
    starts = year_groups(t_len, ctx.start_quarter)[1]
    out: Outputs = {
        "required_revenue_usd": required,
        "required_revenue_annual_usd": to_years(required, starts),
        "depreciation_usd": to_years(dep, starts),
        "net_book_value_usd": to_years(nbv, starts, how="last"),
        "required_revenue_total_usd": required.sum(axis=1),
        "required_revenue_peak_annual_usd": _peak_4q(required),
    }

    revenue = _revenue(p, ctx, in_service, t, life_q, lag)
    if revenue is None:
        return out
    cf = revenue - opex - capex
    x = 1.0 / (1.0 + rq)
    npv, _ = horner_npv(np.ascontiguousarray(cf.T), x)
    irr_q = irr_quarterly(cf)
    cum_cf = np.cumsum(cf, axis=1)
    payback = payback_quarters(cf, cum_cf) / 4.0
    out.update(
        {
            "revenue_usd": revenue,
            "revenue_gap_usd": to_years(required - revenue, starts),
            "cumulative_cash_flow_usd": cum_cf,
            "revenue_total_usd": revenue.sum(axis=1),
            "npv_usd": npv,
            "irr_ratio": np.expm1(4.0 * np.log1p(irr_q)),
            "payback_years": payback,
            "paid_back_flag": np.isfinite(payback).astype(np.float64),
        }
    )
    return out


def _peak_4q(x: FloatArray) -> FloatArray:
    """Largest sum over four consecutive quarters (the peak annual requirement), per path."""
    if x.shape[1] < 4:
        total: FloatArray = x.sum(axis=1)
        return total
    rolling = x[:, :-3] + x[:, 1:-2]
    rolling += x[:, 2:-1]
    rolling += x[:, 3:]
    peak: FloatArray = rolling.max(axis=1)
    return peak


def _revenue(
    p: Params, ctx: Context, in_service: FloatArray, t: FloatArray, life_q: FloatArray, lag: int
) -> FloatArray | None:
    if "revenue_usd" in p:
        rev = p["revenue_usd"]
        if "revenue_growth_annual" in p:
            rev = rev * np.exp(np.outer(np.log1p(p["revenue_growth_annual"]), t / 4.0))
        return rev
    if "rental_usd_per_gpu_hour" in p:
        # each vintage rents at the entry price, falling with the GPU's age (the H100's path)
        decline = p["rental_price_decline_annual"] if "rental_price_decline_annual" in p else np.zeros(ctx.paths)
        q = np.exp(0.25 * np.log1p(-decline))
        aged = in_service if not decline.any() else decayed_window_sum(p["capex_usd"], life_q, q, lag, in_service)
        # GPUs per capex dollar = 1 / all-in capex per GPU (no GPU share on top: see the docstring)
        per_usd = p["rental_usd_per_gpu_hour"] / p["capex_usd_per_gpu"] * HOURS_PER_QUARTER
        if "utilisation" in p:
            per_usd = per_usd * p["utilisation"]
        rental: FloatArray = aged * per_usd[:, None]
        return rental
    return None


# --- specs ---------------------------------------------------------------------------------------

_REQ = "required_revenue_usd"

SEQUOIA = ModelSpec(
    name="required_revenue.sequoia",
    title="Sequoia: required revenue from Nvidia data-centre revenue",
    description="required = G x k_tco / (1 - gross margin); gap = required - AI revenue "
    "(Cahn, Sequoia Capital, 2023 and 2024).",
    func=sequoia,
    params=(
        Param("gpu_revenue_usd", "Nvidia data-centre revenue run-rate G (a quarter x 4), USD/yr", "USD", low=0),
        Param(
            "tco_multiplier",
            f"total data-centre cost per $ of GPU (k_tco; Sequoia: 2, {SEQUOIA_URL})",
            "multiple",
            default=2.0,
            low=0,
            low_open=True,
        ),
        Param(
            "gross_margin",
            f"end users' gross margin (Sequoia: 0.5 -> k_margin 2, {SEQUOIA_URL})",
            "ratio",
            default=0.5,
            low=-math.inf,
            high=1.0,
            high_open=True,
        ),
        Param("ai_revenue_usd", "AI revenue of the ecosystem R_AI, USD/yr", "USD", optional=True),
    ),
    outputs=(
        Output("data_center_cost_usd", "total data-centre cost G x k_tco", "USD"),
        Output(_REQ, "revenue end users must earn", "USD"),
        Output("revenue_gap_usd", "required - AI revenue (the 'hole')", "USD", requires=("ai_revenue_usd",)),
        Output("revenue_coverage_ratio", "AI revenue / required revenue", "ratio", requires=("ai_revenue_usd",)),
    ),
    references=(SEQUOIA_URL, "https://www.sequoiacap.com/article/follow-the-gpus-perspective/"),
)

BAIN = ModelSpec(
    name="required_revenue.bain",
    title="Bain: required revenue from a sustainable capex-to-revenue ratio",
    description="required = capex / sustainable capex-to-revenue ratio; gap = required - fundable "
    "revenue (Bain Global Technology Report 2025).",
    func=bain,
    params=(
        Param("capex_usd", "annual data-centre capex (Bain: $500B/yr by 2030)", "USD", low=0),
        Param(
            "capex_to_revenue_ratio",
            "sustainable capex-to-revenue ratio of cloud providers (implied 0.25)",
            "ratio",
            low=0,
            low_open=True,
        ),
        Param("fundable_revenue_usd", "revenue that can fund it (implied $1.2T)", "USD", optional=True),
    ),
    outputs=(
        Output(_REQ, "revenue needed for the capex to be sustainable", "USD"),
        Output("revenue_gap_usd", "required - fundable", "USD", requires=("fundable_revenue_usd",)),
        Output("funded_share_ratio", "fundable / required", "ratio", requires=("fundable_revenue_usd",)),
    ),
    references=(BAIN_URL,),
)

JPMORGAN = ModelSpec(
    name="required_revenue.jpmorgan",
    title="JPMorgan: an annual revenue requirement per user per month",
    description="monthly per user = R / 12 / users (JPMorgan equity research, Nov 2025).",
    func=jpmorgan,
    params=(
        Param("required_annual_revenue_usd", "annual revenue requirement R", "USD", low=0),
        Param(
            "iphone_users", "iPhone users (implied by JPM: 1.56 billion)", "count", optional=True, low=0, low_open=True
        ),
        Param(
            "netflix_subscribers",
            "Netflix subscribers (implied by JPM: ~301 million)",
            "count",
            optional=True,
            low=0,
            low_open=True,
        ),
        Param("investment_usd", "investment base (coverage: '>$5T')", "USD", optional=True, low=0),
        Param("target_return", "target return on the investment, per year", "ratio", optional=True),
    ),
    outputs=(
        Output("monthly_per_iphone_user_usd", "R / 12 / iPhone users", "USD", requires=("iphone_users",)),
        Output(
            "monthly_per_netflix_subscriber_usd",
            "R / 12 / Netflix subscribers",
            "USD",
            requires=("netflix_subscribers",),
        ),
        Output(
            "perpetuity_profit_usd", "target return x investment", "USD", requires=("investment_usd", "target_return")
        ),
        Output(
            "implied_profit_margin_ratio",
            "perpetuity profit / R: the margin on R the return needs",
            "ratio",
            requires=("investment_usd", "target_return"),
        ),
    ),
    needs=(("investment_usd", ("target_return",)), ("target_return", ("investment_usd",))),
    references=(JPM_URL,),
)

_REV_ANY = ("revenue_usd", "rental_usd_per_gpu_hour")

COHORT = ModelSpec(
    name="required_revenue.cohort",
    title="Cohort: the revenue a capex build-out needs each year, and its NPV, IRR and payback",
    description="Vintage straight-line depreciation + return on net book value + operating cost = "
    "required revenue per quarter; NPV/IRR/payback of the build-out against a revenue scenario.",
    func=cohort,
    time_series=True,
    default_horizon=40,
    params=(
        Param("capex_usd", "capex per quarter (vintages), USD", "USD", shape="quarterly", low=0),
        Param("useful_life_years", "economic life of the assets (straight line, zero salvage)", "years", low=0.25),
        Param("target_return", "target return (cost of capital), per year, pre-tax", "ratio", low=-0.99, low_open=True),
        Param(
            "capex_usd_per_mw",
            "capex per MW of IT load (turns capex into MW)",
            "USD/MW",
            optional=True,
            low=0,
            low_open=True,
        ),
        Param("power_price_usd_per_mwh", "electricity price", "USD/MWh", optional=True, low=0),
        Param(
            "pue",
            "power usage effectiveness (facility / IT power); default 1: no overhead",
            "ratio",
            default=1.0,
            low=1.0,
        ),
        Param("staff_usd_per_mw_year", "staff cost per MW of IT load per year", "USD", optional=True, low=0),
        Param(
            "other_opex_ratio",
            "other operating cost per year as a share of in-service capex",
            "ratio",
            optional=True,
            low=0,
        ),
        Param("revenue_usd", "revenue per quarter (a path), USD", "USD", shape="quarterly", optional=True),
        Param(
            "revenue_growth_annual",
            "growth applied to revenue_usd, per year",
            "ratio",
            optional=True,
            low=-1,
            low_open=True,
        ),
        Param(
            "rental_usd_per_gpu_hour",
            "GPU rental price when a vintage enters service",
            "USD/hour",
            optional=True,
            low=0,
        ),
        Param(
            "rental_price_decline_annual",
            "fall in a GPU's rental price per year of its age",
            "ratio",
            optional=True,
            high=1,
            high_open=True,
        ),
        Param(
            "capex_usd_per_gpu",
            "all-in capex per GPU (GPU, server node, network): GPUs = capex / this",
            "USD",
            optional=True,
            low=0,
            low_open=True,
        ),
        Param("utilisation", "share of GPU-hours sold (and of power drawn)", "ratio", optional=True, low=0, high=1),
    ),
    options=(
        Option(
            "in_service_lag_quarters",
            "quarters between paying for a vintage and its first quarter in service",
            "int",
            default=1,
            low=0,
            high=20,
        ),
    ),
    one_of=(("revenue_usd", "rental_usd_per_gpu_hour"),),
    needs=(
        ("power_price_usd_per_mwh", ("capex_usd_per_mw",)),
        ("staff_usd_per_mw_year", ("capex_usd_per_mw",)),
        ("rental_usd_per_gpu_hour", ("capex_usd_per_gpu",)),
        ("rental_price_decline_annual", ("rental_usd_per_gpu_hour",)),
        ("capex_usd_per_gpu", ("rental_usd_per_gpu_hour",)),
        ("revenue_growth_annual", ("revenue_usd",)),
    ),
    outputs=(
        Output(_REQ, "revenue needed each quarter for the target return", "USD", kind="series"),
        Output(
            "required_revenue_annual_usd",
            "revenue needed each year for the target return",
            "USD",
            kind="series",
            freq="Y",
        ),
        Output("depreciation_usd", "straight-line depreciation per year", "USD", kind="series", freq="Y"),
        Output("net_book_value_usd", "net book value at year end", "USD", kind="series", freq="Y"),
        Output("required_revenue_total_usd", "required revenue summed over the horizon", "USD"),
        Output("required_revenue_peak_annual_usd", "largest four-quarter required revenue", "USD"),
        Output("revenue_usd", "revenue per quarter", "USD", kind="series", requires_any=_REV_ANY),
        Output("revenue_gap_usd", "required - revenue per year", "USD", kind="series", freq="Y", requires_any=_REV_ANY),
        Output("cumulative_cash_flow_usd", "cumulative pre-tax cash flow", "USD", kind="series", requires_any=_REV_ANY),
        Output("revenue_total_usd", "revenue over the horizon", "USD", requires_any=_REV_ANY),
        Output("npv_usd", "NPV at the target return of cash flows within the horizon", "USD", requires_any=_REV_ANY),
        Output("irr_ratio", "internal rate of return per year (NaN where none exists)", "ratio", requires_any=_REV_ANY),
        Output(
            "payback_years",
            "years until cumulative cash flow turns positive (NaN: not within horizon)",
            "years",
            requires_any=_REV_ANY,
        ),
        Output(
            "paid_back_flag", "1 if paid back within the horizon (mean = probability)", "share", requires_any=_REV_ANY
        ),
    ),
    references=(),
)

SPECS: tuple[ModelSpec, ...] = (SEQUOIA, BAIN, JPMORGAN, COHORT)
