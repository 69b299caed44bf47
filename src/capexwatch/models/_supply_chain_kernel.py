"""The double-ordering chain as one compiled loop (Numba, the ``fast`` extra): periods inside
batches of paths, each path's state in a few small arrays.

Same rules, same operations in the same order as the vectorised NumPy kernel
(:func:`capexwatch.models.supply_chain.run_chain`; see that module's docstring for the model), so
stocks and flows agree with it to rounding (tested to 1e-12 relative; bit for bit in every case
tested: the possible differences are NumPy's pairwise sums in the scalars and a SIMD ``pow`` in a
growing demand level). The NumPy kernel pays ~150 ufunc calls per stage and period whatever the
number of paths; this loop pays ~50 floating-point operations per stage and period, ~4x less time
for 100,000 paths x 200 periods x 4 stages (benchmarks/bench_supply_chain.py); what is left is
mostly arithmetic and writing the 14 output series (22 KB per path).

Numba compiles one function body with no calls into other Python functions, so the kernel is one
long function in numbered sections that mirror ``run_chain``; inputs and outputs are packed into a
few arrays (:data:`PARAMS`, :data:`SETTINGS`, the series and scalar slots) so that one compiled
signature serves every scenario and the on-disk cache is hit on every later run. Without Numba the
same source runs as plain Python (slow; the tests run it on a few paths, where NumPy's indexing
checks every bound that compiled code does not).
"""

from __future__ import annotations

import math

import numpy as np

from capexwatch.models import _jit
from capexwatch.models._typing import FloatArray, IntArray

__all__ = ["PARAMS", "SETTINGS", "chain_kernel"]

PARAMS = (
    "demand_mean",
    "demand_sd",
    "demand_rho",
    "demand_step_to",
    "demand_growth",
    "safety_stock_periods",
    "alpha_s",
    "beta",
    "theta",
    "capacity_ratio",
    "inflation_cap",
    "fill_smoothing",
    "cancellation_rate",
    "capacity_gain",
    "capacity_build_lag_periods",
    "unit_price_usd",
)
"""Rows of the kernel's parameter matrix (paths along the columns)."""

SETTINGS = (
    "stages",
    "sterman",
    "forecast_periods",
    "lead_time",
    "order_delay",
    "production_lead_time",
    "demand_process",  # 0 iid, 1 ar1, 2 step
    "demand_step_at",
    "rationing",
    "generation_periods",  # 0: no write-downs
    "burn_in",
    "landing_slots",
    "keep_orders",
    "trace",
    "series_stride",  # elements from one output series to the next in ``out``
)
"""Entries of the kernel's integer settings vector."""

BATCH = 16
"""Paths stepped side by side (the loop over a batch is innermost, its state stays in L1). On the
2-core test machine this runs as fast as one path at a time: the step is bound by its arithmetic."""

TINY = 1e-300  # as supply_chain.TINY: the pro-rata share of an empty backlog is 0 / TINY = 0


@_jit.compile_kernel
def chain_kernel(  # noqa: C901 - one loop body on purpose (see the module docstring)
    settings: IntArray,
    prm: FloatArray,
    shock: FloatArray,
    out: FloatArray,
    scalars: FloatArray,
    orders_out: FloatArray,
    tr_stage: FloatArray,
    tr_src: FloatArray,
) -> None:
    """Simulate every path; write the outputs in place.

    Paths run in batches of :data:`BATCH`, the batch innermost; rows never mix (a path's result
    does not depend on its batch: tested).

    Parameters
    ----------
    settings : int64 (len(SETTINGS),), the chain's structure
    prm : float64 (len(PARAMS), paths), parameters per path (units as in the model's spec)
    shock : float64 (paths, periods), the standardised demand shocks
    out : out, float64, the 14 series (``supply_chain.SERIES`` then ``capacity_units``), each
        (paths, periods) C-ordered, ``series_stride`` elements apart (a stride that is not a
        multiple of 4 KiB: a path's 14 values of one period would otherwise share a cache set)
    scalars : out, float64 (2 x stages + 6, paths): bullwhip ratio per stage, order peak per stage,
        phantom share peak, backlog drop %, vendor revenue peak-to-trough %, lead-time peak, phantom
        orders total, write-downs (units)
    orders_out : out, (stages, paths, periods) orders placed per stage (``keep_orders``), else unused
    tr_stage, tr_src : out, ``supply_chain.TRACE_STAGE`` (16, paths, periods, stages) and
        ``TRACE_SOURCE`` (7, paths, periods) stocks and flows (``trace``), else unused
    """
    n_st = settings[0]
    sterman = settings[1] == 1
    fp = settings[2]
    lead = settings[3]
    delay = settings[4]
    prod = settings[5]
    process = settings[6]
    step_at = settings[7]
    rationing = settings[8] == 1
    gen = settings[9]
    burn = settings[10]
    land_n = settings[11]
    keep_orders = settings[12] == 1
    trace = settings[13] == 1
    stride = settings[14]
    n = prm.shape[1]
    horizon = shock.shape[1]
    nb_max = BATCH

    size = np.empty(n_st, dtype=np.int64)  # inbound lead = transit ring length per stage
    for k in range(n_st):
        size[k] = prod if k == n_st - 1 else lead
    ring_len = max(lead, prod)
    gen_n = max(gen, 1)
    # state per stage and path of the batch, [stage, path]; rings [stage, slot, path]
    inv = np.empty((n_st, nb_max))
    idle = np.empty((n_st, nb_max))
    blt = np.empty((n_st, nb_max))
    blp = np.empty((n_st, nb_max))
    sl = np.empty((n_st, nb_max))
    expected = np.empty((n_st, nb_max))
    prev_in = np.empty((n_st, nb_max))
    fill_hat = np.empty((n_st, nb_max))
    last_fill = np.empty((n_st, nb_max))
    desired = np.empty((n_st, nb_max))
    hsum = np.empty((n_st, nb_max))
    recv_t = np.empty((n_st, nb_max))
    recv_p = np.empty((n_st, nb_max))
    trt = np.empty((n_st, ring_len, nb_max))
    trp = np.empty((n_st, ring_len, nb_max))
    mail_t = np.empty((n_st, max(delay, 1), nb_max))
    mail_p = np.empty((n_st, max(delay, 1), nb_max))
    hist = np.empty((n_st, fp, nb_max))
    src_hist = np.empty((fp, nb_max))
    ship_win = np.empty((fp, nb_max))
    landing = np.empty((land_n, nb_max))
    idle_win = np.empty((gen_n, nb_max))
    vend_win = np.empty((gen_n, nb_max))
    src_bt = np.empty(nb_max)
    src_bp = np.empty(nb_max)
    capacity = np.empty(nb_max)
    building = np.empty(nb_max)
    src_sum = np.empty(nb_max)
    ship_sum = np.empty(nb_max)
    idle_sum = np.empty(nb_max)
    vend_sum = np.empty(nb_max)
    total_wd = np.empty(nb_max)
    # this period's flows per path of the batch
    inc_t = np.empty(nb_max)
    inc_p = np.empty(nb_max)
    ship_t = np.empty(nb_max)
    ship_p = np.empty(nb_max)
    to_buyers = np.empty(nb_max)
    orders = np.empty((horizon, n_st, nb_max))
    # the scalars' running values per path of the batch
    d_mean = np.empty(nb_max)
    d_var = np.empty(nb_max)
    o_mean = np.empty(nb_max)
    o_var = np.empty(nb_max)
    o_peak = np.empty(nb_max)
    share_peak = np.empty(nb_max)
    bl_peak = np.empty(nb_max)
    drop = np.empty(nb_max)
    lead_peak = np.empty(nb_max)
    phantom_total = np.empty(nb_max)
    rev_peak = np.empty(nb_max)
    trough = np.empty(nb_max)
    prev_bl = np.empty(nb_max)
    demand = np.empty((horizon, nb_max))

    for i0 in range(0, n, nb_max):
        nb = min(nb_max, n - i0)
        p_alpha = prm[6, i0 : i0 + nb]
        p_beta = prm[7, i0 : i0 + nb]
        p_theta = prm[8, i0 : i0 + nb]
        p_cap = prm[10, i0 : i0 + nb]
        p_smooth = prm[11, i0 : i0 + nb]
        p_cancel = prm[12, i0 : i0 + nb]
        p_gain = prm[13, i0 : i0 + nb]
        p_lag = prm[14, i0 : i0 + nb]
        p_price = prm[15, i0 : i0 + nb]

        for b in range(nb):
            i = i0 + b
            mean = prm[0, i]
            # 1. end demand (supply_chain.true_demand)
            dev = 0.0
            for t in range(horizon):
                # (1 + 0) ** t is 1 exactly: skip the pow when the level does not grow
                g_t = (1.0 + prm[4, i]) ** float(t) if prm[4, i] != 0.0 else 1.0
                level = mean * g_t
                if process == 2 and t >= step_at:
                    level = prm[3, i] * g_t
                noise = prm[1, i] * shock[i, t]
                if process == 1:
                    dev = prm[2, i] * dev + noise
                    d = level + dev
                else:
                    d = level + noise
                demand[t, b] = d if d > 0.0 else 0.0
                out[i * horizon + t] = demand[t, b]

            # 2. initial state (supply_chain._init_stage, _source): the chain starts in equilibrium
            safety = prm[5, i] * mean
            for k in range(n_st):
                supply_line = float(size[k] + delay) * mean
                inv[k, b] = safety
                idle[k, b] = 0.0
                blt[k, b] = 0.0
                blp[k, b] = 0.0
                sl[k, b] = supply_line
                desired[k, b] = safety + prm[7, i] * (supply_line - mean) if sterman else safety
                expected[k, b] = mean
                prev_in[k, b] = mean
                fill_hat[k, b] = 1.0
                last_fill[k, b] = 1.0
                for j in range(size[k]):
                    trt[k, j, b] = mean
                    trp[k, j, b] = 0.0
                for j in range(delay):
                    mail_t[k, j, b] = mean
                    mail_p[k, j, b] = 0.0
                total = 0.0
                for j in range(fp):
                    hist[k, j, b] = mean
                    total += mean
                hsum[k, b] = total
            src_bt[b] = 0.0
            src_bp[b] = 0.0
            capacity[b] = prm[9, i] * mean if rationing else math.inf
            building[b] = 0.0
            for j in range(land_n):
                landing[j, b] = 0.0
            total = 0.0
            for j in range(fp):
                src_hist[j, b] = mean
                ship_win[j, b] = mean
                total += mean
            src_sum[b] = total
            ship_sum[b] = total
            for j in range(gen_n):
                idle_win[j, b] = 0.0
                vend_win[j, b] = 0.0
            idle_sum[b] = 0.0
            vend_sum[b] = 0.0
            total_wd[b] = 0.0
            phantom_total[b] = 0.0

        # ring positions t % size, advanced by one each period (an integer division per ring and
        # period would cost more than the rest of a stage's step)
        hs = fp - 1
        s_lead = lead - 1
        s_prod = prod - 1
        ms = delay - 1
        gs = gen - 1
        ls = land_n - 1
        for t in range(horizon):
            hs = 0 if hs + 1 == fp else hs + 1
            s_lead = 0 if s_lead + 1 == lead else s_lead + 1
            s_prod = 0 if s_prod + 1 == prod else s_prod + 1
            ms = 0 if ms + 1 == delay else ms + 1
            gs = 0 if gs + 1 == gen else gs + 1
            ls = 0 if ls + 1 == land_n else ls + 1
            for b in range(nb):
                inc_t[b] = demand[t, b]
                inc_p[b] = 0.0
                to_buyers[b] = 0.0

            # 3. the stages, bottom-up; one loop over the batch per stage, its values in registers
            for k in range(n_st):
                slot = s_prod if k == n_st - 1 else s_lead
                multiple = float(size[k] + delay)
                last = k + 1 == n_st
                for b in range(nb):
                    r_t = trt[k, slot, b]
                    r_p = trp[k, slot, b]
                    trt[k, slot, b] = 0.0
                    trp[k, slot, b] = 0.0
                    recv_t[k, b] = r_t
                    recv_p[k, b] = r_p
                    stock = inv[k, b] + r_t
                    idle[k, b] = idle[k, b] + r_p
                    supply_line = sl[k, b] - r_t
                    in_t = inc_t[b]
                    in_p = inc_p[b]
                    bt = blt[k, b] + in_t
                    bp = blp[k, b] + in_p
                    # pro-rata shipment (supply_chain._ship)
                    owed = bt + bp
                    ratio = min(stock, owed) / max(owed, TINY)
                    fill = ratio if owed > 0.0 else 1.0
                    s_t = bt * ratio
                    s_p = bp * ratio
                    bt = bt - s_t
                    bp = bp - s_p
                    stock = stock - (s_t + s_p)
                    blt[k, b] = bt
                    blp[k, b] = bp
                    inv[k, b] = stock
                    if k > 0:  # to the stage below (lead_time ring), after its inbound lead time
                        trt[k - 1, s_lead, b] += s_t
                        trp[k - 1, s_lead, b] += s_p
                        last_fill[k - 1, b] = fill
                        if k == 1:
                            to_buyers[b] = s_t + s_p
                    incoming = in_t + in_p
                    hsum[k, b] = hsum[k, b] + (incoming - hist[k, hs, b])
                    hist[k, hs, b] = incoming
                    # the ordering rule (supply_chain._policy_order)
                    owed = bt + bp
                    if sterman:
                        theta = p_theta[b]
                        expected[k, b] = theta * prev_in[k, b] + (1.0 - theta) * expected[k, b]
                        prev_in[k, b] = incoming
                        gap = desired[k, b] - (stock - owed) - p_beta[b] * supply_line
                        x = expected[k, b] + p_alpha[b] * gap
                    else:
                        target = multiple * hsum[k, b] / fp + desired[k, b]
                        x = target - (stock - owed + supply_line)
                    q = x if x > 0.0 else 0.0
                    # shortage gaming (supply_chain._game) and cancellation (_cancel)
                    f_hat = fill_hat[k, b] + p_smooth[b] * (last_fill[k, b] - fill_hat[k, b])
                    fill_hat[k, b] = f_hat
                    g = 1.0
                    c = 0.0
                    if rationing:
                        cap = p_cap[b]
                        g = min(cap, 1.0 / max(f_hat, 1.0 / cap))
                        if last:
                            excess = src_bp[b] - (g - 1.0) * src_bt[b]
                            c = p_cancel[b] * (excess if excess > 0.0 else 0.0)
                            src_bp[b] = src_bp[b] - c
                        else:
                            excess = blp[k + 1, b] - (g - 1.0) * blt[k + 1, b]
                            c = p_cancel[b] * (excess if excess > 0.0 else 0.0)
                            blp[k + 1, b] = blp[k + 1, b] - c
                    placed_p = q * (g - 1.0)
                    sl[k, b] = supply_line + q
                    orders[t, k, b] = q + placed_p
                    if k == 0:
                        at = (i0 + b) * horizon + t
                        out[stride + at] = q + placed_p
                        out[2 * stride + at] = q
                        out[3 * stride + at] = placed_p
                        out[12 * stride + at] = c
                        phantom_total[b] += placed_p
                    if trace:
                        i = i0 + b
                        tr_stage[0, i, t, k] = q
                        tr_stage[1, i, t, k] = placed_p
                        tr_stage[2, i, t, k] = in_t
                        tr_stage[3, i, t, k] = in_p
                        tr_stage[4, i, t, k] = s_t
                        tr_stage[5, i, t, k] = s_p
                        tr_stage[6, i, t, k] = r_t
                        tr_stage[7, i, t, k] = r_p
                        tr_stage[8, i, t, k] = c
                        tr_stage[11, i, t, k] = bt
                        tr_stage[12, i, t, k] = bp
                    if delay > 0:  # the order reaches the supplier `delay` periods later
                        inc_t[b] = mail_t[k, ms, b]
                        inc_p[b] = mail_p[k, ms, b]
                        mail_t[k, ms, b] = q
                        mail_p[k, ms, b] = placed_p
                    else:
                        inc_t[b] = q
                        inc_p[b] = placed_p

            # 4. the source: capacity lands, orders join its backlog, it ships what capacity allows
            top = n_st - 1
            for b in range(nb):
                landed = landing[ls, b]
                landing[ls, b] = 0.0
                capacity[b] = capacity[b] + landed
                building[b] = building[b] - landed
                bt = src_bt[b] + inc_t[b]
                bp = src_bp[b] + inc_p[b]
                owed = bt + bp
                ratio = min(capacity[b], owed) / max(owed, TINY)
                last_fill[top, b] = ratio if owed > 0.0 else 1.0
                s_t = bt * ratio
                s_p = bp * ratio
                ship_t[b] = s_t
                ship_p[b] = s_p
                src_bt[b] = bt - s_t
                src_bp[b] = bp - s_p
                trt[top, s_prod, b] += s_t
                trp[top, s_prod, b] += s_p
                src_in = inc_t[b] + inc_p[b]
                src_sum[b] = src_sum[b] + (src_in - src_hist[hs, b])
                src_hist[hs, b] = src_in
            if n_st == 1:
                for b in range(nb):
                    to_buyers[b] = ship_t[b] + ship_p[b]
            if rationing:  # capacity response (supply_chain._build_capacity)
                for b in range(nb):
                    wanted = src_sum[b] / fp + (src_bt[b] + src_bp[b]) / prod
                    gap = wanted - capacity[b] - building[b]
                    build = p_gain[b] * (gap if gap > 0.0 else 0.0)
                    building[b] = building[b] + build
                    lag = p_lag[b]
                    lo = math.floor(lag)
                    w = lag - lo
                    at = ls + int(lo)
                    at = at - land_n if at >= land_n else at
                    landing[at, b] += build * (1.0 - w)
                    at = 0 if at + 1 == land_n else at + 1
                    landing[at, b] += build * w

            # 5. write-downs, first in first out (supply_chain._writedown)
            if gen > 0:
                for b in range(nb):
                    idle_sum[b] = idle_sum[b] + (recv_p[0, b] - idle_win[gs, b])
                    idle_win[gs, b] = recv_p[0, b]
                    old = idle[0, b] - idle_sum[b]
                    wd = old if old > 0.0 else 0.0
                    idle[0, b] = idle[0, b] - wd
                    total_wd[b] = total_wd[b] + wd
                    if trace:
                        tr_stage[15, i0 + b, t, 0] = wd
                if n_st >= 2:
                    for b in range(nb):
                        vend_sum[b] = vend_sum[b] + (recv_t[1, b] - vend_win[gs, b])
                        vend_win[gs, b] = recv_t[1, b]
                        old = inv[1, b] - vend_sum[b]
                        wd = old if old > 0.0 else 0.0
                        inv[1, b] = inv[1, b] - wd
                        total_wd[b] = total_wd[b] + wd
                        if trace:
                            tr_stage[15, i0 + b, t, 1] = wd
            if trace:
                for b in range(nb):
                    i = i0 + b
                    for k in range(n_st):
                        tr_stage[9, i, t, k] = inv[k, b]
                        tr_stage[10, i, t, k] = idle[k, b]
                        tr_stage[13, i, t, k] = sl[k, b]
                        on_way = 0.0
                        for j in range(size[k]):
                            on_way += trt[k, j, b]
                        on_way_ph = 0.0
                        for j in range(size[k]):
                            on_way_ph += trp[k, j, b]
                        tr_stage[14, i, t, k] = on_way + on_way_ph
                    tr_src[0, i, t] = inc_t[b]
                    tr_src[1, i, t] = inc_p[b]
                    tr_src[2, i, t] = ship_t[b]
                    tr_src[3, i, t] = ship_p[b]
                    tr_src[4, i, t] = src_bt[b]
                    tr_src[5, i, t] = src_bp[b]
                    tr_src[6, i, t] = capacity[b]

            # 6. what the buyers see of the vendor: backlog and quoted lead time
            transit = float(size[0] + delay)
            v_t = blt[1] if n_st >= 2 else src_bt
            v_p = blp[1] if n_st >= 2 else src_bp
            for b in range(nb):
                i = i0 + b
                ship_sum[b] = ship_sum[b] + (to_buyers[b] - ship_win[hs, b])
                ship_win[hs, b] = to_buyers[b]
                owed = v_t[b] + v_p[b]
                rate = ship_sum[b] / fp
                lead_t = transit
                if owed > 0.0:
                    lead_t = transit + owed / rate if rate != 0.0 else math.inf
                at = i * horizon + t
                lead_t = lead_t if math.isfinite(lead_t) else math.nan
                revenue = to_buyers[b] * p_price[b]
                out[4 * stride + at] = owed
                out[5 * stride + at] = v_p[b]
                out[6 * stride + at] = lead_t
                out[7 * stride + at] = to_buyers[b]
                out[8 * stride + at] = revenue
                out[9 * stride + at] = inv[1, b] if n_st >= 2 else 0.0
                out[10 * stride + at] = inv[0, b]
                out[11 * stride + at] = idle[0, b]
                out[13 * stride + at] = capacity[b]
                # the scalars that need one look at each period (supply_chain.phantom_share_peak,
                # backlog_drop_max_pct, peak_to_trough_pct, the lead-time peak)
                share = v_p[b] / owed if owed > 0.0 else 0.0
                if t == 0:
                    share_peak[b] = share
                    bl_peak[b] = owed
                    drop[b] = 0.0
                    lead_peak[b] = lead_t
                    rev_peak[b] = revenue
                    trough[b] = revenue
                else:
                    share_peak[b] = max(share_peak[b], share)
                    bl_peak[b] = max(bl_peak[b], owed)
                    drop[b] = max(drop[b], prev_bl[b] - owed)
                    if not math.isnan(lead_t) and (math.isnan(lead_peak[b]) or lead_t > lead_peak[b]):
                        lead_peak[b] = lead_t
                    if revenue > rev_peak[b]:  # a new peak (the first, if it repeats): the trough after it
                        rev_peak[b] = revenue
                        trough[b] = revenue
                    else:
                        trough[b] = min(trough[b], revenue)
                prev_bl[b] = owed

        # 7. the bullwhip ratios and order peaks (supply_chain.bullwhip_ratios): the batch's paths
        # side by side, as the period-major buffers hold them; each path's sums run over its
        # periods in order, as NumPy's
        span = horizon - burn
        for b in range(nb):
            d_mean[b] = 0.0
            d_var[b] = 0.0
        for t in range(burn, horizon):
            for b in range(nb):
                d_mean[b] += demand[t, b]
        for b in range(nb):
            d_mean[b] = d_mean[b] / span
        for t in range(burn, horizon):
            for b in range(nb):
                c = demand[t, b] - d_mean[b]
                d_var[b] += c * c
        for b in range(nb):
            d_var[b] = d_var[b] / span
        for k in range(n_st):
            for b in range(nb):
                o_mean[b] = 0.0
                o_var[b] = 0.0
                o_peak[b] = orders[0, k, b]
            for t in range(horizon):
                for b in range(nb):
                    o = orders[t, k, b]
                    o_peak[b] = o if o > o_peak[b] else o_peak[b]
            for t in range(burn, horizon):
                for b in range(nb):
                    o_mean[b] += orders[t, k, b]
            for b in range(nb):
                o_mean[b] = o_mean[b] / span
            for t in range(burn, horizon):
                for b in range(nb):
                    c = orders[t, k, b] - o_mean[b]
                    o_var[b] += c * c
            for b in range(nb):
                var = o_var[b] / span
                scalars[k, i0 + b] = var / d_var[b] if d_var[b] > 0.0 else math.nan
                scalars[n_st + k, i0 + b] = o_peak[b]
            if keep_orders:
                for t in range(horizon):
                    for b in range(nb):
                        orders_out[k, i0 + b, t] = orders[t, k, b]
        base = 2 * n_st
        for b in range(nb):
            i = i0 + b
            top_rev = rev_peak[b]
            scalars[base, i] = share_peak[b]
            scalars[base + 1, i] = 100.0 * drop[b] / bl_peak[b] if bl_peak[b] > 0.0 else 0.0
            scalars[base + 2, i] = 100.0 * (top_rev - trough[b]) / top_rev if top_rev > 0.0 else 0.0
            scalars[base + 3, i] = lead_peak[b]
            scalars[base + 4, i] = phantom_total[b]
            scalars[base + 5, i] = total_wd[b]
