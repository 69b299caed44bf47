"""The engine's block statistics (models/_stats.py): the compiled pass gives NumPy's numbers bit for
bit, the all-columns percentile table gives the per-column function's, the bins follow their
definition (float32 bit pattern), and a run's result does not depend on which pass summarised it."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from capexwatch.models import _jit, _stats
from capexwatch.models.engine import simulate
from tests._support.scenarios import core, scenario
from tests.models.test_supply_chain import SHORTAGE, chain

needs_numba = pytest.mark.skipif(not _jit.available(), reason="the compiled pass needs Numba (the fast extra)")


def awkward(rows: int, cols: int, seed: int) -> np.ndarray:
    """Values with every case the bins single out: zeros of both signs, values under the zero
    floor, negatives, NaN (some, all), a constant column, values far outside the pilot's range."""
    rng = np.random.default_rng(seed)
    x = rng.lognormal(3.0, 1.5, size=(rows, cols))
    x[rng.random((rows, cols)) < 0.3] = 0.0
    x[rng.random((rows, cols)) < 0.05] = 1e-12  # under 2^-20 of the largest value: the zero bin
    x[rng.random((rows, cols)) < 0.01] = np.nan
    x[:, 1] = np.nan
    x[:, 2] = 7.5
    x[: rows // 3, 3] *= -1.0
    x[rows // 2 :, 4] *= 1e6  # beyond the pilot's range (pilot = first rows): the over catch-all
    x[rows // 2 :, 5] *= -1e6  # below it: the under catch-all
    x[-1, 6] = 1e300  # beyond float32
    x[-1, 7] = -0.0
    x[-1, 8] = np.inf
    return np.ascontiguousarray(x)


def same_summary(a: _stats.BlockSummary, b: _stats.BlockSummary) -> None:
    assert len(a.moments) == len(b.moments)
    for ma, mb in zip(a.moments, b.moments, strict=True):
        for f in ("n", "mean", "m2"):
            np.testing.assert_array_equal(getattr(ma, f), getattr(mb, f), err_msg=f)
    np.testing.assert_array_equal(a.vmin, b.vmin)
    np.testing.assert_array_equal(a.vmax, b.vmax)
    if a.bins is None:
        assert b.bins is None
        return
    for f in ("per_column", "bins", "counts"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
        assert getattr(a, f).dtype == getattr(b, f).dtype, f
    assert a.special.keys() == b.special.keys()
    for tag in a.special:
        for x, y in zip(a.special[tag], b.special[tag], strict=True):
            np.testing.assert_array_equal(x, y, err_msg=tag)


@needs_numba
@pytest.mark.parametrize("k", [_stats.K_SERIES, _stats.K_SCALAR, None])
@pytest.mark.parametrize("sizes", [[4096, 4096, 17], [300], [1, 2, 3], [40_000, 30_000]])  # 16-, 32-bit counts
def test_compiled_summary_is_numpys_bit_for_bit(k: int | None, sizes: list[int]) -> None:
    x = awkward(sum(sizes), 23, seed=sum(sizes))
    grid = None if k is None else _stats.make_grid(x[: max(sizes[0] // 2, 1)], k)
    with np.errstate(all="ignore"):
        want = _stats._summarise_numpy(x, sizes, grid)
    got = _stats._summarise_compiled(x, sizes, grid)
    same_summary(want, got)
    if grid is not None and sizes[0] > 100:
        assert set(got.special) == {"under", "zero", "over"}  # every special bin was exercised


def test_summary_kernel_as_plain_python_stays_in_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernels' Python source (what runs without Numba; NumPy raises on an index out of range,
    where compiled code would write past the end) gives the same numbers, merge included."""
    monkeypatch.setattr(_stats, "_summary_kernel", _stats._summary_kernel.py_func)  # type: ignore[attr-defined]
    x = awkward(300, 9, seed=4)
    grid = _stats.make_grid(x[:150], _stats.K_SERIES)
    with np.errstate(all="ignore"):
        want = _stats._summarise_numpy(x, [200, 100], grid)
    with np.errstate(over="ignore", invalid="ignore"):  # 1e300 to float32, inf - inf: as compiled code
        got = _stats._summarise_compiled(x, [200, 100], grid)
    same_summary(want, got)
    assert got.per_column is not None and got.bins is not None and got.counts is not None
    total = np.zeros(9 * grid.size, dtype=np.int64)
    _stats._add_counts_kernel.py_func(total, grid.size, got.per_column, got.bins, got.counts)  # type: ignore[attr-defined]
    expect = np.zeros(9 * grid.size + 1, dtype=np.int64)  # and NaN's discard slot
    np.add.at(expect, grid.index(x, np.isnan(x)).ravel(), 1)  # every value's bin, by definition
    np.testing.assert_array_equal(total, expect[:-1])


@needs_numba
def test_warm_up_and_merge_of_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:  # as plain Python first: an index out of range raises
        m.setattr(_stats, "_summary_kernel", _stats._summary_kernel.py_func)  # type: ignore[attr-defined]
        m.setattr(_stats, "_add_counts_kernel", _stats._add_counts_kernel.py_func)  # type: ignore[attr-defined]
        _stats.warm_up()
    _stats.warm_up()
    rng = np.random.default_rng(2)
    total = rng.integers(0, 5, size=5000)  # 10 columns of 500 bins
    flat = np.sort(rng.choice(5000, size=2000, replace=False))
    per_column = np.bincount(flat // 500, minlength=10).astype(np.int32)
    counts = rng.integers(1, 9, size=2000)
    expect = total.copy()
    expect[flat] += counts
    for bins_type, counts_type in ((np.uint16, np.uint16), (np.uint16, np.int32), (np.int32, np.int32)):
        got = total.astype(np.int32)  # the engine's totals
        _stats.add_counts(got, 500, per_column, (flat % 500).astype(bins_type), counts.astype(counts_type))
        np.testing.assert_array_equal(got, expect)
        got = total.copy()
        _stats.add_counts(got, 500, per_column, (flat % 500).astype(bins_type), counts.astype(counts_type))
        np.testing.assert_array_equal(got, expect)
        got = total.copy()
        _stats.add_counts(got, 500, per_column, (flat % 500).astype(bins_type), counts.astype(counts_type), work=1)
        np.testing.assert_array_equal(got, expect)  # below MIN_WORK, by default: NumPy's add


def test_sparse_dtypes_hold_the_largest_values() -> None:
    """Bins and counts go back to the parent in 16 bits where the largest bin number and the
    largest count (every row of the block in one bin) fit, else in 32."""
    for rows, size in ((2**16 - 1, 2**16), (2**16, 2**16 + 1), (1, 1)):
        bin_type, count_type = _stats.sparse_dtypes(rows, size)
        assert np.iinfo(bin_type).max >= size - 1
        assert np.iinfo(count_type).max >= rows
    assert _stats.sparse_dtypes(16_384, 11_269) == (np.uint16, np.uint16)


def test_percentile_table_is_the_per_column_function() -> None:
    x = awkward(5000, 17, seed=3)
    grid = _stats.make_grid(x[:2000], _stats.K_SERIES)
    with np.errstate(all="ignore"):
        s = _stats._summarise_numpy(x, [5000], grid)
    counts = np.zeros(17 * grid.size, dtype=np.int64)
    assert s.per_column is not None and s.bins is not None and s.counts is not None
    _stats.add_counts(counts, grid.size, s.per_column, s.bins, s.counts)
    table = _stats.histogram_percentiles_table(grid, counts, s.special, s.vmin, s.vmax)
    for col in range(17):
        special = {t: (float(lo[col]), float(hi[col])) for t, (lo, hi) in s.special.items() if np.isfinite(lo[col])}
        want = _stats.histogram_percentiles(grid, counts, col, special, float(s.vmin[col]), float(s.vmax[col]))
        np.testing.assert_array_equal(table[col], want, err_msg=str(col))


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
def test_rank_bins_walk_is_the_cumulative_search(compiled: bool) -> None:
    """The percentile table's walk along each column's counts (compiled, or its source as plain
    Python: an index out of range raises) finds the bins the cumulative-count search finds."""
    if compiled and not _jit.available():
        pytest.skip("needs Numba")
    rng = np.random.default_rng(8)
    c = rng.integers(0, 4, size=(9, 300)) * (rng.random((9, 300)) < 0.3)
    c[4] = 0
    c[4, 299] = 5  # every value in the last bin
    col = np.array([0, 2, 4, 5, 8])
    n = c[col].sum(axis=1)
    k = np.stack([rng.integers(0, m, size=6) for m in n])
    k[:, 0], k[:, 1] = 0, n - 1  # the first and the last value
    want = _stats._rank_bins(c, col, k)  # a small table: the search
    kernel = _stats._rank_bins_kernel if compiled else _stats._rank_bins_kernel.py_func  # type: ignore[attr-defined]
    local, below = np.empty_like(k), np.empty_like(k)
    kernel(c, col, k, local, below)
    np.testing.assert_array_equal(local, want[0])
    np.testing.assert_array_equal(below, want[1])


def _key(value: float, k: int) -> int:
    """The magnitude key of |value| by definition: float32 exponent and top k mantissa bits."""
    (bits,) = struct.unpack("<i", struct.pack("<f", min(abs(value), 3.4028234663852886e38)))
    return bits >> (23 - k)


def test_grid_ranges_follow_the_definition() -> None:
    x = awkward(400, 9, seed=5)
    x[:, 8] = np.nan  # no finite value: ranged as [0, 1]
    grid = _stats.make_grid(x, _stats.K_SCALAR)
    k = _stats.K_SCALAR
    for col in range(9):
        fin = x[:, col][np.isfinite(x[:, col])]
        fin = fin if fin.size else np.array([0.0, 1.0])
        top = float(np.max(np.abs(fin)))
        zf = _key(min(max(top * 2.0**-20, 2.0**-120), 1e38), k)  # the floor, kept within float32
        assert grid.zf[col] == zf

        def signed(v: float, zf: int = zf) -> int:
            key = max(_key(v, k) - (zf - 1), 0)
            return -key if v < 0 else key

        assert grid.lo[col] == signed(float(fin.min())) - (2 << k) - 1
        assert grid.size >= signed(float(fin.max())) + (2 << k) + 1 - grid.lo[col] + 1


def test_grid_of_finite_values_takes_the_short_way_to_the_same_bins() -> None:
    """Without NaN or infinities the ranges come from plain min and max; a NaN column next to
    them sends the same columns down the masked way: same bins."""
    x = np.random.default_rng(6).lognormal(2.0, 2.0, size=(300, 7)) * np.array([1, -1, 1, 1, -1, 1, 1])
    x[:, 3] = 0.0
    short = _stats.make_grid(x, _stats.K_SERIES)
    masked = _stats.make_grid(np.hstack([x, np.full((300, 1), np.nan)]), _stats.K_SERIES)
    np.testing.assert_array_equal(short.zf, masked.zf[:7])
    np.testing.assert_array_equal(short.lo, masked.lo[:7])


@needs_numba
@pytest.mark.parametrize("name", ["cohort_path", "supply_chain"])
def test_results_do_not_depend_on_the_statistics_pass(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    s = chain(SHORTAGE, stages=2, horizon=30) if name == "supply_chain" else scenario(name)
    runs = []
    for compiled in (True, False):
        if not compiled:
            monkeypatch.setattr(_stats, "_summarise_compiled", _stats._summarise_numpy)
        runs.append(core(simulate(s, paths=9000, seed=11, memory_limit=0)))
    assert runs[0] == runs[1]
