"""Point-in-time backtest: every signal at each calendar quarter's end, with only what was public then.

The store is read once in the first-filed view with each row's ``known_at`` (the filing date, or
for curated figures with no filing date the period end plus 45 days), all events and all series;
each evaluation date ``d`` then keeps rows with ``known_at <= d``, events dated on or before ``d``
and observations on or before ``d``, filing observations filed on or before ``d``
(:meth:`Inputs.known_by`), which is what ``--as-of d`` reads
from the store. No figure filed after ``d`` can influence the status at ``d``.

Caveat: macro series are the latest FRED vintage (NFCI is revised); curated events are dated by
their announcement; an event known only to the month (or a range, or a quarter) is dated at its
last day, so a backtest never sees it before it could have been public.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from capexwatch.facts.periods import calendar_quarter_end, calendar_quarter_of, quarter_index, quarter_label
from capexwatch.signals._inputs import Inputs, filing_inputs, scope_of
from capexwatch.signals._signal import Status, severity

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.signals.thresholds import Thresholds
    from capexwatch.store.db import Store

__all__ = ["BacktestResult", "backtest", "backtest_inputs", "default_dates", "episodes"]


@dataclass
class BacktestResult:
    """Statuses per evaluation date and signal, and the episodes when each fired.

    ``table`` columns: ``date, signal, status, value, as_of`` (the data quarter the status rests
    on), ``reason``. ``episodes``: per signal, runs of consecutive dates at watch or above, each
    ``{start, end, peak, first_alert}``.
    """

    table: pd.DataFrame
    episodes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    dates: list[dt.date] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dates": self.dates,
            "signals": sorted(set(self.table["signal"])) if len(self.table) else [],
            "rows": self.table.to_dict(orient="records"),
            "episodes": self.episodes,
        }

    def wide(self) -> pd.DataFrame:
        """Status per date (rows) and signal (columns)."""
        w = self.table.pivot(index="date", columns="signal", values="status")
        order = list(dict.fromkeys(self.table["signal"]))  # board order, as evaluated
        return w[order]


def default_dates(
    inputs: Inputs, start: str | dt.date | None = None, end: str | dt.date | None = None
) -> list[dt.date]:
    """Each calendar quarter end from the first quarter with panel data known (or *start*) to the
    latest date any input is known (or *end*)."""
    import pandas as pd

    q = inputs.quarters
    if start is None:
        first = q["known_at"].min() if len(q) else (inputs.events["date"].min() if len(inputs.events) else None)
        if first is None or pd.isna(first):
            return []
        start = pd.Timestamp(first).date()
    if end is None:
        cands = [
            x
            for x in (
                q["known_at"].max() if len(q) else None,
                inputs.events["date"].max() if len(inputs.events) else None,
                inputs.series["date"].max() if len(inputs.series) else None,
            )
            if x is not None and not pd.isna(x)
        ]
        end = max(pd.Timestamp(c) for c in cands).date()
    s, e = pd.Timestamp(str(start)).date(), pd.Timestamp(str(end)).date()
    out = []
    for ci in range(quarter_index(calendar_quarter_of(s)), quarter_index(calendar_quarter_of(e)) + 1):
        d = calendar_quarter_end(quarter_label(ci))
        if s <= d <= e:
            out.append(d)
    return out


def backtest_inputs(store: Store) -> Inputs:
    """What the store holds for the companies in scope (:func:`scope_of`), first-filed view,
    with ``known_at`` for slicing by date."""
    scope = scope_of(store)
    ents = store.entities()
    return Inputs.from_frames(
        store.quarters(scope, view="first-filed"),
        store.series(),
        store.events(),
        ents[ents["ticker"].isin(scope)],
        store.series_meta() if hasattr(store, "series_meta") else None,
        view="first-filed",
        filings=filing_inputs(store, scope),
    )


def backtest(
    inputs: Inputs,
    *,
    dates: Sequence[str | dt.date] | None = None,
    names: Sequence[str] | None = None,
    thresholds: Thresholds | None = None,
    ticker: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Evaluate signals at each date on :meth:`Inputs.known_by` slices (pure: no store access).

    *inputs* must be first-filed frames with ``known_at`` (see :func:`backtest_inputs`);
    *progress* is called with (dates done, dates in all) after each date.
    """
    import pandas as pd

    from capexwatch.signals._registry import signal_names
    from capexwatch.signals._run import evaluate
    from capexwatch.signals.thresholds import load_thresholds

    th = thresholds if thresholds is not None else load_thresholds()
    ds = [pd.Timestamp(str(d)).date() for d in dates] if dates is not None else default_dates(inputs)
    sigs = list(names) if names else signal_names()
    rows = []
    for i, d in enumerate(ds):
        if progress is not None:
            progress(i, len(ds))
        sl = inputs.known_by(d)
        for n in sigs:
            s = evaluate(sl, n, ticker=ticker, thresholds=th)
            rows.append(
                {
                    "date": d,
                    "signal": n,
                    "status": s.status,
                    "value": s.value,
                    "as_of": s.as_of,
                    "reason": s.reason,
                    "summary": s.summary,
                }
            )
    table = pd.DataFrame(rows, columns=["date", "signal", "status", "value", "as_of", "reason", "summary"])
    return BacktestResult(table=table, episodes={n: episodes(table[table["signal"] == n]) for n in sigs}, dates=ds)


def episodes(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Runs of consecutive evaluation dates at watch or alert: start, end, peak status, first alert."""
    out: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    for r in rows.sort_values("date").itertuples():
        status: Status = r.status
        if severity(status) >= 1:
            if cur is None:
                cur = {"start": r.date, "end": r.date, "peak": status, "first_alert": None}
                out.append(cur)
            cur["end"] = r.date
            if severity(status) > severity(cur["peak"]):
                cur["peak"] = status
            if status == "alert" and cur["first_alert"] is None:
                cur["first_alert"] = r.date
        else:
            cur = None
    return out
