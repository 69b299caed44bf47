"""Streaming statistics whose results do not depend on how paths are split into blocks.

Why and how (the engine's reproducibility contract):

* **Mean and sd** are merged from per-*stream-block* moments (count, mean, sum of squared
  deviations; Chan, Golub & LeVeque 1983, "Algorithms for computing the sample variance", The
  American Statistician 37(3)) in stream-block order. Stream blocks have a fixed size, so the same
  numbers are merged in the same order whatever the work-block size, the number of workers or
  the executor: the floating-point result is bit-identical, and exact up to rounding.
* **Percentiles**, when every value fits the memory limit (paths x outputs x 8 bytes), are exact
  order statistics (NumPy's ``linear`` method) of all values, placed by path index.
* Otherwise they come from a **fixed-bin histogram**. Bins follow the bit pattern of the value
  as a float32: the exponent and the top K mantissa bits of ``|x|`` (as in HdrHistogram), so each
  bin spans a
  relative width of at most 2**-K (K = 12 for scalar outputs: 0.024%; K = 8 for series: 0.4%,
  plenty for a fan chart). Counts are integers and merge by addition, which is exact and
  order-free. The bin range per output column is set once, from stream block 0 (the pilot, the
  same whatever the chunking): its min and max widened by two binades. Values below
  ``2**-20 x max|pilot|`` share one zero bin; values outside the range fall into two catch-all
  bins. Those three special bins also keep their exact min and max, so atoms (exact zeros, a
  capped utilisation of 1, a 0/1 flag) come out exactly. Within a regular bin the order statistic
  is interpolated assuming a uniform spread, then clamped to the column's exact min and max.
  The binning error is far below the Monte Carlo error of a percentile at the path counts where
  the histogram is used (millions of paths), and it is the same at any block size.

NaN marks a value a path does not define (an IRR that does not exist, a payback beyond the
horizon); it is excluded and counted (``defined_share``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from capexwatch.models._typing import BoolArray, FloatArray, IntArray

__all__ = [
    "PERCENTILES",
    "Grid",
    "Moments",
    "block_moments",
    "histogram_percentiles",
    "make_grid",
    "merge_moments",
]

PERCENTILES: tuple[int, ...] = (5, 25, 50, 75, 95)
K_SCALAR = 12
K_SERIES = 8
_ZERO_FLOOR_BITS = 20
_MARGIN_BINADES = 2


@dataclass
class Moments:
    """Count, mean and sum of squared deviations per column (arrays of shape (L,))."""

    n: IntArray
    mean: FloatArray
    m2: FloatArray


def block_moments(x: FloatArray, sizes: list[int] | None = None, nan: BoolArray | None = None) -> list[Moments]:
    """Moments of the columns of each row block of ``x`` (b, L) (blocks of ``sizes`` rows, in
    order; default one block), ignoring NaN. Each block's sums run over its rows in order, so a
    block's moments do not depend on what else is in ``x``. ``nan`` is ``isnan(x)`` if known."""
    sizes = [x.shape[0]] if sizes is None else sizes
    starts = np.cumsum([0, *sizes[:-1]])
    if nan is None:
        nan = np.isnan(x)
    if nan.any():
        out = []
        for a, size in zip(starts, sizes, strict=True):
            out.append(_moments_nan(x[a : a + size], nan[a : a + size]))
        return out
    cols = x.shape[1]
    if cols == 1:
        # one column: reduceat over all blocks at once is the fast way
        counts = np.asarray(sizes, dtype=np.float64)[:, None]
        means = np.add.reduceat(x, starts, axis=0) / counts
        d = x - np.repeat(means, sizes, axis=0)
        d *= d
        m2 = np.add.reduceat(d, starts, axis=0)
        return [Moments(np.full(1, size, dtype=np.int64), means[i], m2[i]) for i, size in enumerate(sizes)]
    # several columns: a sum over each block's rows (reduceat along axis 0 is slow in 2-D)
    moments = []
    for a, size in zip(starts, sizes, strict=True):
        xb = x[a : a + size]
        mean = xb.sum(axis=0) / size
        dev = xb - mean
        dev *= dev
        moments.append(Moments(np.full(cols, size, dtype=np.int64), mean, dev.sum(axis=0)))
    return moments


def _moments_nan(x: FloatArray, nan: BoolArray) -> Moments:
    n = (~nan).sum(axis=0).astype(np.int64)
    total = np.where(nan, 0.0, x).sum(axis=0)
    mean = np.where(n > 0, total / np.maximum(n, 1), 0.0)
    d = np.where(nan, 0.0, x - mean)
    return Moments(n, mean, (d * d).sum(axis=0))


def merge_moments(a: Moments, b: Moments) -> Moments:
    """Chan et al.'s pairwise update (exact algebra; the order of merges fixes the rounding)."""
    n = a.n + b.n
    safe = np.maximum(n, 1)
    delta = b.mean - a.mean
    mean = np.where(n > 0, a.mean + delta * (b.n / safe), 0.0)
    m2 = a.m2 + b.m2 + delta * delta * (a.n * b.n / safe)
    return Moments(n, mean, m2)


@dataclass(frozen=True)
class Grid:
    """Histogram bins for one output: per column the zero-bin key ``zf`` and the first key ``lo``;
    ``size`` bins per column (bin 0 and bin size-1 are the catch-alls)."""

    k: int
    zf: IntArray
    lo: IntArray
    size: int

    def index(self, x: FloatArray, nan: BoolArray | None = None) -> npt.NDArray[np.int32]:
        """Flat bin index (column * size + bin) of every value of ``x`` (b, L); NaN (where
        ``nan`` is given) -> one discard slot past the end."""
        cols = x.shape[1]
        with np.errstate(over="ignore"):
            bits = x.astype(np.float32).view(np.int32)
        negative = bool((bits < 0).any())
        m = bits & np.int32(0x7FFF_FFFF)
        m >>= 23 - self.k
        top = np.int32(self.size - 1)
        if negative:
            m -= (self.zf - 1).astype(np.int32)  # m - zf + 1: 0 for the zero bin
            np.maximum(m, 0, out=m)
            sign = bits >> 31
            m ^= sign
            m -= sign
            m -= self.lo.astype(np.int32)
            np.clip(m, 0, top, out=m)
        else:
            # non-negative keys: one shift (zf - 1 + lo) per column, and a clip whose lower bound
            # is the zero bin's position (-lo) stands for max(key, 0) and the catch-all at once
            m -= (self.zf - 1 + self.lo).astype(np.int32)
            np.clip(m, np.minimum(np.maximum(-self.lo, 0), top).astype(np.int32), top, out=m)
        m += np.arange(cols, dtype=np.int32) * np.int32(self.size)
        if nan is not None:
            m[nan] = cols * self.size
        return m

    def special_bins(self, col: int) -> dict[str, int]:
        """Bin numbers (within column ``col``) of the under, zero and over catch-alls."""
        out = {"under": 0, "over": self.size - 1}
        zero = int(-self.lo[col])
        if 0 < zero < self.size - 1:  # the zero key lies inside the regular range
            out["zero"] = zero
        return out

    def edges(self, col: int, local: IntArray) -> tuple[FloatArray, FloatArray]:
        """Left and right value edges of regular bins ``local`` of column ``col``."""
        s = local + self.lo[col]
        mag = np.abs(s) - 1 + self.zf[col]
        left = _key_value(mag, self.k)
        right = _key_value(mag + 1, self.k)
        neg = s < 0
        lo_e = np.where(neg, -right, left)
        hi_e = np.where(neg, -left, right)
        zero = s == 0
        floor = float(_key_value(np.array([self.zf[col]]), self.k)[0])
        lo_e = np.where(zero, -floor, lo_e)
        hi_e = np.where(zero, floor, hi_e)
        return lo_e, hi_e


def _keys(x: FloatArray, k: int, zf: IntArray) -> IntArray:
    """Signed bin keys: 0 for |x| below the floor, +-(1 + binade/mantissa key above it).

    Integer work on the bits of ``x`` rounded to float32: the sign bit, then the exponent and top
    ``k`` mantissa bits of |x| (monotonic in |x|), shifted so the floor maps to 1. float32 halves
    the memory traffic; the rounding only decides on which side of an edge a value within 2**-24
    of it falls, and does so the same way every time. (|x| beyond float32's range lands in the
    catch-all bins, whose exact min and max are kept.)
    """
    with np.errstate(over="ignore"):
        bits = x.astype(np.float32).view(np.int32)
    sign = bits >> 31  # 0, or -1 for negative values
    m = (bits & 0x7FFF_FFFF) >> (23 - k)
    m = m.astype(np.int64)
    m -= zf - 1
    np.maximum(m, 0, out=m)
    m ^= sign
    m -= sign  # two's complement negation where the value is negative
    return m


def _mag_key(value: float, k: int) -> int:
    """The magnitude key of a non-negative value (as in :func:`_keys`, before the floor shift)."""
    return int(np.array([value], dtype=np.float32).view(np.int32)[0]) >> (23 - k)


def _key_value(mag: IntArray, k: int) -> FloatArray:
    """Smallest value with magnitude key ``mag`` (the left edge of its bin)."""
    with np.errstate(over="ignore"):
        return (np.asarray(mag, dtype=np.int64) << (23 - k)).astype(np.int32).view(np.float32).astype(np.float64)


def make_grid(pilot: FloatArray, k: int) -> Grid:
    """Bins for the columns of ``pilot`` (b, L): the pilot's range widened by two binades."""
    cols = pilot.shape[1]
    zf = np.zeros(cols, dtype=np.int64)
    lo = np.zeros(cols, dtype=np.int64)
    hi = np.zeros(cols, dtype=np.int64)
    for j in range(cols):
        col = pilot[:, j]
        fin = col[np.isfinite(col)]
        if fin.size == 0:
            fin = np.array([0.0, 1.0])
        top = float(np.max(np.abs(fin)))
        floor = max(top * 2.0**-_ZERO_FLOOR_BITS, 2.0**-120)
        zf[j] = _mag_key(min(floor, 1e38), k)
        keys = _keys(np.array([fin.min(), fin.max()]), k, zf[j : j + 1])
        margin = _MARGIN_BINADES << k
        lo[j] = keys[0] - margin - 1
        hi[j] = keys[1] + margin + 1
    size = int((hi - lo).max()) + 1
    return Grid(k, zf, lo, size)


def histogram_percentiles(
    grid: Grid,
    counts: IntArray,
    col: int,
    special: dict[str, tuple[float, float]],
    vmin: float,
    vmax: float,
    qs: tuple[int, ...] = PERCENTILES,
) -> list[float]:
    """Percentiles of column ``col`` from its bin counts (NumPy's ``linear`` rank definition).

    ``special`` maps ``under``/``zero``/``over`` to the exact (min, max) of the values in those
    bins (absent when the bin is empty).
    """
    c = counts[col * grid.size : (col + 1) * grid.size]
    n = int(c.sum())
    if n == 0:
        return [float("nan")] * len(qs)
    if vmin == vmax:
        return [vmin] * len(qs)
    nz = np.flatnonzero(c)
    cum = np.cumsum(c[nz])
    left, right = grid.edges(col, nz)
    for tag, b in grid.special_bins(col).items():
        i = int(np.searchsorted(nz, b))
        if i < nz.size and nz[i] == b and tag in special:
            left[i], right[i] = special[tag]
    left = np.clip(left, vmin, vmax)
    right = np.clip(right, vmin, vmax)

    def order_stat(k: int) -> float:
        i = int(np.searchsorted(cum, k, side="right"))
        below = int(cum[i - 1]) if i > 0 else 0
        cnt = int(cum[i]) - below
        u = (k - below + 0.5) / cnt
        return float(left[i] + u * (right[i] - left[i]))

    out = []
    for q in qs:
        r = q / 100.0 * (n - 1)
        k0 = int(np.floor(r))
        v0 = order_stat(k0)
        frac = r - k0
        v = v0 if frac == 0 or k0 + 1 >= n else v0 + frac * (order_stat(k0 + 1) - v0)
        out.append(min(max(v, vmin), vmax))
    return out
