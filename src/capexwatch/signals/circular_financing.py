"""``circular_financing``: vendor-financed demand against the vendor's revenue.

From curated events of kind ``circular_deal``: the ``entity`` is the party that pays or invests,
the ``counterparty`` the one that receives. Vendor financing is what a company puts into its own
customers: events whose ``metric`` is in ``financing_metrics`` (default ``investment``), in USD.
Other circular-deal rows (customer contracts ``deal_value``, capacity in GW, warrants in shares,
stakes in percent) are listed as context, not summed: their units or direction differ.

A later ``deal_status`` event between the same two parties (e.g. WSJ 30 Jan 2026: the $100B
Nvidia-OpenAI letter of intent "on ice") marks the earlier commitments of that pair as superseded
from its date on; they leave the sum then.

Per vendor and calendar quarter ``q``: financing dated in ``(end(q) - lookback_days, end(q)]``
divided by the vendor's trailing-four-quarter revenue at ``q``. Watch at ``watch_pct_of_revenue``,
alert at ``alert_pct_of_revenue``; the board shows the worst vendor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from capexwatch.facts.periods import calendar_quarter_end, quarter_index
from capexwatch.signals._compare import ge, isnum
from capexwatch.signals._current import history_from, pick_current, reference_quarter
from capexwatch.signals._evidence import event_evidence, ttm_evidence
from capexwatch.signals._growth import metric_ttm
from capexwatch.signals._inputs import Inputs
from capexwatch.signals._panel import memo, tuples
from capexwatch.signals._signal import Check, Evidence, Signal, SignalSpec, Status, Threshold, Value, worst
from capexwatch.signals._text import fmt_pct, fmt_usd
from capexwatch.signals.thresholds import max_lag, th

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SPEC", "active_financing", "compute", "vendor_table"]


def _deals(inputs: Inputs) -> pd.DataFrame:
    def make() -> pd.DataFrame:
        ev = inputs.events
        e = ev[ev["kind"] == "circular_deal"].copy()
        e["entity_u"] = e["entity"].astype(str).str.upper()
        e["counterparty_u"] = e["counterparty"].astype(str).str.upper()
        return e

    return memo(inputs, "circular_financing.deals", make)


def active_financing(
    deals: pd.DataFrame, vendor: str, when: Any, lookback_days: float, metrics: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(counted, superseded)``: the vendor's financing events in the window ending *when*, and
    those dropped because a later ``deal_status`` event of the same pair (on or before *when*)
    supersedes them."""
    return _VendorDeals(deals, vendor).active(when, lookback_days, metrics)


class _VendorDeals:
    """One vendor's deals as plain lists (a vendor has few: row-wise pandas filters cost more
    than the data), with each distinct ``counted`` and ``superseded`` frame built once."""

    def __init__(self, deals: pd.DataFrame, vendor: str) -> None:
        self.mine = deals[deals["entity_u"] == vendor]
        m = self.mine
        # (position, metric, unit, amount, date, counterparty) per deal, in the frame's order
        self.rows = list(
            zip(range(len(m)), m["metric"], m["unit"], m["amount"], m["date"], m["counterparty_u"], strict=True)
        )
        self.frames: dict[tuple[Any, ...], pd.DataFrame] = {}

    def _frame(self, pos: list[int]) -> pd.DataFrame:
        key = tuple(pos)
        out = self.frames.get(key)
        if out is None:  # mine.loc[labels] for those positions (the index labels are unique)
            out = self.frames[key] = self.mine.take(pos)
        return out

    def active(self, when: Any, lookback_days: float, metrics: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        import pandas as pd

        d = pd.Timestamp(when)
        lo = d - pd.Timedelta(days=lookback_days)
        status = [(c, t) for _, m, _, _, t, c in self.rows if m == "deal_status" and t <= d]
        keep: list[int] = []
        dropped: list[int] = []
        for i, m, u, a, t, c in self.rows:
            if m not in metrics or u != "USD" or not isnum(a) or not (lo < t <= d):
                continue
            (dropped if any(sc == c and st > t for sc, st in status) else keep).append(i)
        return self._frame(keep), self._frame(dropped)


def _vendor_deals(inputs: Inputs, vendor: str) -> _VendorDeals:
    return memo(inputs, ("circular_financing.vendor", vendor), lambda: _VendorDeals(_deals(inputs), vendor))


def vendor_table(inputs: Inputs, thresholds: Mapping[str, Threshold], vendor: str) -> pd.DataFrame:
    """Per calendar quarter with the vendor's TTM revenue: financing in the window, ratio, status."""
    import pandas as pd

    lookback = float(th(thresholds, "lookback_days"))
    watch_pct = float(th(thresholds, "watch_pct_of_revenue"))
    alert_pct = float(th(thresholds, "alert_pct_of_revenue"))
    metrics = [str(m) for m in th(thresholds, "financing_metrics")]
    rev = metric_ttm(inputs, "revenue", [vendor])
    if rev.empty:
        return pd.DataFrame()
    mine = _vendor_deals(inputs, vendor)
    recs = []
    for r in tuples(rev):
        q = r.calendar_quarter
        counted, superseded = mine.active(calendar_quarter_end(q), lookback, metrics)
        fin = float(counted["amount"].sum()) if len(counted) else 0.0
        if not isnum(r.ttm) or r.ttm <= 0:
            status: Status = "insufficient-data"
            reason = f"{vendor}: no trailing-four-quarter revenue at {q}"
            pct = float("nan")
        else:
            pct = fin / r.ttm * 100
            status = "alert" if ge(pct, alert_pct) else "watch" if ge(pct, watch_pct) else "ok"
            reason = None
        recs.append(
            {
                "quarter": q,
                "vendor": vendor,
                "fiscal_period": r.fiscal_period,
                "revenue_ttm_usd": r.ttm,
                "revenue_row": r,
                "financing_usd": fin,
                "pct_of_revenue": pct,
                "counted": counted,
                "superseded": superseded,
                "status": status,
                "reason": reason,
            }
        )
    t = pd.DataFrame(recs)
    t["value"] = t["pct_of_revenue"]
    return t.drop_duplicates("quarter", keep="last").reset_index(drop=True)


def compute(inputs: Inputs, thresholds: Mapping[str, Threshold], ticker: str | None = None) -> Signal:
    """Evaluate ``circular_financing`` for every vendor with financing events (or one *ticker*)."""
    import pandas as pd

    sig = SPEC.make(
        thresholds=dict(thresholds),
        scope=ticker or "group",
        unit="pct",
        value_label="vendor financing of customers / vendor revenue (worst vendor)",
        point_in_time=inputs.as_of,
    )
    sig.caveats = [
        "Amounts are as announced ('up to' commitments at their stated amount); non-binding letters count until a "
        "later status event supersedes them.",
        "Customer contracts (deal_value), capacity (GW), warrants and stakes are context, not summed.",
    ]
    deals = _deals(inputs)
    metrics = [str(m) for m in th(thresholds, "financing_metrics")]
    financiers = sorted(set(deals[deals["metric"].isin(metrics)]["entity_u"]))
    vendors = [ticker] if ticker else [v for v in financiers if v in set(inputs.entities["ticker"])]
    others = [v for v in financiers if v not in set(inputs.entities["ticker"])]
    if ticker is not None and ticker not in financiers:
        # curated deals are a selection: no deal on record is not evidence of none
        sig.reason = f"no financing events (circular_deal, {', '.join(metrics)}) by {ticker} in the store"
        sig.summary = sig.reason
        return sig
    tables = {v: vendor_table(inputs, thresholds, v) for v in vendors}
    tables = {v: t for v, t in tables.items() if not t.empty}
    if not tables:
        if ticker is None:
            sig.reason = "no vendor with both financing events (circular_deal) and revenue in the store"
        elif ticker not in financiers:
            # curated deals are a selection: no deal on record is not evidence of none
            sig.reason = f"no financing events (circular_deal, {', '.join(metrics)}) by {ticker} in the store"
        else:
            sig.reason = f"no revenue in the store for {ticker}"
        sig.summary = sig.reason
        sig.coverage = {"financiers_not_in_store": others}
        return sig
    lag = max_lag(thresholds)
    # the current status counts the deals known at the evaluation date (the --as-of date, else the
    # latest event in the store) against the latest trailing revenue; history uses quarter ends
    when = pd.Timestamp(inputs.as_of) if inputs.as_of is not None else inputs.events["date"].max()
    current: dict[str, Any] = {}
    for v, t in tables.items():
        row, why = pick_current(t, max_lag=lag, reference=reference_quarter(inputs, t["quarter"]))
        if row is not None and pd.notna(when) and when > pd.Timestamp(calendar_quarter_end(row["quarter"])):
            row = _re_evaluate(row, _vendor_deals(inputs, v), when, thresholds)
        current[v] = row if row is not None else why
    allq = pd.concat([t[["quarter", "status", "pct_of_revenue"]] for t in tables.values()], ignore_index=True)
    hist = pd.DataFrame(
        [
            {
                "quarter": q,
                "status": worst(g["status"]),
                "value": float(g["pct_of_revenue"].max()) if g["pct_of_revenue"].notna().any() else float("nan"),
                "reason": None,
            }
            for q, g in allq.groupby("quarter")
        ]
    )
    sig.history = history_from(hist)
    rows = {v: r for v, r in current.items() if not isinstance(r, str)}
    if not rows:
        sig.reason = "; ".join(f"{v}: {r}" for v, r in current.items())
        sig.summary = f"insufficient data: {sig.reason}"
        return sig
    sig.status = worst(r["status"] for r in rows.values())
    top = max(rows.values(), key=lambda r: r["pct_of_revenue"] if isnum(r["pct_of_revenue"]) else -1.0)
    sig.value = float(top["pct_of_revenue"]) if isnum(top["pct_of_revenue"]) else None
    latest = max((r["quarter"] for r in rows.values()), key=quarter_index)
    sig.as_of = latest
    sig.as_of_date = calendar_quarter_end(latest)
    notes = [f"{v}: {r}" for v, r in current.items() if isinstance(r, str)]
    sig.reason = "; ".join(notes) or None
    ev: list[Evidence] = []
    for v, r in rows.items():
        for _, d in r["counted"].iterrows():
            ev.append(event_evidence(d, f"{v} -> {d['counterparty']} {d['metric']}"))
        for _, d in r["superseded"].iterrows():
            ev.append(event_evidence(d, f"{v} -> {d['counterparty']} {d['metric']} (superseded, not counted)"))
        rr = r["revenue_row"]
        ev.extend(
            ttm_evidence(
                {
                    "ttm_rows": rr.ttm_rows,
                    "ttm": rr.ttm,
                    "ticker": v,
                    "ttm_from": rr.ttm_from,
                    "fiscal_period": rr.fiscal_period,
                },
                "revenue",
            )
        )
        ctx = deals[
            (deals["entity_u"] == v) & (deals["date"] <= pd.Timestamp(_window_end(r))) & ~deals["metric"].isin(metrics)
        ]
        for _, d in ctx.iterrows():
            ev.append(event_evidence(d, f"{v} <-> {d['counterparty']} {d['metric']} (context)"))
        sig.values[f"{v}_financing_usd"] = Value(
            r["financing_usd"],
            "USD",
            f"financing of customers in the {int(th(thresholds, 'lookback_days'))} days to {_window_end(r)}",
        )
        sig.values[f"{v}_revenue_ttm_usd"] = Value(float(r["revenue_ttm_usd"]), "USD", f"TTM to {r['fiscal_period']}")
        sig.values[f"{v}_pct_of_revenue"] = Value(_f(r["pct_of_revenue"]), "pct", r["status"])
        sig.checks.append(
            Check(
                v,
                None if r["status"] == "insufficient-data" else r["status"] in ("watch", "alert"),
                f"{v} {r['quarter']}: {fmt_usd(r['financing_usd'])} financing vs "
                f"{fmt_usd(r['revenue_ttm_usd'])} TTM revenue "
                f"= {fmt_pct(r['pct_of_revenue'])} (watch {th(thresholds, 'watch_pct_of_revenue')}%, alert "
                f"{th(thresholds, 'alert_pct_of_revenue')}%)",
                "alert",
            )
        )
    sig.evidence = ev
    sig.coverage = {
        "vendors": sorted(rows),
        "financiers_not_in_store": others,
        "vendors_insufficient": sorted(v for v, r in current.items() if isinstance(r, str)),
    }
    sig.summary = "; ".join(
        f"{v} {fmt_pct(r['pct_of_revenue'])} of TTM revenue ({fmt_usd(r['financing_usd'])}, {r['quarter']})"
        for v, r in sorted(
            rows.items(), key=lambda kv: -(kv[1]["pct_of_revenue"] if isnum(kv[1]["pct_of_revenue"]) else -1)
        )
    )
    return sig


def _window_end(r: Any) -> str:
    w = r.get("window_end") if hasattr(r, "get") else None
    return str(w.date()) if w is not None and hasattr(w, "date") else str(calendar_quarter_end(r["quarter"]))


def _re_evaluate(row: Any, mine: _VendorDeals, when: Any, thresholds: Mapping[str, Threshold]) -> Any:
    """*row* with financing counted over the window ending *when* instead of the quarter's end."""
    counted, superseded = mine.active(
        when, float(th(thresholds, "lookback_days")), [str(m) for m in th(thresholds, "financing_metrics")]
    )
    out = row.copy()
    fin = float(counted["amount"].sum()) if len(counted) else 0.0
    out["financing_usd"], out["counted"], out["superseded"] = fin, counted, superseded
    out["window_end"] = when
    if isnum(row["revenue_ttm_usd"]) and row["revenue_ttm_usd"] > 0:
        pct = fin / row["revenue_ttm_usd"] * 100
        out["pct_of_revenue"] = pct
        out["status"] = (
            "alert"
            if ge(pct, float(th(thresholds, "alert_pct_of_revenue")))
            else "watch"
            if ge(pct, float(th(thresholds, "watch_pct_of_revenue")))
            else "ok"
        )
    return out


def _f(x: Any) -> float | None:
    return float(x) if isnum(x) else None


SPEC = SignalSpec(
    name="circular_financing",
    title="Circular financing",
    question="How much of a vendor's demand is financed by the vendor itself?",
    description="Vendors investing in the customers that buy their chips or cloud (Nvidia-OpenAI, "
    "Nvidia-CoreWeave) "
    "inflate demand that would not exist at arm's length.",
    trigger="Vendor financing of its own customers a large share of the vendor's revenue.",
    definition="Disclosed investments by a company in its customers (circular_deal events, USD) over the look-back "
    "window, divided by the company's trailing-four-quarter revenue; superseded commitments dropped.",
    formula="share_v = sum{investment_v : d - L < date <= d, not superseded} / revenue_v,TTM;  watch >= 10%, "
    "alert >= 25%",
    compute=compute,
    order=8,
)
