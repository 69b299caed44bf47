"""Growth and trailing sums per company on its own fiscal quarters: the earlier quarter, y/y, TTM.

Growth is never taken across a gap (a missing quarter leaves the value blank) nor across a
definitional break (``metrics.py`` breaks); trailing sums need four consecutive fiscal quarters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from capexwatch.signals._panel import memo, metric_rows, records, writable_copy

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.signals._inputs import Inputs

__all__ = [
    "metric_ttm",
    "ttm",
    "with_prev",
    "yoy",
]


def with_prev(df: pd.DataFrame, lag: int = 1, col: str = "value") -> pd.DataFrame:
    """Add ``prev_<col>``, ``prev_period``, ``prev_period_end`` and ``prev_row`` (the earlier row as a
    dict, for its source): the same company's value *lag* fiscal quarters earlier, only where that
    quarter exists (no silent skipping over a gap)."""
    if df.empty:
        out = df.copy()
        out[f"prev_{col}"] = []
        out["prev_period"] = []
        out["prev_period_end"] = []
        out["prev_row"] = []
        return out
    import numpy as np
    import pandas as pd

    keys = list(zip(df["ticker"].tolist(), df["metric"].tolist(), df["fidx"].tolist(), strict=True))
    where = {k: i for i, k in enumerate(keys)}
    if len(where) < len(keys) or df[col].dtype != np.dtype("float64"):
        return _with_prev_merge(df, lag, col)
    # what a left merge on (ticker, metric, fidx + lag) gives when the keys are unique: the
    # left rows in order, the earlier row's columns where it exists, blank (NaN/NaT) where not
    idx = np.array([where.get((t, m, f - lag), -1) for t, m, f in keys], dtype=np.intp)
    hit = idx >= 0
    recs = records(df)
    prev_row = np.empty(len(df), dtype=object)
    prev_row[:] = [recs[i] if i >= 0 else np.nan for i in idx.tolist()]
    out = df.reset_index(drop=True)
    vals = df[col].to_numpy()
    out[f"prev_{col}"] = np.where(hit, vals[np.where(hit, idx, 0)], np.nan)
    for new, c in (("prev_period", "fiscal_period"), ("prev_period_end", "period_end")):
        out[new] = pd.Series(df[c].array.take(idx, allow_fill=True), index=out.index, dtype=df[c].dtype)
    out["prev_row"] = prev_row
    return out


def _with_prev_merge(df: pd.DataFrame, lag: int, col: str) -> pd.DataFrame:
    key = df[["ticker", "metric", "fidx", col, "fiscal_period", "period_end"]].copy()
    # the whole earlier row travels along, so its source can be cited beside the later one
    key["prev_row"] = records(df)
    key["fidx"] = key["fidx"] + lag
    key = key.rename(columns={col: f"prev_{col}", "fiscal_period": "prev_period", "period_end": "prev_period_end"})
    return df.merge(key, on=["ticker", "metric", "fidx"], how="left")


def yoy(df: pd.DataFrame, breaks: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Growth on the same fiscal quarter a year earlier, in percent (``yoy_pct``).

    Blank (with ``yoy_reason``) where the earlier quarter is missing, not positive, or where a
    definitional break (``breaks[ticker]``: ISO dates) falls after the earlier quarter's end and on
    or before this quarter's end: growth across a break compares two definitions.
    """
    import pandas as pd

    out = with_prev(df, lag=4)
    out["yoy_pct"] = float("nan")
    out["yoy_reason"] = None
    if out.empty:
        return out
    brk = {t.upper(): [pd.Timestamp(b) for b in bs] for t, bs in (breaks or {}).items()}
    pcts: list[float] = []
    reasons: list[str | None] = []
    cols = ("ticker", "value", "prev_value", "prev_period", "prev_period_end", "fiscal_period", "period_end")
    for ticker, value, prev, prev_period, prev_end, period, end in zip(*(out[c].tolist() for c in cols), strict=True):
        if prev is None or (isinstance(prev, float) and math.isnan(prev)):
            pcts.append(float("nan"))
            reasons.append("no figure for the same quarter a year earlier")
            continue
        crossed = [b for b in brk.get(ticker, []) if prev_end < b <= end]
        if crossed:
            pcts.append(float("nan"))
            reasons.append(
                f"definitional break at {crossed[0].date()}: {prev_period} and {period} are on different definitions"
            )
            continue
        if prev <= 0:
            pcts.append(float("nan"))
            reasons.append("earlier figure not positive")
            continue
        pcts.append((value / prev - 1.0) * 100.0)
        reasons.append(None)
    out["yoy_pct"] = pcts
    out["yoy_reason"] = reasons
    return out


def ttm(df: pd.DataFrame) -> pd.DataFrame:
    """Trailing-four-quarter sums per company and metric (``ttm``), blank unless the four
    fiscal quarters ending at the row are all present; ``ttm_from`` names the first of them."""
    if df.empty:
        out = df.copy()
        out["ttm"] = []
        out["ttm_from"] = []
        out["ttm_rows"] = []
        return out
    import numpy as np
    import pandas as pd

    s = df.sort_values("fidx")
    gid = s.groupby(["ticker", "metric"], sort=True).ngroup().to_numpy()
    if pd.isna(gid).any():  # a blank ticker or metric: groupby leaves those rows out
        return _ttm_by_group(s)
    # the groups one after the other (in key order, each in fidx order), as groupby yields them
    order = np.argsort(gid, kind="stable")
    s = s.iloc[order].reset_index(drop=True)
    gid = gid[order]
    fidx = s["fidx"].to_numpy()
    values = s["value"].to_numpy(dtype="float64")
    n = len(s)
    starts = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]])
    pos = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))  # position within the group
    complete = np.zeros(n, dtype=bool)
    complete[3:] = (pos[3:] >= 3) & (fidx[3:] - fidx[:-3] == 3)
    sums = np.full(n, np.nan)
    for a, b in zip(starts, np.r_[starts[1:], n], strict=True):
        if b - a >= 4 and complete[a:b].any():
            # pandas' rolling sum per group, exactly as before (its running sum is not a plain sum)
            sums[a:b] = pd.Series(values[a:b]).rolling(4, min_periods=4).sum().to_numpy()
    done = pd.Series(complete, index=s.index)
    s["ttm"] = pd.Series(sums, index=s.index).where(done)
    s["ttm_from"] = s["fiscal_period"].shift(3).where(done)
    recs = records(s)
    s["ttm_rows"] = [recs[i - 3 : i + 1] if c else [] for i, c in enumerate(complete.tolist())]
    return s


def _ttm_by_group(df: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for _, g in df.sort_values("fidx").groupby(["ticker", "metric"], sort=True):
        g = g.copy()
        complete = g["fidx"].diff(3).eq(3)
        g["ttm"] = g["value"].rolling(4, min_periods=4).sum().where(complete)
        g["ttm_from"] = g["fiscal_period"].shift(3).where(complete)
        recs = records(g)
        g["ttm_rows"] = [recs[i - 3 : i + 1] if bool(c) else [] for i, c in enumerate(complete)]
        parts.append(g)
    import pandas as pd

    return pd.concat(parts, ignore_index=True)


def metric_ttm(inputs: Inputs, metric: str, tickers: Iterable[str] | None = None) -> pd.DataFrame:
    """``ttm(metric_rows(inputs, metric, tickers))``, memoised per *inputs*: the trailing sums of a
    metric are computed once for every company (each company's depend on its own rows only) and
    a ticker subset is taken from them. Returns a copy the caller may modify."""
    tick = None if tickers is None else [t.upper() for t in tickers]

    def make() -> pd.DataFrame:
        full, exact = memo(inputs, ("metric_ttm", metric), lambda: _metric_ttm(inputs, metric))
        if tick is None:
            return full
        if exact:
            out = full[full["ticker"].isin(tick)].reset_index(drop=True)
            if len(out):
                return out
        # no rows (the column types of an empty result), or quarters repeated within a company
        return ttm(metric_rows(inputs, metric, tick))

    return writable_copy(memo(inputs, ("metric_ttm", metric, None if tick is None else tuple(tick)), make))


def _metric_ttm(inputs: Inputs, metric: str) -> tuple[pd.DataFrame, bool]:
    """``ttm`` over all companies, and whether a subset of it is exact: with a fiscal quarter
    repeated within a company, the order of the repeats (an unstable sort) could differ."""
    rows = metric_rows(inputs, metric)
    return ttm(rows), not rows.duplicated(["ticker", "metric", "fidx"]).any()
