"""Pure DataFrame helpers shared by the signal modules: quarters, growth, TTM, streaks, evidence.

Conventions: per-company arithmetic runs on *fiscal* quarters (``fidx = fiscal_year * 4 +
fiscal_quarter``) so that "the previous quarter" and "the same quarter a year earlier" are the
company's own; cross-company sums run on *calendar* quarters (the panel's ``calendar_quarter``,
midpoint rule), like-for-like over the companies present in every quarter compared.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from capexwatch.signals.base import Evidence, HistoryPoint, Inputs, Status, Threshold

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EPS",
    "cq_end",
    "cq_index",
    "cq_label",
    "cq_of",
    "event_evidence",
    "flag",
    "ge",
    "gt",
    "le",
    "lt",
    "fmt_num",
    "fmt_pct",
    "fmt_usd",
    "history_from",
    "as_int",
    "at_least",
    "isnum",
    "text",
    "max_lag",
    "memo",
    "reference_quarter",
    "records",
    "metric_rows",
    "metric_ttm",
    "not_derivable",
    "pick_current",
    "roll_up",
    "row_evidence",
    "run_lengths",
    "series_evidence",
    "series_rows",
    "streaks",
    "th",
    "ttm",
    "ttm_evidence",
    "tuples",
    "two_leg_status",
    "with_prev",
    "yoy",
]


# --------------------------------------------------------------------------- thresholds


def th(thresholds: Mapping[str, Threshold], key: str) -> Any:
    """The value of threshold *key* (KeyError names it if a signal asks for an unknown one)."""
    return thresholds[key].value


def max_lag(thresholds: Mapping[str, Threshold]) -> int:
    """``general.max_lag_quarters`` (the runner passes the general keys with each signal's)."""
    return int(thresholds["max_lag_quarters"].value) if "max_lag_quarters" in thresholds else 2


def reference_quarter(inputs: Inputs, quarters: Iterable[str]) -> str | None:
    """The quarter a current status is measured against: the table's latest quarter, or with a
    point-in-time date, the later of that and the last full quarter before the date."""
    qs = list(quarters)
    latest = max(qs, key=cq_index) if qs else None
    if inputs.as_of is None:
        return latest
    before = cq_label(cq_index(cq_of(inputs.as_of)) - 1)
    return before if latest is None else max(before, latest, key=cq_index)


# --------------------------------------------------------------------------- calendar quarters


def cq_index(label: str) -> int:
    """``'2025Q3'`` -> 2025 * 4 + 2 (consecutive quarters differ by one)."""
    y, q = label.split("Q")
    return int(y) * 4 + int(q) - 1


def cq_label(index: int) -> str:
    """Inverse of :func:`cq_index`."""
    return f"{index // 4}Q{index % 4 + 1}"


def cq_of(when: Any) -> str:
    """The calendar quarter holding a date."""
    import pandas as pd

    ts = pd.Timestamp(when)
    return f"{ts.year}Q{(ts.month - 1) // 3 + 1}"


def cq_end(label: str) -> dt.date:
    """Last day of a calendar quarter."""
    i = cq_index(label)
    y, q = i // 4, i % 4 + 1
    month = 3 * q
    day = 31 if month in (3, 12) else 30
    return dt.date(y, month, day)


# --------------------------------------------------------------------------- panel slices


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
    m["cidx"] = [cq_index(c) for c in m["calendar_quarter"]] if len(m) else []
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
    return _copy(memo(inputs, key, make))


def _no_rows(inputs: Inputs) -> pd.DataFrame:
    """``metric_rows`` with no rows: the column types pandas derives for an empty selection
    (the same whichever metric or tickers selected nothing)."""
    return memo(inputs, ("metric_rows", None), lambda: _metric_rows(inputs.quarters, [], None))


def _copy(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a memoised frame that the caller may modify: a shallow one under pandas' copy-on-write
    (always on from pandas 3), a deep one before."""
    import pandas as pd

    return df.copy(deep=int(pd.__version__.split(".")[0]) < 3)


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

    return _copy(memo(inputs, ("metric_ttm", metric, None if tick is None else tuple(tick)), make))


def _metric_ttm(inputs: Inputs, metric: str) -> tuple[pd.DataFrame, bool]:
    """``ttm`` over all companies, and whether a subset of it is exact: with a fiscal quarter
    repeated within a company, the order of the repeats (an unstable sort) could differ."""
    rows = metric_rows(inputs, metric)
    return ttm(rows), not rows.duplicated(["ticker", "metric", "fidx"]).any()


def not_derivable(inputs: Inputs, metric: str, tickers: Iterable[str] | None = None) -> list[str]:
    """'TICKER FYxxxxQn: reason' for not-derivable rows of *metric* (for coverage notes)."""
    q = inputs.quarters
    m = q[(q["metric"] == metric) & (q["status"] != "ok")]
    if tickers is not None:
        m = m[m["ticker"].isin(list(tickers))]
    return [f"{r.ticker} {r.fiscal_period}: {r.reason or 'not derivable'}" for r in m.itertuples()]


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


def streaks(flags: Sequence[bool | None]) -> list[int | None]:
    """Run length of consecutive True values ending at each position (None where unknown:
    an unknown breaks the run, it never extends it)."""
    out: list[int | None] = []
    run: int | None = 0
    for f in flags:
        if f is None:
            run = None
        elif f:
            run = (run or 0) + 1 if run is not None else 1
        else:
            run = 0
        out.append(run)
    return out


def run_lengths(index: Sequence[int], flags: Sequence[bool | None]) -> list[tuple[int | None, bool]]:
    """Per position: (length of the run of True ending here, whether the run is *open*).

    *index* are consecutive-quarter numbers; a gap in them counts as an unknown. A run is open
    when it reaches back to an unknown or to the start of the data (so it may be longer than
    counted); it is closed when a known False precedes it. An unknown position gives (None, True);
    a False gives (0, False).
    """
    out: list[tuple[int | None, bool]] = []
    run: int | None = 0
    open_ = True
    prev: int | None = None
    for i, f in zip(index, flags, strict=True):
        if prev is not None and i != prev + 1:
            run, open_ = None, True
        if f is None:
            run, open_ = None, True
            out.append((None, True))
        elif f:
            if run is None:
                run, open_ = 1, True
            else:
                run += 1
            out.append((run, open_))
        else:
            run, open_ = 0, False
            out.append((0, False))
        prev = i
    return out


def two_leg_status(
    a_flag: bool | None,
    a_run: int | None,
    a_open: bool,
    b_flag: bool | None,
    b_run: int | None,
    b_open: bool,
    n: int,
) -> tuple[Status, str | None]:
    """Status of a trigger that needs two legs to run *n* quarters together.

    alert: both runs >= n; watch: both legs true now and one run >= n; ok: either leg false now.
    An open run shorter than n may really be longer: when that could change the status, the
    lower status is kept with a note (or insufficient-data when the lower one is ok).
    """
    # flags may be NumPy booleans: test values, not identity (`np.False_ is False` is False)
    if a_flag is None or b_flag is None:
        if (a_flag is not None and not a_flag) or (b_flag is not None and not b_flag):
            return "ok", "one leg could not be evaluated, but the other is not firing, so the trigger cannot fire"
        return "insufficient-data", None
    if not (a_flag and b_flag):
        return "ok", None

    def level(ra: int, rb: int) -> Status:
        if ra >= n and rb >= n:
            return "alert"
        if ra >= n or rb >= n:
            return "watch"
        return "ok"

    ra, rb = int(a_run or 0), int(b_run or 0)
    lo = level(ra, rb)
    hi = level(n if a_open and ra < n else ra, n if b_open and rb < n else rb)
    if lo == hi:
        return lo, None
    note = f"earlier quarters unknown: the status could be {hi}"
    return ("insufficient-data", note) if lo == "ok" else (lo, note)


def roll_up(group: Status, companies: Mapping[str, Status]) -> tuple[Status, str | None]:
    """Board status from the group's and the companies': the group's, raised to watch when a
    company is in alert (the group can hide one company's alert)."""
    alerts = sorted(m for m, s in companies.items() if s == "alert")
    if alerts and group in ("ok", "insufficient-data"):
        return "watch", f"group {group}; in alert: {', '.join(alerts)}"
    return group, None


# --------------------------------------------------------------------------- current quarter & history


def pick_current(table: pd.DataFrame, *, max_lag: int, reference: str | None = None) -> tuple[Any, str | None]:
    """The row a signal reports now: the latest quarter whose status is not insufficient-data,
    provided it is at most *max_lag* quarters behind *reference* (default: the table's latest
    quarter). Returns ``(row or None, reason)``; *table* needs ``quarter`` and ``status``."""
    if table.empty:
        return None, "no quarter has the data this signal needs"
    latest = reference or max(table["quarter"], key=cq_index)
    qi = table["quarter"].map(cq_index)
    evaluable = table["status"] != "insufficient-data"
    if not evaluable.any():
        last = table.loc[qi.idxmax()]
        why = last.get("reason") if hasattr(last, "get") else None
        return None, str(why or "no quarter has the data this signal needs")
    row = table.loc[qi[evaluable].idxmax()]
    lag = cq_index(latest) - cq_index(row["quarter"])
    if lag > max_lag:
        newer = table[qi > cq_index(row["quarter"])]
        why = newer.iloc[-1].get("reason") if len(newer) else None
        return None, (
            f"the latest evaluable quarter, {row['quarter']}, is {lag} quarters behind {latest} "
            f"(more than general.max_lag_quarters = {max_lag})" + (f"; {latest}: {why}" if why else "")
        )
    return row, None


def history_from(table: pd.DataFrame, value_col: str = "value") -> list[HistoryPoint]:
    """One :class:`HistoryPoint` per table row (quarter order)."""
    pts = []
    cols = [c for c in ("quarter", "status", value_col, "reason") if c in table.columns]
    for r in records(table.sort_values("quarter", key=lambda s: s.map(cq_index))[cols]):
        v = r.get(value_col)
        fv = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
        status: Status = r["status"]
        note = r.get("reason")
        pts.append(
            HistoryPoint(r["quarter"], cq_end(r["quarter"]), status, fv, note if isinstance(note, str) else None)
        )
    return pts


# --------------------------------------------------------------------------- evidence


def _s(x: Any) -> str | None:
    if x is None:
        return None
    if isinstance(x, float) and math.isnan(x):
        return None
    try:
        import pandas as pd

        if x is pd.NaT or (not isinstance(x, (str, list)) and pd.isna(x)):
            return None
    except (TypeError, ValueError):
        pass
    s = str(x)
    return s or None


def _d(x: Any) -> str | None:
    s = _s(x)
    return s[:10] if s else None


def row_evidence(
    row: Any, label: str | None = None, *, value: float | None = None, unit: str | None = None
) -> Evidence:
    """Evidence for one panel row (a pandas Series/namedtuple/dict): its value, fiscal period,
    and its source (URL for curated/user rows; form, accession and filing date for SEC rows)."""
    g = row.get if hasattr(row, "get") else (lambda k, d=None: getattr(row, k, d))
    filing = None
    if _s(g("accn")):
        parts = [p for p in (_s(g("form")), _s(g("accn"))) if p]
        filing = " ".join(parts) + (f", filed {_d(g('filed'))}" if _d(g("filed")) else "")
    ticker = _s(g("ticker"))
    metric = _s(g("metric"))
    period = f"{_s(g('fiscal_period'))} (ended {_d(g('period_end'))})"
    v = float(g("value")) if value is None else value
    return Evidence(
        label=label or f"{ticker} {metric}",
        value=v,
        unit=unit or _s(g("unit")) or "USD",
        period=period,
        ticker=ticker,
        metric=metric,
        source=_s(g("source")),
        source_kind=_s(g("source_kind")),
        source_url=_s(g("source_url")),
        filing=filing,
        tag=_s(g("tag")),
        note=None,
    )


def ttm_evidence(row: Any, metric: str) -> list[Evidence]:
    """Evidence for a trailing-four-quarter sum: each quarter with its source, then the sum."""
    out = [row_evidence(r, f"{r['ticker']} {metric}") for r in row["ttm_rows"]]
    out.append(
        Evidence(
            label=f"{row['ticker']} {metric}, trailing four quarters",
            value=float(row["ttm"]),
            unit="USD",
            period=f"{row['ttm_from']} to {row['fiscal_period']}",
            ticker=str(row["ticker"]),
            metric=metric,
            source="derived",
            note="sum of the four consecutive fiscal quarters above",
        )
    )
    return out


def series_rows(inputs: Inputs) -> dict[str, Any]:
    """Row positions of each macro series in ``inputs.series`` (ascending), once per inputs:
    ``inputs.series[inputs.series["series_id"] == sid]`` is ``inputs.series.iloc[rows[sid]]``."""

    def make() -> dict[str, Any]:
        s = inputs.series
        if s.empty:
            return {}
        return dict(s.groupby("series_id", sort=False).indices)

    return memo(inputs, "series_rows", make)


def series_evidence(inputs: Inputs, series_id: str, date: Any, value: float, label: str, unit: str) -> Evidence:
    """Evidence for one macro observation."""
    rows = series_rows(inputs).get(series_id)
    origin = _s(inputs.series["source"].iloc[rows[-1]]) if rows is not None and len(rows) else None
    return Evidence(
        label=label,
        value=value,
        unit=unit,
        period=_d(date),
        ticker=None,
        metric=series_id,
        source="fred",
        source_kind="secondary" if origin and "@" in origin else None,
        source_url=inputs.series_url(series_id),
        filing=None,
        tag=None,
        note=origin,
    )


def event_evidence(
    row: Any, label: str | None = None, *, value: float | None = None, unit: str | None = None
) -> Evidence:
    """Evidence for one curated event (its amount, date, description and source URL)."""
    g = row.get if hasattr(row, "get") else (lambda k, d=None: getattr(row, k, d))
    amt = g("amount")
    v: float | str | None
    if value is not None:
        v = value
    elif amt is not None and not (isinstance(amt, float) and math.isnan(amt)):
        v = float(amt)
    else:
        v = _s(g("new_value")) or _s(g("description"))
    return Evidence(
        label=label or f"{_s(g('entity')) or ''} {_s(g('kind')) or ''}".strip(),
        value=v,
        unit=unit or _s(g("unit")) or "",
        period=_d(g("date")),
        ticker=_s(g("entity")),
        metric=_s(g("kind")),
        source="event",
        source_kind=_s(g("source_kind")),
        source_url=_s(g("source_url")),
        filing=None,
        tag=None,
        note=_s(g("description")),
    )


# --------------------------------------------------------------------------- text


def fmt_usd(x: float | None) -> str:
    """``91.4e9`` -> ``$91.4B`` (display only)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    sign = "-" if x < 0 else ""
    a = abs(x)
    for div, suf in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= div:
            return f"{sign}${a / div:,.1f}{suf}"
    return f"{sign}${a:,.0f}"


def fmt_pct(x: float | None, digits: int = 1) -> str:
    """``12.345`` -> ``12.3%``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{digits}f}%"


def fmt_num(x: float | None, digits: int = 2) -> str:
    """A plain number or n/a."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{digits}f}"


#: relative tolerance of threshold comparisons: a value equal to its threshold up to floating-point
#: noise (e.g. 105 * 1.05 / 105 - 1 = 0.05000000000000004) counts as equal
EPS = 1e-9


def _tol(a: float, b: float) -> float:
    return EPS * max(1.0, abs(a), abs(b))


def gt(a: float, b: float) -> bool:
    """``a > b`` beyond floating-point noise (the edge itself does not fire)."""
    return a - b > _tol(a, b)


def ge(a: float, b: float) -> bool:
    """``a >= b`` up to floating-point noise (the edge itself fires)."""
    return a - b >= -_tol(a, b)


def lt(a: float, b: float) -> bool:
    """``a < b`` beyond floating-point noise."""
    return b - a > _tol(a, b)


def le(a: float, b: float) -> bool:
    """``a <= b`` up to floating-point noise."""
    return a - b <= _tol(a, b)


def flag(x: Any) -> bool | None:
    """A check result from a DataFrame cell: True/False, or None for None/NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return bool(x)


def text(x: Any) -> str | None:
    """A reason/note from a DataFrame cell: the string, or None for NaN/None/empty."""
    return x if isinstance(x, str) and x else None


def as_int(x: Any) -> int | None:
    """A run length or count as int (None for missing/NaN)."""
    return int(x) if isnum(x) else None


def at_least(run: Any, n: int) -> bool | None:
    """``run >= n`` for a run length cell (None when the run is unknown)."""
    r = as_int(run)
    return None if r is None else r >= n


def isnum(x: Any) -> bool:
    """True for a finite number."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
