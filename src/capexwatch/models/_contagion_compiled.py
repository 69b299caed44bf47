"""The compiled per-path kernel of ``contagion.feedback`` (used when :func:`_jit.enabled`).

The stocks and flows of :func:`capexwatch.models.contagion._simulate_loop` and the summaries
``feedback`` computes from them (drawdowns, shortfalls, quarters to trough, the cut spreading), for
one path at a time: the firms' state stays in registers and each output is written once, where the
NumPy kernel keeps every firm's state for every quarter and reads it back for the summaries. The
arithmetic is the NumPy kernel's, operation for operation (sums over firms in firm order), so the
two agree to the last bit on one machine (tested to 1e-12 relative, and both against the per-path
reference ``_reference.contagion``).

Layout: per-firm inputs ``(paths, firms)``; per-path scalars the columns of ``par`` (indices
``P_*``); outputs ``series`` ``(N_SERIES, paths, horizon)`` (the vendors' revenue index first, in
:data:`contagion.VENDORS` order, then ``S_*``) and ``scalars`` ``(N_SCALARS, paths)`` (three per
vendor, ``R_*`` offsets, then ``R_*`` totals).
"""

from __future__ import annotations

import math

import numpy as np

from capexwatch.models import _jit
from capexwatch.models._typing import FloatArray

N_VENDORS = 5

# per-path scalars: columns of ``par``
P_GAIN, P_SPEED, P_SMOOTH, P_TURN, P_SPREAD_CUT = 0, 1, 2, 3, 4
N_PAR = 5

# series: ``series[j]`` for vendor j's revenue index, then these
S_CAPEX, S_SENTIMENT, S_SUPPLIER = N_VENDORS, N_VENDORS + 1, N_VENDORS + 2
N_SERIES = N_VENDORS + 3

# scalars: vendor j's at ``3 j + R_*``, then the totals
R_DRAWDOWN, R_SHORTFALL, R_TROUGH = 0, 1, 2
R_CAPEX_DD, R_SUPPLIER_DD, R_SENTIMENT_MIN = 3 * N_VENDORS, 3 * N_VENDORS + 1, 3 * N_VENDORS + 2
R_NON_PIVOT, R_SPREAD_COUNT, R_TURNED = 3 * N_VENDORS + 3, 3 * N_VENDORS + 4, 3 * N_VENDORS + 5
N_SCALARS = 3 * N_VENDORS + 6


@_jit.compile_kernel
def feedback_paths(  # noqa: PLR0912, PLR0913, PLR0915 - the loop and its summaries, as in contagion.py
    capex0: FloatArray,
    growth_q: FloatArray,
    share_h: FloatArray,
    weights: FloatArray,
    cut: FloatArray,
    held: FloatArray,
    room: FloatArray,
    par: FloatArray,
    ramp: FloatArray,
    lag: int,
    shock_q: int,
    trough_share: float,
    series: FloatArray,
    scalars: FloatArray,
) -> None:  # pragma: no cover - compiled; the Python body runs in tests without Numba only
    """Fill *series* and *scalars* for every path (see the module docstring for the layout)."""
    n, nb = capex0.shape
    nv = share_h.shape[1]
    h = ramp.shape[0]
    d = np.empty(nb)
    level = np.empty(nb)
    d_min = np.empty(nb)
    supplier = np.empty(nv)
    earnings = np.empty(h)
    baseline = np.empty((nv, h))
    for i in range(n):
        gain, speed, smooth = par[i, P_GAIN], par[i, P_SPEED], par[i, P_SMOOTH]
        for b in range(nb):
            d[b] = 0.0
            level[b] = 1.0
            d_min[b] = math.inf
        for v in range(nv):
            supplier[v] = 1.0
        d_other = 0.0
        sentiment = 0.0
        for t in range(h):
            if t:
                for b in range(nb):
                    level[b] *= growth_q[i, b]
            lift = gain * sentiment
            hyper = 0.0
            wl_sum = 0.0
            capex = 0.0
            for b in range(nb):
                target = min(lift, room[i, b])
                target -= cut[i, b] * ramp[t]
                d[b] += speed * (target - d[b])
                d[b] = max(d[b], -1.0)
                d_min[b] = min(d_min[b], d[b])
                wl = weights[i, b] * level[b]
                hyper = wl * (1.0 + d[b]) if b == 0 else hyper + wl * (1.0 + d[b])
                wl_sum = wl if b == 0 else wl_sum + wl
                c = capex0[i, b] * level[b] * (1.0 + d[b])
                capex = c if b == 0 else capex + c
            d_other += speed * (lift - d_other)
            d_other = max(d_other, -1.0)
            ratio_sum = 0.0
            supplier_sum = 0.0
            for v in range(nv):
                other = 1.0 - share_h[i, v]
                revenue = other * (1.0 + d_other) + share_h[i, v] * hyper
                base = other + share_h[i, v] * wl_sum
                series[v, i, t] = revenue
                baseline[v, t] = base
                ratio_sum = revenue / base if v == 0 else ratio_sum + revenue / base
                supplier[v] += speed * (revenue - supplier[v])
                supplier_sum = supplier[v] if v == 0 else supplier_sum + supplier[v]
            earnings[t] = ratio_sum / nv - 1.0
            if t >= lag:
                sentiment += smooth * (earnings[t - lag] - sentiment)
            else:
                sentiment -= smooth * sentiment
            series[S_CAPEX, i, t] = capex
            series[S_SENTIMENT, i, t] = sentiment
            series[S_SUPPLIER, i, t] = supplier_sum / nv

        # summaries (contagion._drawdown, _quarters_to_trough and the cut spreading)
        for v in range(nv):
            peak = series[v, i, 0]
            dd = 0.0
            worst = 0.0
            for t in range(h):
                x = series[v, i, t]
                if t:
                    peak = max(peak, x)
                    dd = max(dd, 1.0 - x / peak)
                worst = max(worst, max(1.0 - x / baseline[v, t], 0.0))
            first = 0
            for t in range(h):
                if max(1.0 - series[v, i, t] / baseline[v, t], 0.0) >= trough_share * worst:
                    first = t
                    break
            scalars[3 * v + R_DRAWDOWN, i] = dd
            scalars[3 * v + R_SHORTFALL, i] = worst
            scalars[3 * v + R_TROUGH, i] = float(first - shock_q) if worst > 0.0 else math.nan
        for k, out in ((S_CAPEX, R_CAPEX_DD), (S_SUPPLIER, R_SUPPLIER_DD)):
            peak = series[k, i, 0]
            dd = 0.0
            for t in range(1, h):
                peak = max(peak, series[k, i, t])
                dd = max(dd, 1.0 - series[k, i, t] / peak)
            scalars[out, i] = dd
        s_min = series[S_SENTIMENT, i, 0]
        for t in range(1, h):
            s_min = min(s_min, series[S_SENTIMENT, i, t])
        deepest_max = 0.0
        count = 0.0
        for b in range(nb):
            deepest = max(0.0, -d_min[b]) * held[i, b] + 0.0  # + 0.0: no -0.0 where held is 0
            deepest_max = deepest if b == 0 else max(deepest_max, deepest)
            if deepest >= par[i, P_SPREAD_CUT]:
                count += 1.0
        scalars[R_SENTIMENT_MIN, i] = s_min
        scalars[R_NON_PIVOT, i] = deepest_max
        scalars[R_SPREAD_COUNT, i] = count
        scalars[R_TURNED, i] = 1.0 if s_min < par[i, P_TURN] and count > 0.0 else 0.0


def empty_outputs(n: int, h: int) -> tuple[FloatArray, FloatArray]:
    """Uninitialised output arrays for :func:`feedback_paths` (every element is written)."""
    return np.empty((N_SERIES, n, h)), np.empty((N_SCALARS, n))
