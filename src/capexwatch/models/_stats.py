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

Where compiled kernels are on (:mod:`capexwatch.models._jit`), :func:`summarise` runs series through
one compiled pass that sums in NumPy's order, so the numbers are the same bit for bit either way;
:func:`histogram_percentiles_table` takes every column's percentiles at once (the same numbers as
:func:`histogram_percentiles` per column).

NaN marks a value a path does not define (an IRR that does not exist, a payback beyond the
horizon); it is excluded and counted (``defined_share``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from capexwatch.models import _jit
from capexwatch.models._typing import BoolArray, FloatArray, IntArray

__all__ = [
    "PERCENTILES",
    "SPECIAL_TAGS",
    "BlockSummary",
    "Grid",
    "Moments",
    "block_moments",
    "histogram_percentiles",
    "histogram_percentiles_table",
    "make_grid",
    "add_counts",
    "merge_moments",
    "summarise",
    "warm_up",
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

    def edges(self, col: int | IntArray, local: IntArray) -> tuple[FloatArray, FloatArray]:
        """Left and right value edges of regular bins ``local`` of column ``col`` (or of columns
        ``col`` (m,), bins ``local`` (m, q))."""
        lo = self.lo[col] if np.ndim(col) == 0 else self.lo[col][:, None]
        zf = self.zf[col] if np.ndim(col) == 0 else self.zf[col][:, None]
        s = local + lo
        mag = np.abs(s) - 1 + zf
        left = _key_value(mag, self.k)
        right = _key_value(mag + 1, self.k)
        neg = s < 0
        lo_e = np.where(neg, -right, left)
        hi_e = np.where(neg, -left, right)
        zero = s == 0
        floor = _key_value(np.asarray(zf), self.k)
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


def _mag_keys(values: FloatArray, k: int) -> IntArray:
    """The magnitude keys of non-negative values (as in :func:`_keys`, before the floor shift)."""
    keys: IntArray = (np.asarray(values, dtype=np.float32).view(np.int32) >> (23 - k)).astype(np.int64)
    return keys


def _key_value(mag: IntArray, k: int) -> FloatArray:
    """Smallest value with magnitude key ``mag`` (the left edge of its bin)."""
    with np.errstate(over="ignore"):
        return (np.asarray(mag, dtype=np.int64) << (23 - k)).astype(np.int32).view(np.float32).astype(np.float64)


def make_grid(pilot: FloatArray, k: int) -> Grid:
    """Bins for the columns of ``pilot`` (b, L): the pilot's range widened by two binades.

    Per column: its finite values' min, max and largest magnitude (a column with none is ranged
    as [0, 1]); all columns at once."""
    with np.errstate(invalid="ignore"):
        low = np.fmin.reduce(pilot, axis=0)  # NaN ignored (NaN where a column has nothing else)
        high = np.fmax.reduce(pilot, axis=0)
    if not (np.isfinite(low).all() and np.isfinite(high).all()):
        # an infinity, or a column without a number: mask the non-finite values (three more
        # passes over the pilot, which the common case above does without)
        finite = np.isfinite(pilot)
        some = finite.any(axis=0)
        low = np.where(some, np.where(finite, pilot, np.inf).min(axis=0, initial=np.inf), 0.0)
        high = np.where(some, np.where(finite, pilot, -np.inf).max(axis=0, initial=-np.inf), 1.0)
    top = np.maximum(np.abs(low), np.abs(high))
    floor = np.maximum(top * 2.0**-_ZERO_FLOOR_BITS, 2.0**-120)
    zf = _mag_keys(np.minimum(floor, 1e38), k)
    margin = _MARGIN_BINADES << k
    lo = _keys(low, k, zf) - margin - 1
    hi = _keys(high, k, zf) + margin + 1
    size = int((hi - lo).max(initial=0)) + 1
    return Grid(k, zf, lo, size)


def histogram_percentiles(
    grid: Grid,
    counts: npt.NDArray[np.integer],
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


def histogram_percentiles_table(
    grid: Grid,
    counts: npt.NDArray[np.integer],
    special: dict[str, tuple[FloatArray, FloatArray]],
    vmin: FloatArray,
    vmax: FloatArray,
    qs: tuple[int, ...] = PERCENTILES,
) -> FloatArray:
    """:func:`histogram_percentiles` of every column at once, (columns, len(qs)): the same integer
    ranks and the same floating-point operations, so the same numbers bit for bit (tested), with one
    ``searchsorted`` over all columns' cumulative counts instead of a Python loop per column.

    Columns with no values, or with ``vmin == vmax``, are handled by the caller (their rows here
    are NaN or that value, as :func:`histogram_percentiles` gives)."""
    cols, size = vmin.shape[0], grid.size
    c = counts[: cols * size].reshape(cols, size)
    n = c.sum(axis=1)
    out = np.full((cols, len(qs)), np.nan)
    live = (n > 0) & ~(vmin == vmax)
    same = (n > 0) & (vmin == vmax)
    out[same] = vmin[same, None]
    if not live.any():
        return out
    col = np.flatnonzero(live)
    nl = n[col]
    # ranks k0 = floor(q/100 (n - 1)) and k0 + 1 per column and percentile, as the per-column code
    r = (np.array(qs, dtype=np.float64) / 100.0)[None, :] * (nl - 1).astype(np.float64)[:, None]
    k0 = np.floor(r).astype(np.int64)
    frac = r - k0
    second = (frac != 0) & (k0 + 1 < nl[:, None])
    both = _order_stats(grid, c, col, np.hstack([k0, np.where(second, k0 + 1, k0)]), special, vmin, vmax)
    v0, v1 = both[:, : len(qs)], both[:, len(qs) :]
    v = np.where(second, v0 + frac * (v1 - v0), v0)
    out[col] = np.minimum(np.maximum(v, vmin[col, None]), vmax[col, None])
    return out


def _order_stats(
    grid: Grid,
    c: npt.NDArray[np.integer],
    col: IntArray,
    k: IntArray,
    special: dict[str, tuple[FloatArray, FloatArray]],
    vmin: FloatArray,
    vmax: FloatArray,
) -> FloatArray:
    """The k-th order statistic (0-based, (len(col), m) ranks) of columns ``col`` of the counts
    ``c`` (columns, bins): the bin holding it (:func:`_rank_bins`), interpolated uniformly within
    the bin (edges clamped to the column's min and max)."""
    local, below = _rank_bins(c, col, k)
    cnt = c[col[:, None], local]
    left, right = grid.edges(col, local)
    for tag, (lo, hi) in special.items():
        bins = _special_local(grid, tag)[col]
        hit = (local == bins[:, None]) & np.isfinite(lo[col])[:, None]
        left = np.where(hit, lo[col, None], left)
        right = np.where(hit, hi[col, None], right)
    left = np.minimum(np.maximum(left, vmin[col, None]), vmax[col, None])
    right = np.minimum(np.maximum(right, vmin[col, None]), vmax[col, None])
    u = ((k - below).astype(np.float64) + 0.5) / cnt
    result: FloatArray = left + u * (right - left)
    return result


def _rank_bins(c: npt.NDArray[np.integer], col: IntArray, k: IntArray) -> tuple[IntArray, IntArray]:
    """For ranks ``k`` (len(col), m) of columns ``col`` of the counts ``c`` (columns, bins): the bin
    holding the k-th value (the first whose cumulative count exceeds k) and the count of values in
    the bins before it.

    Compiled (where Numba is in and the table is large): one walk along each column's counts.
    Otherwise one ``searchsorted`` in the cumulative counts of all columns laid end to end (which
    copies and sums the whole table: ~0.1 s for 14 series x 200 periods). Integers both ways, so
    the same bins (tested)."""
    if c.size >= _jit.MIN_WORK and _jit.enabled(c.size):
        local = np.empty(k.shape, dtype=np.int64)
        below = np.empty(k.shape, dtype=np.int64)
        _rank_bins_kernel(c, col.astype(np.int64), k.astype(np.int64), local, below)
        return local, below
    size = c.shape[1]
    flat = np.cumsum(c[col].ravel())
    offset = np.concatenate([[0], flat[size - 1 :: size][:-1]])  # values before each column
    at = np.searchsorted(flat, (k + offset[:, None]).ravel(), side="right").reshape(k.shape)
    local = at - (np.arange(col.size) * size)[:, None]
    below = flat[at] - offset[:, None] - c[col[:, None], local]
    return local, below


@_jit.compile_kernel
def _rank_bins_kernel(c: npt.NDArray[np.integer], col: IntArray, k: IntArray, local: IntArray, below: IntArray) -> None:
    """:func:`_rank_bins` as one walk along each column's counts, the ranks taken in order (every
    rank is below the column's total, so the walk stops inside the column)."""
    for i in range(col.shape[0]):
        counts = c[col[i]]
        order = np.argsort(k[i])
        b = 0
        before = 0  # values in bins 0 .. b - 1
        for t in range(order.shape[0]):
            rank = k[i, order[t]]
            while before + counts[b] <= rank:
                before += counts[b]
                b += 1
            local[i, order[t]] = b
            below[i, order[t]] = before


def _special_local(grid: Grid, tag: str) -> IntArray:
    """Bin number of the special bin *tag* in every column (-1 where the column has none)."""
    cols = grid.lo.shape[0]
    if tag == "under":
        return np.zeros(cols, dtype=np.int64)
    if tag == "over":
        return np.full(cols, grid.size - 1, dtype=np.int64)
    zero = -grid.lo
    return np.where((zero > 0) & (zero < grid.size - 1), zero, -1)


# --- one work block's summary ---------------------------------------------------------------------

SPECIAL_TAGS = ("under", "zero", "over")


@dataclass
class BlockSummary:
    """What one work block contributes for one output (b rows, L columns).

    ``moments`` per stream block; ``vmin``/``vmax`` per column (NaN ignored; NaN if none). In
    histogram mode the non-empty bins, column after column: ``per_column[j]`` of them in column j,
    ``bins`` their numbers within the column (ascending), ``counts`` their counts; and ``special``
    tag -> (min, max) per column of the values in that special bin (+-inf where it is empty; a tag
    only where some column has values there).

    Bins and counts are as narrow as they can be (:func:`sparse_dtypes`): a worker sends them back
    to the parent, about 3 million of each per 16,384 paths of 14 series x 200 periods.
    """

    moments: list[Moments]
    vmin: FloatArray
    vmax: FloatArray
    per_column: npt.NDArray[np.int32] | None = None
    bins: npt.NDArray[np.integer] | None = None
    counts: npt.NDArray[np.integer] | None = None
    special: dict[str, tuple[FloatArray, FloatArray]] = field(default_factory=dict)


def _flat_bins(size: int, per_column: npt.NDArray[np.int32], bins: npt.NDArray[np.integer]) -> IntArray:
    """Bins numbered within their columns as flat indices (column x ``size`` + bin)."""
    flat: IntArray = np.repeat(np.arange(per_column.size, dtype=np.int64) * size, per_column) + bins
    return flat


def sparse_dtypes(rows: int, size: int) -> tuple[type[np.integer], type[np.integer]]:
    """dtypes of a block's bin numbers and counts: 16 bits where they fit (bins within a column:
    under 2**16 at K = 8, whose widest possible range, float32's 254 binades, is 65,024 bins and
    the margins; a count is at most the block's rows), else 32."""
    return (np.uint16 if size <= 2**16 else np.int32), (np.uint16 if rows < 2**16 else np.int32)


def summarise(x: FloatArray, sizes: list[int], grid: Grid | None, *, work: int | None = None) -> BlockSummary:
    """Moments per stream block (``sizes`` rows each), min and max, and with a ``grid`` the bin
    counts of ``x`` (b, L).

    Series (L > 1, C-ordered) go through one compiled pass per column tile where compiled kernels
    are on (:mod:`capexwatch.models._jit`); it sums in the same order as NumPy's column sums (row
    after row, from 0), so the result is the same bit for bit either way (tested). Scalars stay on
    NumPy: its 1-column sums are pairwise. Series of any memory layout are summed as C-ordered
    rows, so a model's kernel may write them either way. *work*: the run's path-periods, for
    :func:`_jit.enabled` (default: this block's size)."""
    if x.ndim == 2 and x.shape[1] > 1 and not x.flags.c_contiguous:
        # NumPy's column sums follow the memory layout: the same values period-major (the NumPy
        # supply-chain kernel) and path-major (the compiled one) summed to different last bits
        x = np.ascontiguousarray(x)
    big = _jit.enabled(x.size if work is None else work)
    if x.ndim == 2 and x.shape[1] > 1 and x.dtype == np.float64 and x.flags.c_contiguous and big:
        return _summarise_compiled(x, sizes, grid)
    return _summarise_numpy(x, sizes, grid)


def add_counts(
    total: npt.NDArray[np.integer],
    size: int,
    per_column: npt.NDArray[np.int32],
    bins: npt.NDArray[np.integer],
    counts: npt.NDArray[np.integer],
    *,
    work: int | None = None,
) -> None:
    """A work block's bin counts (as :class:`BlockSummary` holds them) into the run's ``total``
    (columns x ``size`` bins). *work*: the run's path-periods, for :func:`_jit.enabled`."""
    if bins.size > 1024 and _jit.enabled(work):
        _add_counts_kernel(total, size, per_column, bins, counts)
    else:
        total[_flat_bins(size, per_column, bins)] += counts


@_jit.compile_kernel
def _add_counts_kernel(
    total: npt.NDArray[np.integer],
    size: int,
    per_column: npt.NDArray[np.int32],
    bins: npt.NDArray[np.integer],
    counts: npt.NDArray[np.integer],
) -> None:
    """A loop, where NumPy's fancy-indexed add gathers, adds and scatters (~10x the time)."""
    at = 0
    for j in range(per_column.shape[0]):
        first = j * size
        for _ in range(per_column[j]):
            total[first + np.int64(bins[at])] += np.int64(counts[at])
            at += 1


def warm_up(work: int | None = None) -> None:
    """Load (or compile) the compiled pass of :func:`summarise` now, where compiled kernels are on
    for a run of *work* path-periods: called before forking workers, so that they inherit it
    instead of each loading it."""
    if _jit.enabled(work):
        x = np.zeros((2, 2))
        grid = make_grid(x, K_SERIES)
        for count_type in (np.uint16, np.int32):  # blocks under 65,536 rows, and larger ones
            s = _summarise_compiled(x, [2], grid, count_type=count_type)
            assert s.per_column is not None and s.bins is not None and s.counts is not None
            total = np.zeros(2 * grid.size, dtype=np.int32)  # as the engine's
            _add_counts_kernel(total, grid.size, s.per_column, s.bins, s.counts)


def _summarise_numpy(x: FloatArray, sizes: list[int], grid: Grid | None) -> BlockSummary:
    nan_mask = np.isnan(x)
    nan = nan_mask if nan_mask.any() else None
    moments = block_moments(x, sizes, nan_mask)
    with np.errstate(invalid="ignore"):
        vmin = np.fmin.reduce(x, axis=0)
        vmax = np.fmax.reduce(x, axis=0)
    out = BlockSummary(moments, vmin, vmax)
    if grid is not None:
        flat = grid.index(x, nan)
        counts = np.bincount(flat.ravel(), minlength=x.shape[1] * grid.size + 1)[:-1]
        nz = np.flatnonzero(counts)
        column, local = np.divmod(nz, grid.size)
        bin_type, count_type = sparse_dtypes(x.shape[0], grid.size)
        out.per_column = np.bincount(column, minlength=x.shape[1]).astype(np.int32)
        out.bins, out.counts = local.astype(bin_type), counts[nz].astype(count_type)
        out.special = _special_minmax(grid, x, flat, counts, vmin, vmax)
    return out


def _special_minmax(
    grid: Grid,
    x: FloatArray,
    flat: npt.NDArray[np.int32],
    counts: IntArray,
    vmin: FloatArray,
    vmax: FloatArray,
) -> dict[str, tuple[FloatArray, FloatArray]]:
    """Exact min and max of the values in the zero and catch-all bins, for the columns (few)
    where those bins are not empty; +-inf elsewhere."""
    out: dict[str, tuple[FloatArray, FloatArray]] = {}
    cols = x.shape[1]
    with np.errstate(invalid="ignore"):
        constant = vmin == vmax  # a column with one value (all zeros, say) needs no mask
    for tag in SPECIAL_TAGS:
        lo = np.full(cols, np.inf)
        hi = np.full(cols, -np.inf)
        hit = False
        for j in range(cols):
            local = grid.special_bins(j).get(tag)
            if local is None:
                continue
            b = j * grid.size + local
            if counts[b] == 0:
                continue
            if constant[j]:
                lo[j], hi[j] = vmin[j], vmax[j]
            else:
                vals = x[flat[:, j] == b, j]
                lo[j], hi[j] = vals.min(), vals.max()
            hit = True
        if hit:
            out[tag] = (lo, hi)
    return out


def _summarise_compiled(
    x: FloatArray, sizes: list[int], grid: Grid | None, *, count_type: type[np.integer] | None = None
) -> BlockSummary:
    rows, cols = x.shape
    starts = np.cumsum([0, *sizes]).astype(np.int64)
    n_blocks = len(sizes)
    n_out = np.empty((n_blocks, cols), dtype=np.int64)
    mean_out = np.empty((n_blocks, cols))
    m2_out = np.empty((n_blocks, cols))
    vmin = np.empty(cols)
    vmax = np.empty(cols)
    sp_lo = np.full((len(SPECIAL_TAGS), cols), np.inf)
    sp_hi = np.full((len(SPECIAL_TAGS), cols), -np.inf)
    if grid is None:
        k, size, zf, lo, zero = 0, 0, np.zeros(cols, np.int64), np.zeros(cols, np.int64), np.zeros(cols, np.int64)
        room = 0
    else:
        k, size, zf, lo = grid.k, grid.size, grid.zf.astype(np.int64), grid.lo.astype(np.int64)
        zero = _special_local(grid, "zero")
        room = min(rows * cols, cols * size) + 1  # one to spare (see the end of _summary_kernel)
    bin_type, fits = sparse_dtypes(rows, size)
    count_type = fits if count_type is None else count_type
    per_column = np.zeros(cols, dtype=np.int32)
    bins = np.empty(room, dtype=bin_type)
    counts = np.empty(room, dtype=count_type)
    nnz = _summary_kernel(
        x, starts, k, size, zf, lo, zero, n_out, mean_out, m2_out, vmin, vmax, per_column, bins, counts, sp_lo, sp_hi
    )
    out = BlockSummary([Moments(n_out[b], mean_out[b], m2_out[b]) for b in range(n_blocks)], vmin, vmax)
    if grid is not None:
        out.per_column, out.bins, out.counts = per_column, bins[:nnz].copy(), counts[:nnz].copy()
        out.special = {tag: (sp_lo[t], sp_hi[t]) for t, tag in enumerate(SPECIAL_TAGS) if np.isfinite(sp_lo[t]).any()}
    return out


_BIN_ROWS = 256
"""Rows whose bins the compiled pass holds at once (256 x columns int32: 200 KiB at 200 columns)."""


@_jit.compile_kernel
def _summary_kernel(
    x: FloatArray,
    starts: IntArray,
    k: int,
    size: int,
    zf: IntArray,
    lo: IntArray,
    zero: IntArray,
    n_out: IntArray,
    mean_out: FloatArray,
    m2_out: FloatArray,
    vmin: FloatArray,
    vmax: FloatArray,
    per_column: npt.NDArray[np.int32],
    bins: npt.NDArray[np.integer],
    counts: npt.NDArray[np.integer],
    sp_lo: FloatArray,
    sp_hi: FloatArray,
) -> int:
    """:func:`_summarise_numpy`'s numbers, in passes over the rows (each a loop over the columns
    that vectorises).

    The sums run row after row from 0.0 (as NumPy's column sums of a C-ordered array), adding 0.0
    for NaN (as ``where(nan, 0, x)``); bin keys are :meth:`Grid.index`'s integer arithmetic on the
    float32 bits. Returns the number of non-empty bins written to ``bins``/``counts`` (and per
    column to ``per_column``)."""
    rows, cols = x.shape
    tot = np.empty(cols)
    cnt = np.empty(cols, dtype=np.int64)
    m2 = np.empty(cols)
    mean = np.empty(cols)
    vmin[:] = np.nan
    vmax[:] = np.nan
    # bins: +0.0 (an atom in most models: no backlog, no phantom orders) is counted in four rotating
    # slots per column instead of its bin, so that runs of zeros do not wait on one counter; the
    # special bins' exact min and max are updated as a row's values are binned, for the few values
    # in them (+0.0 aside: its bounds are added at the end); a row with none costs one vectorised
    # test
    top = size - 1
    shift = 23 - k
    group = _BIN_ROWS
    table = cols * size
    zero_slots = table  # 4 per column
    nan_slot = table + 4 * cols
    f32 = np.empty(cols, dtype=np.float32)
    i32 = f32.view(np.int32)
    u64 = x.reshape(-1).view(np.int64)
    at = np.empty((group, cols), dtype=np.int32)
    pos_zero = np.empty(cols, dtype=np.int64)  # 1 where a row's value is +0.0
    hit_cols = np.empty(cols + 1, dtype=np.int64)  # columns with a value in a special bin
    u_lo, z_lo, o_lo = sp_lo[0], sp_lo[1], sp_lo[2]
    u_hi, z_hi, o_hi = sp_hi[0], sp_hi[1], sp_hi[2]
    # counts of one work block, as narrow as ``counts`` (16 bits under 65,536 rows: half the table
    # to zero, fill and scan; the NaN slot, never read, may wrap around)
    hist = np.zeros(nan_slot + 1 if size > 0 else 1, dtype=counts.dtype)
    off = zf - 1
    for blk in range(starts.shape[0] - 1):
        a = starts[blk]
        e = starts[blk + 1]
        tot[:] = 0.0
        cnt[:] = 0
        m2[:] = 0.0
        # first pass over the stream block's rows: sums (moments), min and max (NaN ignored)
        for r in range(a, e):
            for j in range(cols):
                v = x[r, j]
                ok = not np.isnan(v)
                tot[j] += v if ok else 0.0
                cnt[j] += 1 if ok else 0
                vmin[j] = v if (v < vmin[j] or np.isnan(vmin[j])) else vmin[j]
                vmax[j] = v if (v > vmax[j] or np.isnan(vmax[j])) else vmax[j]
        for j in range(cols):
            mean[j] = tot[j] / cnt[j] if cnt[j] > 0 else 0.0
        # second pass, a group of rows at a time (in cache): squared deviations and every value's
        # bin row by row (loops over the columns that vectorise), then the counts column by
        # column (one column's counts stay in cache; row by row they would be spread over the
        # whole table)
        for r0 in range(a, e, group):
            m = min(group, e - r0)
            for g in range(m):
                r = r0 + g
                for j in range(cols):
                    v = x[r, j]
                    d = 0.0 if np.isnan(v) else v - mean[j]
                    m2[j] += d * d
                if size == 0:
                    continue
                # (each loop writes one array: more would need more run-time overlap checks than
                # LLVM makes before it vectorises a loop)
                for j in range(cols):
                    f32[j] = x[r, j]
                    pos_zero[j] = u64[r * cols + j] == 0
                row = at[g]
                for j in range(cols):
                    bits = np.int64(i32[j])
                    mag = bits & 0x7FFFFFFF
                    key = (mag >> shift) - off[j]
                    key = key if key > 0 else 0
                    key = -key if bits < 0 else key
                    b = key - lo[j]
                    b = 0 if b < 0 else (top if b > top else b)
                    b = zero_slots + 4 * j + (g & 3) if pos_zero[j] else j * size + b
                    row[j] = nan_slot if mag > 0x7F800000 else b  # NaN (float32 NaN: the same test)
                n_special = 0
                for j in range(cols):
                    b = row[j] - j * size  # +0.0 and NaN: past the column's bins
                    n_special += (b == 0) | (b == top) | (b == zero[j])  # bitwise: no branch on data
                if n_special == 0:
                    continue
                # the columns whose value is in a special bin, listed without a branch per column
                n_special = 0
                for j in range(cols):
                    b = row[j] - j * size
                    hit_cols[n_special] = j
                    n_special += (b == 0) | (b == top) | (b == zero[j])
                for i in range(n_special):
                    j = hit_cols[i]
                    v = x[r, j]
                    b = row[j] - j * size
                    if b == 0:
                        u_lo[j] = min(u_lo[j], v)
                        u_hi[j] = max(u_hi[j], v)
                    if b == zero[j]:
                        z_lo[j] = min(z_lo[j], v)
                        z_hi[j] = max(z_hi[j], v)
                    if b == top:
                        o_lo[j] = min(o_lo[j], v)
                        o_hi[j] = max(o_hi[j], v)
            if size == 0:
                continue
            for j in range(cols):
                for g in range(m):
                    hist[at[g, j]] += 1
        for j in range(cols):
            n_out[blk, j] = cnt[j]
            mean_out[blk, j] = mean[j]
            m2_out[blk, j] = m2[j]
    if size == 0:
        return 0
    for j in range(cols):
        plus_zero = 0
        for i in range(4):
            plus_zero += hist[zero_slots + 4 * j + i]
        if plus_zero == 0:
            continue
        b0 = -lo[j]
        b0 = 0 if b0 < 0 else (top if b0 > top else b0)  # the bin of +0.0
        hist[j * size + b0] += plus_zero
        for t in range(3):
            if b0 == (0 if t == 0 else (zero[j] if t == 1 else top)):
                sp_lo[t, j] = min(sp_lo[t, j], 0.0)
                sp_hi[t, j] = max(sp_hi[t, j], 0.0)
    # the non-empty bins, without a branch on each count (a third to a half of the bins a block
    # touches are empty: the branch would be mispredicted half the time); each slot is written,
    # then kept only if its count is not 0 (``bins`` and ``counts`` have one slot to spare)
    nnz = 0
    for j in range(cols):
        first = nnz
        for b in range(size):
            c = hist[j * size + b]
            bins[nnz] = b
            counts[nnz] = c
            nnz += 1 if c > 0 else 0
        per_column[j] = nnz - first
    return nnz
