"""Slices of an :class:`~capexwatch.signals._inputs.Inputs` that the signals share, memoised per inputs.

Conventions: per-company arithmetic runs on *fiscal* quarters (``fidx = fiscal_year * 4 +
fiscal_quarter``) so that "the previous quarter" and "the same quarter a year earlier" are the
company's own; cross-company sums run on *calendar* quarters (the panel's ``calendar_quarter``,
midpoint rule, ``cidx`` = :func:`capexwatch.facts.periods.quarter_index`), like-for-like over the
companies present in every quarter compared.

``records`` and ``tuples`` are fast, same-valued stand-ins for ``to_dict(orient="records")`` and
``itertuples()`` (see NOTES.md, Performance).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from capexwatch.facts.periods import quarter_index

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.signals._inputs import Inputs

__all__ = [
    "memo",
    "metric_rows",
    "not_derivable",
    "records",
    "series_rows",
    "tuples",
    "writable_copy",
]


_T = TypeVar("_T")


def memo(inputs: Inputs, key: Any, make: Callable[[], _T]) -> _T:
    """``make()``, computed once per *inputs* and *key* (the signals of one run share it).

    Only for values that are pure functions of the frames in *inputs* and of *key*; callers
    must not modify what it returns (copy first).
    """
    cache: dict[Any, Any] | None = getattr(inputs, "_memo", None)
    if cache is None:
        return make()
    try:
        return cache[key]  # type: ignore[no-any-return]
    except KeyError:
        value = cache[key] = make()
        return value


def records(df: pd.DataFrame) -> list[dict[Any, Any]]:
    """``df.to_dict(orient="records")``: the same dicts and value types, about three times faster
    on the signals' small frames (one ``to_numpy(dtype=object)`` instead of a pass per row).

    ``to_numpy(dtype=object)`` boxes numeric and datetime columns as ``tolist`` does (Python
    float/int, ``Timestamp``); NumPy scalars left inside object and string columns are boxed as
    pandas does for ``to_dict``. Frames with other extension types go to pandas.
    """
    import numpy as np

    dtypes = list(df.dtypes)
    if not df.columns.is_unique or not dtypes or not all(isinstance(d, np.dtype) or _nan_str(d) for d in dtypes):
        # other extension types (nullable integers, pd.NA strings...) box differently: pandas does it
        out: list[dict[Any, Any]] = df.to_dict(orient="records")
        return out
    cols = list(df.columns)
    rows = df.to_numpy(dtype=object).tolist()
    boxed = [i for i, d in enumerate(dtypes) if d == np.dtype(object) or _nan_str(d)]
    if boxed:
        from pandas.core.dtypes.cast import maybe_box_native

        for row in rows:
            for i in boxed:
                if isinstance(row[i], np.generic):
                    row[i] = maybe_box_native(row[i])
    return [dict(zip(cols, row, strict=True)) for row in rows]


def _nan_str(dtype: Any) -> bool:
    """pandas' default string dtype (missing values are NaN), the panel's text columns."""
    import pandas as pd

    return isinstance(dtype, pd.StringDtype) and dtype.na_value is not pd.NA


def tuples(df: pd.DataFrame) -> list[Any]:
    """``list(df.itertuples())``: the same namedtuples (``Index``, then the columns; the same
    values and types), from one ``to_numpy(dtype=object)`` instead of a Series per column."""
    import collections

    import numpy as np

    if df.empty or not df.columns.is_unique:
        return list(df.itertuples())
    rows = df.to_numpy(dtype=object).tolist()
    for k, dtype in enumerate(df.dtypes):
        # NumPy and string columns iterate as to_numpy(dtype=object) gives them; other extension
        # types (nullable integers: NumPy scalars when iterated, ints as objects) are iterated
        if not (isinstance(dtype, np.dtype) or _nan_str(dtype)):
            for row, v in zip(rows, df.iloc[:, k], strict=True):
                row[k] = v
    row_type = collections.namedtuple("Pandas", ["Index", *df.columns], rename=True)  # type: ignore[misc]
    return [row_type._make((i, *v)) for i, v in zip(df.index.tolist(), rows, strict=True)]


def _metric_rows(q: pd.DataFrame, metrics: list[str], tickers: list[str] | None) -> pd.DataFrame:
    m = q[q["metric"].isin(metrics) & (q["status"] == "ok") & q["value"].notna()]
    if tickers is not None:
        m = m[m["ticker"].isin(tickers)]
    m = m.copy()
    m["fidx"] = m["fiscal_year"].astype("int64") * 4 + m["fiscal_quarter"].astype("int64")
    m["cidx"] = [quarter_index(c) for c in m["calendar_quarter"]] if len(m) else []
    m = m.sort_values(["ticker", "metric", "period_end"])
    m = m.drop_duplicates(["ticker", "metric", "calendar_quarter"], keep="last")
    return m.reset_index(drop=True)


def _one_metric(inputs: Inputs, metric: str) -> tuple[pd.DataFrame, set[str]]:
    """All ok rows of *metric* (``_metric_rows(q, [metric], None)``) and the tickers among them.

    Taken from one pass over every metric (sorted by ticker, metric, period end, de-duplicated):
    the rows of one metric in it are the same rows in the same order as a pass over that metric.
    """
    every, where = memo(inputs, ("metric_rows", "*"), lambda: _every_metric(inputs.quarters))
    pos = where.get(metric)
    if pos is None:
        return _no_rows(inputs), set()
    full = every.take(pos).reset_index(drop=True)
    return full, set(full["ticker"].tolist())


def _every_metric(q: pd.DataFrame) -> tuple[pd.DataFrame, dict[Any, Any]]:
    every = _metric_rows(q, sorted(set(q["metric"].dropna().tolist())), None)
    return every, dict(every.groupby("metric", sort=False).indices) if len(every) else {}


def metric_rows(inputs: Inputs, metric: str | Sequence[str], tickers: Iterable[str] | None = None) -> pd.DataFrame:
    """The ok rows of *metric* (one or several), with ``fidx`` and ``cidx`` columns, sorted.

    A company with two fiscal quarters in one calendar quarter (52/53-week drift) keeps the later.
    Memoised per *inputs*: the rows of one metric are sorted and de-duplicated once, and a
    ticker subset is taken from them (the sort is stable and the de-duplication is per ticker,
    so this is the same as filtering first). Returns a copy the caller may modify.
    """
    metrics = [metric] if isinstance(metric, str) else list(metric)
    tick = None if tickers is None else [t.upper() for t in tickers]

    def make() -> pd.DataFrame:
        if len(metrics) == 1:
            full, present = memo(inputs, ("metric_rows", metrics[0]), lambda: _one_metric(inputs, metrics[0]))
            if tick is None:
                return full
            if not present.isdisjoint(tick):
                return full[full["ticker"].isin(tick)].reset_index(drop=True)
            return _no_rows(inputs)
        return _metric_rows(inputs.quarters, metrics, tick)

    key = ("metric_rows", tuple(metrics), None if tick is None else tuple(tick))
    return writable_copy(memo(inputs, key, make))


def _no_rows(inputs: Inputs) -> pd.DataFrame:
    """``metric_rows`` with no rows: the column types pandas derives for an empty selection
    (the same whichever metric or tickers selected nothing)."""
    return memo(inputs, ("metric_rows", None), lambda: _metric_rows(inputs.quarters, [], None))


def writable_copy(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a memoised frame that the caller may modify: a shallow one under pandas' copy-on-write
    (always on from pandas 3), a deep one before."""
    import pandas as pd

    return df.copy(deep=int(pd.__version__.split(".")[0]) < 3)


def not_derivable(inputs: Inputs, metric: str, tickers: Iterable[str] | None = None) -> list[str]:
    """'TICKER FYxxxxQn: reason' for not-derivable rows of *metric* (for coverage notes)."""
    q = inputs.quarters
    m = q[(q["metric"] == metric) & (q["status"] != "ok")]
    if tickers is not None:
        m = m[m["ticker"].isin(list(tickers))]
    return [f"{r.ticker} {r.fiscal_period}: {r.reason or 'not derivable'}" for r in m.itertuples()]


def series_rows(inputs: Inputs) -> dict[str, Any]:
    """Row positions of each macro series in ``inputs.series`` (ascending), once per inputs:
    ``inputs.series[inputs.series["series_id"] == sid]`` is ``inputs.series.iloc[rows[sid]]``."""

    def make() -> dict[str, Any]:
        s = inputs.series
        if s.empty:
            return {}
        return dict(s.groupby("series_id", sort=False).indices)

    return memo(inputs, "series_rows", make)
