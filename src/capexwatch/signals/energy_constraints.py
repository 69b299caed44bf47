"""``energy_constraints``: regulatory halts on data centres and their share of power.

From curated events (``events.csv``): kind ``moratorium`` rows carry the jurisdiction, date and
scope, and their ``metric`` says what happened (``moratorium``, ``moratorium_permanent``: a halt;
``connection_restriction``, ``moratorium_proposed``, ``moratorium_softened``: a restriction short of
a halt; ``moratorium_lifted``, ``connection_policy``, ...: context). Kind ``power_share`` rows give
the data-centre share of a jurisdiction's electricity (``power_share``; forecasts are not used).

At an evaluation date ``d``:

* alert: a halt dated in ``(d - lookback_days, d]`` in a major market (``major_markets``: its
  jurisdiction names one of them);
* watch: a halt elsewhere or a restriction anywhere in the window, or a latest known data-centre
  power share (no older than ``power_share_max_age_days``) at or above ``power_share_watch_pct``;
* ok: none of these, provided the store holds moratorium events at all;
* insufficient-data: no moratorium events known by ``d`` (no data is not "no halts").

The curated events are a selection from published reporting, not a census of every local
decision: ``ok`` means no recorded halt in the window.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from capexwatch.facts.periods import calendar_quarter_end, calendar_quarter_of, quarter_index, quarter_label
from capexwatch.signals._evidence import event_evidence
from capexwatch.signals._inputs import Inputs
from capexwatch.signals._signal import Check, HistoryPoint, Signal, SignalSpec, Status, Threshold, Value
from capexwatch.signals.thresholds import th

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["HALT_METRICS", "RESTRICTION_METRICS", "SPEC", "compute", "evaluate_at", "is_major"]

#: event metrics (kind moratorium) that are halts
HALT_METRICS = frozenset({"moratorium", "moratorium_permanent"})
#: event metrics that restrict without halting
RESTRICTION_METRICS = frozenset({"connection_restriction", "moratorium_proposed", "moratorium_softened"})


def is_major(jurisdiction: Any, markets: list[str]) -> bool:
    """True when *jurisdiction* names one of *markets* (case-insensitive substring)."""
    j = str(jurisdiction or "").lower()
    return any(m.lower() in j for m in markets if m)


def _halts(inputs: Inputs, ticker: str | None) -> pd.DataFrame:
    ev = inputs.events
    e = ev[ev["kind"] == "moratorium"].copy()
    e["metric"] = e["metric"].fillna("moratorium")
    if ticker is not None:
        e = e[(e["entity"].astype(str).str.upper() == ticker) | (e["counterparty"].astype(str).str.upper() == ticker)]
    return e


def _shares(inputs: Inputs) -> pd.DataFrame:
    ps = inputs.events
    return ps[
        (ps["kind"] == "power_share") & (ps["metric"].fillna("power_share") == "power_share") & ps["amount"].notna()
    ]


class _Pre:
    """The moratorium and power-share events as NumPy arrays, with the threshold-derived masks,
    so that each evaluation date costs a few array comparisons (the history evaluates ~30)."""

    def __init__(self, e: pd.DataFrame, ps: pd.DataFrame, thresholds: Mapping[str, Threshold]) -> None:
        import numpy as np
        import pandas as pd

        self.e, self.ps = e, ps
        self.window = pd.Timedelta(days=float(th(thresholds, "lookback_days")))
        self.share_min = float(th(thresholds, "power_share_watch_pct"))
        self.share_age = pd.Timedelta(days=float(th(thresholds, "power_share_max_age_days")))
        markets = [str(m) for m in th(thresholds, "major_markets")]
        self.e_dates = e["date"].to_numpy(dtype="datetime64[ns]")
        metric = e["metric"].to_numpy(dtype=object)
        self.halt = np.isin(metric, list(HALT_METRICS))
        self.restr = np.isin(metric, list(RESTRICTION_METRICS))
        self.jur = e["jurisdiction"].tolist()
        self.major = np.array([is_major(j, markets) for j in self.jur], dtype=bool)
        self.ps_dates = ps["date"].to_numpy(dtype="datetime64[ns]")
        self.ps_keys = ps["jurisdiction"].fillna(ps["entity"]).tolist()
        self.ps_high = (ps["amount"] >= self.share_min).tolist()

    def masks(self, d: pd.Timestamp) -> tuple[Any, Any, Any]:
        """(known, recent, in the power-share age window) at *d*."""
        t = d.to_datetime64()
        known = self.e_dates <= t
        recent = known & (self.e_dates > (d - self.window).to_datetime64())
        fresh = (self.ps_dates <= t) & (self.ps_dates > (d - self.share_age).to_datetime64())
        return known, recent, fresh

    def shares(self, fresh: Any, ticker: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The latest power share per jurisdiction in the age window, and those at or above the watch level."""
        ps = self.ps[fresh]
        if ticker is not None:
            ps = ps.iloc[0:0]
        shares = ps.sort_values("date").groupby(ps["jurisdiction"].fillna(ps["entity"])).tail(1) if len(ps) else ps
        high = shares[shares["amount"] >= self.share_min] if len(shares) else shares
        return shares, high

    def any_high(self, fresh: Any) -> bool:
        """Whether :meth:`shares` (no ticker) finds a share at or above the watch level, without
        the pandas sort and groupby where the answer cannot depend on them: per jurisdiction, the
        quotes of its latest date all agree; where they do not, pandas' order of equal dates
        decides which is "latest", so :meth:`shares` answers."""
        import numpy as np
        import pandas as pd

        latest: dict[Any, tuple[Any, list[int]]] = {}
        for i in np.flatnonzero(fresh).tolist():
            k = self.ps_keys[i]
            if pd.isna(k):  # groupby leaves rows without a key out
                continue
            d = self.ps_dates[i]
            cur = latest.get(k)
            if cur is None or d > cur[0]:
                latest[k] = (d, [i])
            elif d == cur[0]:
                cur[1].append(i)
        found = False
        for _, rows in latest.values():
            flags = {self.ps_high[i] for i in rows}
            if len(flags) > 1:
                return len(self.shares(fresh, None)[1]) > 0
            found = found or flags.pop()
        return found


def _status(n_major: int, n_other: int, n_restr: int, high: Callable[[], Any], n_known: int) -> Status:
    if n_major:
        return "alert"
    if n_other or n_restr or high():
        return "watch"
    return "ok" if n_known else "insufficient-data"


def evaluate_at(
    inputs: Inputs,
    thresholds: Mapping[str, Threshold],
    when: Any,
    ticker: str | None = None,
    _pre: _Pre | None = None,
) -> dict[str, Any]:
    """The checks at *when* (events dated on or before it); *_pre* caches the event subsets."""
    import pandas as pd

    d = pd.Timestamp(when)
    pre = _pre if _pre is not None else _Pre(_halts(inputs, ticker), _shares(inputs), thresholds)
    e = pre.e
    known_m, recent_m, fresh = pre.masks(d)
    known_n = int(known_m.sum())
    recent = e[recent_m]
    halts = recent_m & pre.halt
    major = e[halts & pre.major]
    other = e[halts & ~pre.major]
    restr = e[recent_m & pre.restr]
    shares, high = pre.shares(fresh, ticker)
    status = _status(len(major), len(other), len(restr), lambda: len(high), known_n)
    return {
        "date": d.date(),
        "major": major,
        "other": other,
        "restrictions": restr,
        "shares": shares,
        "high_shares": high,
        "known": known_n,
        "recent": recent,
        "status": status,
        "reason": (f"no moratorium events known by {d.date()}" + (f" for {ticker}" if ticker else ""))
        if status == "insufficient-data"
        else None,
    }


def _history_point(pre: _Pre, label: str, end: pd.Timestamp, ticker: str | None) -> HistoryPoint:
    """What :func:`evaluate_at` gives at *end*, reduced to the history's status, count and note."""
    import numpy as np

    known_m, recent_m, fresh = pre.masks(end)
    halts = recent_m & pre.halt
    major = np.flatnonzero(halts & pre.major).tolist()
    other = np.flatnonzero(halts & ~pre.major).tolist()
    status = _status(
        len(major),
        len(other),
        int((recent_m & pre.restr).sum()),
        lambda: ticker is None and pre.any_high(fresh),
        int(known_m.sum()),
    )
    note = ", ".join(str(pre.jur[i]) for i in major + other) or None
    return HistoryPoint(label, end.date(), status, float(len(major)), note)


def compute(inputs: Inputs, thresholds: Mapping[str, Threshold], ticker: str | None = None) -> Signal:
    """Evaluate ``energy_constraints`` at the latest event date known (or ``--as-of``); history per quarter."""
    import pandas as pd

    sig = SPEC.make(
        thresholds=dict(thresholds),
        scope=ticker or "market",
        unit="events",
        value_label="halts in major markets within the look-back window",
        point_in_time=inputs.as_of,
    )
    sig.caveats = [
        "Curated events are a selection from published reporting, not a census of local decisions.",
        "Event dates given only to the month are dated to its last day (events.csv description says so).",
    ]
    e = _halts(inputs, ticker)
    if e.empty:
        sig.reason = "no moratorium events in the store" + (f" naming {ticker}" if ticker else "")
        sig.summary = sig.reason
        return sig
    # the data's "now": the latest event of any kind known (or the --as-of date)
    d = pd.Timestamp(inputs.as_of) if inputs.as_of is not None else inputs.events["date"].max()
    pre = _Pre(e, _shares(inputs), thresholds)
    r = evaluate_at(inputs, thresholds, d, ticker, _pre=pre)
    sig.status = r["status"]
    sig.reason = r["reason"]
    sig.as_of = calendar_quarter_of(r["date"])
    sig.as_of_date = r["date"]
    sig.value = float(len(r["major"]))
    sig.checks = [
        Check(
            "halt_in_major_market",
            bool(len(r["major"])),
            "; ".join(f"{x.jurisdiction} {x.date.date()}: {x.scope}" for x in r["major"].itertuples())
            or "none in the window",
            "alert",
        ),
        Check(
            "halt_elsewhere",
            bool(len(r["other"])),
            "; ".join(f"{x.jurisdiction} {x.date.date()}: {x.scope}" for x in r["other"].itertuples())
            or "none in the window",
            "watch",
        ),
        Check(
            "restriction",
            bool(len(r["restrictions"])),
            "; ".join(f"{x.jurisdiction} {x.date.date()} ({x.metric})" for x in r["restrictions"].itertuples())
            or "none in the window",
            "watch",
        ),
        Check(
            "power_share",
            bool(len(r["high_shares"])) if len(r["shares"]) else None,
            "; ".join(f"{x.jurisdiction}: {x.amount:g}% ({x.date.date()})" for x in r["shares"].itertuples())
            or "no recent data-centre power share",
            "watch",
        ),
    ]
    ev = [event_evidence(x, f"{x['jurisdiction']} {x['metric']}") for _, x in r["recent"].iterrows()]
    ev += [
        event_evidence(x, f"{x['jurisdiction']} data-centre share of electricity", unit="percent")
        for _, x in r["shares"].iterrows()
    ]
    sig.evidence = ev
    sig.values = {
        "major_market_halts": Value(float(len(r["major"])), "events", "halts in major markets in the window"),
        "other_halts": Value(float(len(r["other"])), "events", "halts elsewhere in the window"),
        "restrictions": Value(float(len(r["restrictions"])), "events", "restrictions short of a halt"),
        "max_power_share_pct": Value(
            float(r["shares"]["amount"].max()) if len(r["shares"]) else None,
            "pct",
            "highest latest data-centre share of a jurisdiction's electricity",
        ),
    }
    sig.coverage = {
        "evaluation_date": r["date"],
        "moratorium_events_known": r["known"],
        "jurisdictions_with_power_share": sorted(str(j) for j in r["shares"]["jurisdiction"]),
    }
    fired = [c.name for c in sig.checks if c.fired]
    sig.summary = (
        f"{r['date']}: {len(r['major'])} major-market halt(s), {len(r['other'])} other, "
        f"{len(r['restrictions'])} restriction(s) in {int(th(thresholds, 'lookback_days'))} days"
        + (f"; firing: {', '.join(fired)}" if fired else "")
    )
    first = calendar_quarter_of(e["date"].min())
    hist = []
    for ci in range(quarter_index(first), quarter_index(calendar_quarter_of(r["date"])) + 1):
        label = quarter_label(ci)
        end = min(pd.Timestamp(calendar_quarter_end(label)), pd.Timestamp(r["date"]))
        hist.append(_history_point(pre, label, end, ticker))
    sig.history = hist
    return sig


SPEC = SignalSpec(
    name="energy_constraints",
    title="Energy constraints",
    question="Are grids and regulators halting new data centres in the markets that matter?",
    description="Power is the binding constraint on new capacity: moratoria and connection halts in major hubs "
    "strand capex and delay revenue.",
    trigger="A new halt (moratorium, connection pause) in a major market within the look-back window.",
    definition="Curated moratorium events dated within the look-back window, split by major market; the latest "
    "data-centre share of each jurisdiction's electricity where known.",
    formula="alert if #{halt : d - L < date <= d, jurisdiction in major} > 0;  watch if other halt, restriction, "
    "or share >= s",
    compute=compute,
    order=6,
)
