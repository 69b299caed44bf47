"""The compiled per-path kernel of ``credit.gpu_collateral`` (used when :func:`_jit.enabled`).

The same quarter as :func:`capexwatch.models.credit.simulate_facility`'s NumPy loop, written for one
path at a time (a loop over paths, then over quarters) and compiled with Numba: the state of a path
stays in registers and each output is written once, where the NumPy kernel makes some forty passes
over whole ``(paths,)`` arrays a quarter. The arithmetic is the NumPy kernel's, operation for
operation in the same order (on one machine the two give the same bits; tested to 1e-12 relative,
and both against the per-path reference in ``_reference.credit``). Each path runs in two passes:
the fleet (rental price, collateral, CFADS: inputs only, so the quarters' ``exp`` calls overlap),
then the loan's state machine.

Inputs are packed so the compiled signature stays short and stable (one compilation, cached on
disk): per-path scalars as the columns of ``par`` (``(paths, N_PAR)``, indices ``P_*``), per-quarter
inputs as ``(paths, horizon)`` arrays, and the outputs as ``series`` (``(N_SERIES, paths,
horizon)``, indices ``S_*``) and ``scalars`` (``(N_SCALARS, paths)``, indices ``R_*``), each
``series[k]`` contiguous in the engine's ``(paths, horizon)`` layout.
"""

from __future__ import annotations

import math

import numpy as np

from capexwatch.models import _jit
from capexwatch.models._typing import FloatArray

# per-path inputs: columns of ``par``
P_FACILITY, P_FLEET_COST, P_LIFE, P_DB_FACTOR, P_LOG1P_DROP, P_LAUNCH_PROB = 0, 1, 2, 3, 4, 5
P_SIG_Q, P_LOG_R0, P_LOG_DEFL, P_ELAST, P_MARKET_REV, P_CONTRACT_REV = 6, 7, 8, 9, 10, 11
P_OPEX_Q, P_CONTRACTED, P_CP_DEFAULT_Q, P_LTV_COV, P_DSCR_COV, P_FIRE, P_CASH0 = 12, 13, 14, 15, 16, 17, 18
N_PAR = 19

# series outputs: ``series[k]`` is ``(paths, horizon)``
S_RENTAL, S_COLLATERAL, S_BALANCE, S_LTV, S_DSCR, S_CFADS, S_BREACH, S_DEFAULTED = 0, 1, 2, 3, 4, 5, 6, 7
S_DRAW, S_INTEREST, S_PRINCIPAL, S_DS, S_CASH = 8, 9, 10, 11, 12
N_SERIES, N_SERIES_NO_FLOWS = 13, 8
SERIES_NAMES: tuple[str, ...] = ("rental", "collateral", "balance", "ltv", "dscr", "cfads", "breach", "defaulted")
SERIES_NAMES += ("draw", "interest", "principal", "ds", "cash")

# per-path results: ``scalars[k]`` is ``(paths,)``
R_FIRST_BREACH, R_DEFAULT_Q, R_EAD, R_LGD, R_LOSS, R_EQUITY = 0, 1, 2, 3, 4, 5
N_SCALARS = 6
SCALAR_NAMES = ("first_breach", "default_q", "ead", "lgd", "loss", "equity")

# option codes (ints: the compiled signature takes no strings)
AMORT_CODES = {"annuity": 0, "linear": 1, "bullet": 2}
CURVE_CODES = {"straight_line": 0, "declining_balance": 1}


@_jit.compile_kernel
def facility_paths(  # noqa: PLR0912, PLR0913, PLR0915 - one quarter of the facility, as in credit.py
    rate_q: FloatArray,
    shock_z: FloatArray,
    launches: FloatArray,
    launch_draw: FloatArray,
    par: FloatArray,
    maturity: int,
    draw_q: int,
    amort: int,
    declining: bool,
    default_on_breach: bool,
    has_ltv: bool,
    has_dscr: bool,
    has_poisson: bool,
    flows: bool,
    series: FloatArray,
    scalars: FloatArray,
) -> None:  # pragma: no cover - compiled; the Python body runs in tests without Numba only
    """Fill *series* and *scalars* for every path (see the module docstring for the layout)."""
    n, h = shock_z.shape
    nan, inf = math.nan, math.inf
    last_amort = draw_q - 1
    straight_one_vintage = (not declining) and draw_q == 1
    for i in range(n):
        facility = par[i, P_FACILITY]
        fleet_cost = par[i, P_FLEET_COST]
        life = par[i, P_LIFE]
        k = par[i, P_DB_FACTOR]
        inv_4l = 1.0 / (4.0 * life)
        sig_q = par[i, P_SIG_Q]
        log_r0 = par[i, P_LOG_R0]
        log_defl = par[i, P_LOG_DEFL]
        elast = par[i, P_ELAST]
        market_rev = par[i, P_MARKET_REV]
        contract_rev = par[i, P_CONTRACT_REV]
        opex_q = par[i, P_OPEX_Q]
        contracted = par[i, P_CONTRACTED]
        cp_default_q = par[i, P_CP_DEFAULT_Q]
        ltv_cov = par[i, P_LTV_COV]
        dscr_cov = par[i, P_DSCR_COV]
        fire = par[i, P_FIRE]
        log1p_drop = par[i, P_LOG1P_DROP]
        launch_prob = par[i, P_LAUNCH_PROB]

        balance = 0.0
        cash = par[i, P_CASH0]
        shock = 0.0
        log_gen = 0.0
        alive = True
        first_breach = nan
        default_q = nan
        ead = nan
        recovery = nan
        collateral = 0.0
        for t in range(h):
            shock += sig_q * shock_z[i, t]
            rental = math.exp(log_r0 + t * log_defl + shock)
            count = launches[i, t]
            if has_poisson and launch_draw[i, t] < launch_prob:
                count += 1.0
            log_gen += count * log1p_drop
            market = math.exp(log_gen + elast * shock)
            n_vint = min(t + 1, draw_q)
            if straight_one_vintage:
                curve = max(1.0 - (t + 1) * inv_4l, 0.0)
            else:
                curve = 0.0  # credit._age_curve, one vintage (delivered with draw v) at a time
                for v in range(n_vint):
                    age = float(t - v + 1)  # >= 1: delivered at the start of quarter v
                    if declining:
                        share = min(max(1.0 - k / life, 0.0), 1.0) ** (age / 4.0)
                    else:
                        share = min(max(1.0 - age / (4.0 * life), 0.0), 1.0)
                    curve += share / draw_q
            collateral = fleet_cost * curve * market

            delivered = n_vint / draw_q
            cs = contracted if t < cp_default_q else 0.0
            at_market = market_rev * rental
            cfads = delivered * (cs * (contract_rev - at_market) + at_market - opex_q)
            series[S_RENTAL, i, t] = rental
            series[S_COLLATERAL, i, t] = collateral
            series[S_CFADS, i, t] = cfads
        for t in range(h):  # the loan, on the fleet's values just written (in cache)
            collateral = series[S_COLLATERAL, i, t]
            cfads = series[S_CFADS, i, t]
            if not alive:  # after a default only the fleet and its cash flows go on
                series[S_BALANCE, i, t] = nan
                series[S_LTV, i, t] = nan
                series[S_DSCR, i, t] = nan
                series[S_BREACH, i, t] = 0.0
                series[S_DEFAULTED, i, t] = 1.0
                if flows:
                    for s in range(S_DRAW, N_SERIES):
                        series[s, i, t] = nan
                continue

            draw = facility / draw_q if t < draw_q else 0.0
            b_open = balance + draw
            r = rate_q[i, t]
            interest = b_open * r
            remaining = maturity - t
            if t < last_amort or remaining <= 0:
                principal = 0.0 if remaining > 0 else b_open
            elif amort == 0:  # credit.annuity_payment - interest
                m = max(float(remaining), 1.0)
                if abs(r) < 1e-12:
                    principal = b_open / m - interest
                else:
                    principal = b_open * r / -math.expm1(-m * math.log1p(r)) - interest
            elif amort == 1:
                principal = b_open / remaining
            else:
                principal = b_open if remaining == 1 else 0.0
            balloon = amort == 2 and remaining == 1 and t >= last_amort
            ds = interest if balloon else interest + principal
            cash_avail = cash + cfads
            pay_default = ds > 0.0 and cash_avail < ds
            b_close = b_open - principal
            ltv = (b_close / collateral if collateral != 0.0 else inf) if b_close > 0.0 else 0.0
            dscr = cfads / ds if ds > 0.0 else nan  # only read where debt service is due
            live_loan = b_open > 0.0
            ltv_br = False
            if has_ltv and live_loan:
                ltv_test = ltv
                if balloon:
                    ltv_test = b_open / collateral if collateral != 0.0 else inf
                ltv_br = ltv_test > ltv_cov
            refi_default = balloon and ltv_br and not pay_default
            br = ltv_br
            if has_dscr and live_loan and ds > 0.0 and dscr < dscr_cov:
                br = True
            br = br and not pay_default
            missed = pay_default or refi_default
            new_default = missed or (default_on_breach and br)
            cash_after = cash_avail - ds
            if new_default:
                cash_left = max(cash_avail, 0.0) if pay_default else max(cash_after, 0.0)
                ead = b_open if missed else b_close
                recovery = collateral * fire + cash_left
                default_q = float(t)
            if br and math.isnan(first_breach):
                first_breach = float(t)

            loan_now = (not missed) and b_open > 0.0
            series[S_BALANCE, i, t] = nan if missed else b_close
            series[S_LTV, i, t] = ltv if loan_now and ltv != inf else nan
            series[S_DSCR, i, t] = dscr if loan_now and ds > 0.0 else nan
            series[S_BREACH, i, t] = 1.0 if br else 0.0
            series[S_DEFAULTED, i, t] = 1.0 if new_default else 0.0
            if flows:
                series[S_DRAW, i, t] = draw
                series[S_INTEREST, i, t] = nan if missed else interest
                series[S_PRINCIPAL, i, t] = nan if missed else principal
                series[S_DS, i, t] = nan if missed else ds
                series[S_CASH, i, t] = nan if missed else cash_after
            if new_default:
                alive = False
                balance = 0.0
                cash = 0.0
            else:
                balance = b_close
                cash = cash_after

        scalars[R_FIRST_BREACH, i] = first_breach
        scalars[R_DEFAULT_Q, i] = default_q
        scalars[R_EAD, i] = ead
        if alive:
            scalars[R_LGD, i] = nan
            scalars[R_LOSS, i] = 0.0
            scalars[R_EQUITY, i] = max(collateral + cash - balance, 0.0)
        else:
            scalars[R_LGD, i] = 0.0 if ead <= 0.0 else 1.0 - min(ead, recovery) / ead
            scalars[R_LOSS, i] = max(ead - recovery, 0.0)
            scalars[R_EQUITY, i] = max(recovery - ead, 0.0)


def empty_outputs(n: int, h: int, flows: bool) -> tuple[FloatArray, FloatArray]:
    """Uninitialised output arrays for :func:`facility_paths` (every element is written)."""
    return np.empty((N_SERIES if flows else N_SERIES_NO_FLOWS, n, h)), np.empty((N_SCALARS, n))
