"""Vectorised building blocks the models share: vintage windows, yearly buckets, NPV, IRR, payback.

Every function works row by row (one row per path) and never mixes rows, so a path's result does
not depend on which other paths share the array. That is what makes a seed give bit-identical
results whatever the block size: no BLAS calls (whose blocking depends on the array shape), no
reductions across paths, and iterative solvers that freeze each path once *it* has converged.
"""

from __future__ import annotations

import numpy as np

from capexwatch.models._typing import BoolArray, FloatArray, IntArray

__all__ = [
    "HOURS_PER_QUARTER",
    "IRR_RANGE",
    "annual_to_quarterly_rate",
    "decayed_window_sum",
    "horner_npv",
    "irr_quarterly",
    "payback_quarters",
    "straight_line",
    "to_years",
    "window_sum",
]

HOURS_PER_QUARTER = 365.25 * 24.0 / 4.0
"""Hours in an average quarter (Julian year / 4 = 2,191.5 h)."""


def annual_to_quarterly_rate(r: FloatArray) -> FloatArray:
    """Compound annual rate -> the equivalent quarterly rate: ``(1 + r) ** 0.25 - 1``."""
    return np.expm1(0.25 * np.log1p(r))


def window_sum(x: FloatArray, length_q: FloatArray, lag: int = 0) -> FloatArray:
    """For each quarter t, the sum of ``x[v]`` over vintages v with ``lag <= t - v < lag + length``.

    ``length_q`` (quarters, one per path) may be fractional: ``length = m + f`` counts the vintage
    of age ``lag + m`` with weight ``f``. This is the in-service stock of an asset class with a
    straight-line life: ``window_sum(capex, L) / L`` is straight-line depreciation.

    Parameters
    ----------
    x : (paths, T) amounts per vintage quarter
    length_q : (paths,) window length in quarters, >= 1
    lag : quarters between a vintage and its first quarter in the window (0: same quarter)
    """
    n, t_len = x.shape
    # s_pad[:, j + 1] = x[:, 0] + ... + x[:, j]; s_pad[:, 0] = 0 stands for "no vintage yet"
    s_pad = np.empty((n, t_len + 1))
    s_pad[:, 0] = 0.0
    np.cumsum(x, axis=1, out=s_pad[:, 1:])
    m = np.floor(length_q).astype(np.int64)
    f = (length_q - m)[:, None]
    # window = (S[t - lag] - S[b]) + f * (S[b] - S[b - 1])   with b = t - lag - m (S[<0] = 0);
    # written as differences so that a window holding no vintage is exactly zero
    out = np.zeros((n, t_len))
    if lag < t_len:
        out[:, lag:] = s_pad[:, 1 : t_len + 1 - lag]
    b = np.arange(1 - lag, t_len + 1 - lag, dtype=np.int64)[None, :] - m[:, None]
    np.maximum(b, 0, out=b)
    s_b = np.take_along_axis(s_pad, b, axis=1)
    out -= s_b
    b -= 1
    np.maximum(b, 0, out=b)
    s_b -= np.take_along_axis(s_pad, b, axis=1)
    s_b *= f
    out += s_b
    return out


def decayed_window_sum(
    x: FloatArray, length_q: FloatArray, q: FloatArray, lag: int = 0, plain: FloatArray | None = None
) -> FloatArray:
    """Like :func:`window_sum`, but each vintage weighted by ``q ** age`` (age in quarters since
    it entered the window): ``sum_{a < m} x[t - lag - a] q^a + f q^m x[t - lag - m]``.

    Uses the recurrence ``R_t = q R_{t-1} + x_{t-lag}`` (a loop over quarters, vectorised over
    paths), then removes the vintages past their life: ``R_t - q^m R_{t-m}``. Quarters whose window
    holds no vintage are exactly zero (``plain``, the unweighted :func:`window_sum`, tells which;
    computed here when not given).
    """
    n, t_len = x.shape
    x_t = np.zeros((t_len + 1, n))  # x_t[k + 1] = x_{k - lag}; x_t[0] = 0 for "before the start"
    if lag < t_len:
        x_t[1 + lag :] = x[:, : t_len - lag].T
    r = np.empty((t_len + 1, n))  # r[k + 1] = R_k, r[0] = 0
    r[0] = 0.0
    for t in range(t_len):
        np.multiply(r[t], q, out=r[t + 1])
        r[t + 1] += x_t[t + 1]
    m = np.floor(length_q).astype(np.int64)
    f = length_q - m
    qm = q**m
    # flat index of R_{t-m} (and x_{t-lag-m}) in the (T + 1, n) arrays; t - m < 0 -> row 0 (zeros)
    flat = np.clip(np.arange(t_len)[:, None] - m[None, :] + 1, 0, t_len) * n + np.arange(n)[None, :]
    out = r[1:] - qm * np.take(r, flat)
    out += (f * qm) * np.take(x_t, flat)
    result = np.ascontiguousarray(out.T)
    if plain is None:
        plain = window_sum(x, length_q, lag)
    result[plain == 0] = 0.0
    return result


def straight_line(capex: FloatArray, life_q: FloatArray, lag: int = 0) -> FloatArray:
    """Straight-line depreciation per quarter, zero salvage, of vintages ``capex`` over ``life_q``.

    ``D_t = sum over vintages v with lag <= t - v < lag + L of capex_v / L`` (the formula in
    published-analyses.md section 5, on quarters).
    """
    return window_sum(capex, life_q, lag) / life_q[:, None]


def to_years(x: FloatArray, starts: list[int], how: str = "sum") -> FloatArray:
    """Quarterly ``(paths, T)`` -> yearly ``(paths, years)`` by summing (flows) or taking the last
    quarter of each year (stocks). ``starts`` comes from :func:`capexwatch.models._spec.year_groups`."""
    if how == "sum":
        return np.add.reduceat(x, starts, axis=1)
    if how == "last":
        ends = [*starts[1:], x.shape[1]]
        return x[:, [e - 1 for e in ends]]
    raise ValueError(how)


def horner_npv(cf_t: FloatArray, x: FloatArray, derivative: bool = True) -> tuple[FloatArray, FloatArray]:
    """``P(x) = sum_t cf[t] * x ** (t + 1)`` and ``P'(x)``, with ``cf_t`` laid out (T, paths).

    With ``x = 1 / (1 + r)`` this is the net present value at the per-period rate r of cash flows
    at the end of each period. Horner's scheme keeps it to 2 (4 with the derivative) vector
    operations per period. Without ``derivative`` the second array is empty.
    """
    t_len = cf_t.shape[0]
    q = cf_t[t_len - 1].copy()
    dq = np.zeros_like(q) if derivative else np.empty(0)
    for t in range(t_len - 2, -1, -1):
        if derivative:
            dq *= x
            dq += q
        q *= x
        q += cf_t[t]
    return q * x, (q + x * dq) if derivative else dq


_IRR_SUB = 4096

IRR_RANGE = (-0.75, 1.5)
"""Per-period IRR search range (per year about -99.6% to +3,800%); outside it the IRR is NaN."""


def irr_quarterly(cf: FloatArray, guess: FloatArray | None = None, max_iter: int = 100) -> FloatArray:
    """Internal rate of return per period of each row of ``cf`` (paths, T); NaN where undefined.

    Solves ``sum_t cf[t] / (1 + r) ** (t + 1) = 0`` for r in :data:`IRR_RANGE`, in x = 1 / (1 + r):
    four bisection steps on log x (a polynomial of high degree sends plain Newton far off), then
    a safeguarded Newton iteration inside the sign-change bracket (Press et al., *Numerical
    Recipes*, 3rd ed., 9.4 ``rtsafe``). A row without a sign change over the range has no IRR
    (NaN). Each row stops once its own step is below 1e-13 relative, so a row's result does not
    depend on the other rows in the array. ``guess`` is accepted for API symmetry and unused.
    """
    n = cf.shape[0]
    if n > _IRR_SUB:
        # sub-blocks keep Horner's working vectors in cache; rows are independent, so this does
        # not change any row's result
        return np.concatenate([irr_quarterly(cf[i : i + _IRR_SUB], guess, max_iter) for i in range(0, n, _IRR_SUB)])
    # flows below 1e-12 of the path's largest are rounding residue (e.g. revenue - cost that
    # should cancel); at the search range's end x ** T would amplify them into a false sign
    scale = np.abs(cf).max(axis=1, keepdims=True)
    cf = np.where(np.abs(cf) <= 1e-12 * scale, 0.0, cf)
    nonzero = np.flatnonzero(np.any(cf != 0, axis=0))
    if nonzero.size and nonzero[-1] + 1 < cf.shape[1]:
        cf = cf[:, : nonzero[-1] + 1]  # trailing zero periods add nothing to the polynomial
    cf_t = np.ascontiguousarray(cf.T)
    u_lo = np.full(n, -np.log1p(IRR_RANGE[1]))
    u_hi = np.full(n, -np.log1p(IRR_RANGE[0]))
    p_lo, _ = horner_npv(cf_t, np.exp(u_lo), derivative=False)
    p_hi, _ = horner_npv(cf_t, np.exp(u_hi), derivative=False)
    valid = (np.sign(p_lo) * np.sign(p_hi)) < 0
    sign = np.where(p_hi > 0, 1.0, -1.0)  # orient so that g = sign * P has g(lo) < 0 < g(hi)
    idx = np.flatnonzero(valid)
    cf_a, sa = cf_t[:, idx], sign[idx]
    ua, ub = u_lo[idx], u_hi[idx]
    for _ in range(4):
        mid = 0.5 * (ua + ub)
        g, _ = horner_npv(cf_a, np.exp(mid), derivative=False)
        below = sa * g < 0
        ua = np.where(below, mid, ua)
        ub = np.where(below, ub, mid)
    result = np.full(n, np.nan)
    aa, ba = np.exp(ua), np.exp(ub)
    xa = 0.5 * (aa + ba)
    dx_old = ba - aa  # the step before last, as in rtsafe
    dx = dx_old
    for _ in range(max_iter):
        if idx.size == 0:
            break
        p, dp = horner_npv(cf_a, xa)
        g, dg = sa * p, sa * dp
        neg = g < 0
        aa = np.where(neg, xa, aa)
        ba = np.where(neg, ba, xa)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = xa - g / dg
        # converged when the Newton step itself is negligible (it may land on a bracket end)
        done = (np.abs(newton - xa) <= 1e-13 * np.abs(xa)) | (g == 0)
        bisect = ~((newton > aa) & (newton < ba)) | (np.abs(2.0 * g) > np.abs(dx_old * dg))
        x_new = np.where(done, np.where(g == 0, xa, newton), np.where(bisect, 0.5 * (aa + ba), newton))
        dx_old, dx = dx, np.abs(x_new - xa)
        done |= dx <= 1e-13 * np.abs(x_new)
        xa = x_new
        if done.any():
            result[idx[done]] = xa[done]
            keep = ~done
            idx, cf_a = idx[keep], cf_a[:, keep]
            xa, aa, ba, sa = xa[keep], aa[keep], ba[keep], sa[keep]
            dx_old, dx = dx_old[keep], dx[keep]
    return 1.0 / result - 1.0


def payback_quarters(cf: FloatArray, cum: FloatArray | None = None) -> FloatArray:
    """Quarters until cumulative cash flow turns non-negative for good, interpolated within the
    quarter; 0 if it is never negative, NaN if it is still negative at the horizon. ``cum`` is the
    cumulative sum of ``cf`` along quarters if already computed."""
    n, t_len = cf.shape
    if cum is None:
        cum = np.cumsum(cf, axis=1)
    neg: BoolArray = cum < 0
    any_neg = neg.any(axis=1)
    last_neg: IntArray = t_len - 1 - np.argmax(neg[:, ::-1], axis=1)
    out = np.full(n, np.nan)
    out[~any_neg] = 0.0
    ok = any_neg & (last_neg < t_len - 1)
    rows = np.flatnonzero(ok)
    k = last_neg[rows]
    deficit = -cum[rows, k]
    # quarter k + 1 closes the deficit at a fraction deficit / cf[k + 1] of the quarter; quarters
    # 0..k (k + 1 of them) elapsed before it
    out[rows] = (k + 1) + deficit / cf[rows, k + 1]
    return out
