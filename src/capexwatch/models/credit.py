"""GPU-collateral credit: a debt facility secured by a GPU fleet, quarter by quarter per path.

Who holds the bag when GPUs lose value faster than the loans against them amortise
(published-analyses.md section 6: CoreWeave's DDTL facilities, Lambda's GPU ABS, the xAI SPV).
Per path and quarter ``t`` (vectorised over paths; a Python loop over quarters):

* **Rental price** ``p_t = p_0 (1 - d)^(t/4) exp(s_t)`` with ``s_t = (sigma / 2) sum_{u<=t} z_u``:
  deflation ``d`` a year and a driftless random walk in the log price (``z`` standard normal per
  quarter, ``sigma`` the annual volatility). :func:`fit_rental_path` estimates ``d`` and ``sigma``
  from dated prices (the H100 series in section 6).
* **Collateral** = GPUs in service x cost per GPU x age curve x generation factor x market factor:
  the age curve is straight line ``max(0, 1 - a / 4L)`` or declining balance ``(1 - k / L)^(a/4)``
  at age ``a`` quarters (end of quarter); each generation launch (fixed quarters, or a Poisson
  process of rate ``lambda`` a year) multiplies value by ``1 - drop``; the market factor
  ``exp(elasticity x s_t)`` ties resale value to the rental price's surprise.
* **Cash available for debt service** (CFADS) = rental revenue - operating cost. Revenue:
  the contracted share earns the contract price regardless of utilisation (take-or-pay) until the
  counterparty defaults (annual PD, default time ``tau = ln(1 - u) / ln(1 - PD)`` years from a
  uniform draw ``u``), then it rents at market like the rest, at ``utilisation``. Operating cost:
  power at full draw for the whole fleet (``kW x PUE x USD/kWh``) plus other cost per GPU-hour.
* **Facility**: drawn evenly over ``draw_quarters`` (GPUs delivered with the draws), rate = base +
  spread (+ a spread shock) accrued simply per quarter (``r / 4``); repaid by annuity, linear or
  bullet from the last draw quarter to maturity. A bullet is refinanced at maturity if LTV meets
  the covenant, otherwise the borrower defaults.
* **Covenants and default**: LTV = balance / collateral after the quarter's payment, DSCR = CFADS
  / debt service. A payment default happens when the cash account (reserve + past surpluses) cannot
  pay debt service; with ``default_on: breach`` a covenant breach is an event of default too (the
  lender accelerates). Lenders can waive technical defaults (Blackstone
  waived CoreWeave's in Dec 2024, section 6), hence the default ``payment``.
* **Loss**: at default the lender sells the GPUs at path value less the fire-sale discount and
  takes the cash left: ``LGD = 1 - min(EAD, recovery) / EAD`` with EAD the principal outstanding;
  loss = LGD x EAD, whose mean is the expected loss. Equity left to the borrower: collateral + cash
  - debt at the horizon (or the surplus of recovery over EAD after a default), floored at zero.

:func:`default_flags` is the seam for other models (``contagion.feedback``): the same facility
under a given all-in cost-of-debt path returns which paths have defaulted by each quarter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from capexwatch.models import _credit_compiled as kc
from capexwatch.models import _jit
from capexwatch.models._spec import Context, ModelSpec, Option, Output, Param
from capexwatch.models._typing import FloatArray, Outputs, Params

__all__ = [
    "HOURS_PER_QUARTER",
    "SPECS",
    "annuity_payment",
    "default_flags",
    "fit_rental_path",
    "gpu_collateral",
    "simulate_facility",
]

HOURS_PER_QUARTER = 365.25 * 24.0 / 4.0
"""Hours in an average quarter (2,191.5)."""

SECTION_6 = "published-analyses.md section 6 (GPU rental prices, resale values, GPU-backed debt)"


# --- closed forms ----------------------------------------------------------------------------------


def annuity_payment(balance: FloatArray | float, rate_q: FloatArray | float, n: FloatArray | float) -> Any:
    """Level payment that repays *balance* in *n* periods at *rate_q* per period.

    ``P = B r / (1 - (1 + r)^-n)`` (``B / n`` at ``r = 0``), the standard annuity formula.
    """
    b = np.asarray(balance, dtype=np.float64)
    r = np.asarray(rate_q, dtype=np.float64)
    m = np.maximum(np.asarray(n, dtype=np.float64), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = b * r / -np.expm1(-m * np.log1p(r))
    return np.where(np.abs(r) < 1e-12, b / m, level)


def fit_rental_path(years: Sequence[float], prices: Sequence[float]) -> tuple[float, float]:
    """Deflation and volatility of a log random walk with drift fitted to dated prices.

    Maximum likelihood for Brownian motion with drift observed at irregular times ``t_i``
    (``x = ln price``): ``mu = (x_N - x_0) / (t_N - t_0)`` and
    ``sigma^2 = mean_i ((dx_i - mu dt_i)^2 / dt_i)``.

    Parameters
    ----------
    years : observation times in years (any origin), increasing
    prices : prices at those times (USD per GPU-hour)

    Returns
    -------
    (decline_annual, volatility_annual) : ``1 - exp(mu)`` and ``sigma``
    """
    t = np.asarray(years, dtype=np.float64)
    x = np.log(np.asarray(prices, dtype=np.float64))
    if t.size < 2 or np.any(np.diff(t) <= 0):
        raise ValueError("need at least two observations at increasing times")
    mu = (x[-1] - x[0]) / (t[-1] - t[0])
    dt, dx = np.diff(t), np.diff(x)
    sigma = math.sqrt(float(np.mean((dx - mu * dt) ** 2 / dt)))
    return 1.0 - math.exp(mu), sigma


# --- the model -------------------------------------------------------------------------------------


def _age_curve(age_q: FloatArray, life_years: FloatArray, k: FloatArray, curve: str) -> FloatArray:
    """Share of a GPU's cost left at age *age_q* quarters (0 before delivery)."""
    if curve == "declining_balance":
        base = np.clip(1.0 - k / life_years, 0.0, 1.0)
        out = base ** (np.maximum(age_q, 0.0) / 4.0)
    else:
        out = np.clip(1.0 - age_q / (4.0 * life_years), 0.0, 1.0)
    return np.where(age_q > 0, out, 0.0)


def _counterparty_default_quarter(p: Params, n: int) -> FloatArray:
    """Quarter in which the take-or-pay counterparty defaults (inf: never)."""
    if "counterparty_pd_annual" not in p:
        return np.full(n, np.inf)
    pd_a, u = p["counterparty_pd_annual"], p["counterparty_default_draw"]
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.log1p(-np.minimum(u, 1.0)) / np.log1p(-pd_a)  # years
    tau = np.where(pd_a <= 0, np.inf, np.nan_to_num(tau, nan=np.inf, posinf=np.inf))
    return np.floor(4.0 * tau)


def _launches(p: Params, n: int, horizon: int) -> FloatArray:
    """Generation launches per path and quarter: fixed dates plus a Poisson process."""
    out = np.array(p.get("generation_launches", np.zeros((n, horizon))), dtype=np.float64)
    if "generation_launch_rate_annual" in p:
        prob = -np.expm1(-p["generation_launch_rate_annual"] / 4.0)
        out = out + (p["launch_draw"] < prob[:, None])
    return out


@dataclass(frozen=True)
class _Terms:
    horizon: int
    maturity: int
    draw_q: int
    amort: str
    curve: str
    default_on: str


def _terms(ctx: Context) -> _Terms:
    o = ctx.options
    maturity = o.get("maturity_quarters")
    return _Terms(
        horizon=ctx.horizon_quarters,
        maturity=int(ctx.horizon_quarters if maturity is None else maturity),
        draw_q=int(o.get("draw_quarters") or 1),
        amort=str(o.get("amortisation") or "annuity"),
        curve=str(o.get("value_curve") or "straight_line"),
        default_on=str(o.get("default_on") or "payment"),
    )


def _rows(x: FloatArray, n: int, h: int) -> FloatArray:
    """A ``(paths, horizon)`` input as ``(horizon, paths)`` rows: each quarter's read is contiguous."""
    return np.ascontiguousarray(np.broadcast_to(x, (n, h)).T)


def _rate_annual(p: Params, rate_annual: FloatArray | None) -> FloatArray:
    """All-in annual rate per path and quarter: the given cost of debt, else base + spread (+ shock)."""
    if rate_annual is not None:
        return rate_annual
    rate: FloatArray = p["base_rate_annual"] + p["spread_annual"][:, None]
    if "spread_shock_annual" in p:
        rate = rate + p["spread_shock_annual"]
    return rate


@dataclass(frozen=True)
class _PerPath:
    """The per-path constants of the facility, computed once for both kernels (so they agree)."""

    facility: FloatArray
    fleet_cost: FloatArray  # GPUs bought = facility / (initial LTV x cost)
    life: FloatArray
    k: FloatArray
    sig_q: FloatArray
    cp_default_q: FloatArray
    market_rev: FloatArray  # per unit rental price: utilisation x GPU-hours a quarter
    contract_rev: FloatArray
    opex_q: FloatArray
    log_defl: FloatArray
    log_r0: FloatArray
    elast: FloatArray
    fire: FloatArray
    contracted: FloatArray
    cash0: FloatArray


def _per_path(p: Params, n: int) -> _PerPath:
    facility = p["facility_usd"]
    fleet_cost = facility / p["initial_ltv_ratio"]
    contract_price = p.get("contract_usd_per_gpu_hour", p["rental_usd_per_gpu_hour"])
    opex_per_hour = p["gpu_kw"] * p["pue"] * p["power_price_usd_per_kwh"] + p["other_opex_usd_per_gpu_hour"]
    gpu_hours = fleet_cost / p["gpu_cost_usd"] * HOURS_PER_QUARTER  # GPU-hours a quarter, whole fleet
    return _PerPath(
        facility=facility,
        fleet_cost=fleet_cost,
        life=p["economic_life_years"],
        k=p["declining_balance_factor"],
        sig_q=0.5 * p["rental_volatility_annual"],
        cp_default_q=_counterparty_default_quarter(p, n),
        market_rev=p["utilisation"] * gpu_hours,
        contract_rev=gpu_hours * contract_price,
        opex_q=gpu_hours * opex_per_hour,
        log_defl=np.log1p(-p["rental_price_decline_annual"]) / 4.0,
        log_r0=np.log(p["rental_usd_per_gpu_hour"]),
        elast=p["value_rental_elasticity"],
        fire=1.0 - p["fire_sale_discount"],
        contracted=p["contracted_share"],
        cash0=np.array(np.broadcast_to(p["cash_reserve_usd"], (n,)), dtype=np.float64),
    )


def simulate_facility(
    p: Params, ctx: Context, rate_annual: FloatArray | None = None, *, flows: bool = True
) -> dict[str, FloatArray]:
    """Every per-quarter array of the facility (``(paths, horizon)``) and the per-path results.

    *rate_annual* replaces base + spread (+ shock) as the all-in annual rate per path and quarter.
    The compiled per-path kernel (:mod:`._credit_compiled`) runs where :func:`_jit.enabled`, the
    vectorised NumPy kernel otherwise; they agree to rounding (tested).
    """
    if _jit.enabled(ctx.work):
        return _simulate_compiled(p, ctx, rate_annual, flows)
    return _simulate_numpy(p, ctx, rate_annual, flows)


def _paths(x: Any, n: int, h: int) -> FloatArray:
    """A per-quarter input as a contiguous float64 ``(paths, horizon)`` array."""
    return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=np.float64), (n, h)))


def _simulate_compiled(p: Params, ctx: Context, rate_annual: FloatArray | None, flows: bool) -> dict[str, FloatArray]:
    n, tm = ctx.paths, _terms(ctx)
    h = tm.horizon
    c = _per_path(p, n)
    poisson = "generation_launch_rate_annual" in p
    par = np.empty((n, kc.N_PAR))
    for col, value in (
        (kc.P_FACILITY, c.facility),
        (kc.P_FLEET_COST, c.fleet_cost),
        (kc.P_LIFE, c.life),
        (kc.P_DB_FACTOR, c.k),
        (kc.P_LOG1P_DROP, np.log1p(-p["generation_drop_ratio"])),
        (kc.P_LAUNCH_PROB, -np.expm1(-p["generation_launch_rate_annual"] / 4.0) if poisson else 0.0),
        (kc.P_SIG_Q, c.sig_q),
        (kc.P_LOG_R0, c.log_r0),
        (kc.P_LOG_DEFL, c.log_defl),
        (kc.P_ELAST, c.elast),
        (kc.P_MARKET_REV, c.market_rev),
        (kc.P_CONTRACT_REV, c.contract_rev),
        (kc.P_OPEX_Q, c.opex_q),
        (kc.P_CONTRACTED, c.contracted),
        (kc.P_CP_DEFAULT_Q, c.cp_default_q),
        (kc.P_LTV_COV, p.get("ltv_covenant", np.inf)),
        (kc.P_DSCR_COV, p.get("dscr_covenant", 0.0)),
        (kc.P_FIRE, c.fire),
        (kc.P_CASH0, c.cash0),
    ):
        par[:, col] = value
    launches = _paths(p.get("generation_launches", 0.0), n, h)
    series, scalars = kc.empty_outputs(n, h, flows)
    kc.facility_paths(
        _paths(_rate_annual(p, rate_annual) / 4.0, n, h),
        _paths(p["rental_shock"], n, h),
        launches,
        _paths(p["launch_draw"], n, h) if poisson else launches,
        par,
        tm.maturity,
        tm.draw_q,
        kc.AMORT_CODES[tm.amort],
        tm.curve == "declining_balance",
        tm.default_on == "breach",
        "ltv_covenant" in p,
        "dscr_covenant" in p,
        poisson,
        flows,
        series,
        scalars,
    )
    out = {name: series[j] for j, name in enumerate(kc.SERIES_NAMES[: len(series)])}
    out |= {name: scalars[j] for j, name in enumerate(kc.SCALAR_NAMES)}
    return out


def _simulate_numpy(p: Params, ctx: Context, rate_annual: FloatArray | None, flows: bool) -> dict[str, FloatArray]:
    """The vectorised kernel: quarters are stored as rows (``(horizon, paths)``) while the loop
    runs, so each quarter's reads and writes are contiguous, and the masks (undefined after a
    default) are applied once at the end; the arrays are returned as ``(paths, horizon)``."""
    n, tm = ctx.paths, _terms(ctx)
    h = tm.horizon
    c = _per_path(p, n)
    facility, fleet_cost, life, k, sig_q = c.facility, c.fleet_cost, c.life, c.k, c.sig_q
    rate_q = _rows(_rate_annual(p, rate_annual) / 4.0, n, h)
    z = _rows(p["rental_shock"], n, h)
    log_drop = _rows(_launches(p, n, h) * np.log1p(-p["generation_drop_ratio"])[:, None], n, h)
    cp_default_q = c.cp_default_q
    ltv_cov = p.get("ltv_covenant")
    dscr_cov = p.get("dscr_covenant")
    market_rev, contract_rev, opex_q = c.market_rev, c.contract_rev, c.opex_q
    log_defl, log_r0, elast, fire = c.log_defl, c.log_r0, c.elast, c.fire
    inv_4l = 1.0 / (4.0 * life)

    names: tuple[str, ...] = ("rental", "collateral", "balance", "ltv", "dscr", "cfads")
    if flows:
        names += ("ds", "draw", "principal", "interest", "cash")
    rows = {k_: np.empty((h, n)) for k_ in names}
    loan_rows = np.zeros((h, n), dtype=bool)  # the loan is outstanding this quarter (LTV defined)
    dscr_rows = np.zeros((h, n), dtype=bool)  # ... and debt service is due (DSCR defined)
    breach = np.zeros((h, n), dtype=bool)
    live_rows = np.zeros((h, n), dtype=bool)  # the loan exists after this quarter's payment
    alive_rows = np.zeros((h, n), dtype=bool)  # not defaulted before this quarter
    dead_rows = np.zeros((h, n), dtype=bool)  # defaulted by the end of this quarter
    balance = np.zeros(n)
    cash = c.cash0.copy()
    shock = np.zeros(n)
    log_gen = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    default_q = np.full(n, np.nan)
    ead = np.full(n, np.nan)
    recovery = np.full(n, np.nan)
    last_amort = tm.draw_q - 1
    never = np.zeros(n, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in range(h):
            shock += sig_q * z[t]
            rental = np.exp(log_r0 + t * log_defl + shock)
            log_gen += log_drop[t]
            n_vint = min(t + 1, tm.draw_q)
            if tm.curve == "straight_line" and tm.draw_q == 1:
                curve = np.maximum(1.0 - (t + 1) * inv_4l, 0.0)  # life > 0: never above 1
            else:
                curve = np.zeros(n)
                for v in range(n_vint):
                    curve += _age_curve(np.full(n, float(t - v + 1)), life, k, tm.curve) / tm.draw_q
            collateral = fleet_cost * curve * np.exp(log_gen + elast * shock)

            delivered = n_vint / tm.draw_q
            cs = np.where(t < cp_default_q, c.contracted, 0.0)
            at_market = market_rev * rental
            cfads = delivered * (cs * (contract_rev - at_market) + at_market - opex_q)

            draw = facility / tm.draw_q if t < tm.draw_q else 0.0
            b_open = balance + draw
            interest = b_open * rate_q[t]
            remaining = tm.maturity - t
            if t < last_amort or remaining <= 0:
                principal = np.zeros(n) if remaining > 0 else b_open
            elif tm.amort == "annuity":
                principal = annuity_payment(b_open, rate_q[t], remaining) - interest
            elif tm.amort == "linear":
                principal = b_open / remaining
            else:
                principal = b_open if remaining == 1 else np.zeros(n)
            balloon = tm.amort == "bullet" and remaining == 1 and t >= last_amort
            ds = interest if balloon else interest + principal
            cash_avail = cash + cfads
            pay_default = alive & (ds > 0) & (cash_avail < ds)
            b_close = b_open - principal
            ltv = np.where(b_close > 0, b_close / collateral, 0.0)  # inf where the GPUs are worth nothing
            dscr = cfads / ds
            live_loan = alive & (b_open > 0)
            ltv_br = never
            if ltv_cov is not None:
                ltv_test = b_open / collateral if balloon else ltv
                ltv_br = live_loan & (ltv_test > ltv_cov)
            refi_default = (ltv_br & ~pay_default) if balloon else never
            br = ltv_br
            if dscr_cov is not None:
                br = br | (live_loan & (ds > 0) & (dscr < dscr_cov))
            br = br & ~pay_default
            missed = pay_default | refi_default
            new_default = missed | br if tm.default_on == "breach" else missed

            # lender's exposure and recovery at default: unpaid principal; the GPUs sold at a
            # discount plus whatever cash is left (all of it after a missed payment, the rest
            # after a paid one)
            cash_after = cash_avail - ds
            if new_default.any():
                cash_left = np.where(pay_default, np.maximum(cash_avail, 0.0), np.maximum(cash_after, 0.0))
                ead = np.where(new_default, np.where(missed, b_open, b_close), ead)
                recovery = np.where(new_default, collateral * fire + cash_left, recovery)
                default_q[new_default] = t

            rows["rental"][t] = rental
            rows["collateral"][t] = collateral
            rows["cfads"][t] = cfads
            rows["balance"][t] = b_close
            rows["ltv"][t] = ltv
            rows["dscr"][t] = dscr
            if flows:
                rows["draw"][t] = draw
                rows["interest"][t] = interest
                rows["principal"][t] = principal
                rows["ds"][t] = ds
                rows["cash"][t] = cash_after
            loan_now = alive & ~missed & (b_open > 0)
            loan_rows[t] = loan_now
            dscr_rows[t] = loan_now & (ds > 0)
            breach[t] = br
            alive_rows[t] = alive
            live_rows[t] = alive & ~missed
            alive = alive & ~new_default
            dead_rows[t] = ~alive
            balance = np.where(alive, b_close, 0.0)
            cash = np.where(alive, cash_after, 0.0)

    # undefined values: flows after a default, the loan's ratios once it is repaid or defaulted
    if flows:
        np.copyto(rows["draw"], np.nan, where=~alive_rows)
    for key in ("interest", "principal", "ds", "balance", "cash"):
        if key in rows:
            np.copyto(rows[key], np.nan, where=~live_rows)
    np.copyto(rows["ltv"], np.nan, where=~(loan_rows & np.isfinite(rows["ltv"])))
    np.copyto(rows["dscr"], np.nan, where=~dscr_rows)
    # (horizon, paths) rows -> (paths, horizon) views: each quarter's column stays contiguous
    cols: dict[str, FloatArray] = {key: v.T for key, v in rows.items()}
    any_breach = breach.any(axis=0)
    first_breach = np.where(any_breach, breach.argmax(axis=0), np.nan)
    did = ~alive
    lgd = np.where(did, 1.0 - np.minimum(ead, recovery) / np.where(ead > 0, ead, 1.0), np.nan)
    lgd = np.where(did & (ead <= 0), 0.0, lgd)
    loss = np.where(did, np.maximum(ead - recovery, 0.0), 0.0)
    equity = np.where(
        did,
        np.maximum(recovery - ead, 0.0),
        np.maximum(cols["collateral"][:, -1] + cash - balance, 0.0),
    )
    cols.update(
        {
            "breach": breach.T.astype(np.float64),
            "defaulted": dead_rows.T.astype(np.float64),
            "first_breach": first_breach,
            "default_q": default_q,
            "ead": ead,
            "lgd": lgd,
            "loss": loss,
            "equity": equity,
        }
    )
    return cols


def gpu_collateral(p: Params, ctx: Context) -> Outputs:
    """The facility's covenants, default, loss and equity per path (see the module docstring)."""
    c = simulate_facility(p, ctx, flows=ctx.options.get("cash_flows") is not None)
    did = ~np.isnan(c["default_q"])
    out: Outputs = {
        "rental_usd_per_gpu_hour": c["rental"],
        "collateral_value_usd": c["collateral"],
        "balance_usd": c["balance"],
        "ltv_ratio": c["ltv"],
        "dscr_ratio": c["dscr"],
        "cfads_usd": c["cfads"],
        "breach_flag": c["breach"],
        "defaulted_flag": c["defaulted"],
        "default_flag": did.astype(np.float64),
        "breach_any_flag": (~np.isnan(c["first_breach"])).astype(np.float64),
        "time_to_first_breach_years": (c["first_breach"] + 1.0) / 4.0,
        "time_to_default_years": (c["default_q"] + 1.0) / 4.0,
        "ead_usd": c["ead"],
        "lgd_ratio": c["lgd"],
        "loss_usd": c["loss"],
        "equity_value_usd": c["equity"],
    }
    if ctx.options.get("cash_flows") is not None:
        out.update(
            {
                "draw_usd": c["draw"],
                "interest_usd": c["interest"],
                "principal_usd": c["principal"],
                "debt_service_usd": c["ds"],
                "cash_usd": c["cash"],
            }
        )
    return out


def default_flags(p: Params, ctx: Context, cost_of_debt_annual: FloatArray | None = None) -> FloatArray:
    """Which paths have defaulted by each quarter: ``(paths, horizon)`` of 0/1.

    The seam for ``contagion.feedback``: give the all-in annual cost of debt per path and quarter
    (``(paths, horizon)``, or ``(horizon,)`` shared by all paths) in place of base + spread; the
    mean over paths of column ``t`` is the probability of default by quarter ``t``.
    """
    rate = None
    if cost_of_debt_annual is not None:
        rate = np.broadcast_to(np.asarray(cost_of_debt_annual, dtype=np.float64), (ctx.paths, ctx.horizon_quarters))
    return simulate_facility(p, ctx, rate, flows=False)["defaulted"]


def _p(name: str, description: str, unit: str, **kw: Any) -> Param:
    return Param(name, description, unit, **kw)


GPU_COLLATERAL = ModelSpec(
    name="credit.gpu_collateral",
    title="Who holds the bag: a debt facility secured by a GPU fleet",
    description="Quarter by quarter per path: GPU value (age curve, generation launches, rental-price "
    "market factor), rental revenue and operating cost, debt service, LTV and DSCR covenants, default, "
    "loss given default, expected loss and the equity left to the borrower.",
    func=gpu_collateral,
    time_series=True,
    default_horizon=24,
    params=(
        _p("facility_usd", "facility amount, drawn evenly over draw_quarters", "USD", low=0, low_open=True),
        _p(
            "initial_ltv_ratio",
            "facility / cost of the GPUs it buys (the fleet = facility / this / gpu_cost_usd GPUs)",
            "ratio",
            low=0,
            high=1,
            low_open=True,
        ),
        _p("gpu_cost_usd", "all-in cost per GPU", "USD", low=0, low_open=True),
        _p(
            "economic_life_years",
            "economic life of a GPU (value 0 at the end, straight line)",
            "years",
            low=0,
            low_open=True,
        ),
        _p(
            "declining_balance_factor",
            "declining balance: annual rate = factor / life (2 = double declining)",
            "ratio",
            default=2.0,
            low=0,
            low_open=True,
        ),
        _p(
            "generation_drop_ratio",
            "value lost at each generation launch",
            "ratio",
            default=0.0,
            low=0,
            high=1,
            high_open=True,
        ),
        _p(
            "generation_launches",
            "generation launches in each quarter (fixed dates)",
            "count",
            shape="quarterly",
            default=0.0,
            low=0,
        ),
        _p(
            "generation_launch_rate_annual",
            "launches a year of a Poisson process (needs launch_draw)",
            "count",
            optional=True,
            low=0,
        ),
        _p(
            "launch_draw",
            "uniform draw per quarter for the Poisson launches ({dist: uniform, low: 0, high: 1, per: quarter})",
            "ratio",
            shape="quarterly",
            optional=True,
            low=0,
            high=1,
        ),
        _p(
            "value_rental_elasticity",
            "GPU value moves with the rental price surprise to this power (0: not tied)",
            "ratio",
            default=0.0,
        ),
        _p("rental_usd_per_gpu_hour", "rental price in the first quarter", "USD/hour", low=0, low_open=True),
        _p(
            "rental_price_decline_annual",
            "expected rental price deflation a year",
            "ratio",
            default=0.0,
            low=0,
            high=1,
            high_open=True,
        ),
        _p("rental_volatility_annual", "volatility of the log rental price, annual", "ratio", default=0.0, low=0),
        _p(
            "rental_shock",
            "standard normal shock per quarter ({dist: normal, mean: 0, sd: 1, per: quarter})",
            "count",
            shape="quarterly",
            default=0.0,
        ),
        _p("utilisation", "share of market-rented GPU-hours sold", "ratio", default=1.0, low=0, high=1),
        _p("power_price_usd_per_kwh", "electricity price", "USD/kWh", default=0.0, low=0),
        _p("gpu_kw", "power per GPU at full draw, incl. its share of the server and network", "kW", default=0.0, low=0),
        _p("pue", "power usage effectiveness (facility power / IT power)", "ratio", default=1.0, low=1),
        _p(
            "other_opex_usd_per_gpu_hour",
            "other operating cost per GPU-hour in service",
            "USD/hour",
            default=0.0,
            low=0,
        ),
        _p("contracted_share", "share of GPU-hours under a take-or-pay contract", "ratio", default=0.0, low=0, high=1),
        _p(
            "contract_usd_per_gpu_hour",
            "contract price (absent: the first quarter's rental price)",
            "USD/hour",
            optional=True,
            low=0,
        ),
        _p(
            "counterparty_pd_annual",
            "annual default probability of the contract counterparty (needs counterparty_default_draw)",
            "ratio",
            optional=True,
            low=0,
            high=1,
            high_open=True,
        ),
        _p(
            "counterparty_default_draw",
            "uniform draw per path for the counterparty's default time",
            "ratio",
            optional=True,
            low=0,
            high=1,
        ),
        _p(
            "base_rate_annual",
            "base rate (SOFR) per quarter; a liquidity scenario can come from the store",
            "ratio",
            shape="quarterly",
            default=0.0,
            low=-0.05,
            high=1,
        ),
        _p("spread_annual", "facility spread over the base rate", "ratio", low=0, high=1),
        _p(
            "spread_shock_annual",
            "added to the rate per quarter (e.g. a high-yield spread widening)",
            "ratio",
            shape="quarterly",
            optional=True,
            low=-1,
            high=1,
        ),
        _p(
            "ltv_covenant",
            "maximum loan-to-value (a ratio: 0.65 = 65%)",
            "ratio",
            optional=True,
            low=0,
            high=1,
            low_open=True,
        ),
        _p("dscr_covenant", "minimum debt service coverage (CFADS / debt service)", "ratio", optional=True, low=0),
        _p(
            "fire_sale_discount",
            "discount to path value when the lender sells the GPUs",
            "ratio",
            default=0.0,
            low=0,
            high=1,
        ),
        _p("cash_reserve_usd", "cash reserve at the start (debt service reserve)", "USD", default=0.0, low=0),
    ),
    options=(
        Option("maturity_quarters", "quarters to maturity (default: the horizon)", "int", low=1, high=400),
        Option("draw_quarters", "quarters over which the facility is drawn evenly", "int", default=1, low=1, high=400),
        Option(
            "amortisation",
            "repayment from the last draw quarter to maturity",
            "choice",
            default="annuity",
            choices=("annuity", "linear", "bullet"),
        ),
        Option(
            "value_curve",
            "GPU value by age",
            "choice",
            default="straight_line",
            choices=("straight_line", "declining_balance"),
        ),
        Option(
            "default_on",
            "payment: only a missed payment (or failed refinancing) is a default; breach: a covenant breach is one too",
            "choice",
            default="payment",
            choices=("payment", "breach"),
        ),
        Option(
            "cash_flows",
            "yes: also return draws, interest, principal, debt service and cash",
            "choice",
            choices=("yes",),
        ),
    ),
    needs=(
        ("generation_launch_rate_annual", ("launch_draw",)),
        ("counterparty_pd_annual", ("counterparty_default_draw",)),
    ),
    outputs=(
        Output("rental_usd_per_gpu_hour", "rental price per quarter", "USD/hour", kind="series"),
        Output("collateral_value_usd", "GPU fleet value at the quarter's end", "USD", kind="series"),
        Output(
            "balance_usd", "principal outstanding at the quarter's end (undefined after default)", "USD", kind="series"
        ),
        Output("ltv_ratio", "balance / collateral value (while the loan is outstanding)", "ratio", kind="series"),
        Output("dscr_ratio", "CFADS / debt service (while the loan is outstanding)", "ratio", kind="series"),
        Output("cfads_usd", "cash available for debt service: revenue - operating cost", "USD", kind="series"),
        Output(
            "breach_flag",
            "a covenant is breached this quarter (mean: probability by quarter)",
            "flag",
            kind="series",
            requires_any=("ltv_covenant", "dscr_covenant"),
        ),
        Output(
            "defaulted_flag", "defaulted by this quarter (mean: cumulative default probability)", "flag", kind="series"
        ),
        Output("default_flag", "defaulted by maturity or the horizon's end (mean: PD)", "flag"),
        Output(
            "breach_any_flag",
            "breached a covenant at least once (mean: probability)",
            "flag",
            requires_any=("ltv_covenant", "dscr_covenant"),
        ),
        Output(
            "time_to_first_breach_years",
            "from the start to the end of the first breach quarter",
            "years",
            requires_any=("ltv_covenant", "dscr_covenant"),
        ),
        Output("time_to_default_years", "from the start to the end of the default quarter", "years"),
        Output("ead_usd", "exposure at default: principal outstanding", "USD"),
        Output("lgd_ratio", "loss given default: 1 - recovery / EAD", "ratio"),
        Output("loss_usd", "lender's loss (0 without default; mean: expected loss)", "USD"),
        Output("equity_value_usd", "value left to the borrower (floored at zero)", "USD"),
        Output("draw_usd", "facility drawn this quarter", "USD", kind="series", requires=("option:cash_flows",)),
        Output("interest_usd", "interest due this quarter", "USD", kind="series", requires=("option:cash_flows",)),
        Output(
            "principal_usd", "scheduled principal this quarter", "USD", kind="series", requires=("option:cash_flows",)
        ),
        Output(
            "debt_service_usd",
            "interest + principal paid from cash (a refinanced bullet excluded)",
            "USD",
            kind="series",
            requires=("option:cash_flows",),
        ),
        Output(
            "cash_usd",
            "borrower's cash account at the quarter's end",
            "USD",
            kind="series",
            requires=("option:cash_flows",),
        ),
    ),
    references=(SECTION_6,),
)

SPECS: tuple[ModelSpec, ...] = (GPU_COLLATERAL,)
