"""Contagion: the capex feedback loop across named firms, and a one-or-two-hyperscaler pivot.

Stocks and flows per path and quarter ``t`` (system dynamics, Sterman 2000, *Business Dynamics*,
ch. 8 on first-order partial adjustment). Firms: the buyers :data:`BUYERS` (hyperscalers), the
vendors :data:`VENDORS` (chip vendors and the foundry) and, lumped, every other customer of the
vendors (neoclouds, enterprises, sovereigns). Everything is measured as a deviation from the
*baseline*: the path the firm was on before the shock.

Hyperscaler ``b`` (capex deviation ``d_b``, capex ``C_b``)::

    B_b(t)  = C_b(0) (1 + growth_b) ** (t / 4)        baseline: capex grows with cloud revenue
    d*_b(t) = -x ramp(t) pivot_b + min(g s(t-1), room_b)     target deviation
    d_b(t)  = max(-1, d_b(t-1) + a (d*_b(t) - d_b(t-1)))      partial adjustment at speed a
    C_b(t)  = B_b(t) (1 + d_b(t))

``x`` is the pivot's cut, phased in over ``cut_ramp_quarters`` from ``shock_quarter``; ``g`` the
loop gain; ``room_b = capex_to_ocf_max_ratio x OCF_b / C_b(0) - 1`` caps how far good sentiment can
lift capex (capex/OCF room; no cap without OCF). Other customers follow sentiment the same way,
``d_o(t) = max(-1, d_o(t-1) + a (g s(t-1) - d_o(t-1)))``, around a flat baseline.

Vendor ``v`` (revenue index, 1 = today)::

    R_v(t) = (1 - H_v) (1 + d_o(t)) + H_v sum_b w_b C_b(t) / C_b(0)

``H_v`` is the five hyperscalers' combined share of the vendor's sales and ``w_b = C_b(0) /
sum C(0)`` splits it by capex: the buyer's share of the vendor's sales is ``c_vb = H_v w_b``
(:func:`customer_shares`; equal propensity -- each buyer spends the same fraction of its capex
with each vendor -- until the store holds customer-concentration disclosures by name). So vendor
revenue is the sum over buyers of buyer capex times the buyer's share of the vendor's sales, and
with the loop off a pivot's cut ``x`` takes exactly ``x c_vb`` off the vendor's revenue.

Sentiment ``s`` (0 = vendors earn what the baseline expected; -0.1 = 10% short)::

    e_v(t) = R_v(t) / R_v^B(t) - 1                    vendor earnings against the baseline path
    E(t)   = mean_v e_v(t)
    s(t)   = s(t-1) + lambda (E(t - lag) - s(t-1))    reported a ``lag`` later, smoothed

With ``a = lambda = 1`` and every buyer pivoting with ``H = 1`` the loop is linear: ``d = -x + g
d`` settles at ``-x / (1 - g)`` for ``g < 1`` and has no fixed point for ``g >= 1`` (it runs until
capex hits zero). Vendors' own (supplier) capex follows their revenue with the same partial
adjustment. Neocloud credit: the spread over the base rate widens as sentiment falls,
``spread(t) = spread_0 exp(-beta s(t))``, and :func:`credit_triangle` turns it into a default
probability (Hull, *Options, Futures and Other Derivatives*, ch. 24: hazard = spread / LGD; a
risk-neutral PD); or (``neocloud_pd: gpu-collateral``) a ``credit.gpu_collateral`` facility pays
base + its spread x ``exp(-beta s(t))`` and the credit model decides default (:mod:`.neocloud`).
The mapping is looked up in :data:`NEOCLOUD_CREDIT`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from capexwatch.models import _contagion_compiled as kc
from capexwatch.models import _jit, neocloud
from capexwatch.models._spec import Context, Include, ModelSpec, Option, Output, Param
from capexwatch.models._typing import FloatArray, Outputs, Params

__all__ = [
    "BUYERS",
    "NEOCLOUD_CREDIT",
    "SPECS",
    "TROUGH_SHARE",
    "VENDORS",
    "credit_triangle",
    "customer_shares",
    "feedback",
    "pivot_mask",
]

BUYERS: tuple[str, ...] = ("MSFT", "GOOGL", "AMZN", "META", "ORCL")
"""The hyperscalers (role ``hyperscaler`` in universe.toml), in the order of their parameters."""

VENDORS: tuple[str, ...] = ("NVDA", "AMD", "AVGO", "MRVL", "TSM")
"""The chip vendors and the foundry (roles ``chip-vendor``, ``connectivity``, ``foundry``)."""

TROUGH_SHARE = 0.99
"""The trough is reached in the first quarter with 99% of the largest shortfall: a loop that settles
geometrically would otherwise put it at the horizon's end."""

NeocloudCredit = Callable[[FloatArray, Params, Context], tuple[FloatArray, FloatArray]]
"""``(sentiment (paths, T), params, context) -> (credit spread (paths, T), cumulative PD (paths, T))``."""


# --- the pieces ----------------------------------------------------------------------------------


def pivot_mask(pivot: int | tuple[str, ...], capex0: FloatArray) -> FloatArray:
    """1.0 for the buyers that pivot, per path: the named tickers, or the ``n`` largest by capex
    (ties go to the buyer listed first in :data:`BUYERS`)."""
    mask = np.zeros_like(capex0)
    if isinstance(pivot, int):
        order = np.argsort(-capex0, axis=1, kind="stable")[:, :pivot]
        np.put_along_axis(mask, order, 1.0, axis=1)
    else:
        mask[:, [BUYERS.index(t) for t in pivot]] = 1.0
    return mask


def customer_shares(capex0: FloatArray, hyperscaler_share: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Buyer ``b``'s share of vendor ``v``'s sales as two factors, ``c_vb = H_v w_b``: the vendors'
    hyperscaler shares ``H`` ``(paths, vendors)`` and the buyers' capex weights ``w`` ``(paths,
    buyers)`` (equal propensity). Disclosed customer concentration by name would replace this with
    a full ``(paths, vendors, buyers)`` matrix (a sum over buyers per vendor in the loop)."""
    return hyperscaler_share, capex0 / capex0.sum(axis=1, keepdims=True)


def cut_ramp(horizon: int, shock_quarter: int, ramp_quarters: int) -> FloatArray:
    """Share of the pivot's cut in force in each quarter: 0 before the shock, rising linearly to 1
    over ``ramp_quarters`` quarters."""
    t = np.arange(horizon, dtype=np.float64)
    return np.clip((t - shock_quarter + 1.0) / ramp_quarters, 0.0, 1.0)


def credit_triangle(sentiment: FloatArray, p: Params) -> tuple[FloatArray, FloatArray]:
    """Neocloud spread and cumulative default probability from sentiment.

    ``spread(t) = spread_0 exp(-beta s(t))``; quarterly hazard ``spread(t) / LGD / 4``; PD by
    quarter ``t`` = ``1 - exp(-sum of hazards to t)`` (the credit triangle, Hull ch. 24).
    """
    spread0 = p["neocloud_spread_ratio"][:, None]
    beta = p["neocloud_spread_sensitivity"][:, None]
    lgd = p["neocloud_lgd_ratio"][:, None]
    spread = spread0 * np.exp(-beta * sentiment)
    pd = -np.expm1(-np.cumsum(spread / lgd / 4.0, axis=1))
    return spread, pd


NEOCLOUD_CREDIT: dict[str, NeocloudCredit] = {
    "credit-triangle": lambda sentiment, p, _ctx: credit_triangle(sentiment, p),
    "gpu-collateral": neocloud.gpu_collateral_pd,
}
"""How neocloud default probability follows sentiment (option ``neocloud_pd``): the credit
triangle on a spread, or a ``credit.gpu_collateral`` facility whose cost of debt follows sentiment
(:mod:`capexwatch.models.neocloud`; per path a 0/1 default flag, the probability its mean)."""


def _stack(p: Params, names: list[str]) -> FloatArray:
    return np.stack([p[n] for n in names], axis=1)


def _room(p: Params, ctx: Context, capex0: FloatArray) -> FloatArray:
    """How far sentiment may lift each buyer's capex: up to the capex/OCF cap (inf without one)."""
    room = np.full_like(capex0, np.inf)
    if "capex_to_ocf_max_ratio" not in ctx.present:
        return room
    for j, b in enumerate(BUYERS):
        key = f"{b.lower()}_ocf_usd"
        if key in ctx.present:
            room[:, j] = np.maximum(0.0, p["capex_to_ocf_max_ratio"] * p[key] / capex0[:, j] - 1.0)
    return room


# --- the loop ------------------------------------------------------------------------------------


def _simulate_loop(p: Params, ctx: Context) -> dict[str, FloatArray]:
    """Run the stocks and flows; returns per-quarter arrays ``(quarters, firms, paths)``.

    Firms-by-paths layout: each firm's row is contiguous, so every step is a few passes over
    ``(5, paths)`` arrays and each quarter's state is stored with one contiguous copy.
    """
    n, horizon = ctx.paths, ctx.horizon_quarters
    opts = ctx.options
    nb, nv = len(BUYERS), len(VENDORS)
    capex0 = _stack(p, [f"{b.lower()}_capex_usd" for b in BUYERS])
    growth_q = ((1.0 + _stack(p, [f"{b.lower()}_cloud_growth_annual" for b in BUYERS])) ** 0.25).T
    share_h, weights = customer_shares(capex0, _stack(p, [f"{v.lower()}_hyperscaler_share" for v in VENDORS]))
    share_h, weights = share_h.T.copy(), weights.T.copy()
    pivot = pivot_mask(opts["pivot"], capex0)
    cut = (p["pivot_cut_ratio"][:, None] * pivot).T.copy()
    ramp = cut_ramp(horizon, opts["shock_quarter"], opts["cut_ramp_quarters"])
    gain, speed, smooth = p["loop_gain"], p["capex_adjustment_speed"], p["sentiment_smoothing"]
    room = _room(p, ctx, capex0).T.copy()
    capex0_t = capex0.T.copy()
    lag = int(opts["sentiment_lag_quarters"])
    other = 1.0 - share_h

    d = np.zeros((nb, n))
    d_other = np.zeros(n)
    sentiment = np.zeros(n)
    level = np.ones((nb, n))  # (1 + growth) ** (t / 4), carried as a running product
    supplier = np.ones((nv, n))
    earnings = np.zeros((horizon, n))
    out = {
        "capex": np.empty((horizon, n)),
        "sentiment": np.empty((horizon, n)),
        "d": np.empty((horizon, nb, n)),
        "revenue": np.empty((horizon, nv, n)),
        "baseline": np.empty((horizon, nv, n)),
        "supplier": np.empty((horizon, nv, n)),
    }
    for t in range(horizon):
        if t:
            level *= growth_q
        lift = gain * sentiment
        target = np.minimum(lift, room)
        target -= cut * ramp[t]
        d += speed * (target - d)
        np.maximum(d, -1.0, out=d)
        d_other += speed * (lift - d_other)
        np.maximum(d_other, -1.0, out=d_other)
        # vendor revenue = sum over buyers of buyer capex (relative to today) x the buyer's share
        # c_vb = H_v w_b, so the sum over buyers factors into H_v x (one sum per path)
        wl = weights * level
        hyper = (wl * (1.0 + d)).sum(axis=0)
        revenue = other * (1.0 + d_other) + share_h * hyper
        baseline = other + share_h * wl.sum(axis=0)
        earnings[t] = (revenue / baseline).mean(axis=0) - 1.0
        if t >= lag:
            sentiment += smooth * (earnings[t - lag] - sentiment)
        else:
            sentiment -= smooth * sentiment
        supplier += speed * (revenue - supplier)
        out["capex"][t] = (capex0_t * level * (1.0 + d)).sum(axis=0)
        out["sentiment"][t] = sentiment
        out["d"][t] = d
        out["revenue"][t] = revenue
        out["baseline"][t] = baseline
        out["supplier"][t] = supplier
    out["pivot"] = pivot
    return out


def _drawdown(x: FloatArray) -> FloatArray:
    """Largest peak-to-trough fall of each path, as a share of the peak (``x``: quarters x paths)."""
    # a loop over quarters: ufunc.accumulate along the first axis is several times slower
    peak: FloatArray = x[0].copy()
    worst: FloatArray = np.zeros_like(peak)
    for row in x[1:]:
        np.maximum(peak, row, out=peak)
        np.maximum(worst, 1.0 - row / peak, out=worst)
    return worst


def _quarters_to_trough(shortfall: FloatArray, shock_quarter: int) -> FloatArray:
    """Quarters from the shock to the first quarter with :data:`TROUGH_SHARE` of the largest
    shortfall (``shortfall``: quarters x paths); NaN where the path never falls short."""
    worst = shortfall.max(axis=0)
    reached = shortfall >= TROUGH_SHARE * worst
    first = np.argmax(reached, axis=0).astype(np.float64) - shock_quarter
    return np.where(worst > 0.0, first, np.nan)


def _paths_first(x: FloatArray) -> FloatArray:
    """A (quarters, paths) array as the engine's (paths, quarters)."""
    return np.ascontiguousarray(x.T)


def feedback(p: Params, ctx: Context) -> Outputs:
    """The capex feedback loop after a pivot: vendor drawdowns, sentiment, spread, neocloud PD.

    The compiled per-path kernel (:mod:`._contagion_compiled`) runs where :func:`_jit.enabled`,
    the vectorised NumPy loop otherwise; they agree to rounding (tested)."""
    out = _feedback_compiled(p, ctx) if _jit.enabled(ctx.work) else _feedback_numpy(p, ctx)
    if _has_neocloud(ctx):
        out |= _neocloud(out["sentiment_index"], p, ctx)
    return out


def _neocloud(sentiment: FloatArray, p: Params, ctx: Context) -> Outputs:
    credit = NEOCLOUD_CREDIT[str(ctx.options["neocloud_pd"])]
    spread, pd = credit(sentiment, p, ctx)
    _, pd_base = credit(np.zeros_like(sentiment), p, ctx)
    return {
        "neocloud_spread_path_ratio": spread,
        "neocloud_default_prob": pd,
        "neocloud_default_prob_final": pd[:, -1],
        "neocloud_default_prob_added": pd[:, -1] - pd_base[:, -1],
    }


def _feedback_compiled(p: Params, ctx: Context) -> Outputs:
    """The loop and its summaries per path, compiled (same inputs as :func:`_simulate_loop`)."""
    n, horizon = ctx.paths, ctx.horizon_quarters
    opts = ctx.options
    capex0 = _stack(p, [f"{b.lower()}_capex_usd" for b in BUYERS])
    growth_q = (1.0 + _stack(p, [f"{b.lower()}_cloud_growth_annual" for b in BUYERS])) ** 0.25
    share_h, weights = customer_shares(capex0, _stack(p, [f"{v.lower()}_hyperscaler_share" for v in VENDORS]))
    pivot = pivot_mask(opts["pivot"], capex0)
    par = np.empty((n, kc.N_PAR))
    for col, name in (
        (kc.P_GAIN, "loop_gain"),
        (kc.P_SPEED, "capex_adjustment_speed"),
        (kc.P_SMOOTH, "sentiment_smoothing"),
        (kc.P_TURN, "sentiment_turn_threshold"),
        (kc.P_SPREAD_CUT, "spread_cut_threshold_ratio"),
    ):
        par[:, col] = p[name]
    series, scalars = kc.empty_outputs(n, horizon)
    kc.feedback_paths(
        capex0,
        np.ascontiguousarray(growth_q),
        np.ascontiguousarray(share_h),
        np.ascontiguousarray(weights),
        p["pivot_cut_ratio"][:, None] * pivot,
        1.0 - pivot,
        _room(p, ctx, capex0),
        par,
        cut_ramp(horizon, opts["shock_quarter"], opts["cut_ramp_quarters"]),
        int(opts["sentiment_lag_quarters"]),
        int(opts["shock_quarter"]),
        TROUGH_SHARE,
        series,
        scalars,
    )
    out: Outputs = {}
    for j, v in enumerate(VENDORS):
        key = v.lower()
        out[f"{key}_revenue_index"] = series[j]
        out[f"{key}_revenue_drawdown_ratio"] = scalars[3 * j + kc.R_DRAWDOWN]
        out[f"{key}_revenue_shortfall_ratio"] = scalars[3 * j + kc.R_SHORTFALL]
        out[f"{key}_quarters_to_trough"] = scalars[3 * j + kc.R_TROUGH]
    return out | {
        "hyperscaler_capex_usd": series[kc.S_CAPEX],
        "sentiment_index": series[kc.S_SENTIMENT],
        "supplier_capex_index": series[kc.S_SUPPLIER],
        "hyperscaler_capex_drawdown_ratio": scalars[kc.R_CAPEX_DD],
        "supplier_capex_drawdown_ratio": scalars[kc.R_SUPPLIER_DD],
        "sentiment_min": scalars[kc.R_SENTIMENT_MIN],
        "non_pivot_cut_max_ratio": scalars[kc.R_NON_PIVOT],
        "spread_count": scalars[kc.R_SPREAD_COUNT],
        "loop_turned_flag": scalars[kc.R_TURNED],
    }


def _feedback_numpy(p: Params, ctx: Context) -> Outputs:
    """The loop vectorised over paths (:func:`_simulate_loop`), then its summaries."""
    s = _simulate_loop(p, ctx)
    shock_q = int(ctx.options["shock_quarter"])
    out: Outputs = {}
    for j, v in enumerate(VENDORS):
        rev, base = s["revenue"][:, j], s["baseline"][:, j]
        shortfall = np.clip(1.0 - rev / base, 0.0, None)
        key = v.lower()
        out[f"{key}_revenue_index"] = _paths_first(rev)
        out[f"{key}_revenue_drawdown_ratio"] = _drawdown(rev)
        out[f"{key}_revenue_shortfall_ratio"] = shortfall.max(axis=0)
        out[f"{key}_quarters_to_trough"] = _quarters_to_trough(shortfall, shock_q)
    supplier = s["supplier"].mean(axis=1)
    sentiment = _paths_first(s["sentiment"])
    held = 1.0 - s["pivot"]  # the buyers that did not pivot, (paths, buyers)
    deepest = np.maximum(0.0, -s["d"].min(axis=0).T) * held + 0.0  # + 0.0: no -0.0 where held is 0
    spread_count = (deepest >= p["spread_cut_threshold_ratio"][:, None]).sum(axis=1).astype(np.float64)
    turned = (sentiment.min(axis=1) < p["sentiment_turn_threshold"]) & (spread_count > 0)
    out |= {
        "hyperscaler_capex_usd": _paths_first(s["capex"]),
        "sentiment_index": sentiment,
        "supplier_capex_index": _paths_first(supplier),
        "hyperscaler_capex_drawdown_ratio": _drawdown(s["capex"]),
        "supplier_capex_drawdown_ratio": _drawdown(supplier),
        "sentiment_min": sentiment.min(axis=1),
        "non_pivot_cut_max_ratio": deepest.max(axis=1),
        "spread_count": spread_count,
        "loop_turned_flag": turned.astype(np.float64),
    }
    return out


_NEOCLOUD = ("neocloud_spread_ratio", "neocloud_spread_sensitivity", "neocloud_lgd_ratio")


def _has_neocloud(ctx: Context) -> bool:
    if ctx.options.get("neocloud_pd") == "gpu-collateral":  # the facility: neocloud.check
        return "neocloud_spread_sensitivity" in ctx.present
    return all(k in ctx.present for k in _NEOCLOUD)


# --- the spec ------------------------------------------------------------------------------------

_ASSUMED = "assumption (no published calibration): "


def _buyer_params() -> tuple[Param, ...]:
    out: list[Param] = []
    for b in BUYERS:
        k = b.lower()
        out += [
            Param(f"{k}_capex_usd", f"{b} capex in the quarter of t = 0, USD", "USD", low=0, low_open=True),
            Param(
                f"{k}_cloud_growth_annual",
                f"growth of {b}'s cloud revenue, per year: its baseline capex grows with it (default 0: flat)",
                "ratio",
                default=0.0,
                low=-1,
                low_open=True,
            ),
            Param(f"{k}_ocf_usd", f"{b} operating cash flow per quarter, USD (capex/OCF room)", "USD", optional=True),
        ]
    return tuple(out)


def _vendor_params() -> tuple[Param, ...]:
    return tuple(
        Param(
            f"{v.lower()}_hyperscaler_share",
            f"share of {v}'s sales bought by the five hyperscalers together",
            "ratio",
            low=0,
            high=1,
        )
        for v in VENDORS
    )


def _vendor_outputs() -> tuple[Output, ...]:
    out: list[Output] = []
    for v in VENDORS:
        k = v.lower()
        out += [
            Output(f"{k}_revenue_index", f"{v} revenue, today = 1", "index", kind="series"),
            Output(f"{k}_revenue_drawdown_ratio", f"{v}: largest peak-to-trough revenue fall", "ratio"),
            Output(
                f"{k}_revenue_shortfall_ratio", f"{v}: largest revenue shortfall against the no-shock path", "ratio"
            ),
            Output(
                f"{k}_quarters_to_trough",
                f"{v}: quarters from the shock to 99% of the largest shortfall (NaN: no shortfall)",
                "quarters",
            ),
        ]
    return tuple(out)


_NEO_REQ = ("neocloud_spread_sensitivity",)
_NEO_ANY = ("neocloud_spread_ratio", neocloud.PREFIX + "facility_usd")  # credit triangle | facility

FEEDBACK = ModelSpec(
    name="contagion.feedback",
    title="Contagion: the capex feedback loop after a one-or-two-hyperscaler pivot",
    description="Hyperscaler capex -> vendor revenue -> sentiment -> capex targets and neocloud credit, "
    "per quarter and path: how a pivot by one or two hyperscalers propagates to NVIDIA, AMD, Broadcom, "
    "Marvell and TSMC, whether the cut spreads, and what it does to neocloud default probability.",
    func=feedback,
    time_series=True,
    default_horizon=40,
    params=(
        *_buyer_params(),
        *_vendor_params(),
        Param("pivot_cut_ratio", "the pivoting hyperscalers' capex cut, share of baseline", "ratio", low=0, high=1),
        Param(
            "loop_gain",
            "capex response to sentiment: target deviation = gain x sentiment (1 = the stability boundary)",
            "ratio",
            low=0,
            high=3,
        ),
        Param(
            "capex_adjustment_speed",
            "share of the gap to target closed each quarter (default 1: at once)",
            "ratio",
            default=1.0,
            low=0,
            high=1,
            low_open=True,
        ),
        Param(
            "sentiment_smoothing",
            "share of the gap to reported vendor earnings that sentiment closes each quarter (default 1)",
            "ratio",
            default=1.0,
            low=0,
            high=1,
            low_open=True,
        ),
        Param(
            "capex_to_ocf_max_ratio",
            "capex/OCF that good sentiment cannot lift capex beyond (with the buyers' OCF)",
            "ratio",
            optional=True,
            low=0,
            low_open=True,
        ),
        Param(
            "sentiment_turn_threshold",
            _ASSUMED + "the loop has turned once sentiment falls below this (default -0.10: vendors 10% short)",
            "ratio",
            default=-0.10,
            high=0,
        ),
        Param(
            "spread_cut_threshold_ratio",
            _ASSUMED + "a non-pivoting hyperscaler counts as cutting at this share below baseline (default 0.05)",
            "ratio",
            default=0.05,
            low=0,
            high=1,
            low_open=True,
        ),
        Param(
            "neocloud_spread_ratio", "neocloud credit spread over the base rate today", "ratio", optional=True, low=0
        ),
        Param(
            "neocloud_spread_sensitivity",
            "beta in spread = spread_0 exp(-beta x sentiment)",
            "ratio",
            optional=True,
            low=0,
        ),
        Param(
            "neocloud_lgd_ratio",
            "loss given default of neocloud debt",
            "ratio",
            optional=True,
            low=0,
            high=1,
            low_open=True,
        ),
        *neocloud.facility_params(),
    ),
    options=(
        Option(
            "pivot",
            "the hyperscalers that cut: tickers ([META]) or a count (2 = the two largest by capex)",
            "tickers",
            default=1,
            choices=BUYERS,
            low=1,
            high=len(BUYERS),
        ),
        Option("shock_quarter", "quarter (t) of the first cut", "int", default=1, low=0, high=399),
        Option(
            "cut_ramp_quarters", "quarters over which the cut phases in linearly", "int", default=1, low=1, high=400
        ),
        Option(
            "sentiment_lag_quarters",
            "quarters before vendor earnings reach sentiment (results are reported after the quarter)",
            "int",
            default=1,
            low=0,
            high=40,
        ),
        Option(
            "neocloud_pd",
            "how neocloud default probability follows sentiment",
            "choice",
            default="credit-triangle",
            choices=tuple(NEOCLOUD_CREDIT),
        ),
        Option(
            "neocloud_facility",
            "gpu-collateral: the credit preset whose facility (parameters and terms, with their sources) the "
            "neocloud borrows on; neocloud_<name> entries given here override it",
            "choice",
            choices=neocloud.FACILITY_PRESETS,
        ),
        *neocloud.facility_options(),
    ),
    includes=(Include("neocloud_facility", "credit.gpu_collateral", neocloud.PREFIX),),
    needs=neocloud.facility_needs(),
    check=neocloud.check,
    outputs=(
        *_vendor_outputs(),
        Output("hyperscaler_capex_usd", "the five hyperscalers' capex per quarter", "USD", kind="series"),
        Output(
            "sentiment_index", "vendor earnings against the baseline, as reported (0 = on plan)", "ratio", kind="series"
        ),
        Output("supplier_capex_index", "the vendors' own capex, mean of the five, today = 1", "index", kind="series"),
        Output("hyperscaler_capex_drawdown_ratio", "largest peak-to-trough fall of hyperscaler capex", "ratio"),
        Output("supplier_capex_drawdown_ratio", "largest peak-to-trough fall of supplier capex", "ratio"),
        Output("sentiment_min", "lowest sentiment over the horizon", "ratio"),
        Output("non_pivot_cut_max_ratio", "deepest cut below baseline by a hyperscaler that did not pivot", "ratio"),
        Output("spread_count", "hyperscalers that did not pivot but cut at least the spread threshold", "count"),
        Output("loop_turned_flag", "1 when sentiment fell below the threshold and the cut spread", "flag"),
        Output(
            "neocloud_spread_path_ratio",
            "neocloud credit spread per quarter",
            "ratio",
            kind="series",
            requires=_NEO_REQ,
            requires_any=_NEO_ANY,
        ),
        Output(
            "neocloud_default_prob",
            "neocloud cumulative default probability by quarter (credit triangle: risk-neutral; gpu-collateral: "
            "a 0/1 flag per path, the probability its mean)",
            "ratio",
            kind="series",
            requires=_NEO_REQ,
            requires_any=_NEO_ANY,
        ),
        Output(
            "neocloud_default_prob_final",
            "neocloud default probability by the horizon",
            "ratio",
            requires=_NEO_REQ,
            requires_any=_NEO_ANY,
        ),
        Output(
            "neocloud_default_prob_added",
            "neocloud default probability by the horizon, minus the no-shock path's",
            "ratio",
            requires=_NEO_REQ,
            requires_any=_NEO_ANY,
        ),
    ),
    references=(
        "Sterman (2000), Business Dynamics, ch. 8 (partial adjustment) and ch. 17 (supply chains)",
        "Hull, Options, Futures and Other Derivatives, ch. 24 (hazard rate = spread / (1 - recovery))",
    ),
)

SPECS: tuple[ModelSpec, ...] = (FEEDBACK,)
