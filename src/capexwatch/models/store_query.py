"""Store queries: the ``{from_store: ...}`` a scenario names, and running one against a store.

A :class:`StoreQuery` says which figures to read (tickers, metric, aggregation, quarters, view);
:func:`query_store` reads them from a store the caller opened and returns the value (or quarterly
values) with every row used and its source. Scenarios parse into queries
(:mod:`capexwatch.models.scenario`); :mod:`capexwatch.models.store_fill` puts the answers into a
scenario before a run.

Several tickers are summed calendar quarter by calendar quarter (the store's midpoint rule), over
quarters where every one of them has an ``ok`` value: a missing quarter is never treated as zero.

``customer_concentration_pct`` is not a panel metric: it is read from the filings' own facts
(``Store.filing_observations``) with ``agg: named_customers`` (:func:`query_concentration`), each
customer's row carrying the accession, filing date, concept and member it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from capexwatch.errors import DataError
from capexwatch.facts.periods import quarter_index, quarter_label
from capexwatch.universe import BIG_FOUR

__all__ = [
    "CONCENTRATION_AGG",
    "SHORTCUTS",
    "StoreLike",
    "StoreQuery",
    "query_concentration",
    "query_series",
    "query_store",
]

CONCENTRATION_AGG = "named_customers"
"""The agg that reads ``customer_concentration_pct``: the combined share of revenue of the customers
the latest filing names (each at or above the 10% disclosure line), in percent."""


@dataclass(frozen=True)
class StoreQuery:
    """Figures to read from the store (answered by :func:`query_store`).

    ``agg``: ``latest`` (the end quarter), ``run_rate`` (end quarter x 4), ``ttm`` (four quarters to
    the end, summed), ``sum`` (``quarters`` quarters to the end, summed), ``quarters`` (a vector from
    ``start`` or the first complete quarter to the end), ``yoy`` (end quarter / the same quarter a
    year earlier - 1), ``named_customers`` (customer concentration from filings, see
    :func:`query_concentration`). ``series``: a macro series instead (see :func:`query_series`).
    Several tickers are summed quarter by calendar quarter, over quarters where every one of them
    has a value.
    """

    tickers: tuple[str, ...]
    metric: str
    agg: str
    end: str | None = None
    start: str | None = None
    fiscal_period: str | None = None
    quarters: int | None = None
    view: str = "latest"
    as_of: str | None = None
    shortcut: str | None = None
    series: str | None = None


SHORTCUTS: dict[str, StoreQuery] = {
    "big4_capex_ttm": StoreQuery(BIG_FOUR, "capex", "ttm", shortcut="big4_capex_ttm"),
    "big4_capex_run_rate": StoreQuery(BIG_FOUR, "capex", "run_rate", shortcut="big4_capex_run_rate"),
    "big4_capex_quarters": StoreQuery(BIG_FOUR, "capex", "quarters", shortcut="big4_capex_quarters"),
    "nvda_data_center_run_rate": StoreQuery(
        ("NVDA",), "data_center_revenue", "run_rate", shortcut="nvda_data_center_run_rate"
    ),
    "nvda_data_center_ttm": StoreQuery(("NVDA",), "data_center_revenue", "ttm", shortcut="nvda_data_center_ttm"),
}
"""Named queries usable as ``{from_store: NAME}``."""

StoreLike = Any
"""Anything with the read API of :class:`capexwatch.store.db.Store` (``quarters``, ``entities``)."""

_ROW_FIELDS = (
    "ticker",
    "fiscal_period",
    "calendar_quarter",
    "period_end",
    "value",
    "source",
    "source_url",
    "accn",
    "form",
    "method",
)


def _big4(store: StoreLike) -> tuple[str, ...]:
    try:
        ent = store.entities()
        flagged = tuple(str(t) for t in ent.loc[ent["big_four"].fillna(False).astype(bool), "ticker"])
    except Exception:  # noqa: BLE001 - the constant is the documented fallback
        return BIG_FOUR
    return flagged or BIG_FOUR


def query_store(store: StoreLike, q: StoreQuery, *, where: str = "from_store") -> dict[str, Any]:
    """Run *q* against the store: the value (or values) and every row used, with its source.

    Raises
    ------
    DataError
        when the store lacks what the query needs; the message names the ticker and quarter.
    """
    if q.series is not None:
        return query_series(store, q, where=where)
    if q.agg == CONCENTRATION_AGG:
        return query_concentration(store, q, where=where)
    tickers: Sequence[str] = q.tickers
    if tuple(t.upper() for t in tickers) in (("BIG4",), ("BIG_FOUR",)):
        tickers = _big4(store)
    df = store.quarters(list(tickers), q.metric, view=q.view, as_of=q.as_of, ok_only=True)
    fix = "Load the figures (`capexwatch update` or `capexwatch ingest FILE.csv`) or change the query."
    if df.empty:
        raise DataError(f"{where}: the store has no {q.metric} for {', '.join(tickers)}.", hint=fix)
    missing = [t for t in tickers if t not in set(df["ticker"])]
    if missing:
        raise DataError(f"{where}: the store has no {q.metric} for {', '.join(missing)}.", hint=fix)
    dup = df.duplicated(["ticker", "calendar_quarter"], keep=False)
    if dup.any():
        row = df[dup].iloc[0]
        raise DataError(
            f"{where}: {row['ticker']} has two fiscal quarters in calendar quarter {row['calendar_quarter']}; "
            "summing by calendar quarter would double count.",
            hint="Query that ticker alone with fiscal_period:.",
        )
    by_q: dict[str, dict[str, dict[str, Any]]] = {}
    for rec in df.to_dict(orient="records"):
        by_q.setdefault(str(rec["calendar_quarter"]), {})[str(rec["ticker"])] = rec
    complete = sorted((cq for cq, rows in by_q.items() if all(t in rows for t in tickers)), key=quarter_index)
    if not complete:
        raise DataError(f"{where}: no calendar quarter has {q.metric} for all of {', '.join(tickers)}.", hint=fix)

    if q.fiscal_period is not None:
        hit = df[df["fiscal_period"] == q.fiscal_period]
        if hit.empty:
            have = ", ".join(df["fiscal_period"].astype(str).tolist()[-6:])
            raise DataError(
                f"{where}: {tickers[0]} has no {q.metric} for {q.fiscal_period} (latest: {have}).", hint=fix
            )
        end = str(hit.iloc[0]["calendar_quarter"])
    elif q.end is not None:
        end = q.end
        if end not in complete:
            lack = [t for t in tickers if t not in by_q.get(end, {})]
            raise DataError(f"{where}: no {q.metric} for {', '.join(lack)} in {end}.", hint=fix)
    else:
        end = complete[-1]

    def window(count: int) -> list[str]:
        e = quarter_index(end)
        qs = [quarter_label(i) for i in range(e - count + 1, e + 1)]
        gaps = [(cq, [t for t in tickers if t not in by_q.get(cq, {})]) for cq in qs]
        gaps = [(cq, lack) for cq, lack in gaps if lack]
        if gaps:
            cq, lack = gaps[0]
            raise DataError(
                f"{where}: {q.agg} to {end} needs {count} consecutive quarters, but {', '.join(lack)} has no "
                f"{q.metric} for {cq}.",
                hint=fix,
            )
        return qs

    if q.agg == "quarters":
        if q.start is not None:
            count = quarter_index(end) - quarter_index(q.start) + 1
            if count < 1:
                raise DataError(f"{where}: start {q.start} is after end {end}.")
        else:
            count = 1
            while quarter_label(quarter_index(end) - count) in complete:
                count += 1
        if q.quarters is not None and q.start is None:
            count = q.quarters
        used = window(count)
    elif q.agg in ("latest", "run_rate"):
        used = [end]
    elif q.agg == "yoy":
        used = _year_apart(by_q, tickers, end, q.metric, where, fix)
    else:
        used = window(4 if q.agg == "ttm" else int(q.quarters or 4))

    sums = [float(sum(by_q[cq][t]["value"] for t in tickers)) for cq in used]
    rows = [_row(by_q[cq][t]) for cq in used for t in tickers]
    out: dict[str, Any] = {
        "query": _query_dict(q, tickers),
        "agg": q.agg,
        "quarters": used,
        "rows": rows,
    }
    if q.agg == "quarters":
        out["values"] = sums
    elif q.agg == "run_rate":
        out["value"] = 4.0 * sums[0]
    elif q.agg == "latest":
        out["value"] = sums[0]
    elif q.agg == "yoy":
        if sums[0] <= 0:
            raise DataError(f"{where}: {q.metric} in {used[0]} is not positive; growth from it is undefined.", hint=fix)
        out["value"] = sums[1] / sums[0] - 1.0
    else:
        out["value"] = float(sum(sums))
    return out


def query_series(store: StoreLike, q: StoreQuery, *, where: str = "from_store") -> dict[str, Any]:
    """A macro series (FRED, as loaded in the store) as calendar-quarter averages.

    ``latest``: the last observation (to ``end``'s last day if given); ``quarters``: the average of
    each calendar quarter from ``start`` to ``end`` (or the last complete one); ``view == "change"``:
    those averages less the first quarter's (a shock path, e.g. a high-yield spread widening).
    Values keep the series' own unit (FRED rates are in percent: scale by 0.01 for a ratio).
    """
    sid = str(q.series)
    df = store.series(sid)
    fix = f"Load it with `capexwatch update` (FRED series {sid}) or check the series id."
    if df.empty:
        raise DataError(f"{where}: the store has no observations of series {sid}.", hint=fix)
    dates = df["date"].astype(str).str[:10]
    quarter = [f"{d[:4]}Q{(int(d[5:7]) - 1) // 3 + 1}" for d in dates]
    df = df.assign(quarter=quarter)
    if q.end is not None:
        df = df[[quarter_index(x) <= quarter_index(q.end) for x in df["quarter"]]]
    if df.empty:
        raise DataError(f"{where}: series {sid} has no observation up to {q.end}.", hint=fix)
    end = {"end": q.end} if q.end else {}
    if q.agg == "latest":
        last = df.iloc[-1]
        return {
            "query": {"series": sid, "tickers": ["FRED"], "metric": sid, "agg": "latest", **end},
            "agg": "latest",
            "quarters": [str(last["quarter"])],
            "value": float(last["value"]),
            "rows": [
                {
                    "series_id": sid,
                    "date": str(last["date"])[:10],
                    "value": float(last["value"]),
                    "source": str(last["source"]),
                }
            ],
        }
    assert q.start is not None
    first, last_q = quarter_index(q.start), quarter_index(str(df["quarter"].iloc[-1]))
    if q.end is None and str(df["date"].iloc[-1])[5:7] not in ("03", "06", "09", "12"):
        last_q -= 1  # the last quarter is incomplete
    used = [quarter_label(i) for i in range(first, last_q + 1)]
    means = df.groupby("quarter")["value"].mean()
    missing = [cq for cq in used if cq not in means.index]
    if not used or missing:
        raise DataError(f"{where}: series {sid} has no observations in {(missing or [q.start])[0]}.", hint=fix)
    values = [float(means[cq]) for cq in used]
    if q.view == "change":
        values = [v - values[0] for v in values]
    return {
        "query": {"series": sid, "tickers": ["FRED"], "metric": sid, "agg": q.view, "start": q.start, **end},
        "agg": "quarters",
        "quarters": used,
        "values": values,
        "rows": [
            {"series_id": sid, "calendar_quarter": cq, "value": float(means[cq]), "method": "quarter mean"}
            for cq in used
        ],
    }


def query_concentration(store: StoreLike, q: StoreQuery, *, where: str = "from_store") -> dict[str, Any]:
    """The combined share of revenue (percent) of the customers a company's filing names, for the
    latest discrete quarter or fiscal year whose calendar quarter is at or before ``end``, from
    filings filed on or before ``as_of`` (each where given).

    A filing names every customer at or above 10% of revenue (``us-gaap:ConcentrationRiskPercentage1``
    by ``srt:MajorCustomersAxis`` member), so the sum is the share of the vendor's sales that its
    largest disclosed buyers take. ``rows`` holds one row per customer with its accession, form,
    filing date, concept and member (see :mod:`capexwatch.facts.concentration`).

    Raises
    ------
    DataError
        when the store holds no such disclosure (no filings ingested for the company, or none by
        ``end`` / ``as_of``); the message names the company and the limits.
    """
    import pandas as pd

    from capexwatch.facts.concentration import CONCENTRATION_METRIC, customer_label, disclosures

    ticker = q.tickers[0]
    obs = store.filing_observations([ticker], CONCENTRATION_METRIC) if hasattr(store, "filing_observations") else None
    known_by = pd.Timestamp(q.as_of).date() if q.as_of is not None else None
    d = disclosures(obs, benchmark="revenue", known_by=known_by)
    if q.end is not None and len(d):
        d = d[[quarter_index(cq) <= quarter_index(q.end) for cq in d["calendar_quarter"]]]
    if d.empty:
        limits = [x for x in (f"up to {q.end}" if q.end else "", f"filed by {q.as_of}" if q.as_of else "") if x]
        raise DataError(
            f"{where}: the store has no filed customer concentration for {ticker}"
            + (f" ({', '.join(limits)})" if limits else "")
            + ".",
            hint="Load the company's 10-Q/10-K (`capexwatch update --filings`, or `capexwatch ingest FILE.htm "
            "--filed YYYY-MM-DD --accession ...`), or give the value in the scenario.",
        )
    last = d.iloc[-1]
    rows = [
        {
            "ticker": ticker,
            "customer": customer_label(member),
            "member": member,
            "fiscal_period": str(last["fiscal_period"]),
            "calendar_quarter": str(last["calendar_quarter"]),
            "period_end": last["period_end"].isoformat(),
            "duration_class": str(last["duration_class"]),
            "value": float(share),
            "unit": "percent",
            "concept": last["concept"],
            "dimensions": dims,
            "source": "sec",
            "source_kind": "sec-ixbrl",
            "source_url": last["source_url"],
            "accn": last["accn"],
            "form": last["form"],
            "filed": last["filed"].isoformat() if last["filed"] is not None else None,
        }
        for member, share, dims in zip(last["members"], last["shares_pct"], last["dimensions"], strict=True)
    ]
    query: dict[str, Any] = {"tickers": [ticker], "metric": CONCENTRATION_METRIC, "agg": CONCENTRATION_AGG}
    query |= {k: v for k, v in (("end", q.end), ("as_of", q.as_of)) if v is not None}
    return {
        "query": query,
        "agg": CONCENTRATION_AGG,
        "quarters": [str(last["calendar_quarter"])],
        "value": float(last["named_total_pct"]),
        "rows": rows,
    }


def _year_apart(
    by_q: dict[str, dict[str, dict[str, Any]]], tickers: Sequence[str], end: str, metric: str, where: str, fix: str
) -> list[str]:
    """``[end - 4 quarters, end]``, both complete for every ticker (for ``agg: yoy``)."""
    before = quarter_label(quarter_index(end) - 4)
    lack = [t for t in tickers if t not in by_q.get(before, {})]
    if lack:
        raise DataError(
            f"{where}: yoy to {end} needs {metric} for {before} too, but {', '.join(lack)} has none.", hint=fix
        )
    return [before, end]


def _query_dict(q: StoreQuery, tickers: Sequence[str]) -> dict[str, Any]:
    d: dict[str, Any] = {"tickers": list(tickers), "metric": q.metric, "agg": q.agg, "view": q.view}
    for key in ("end", "start", "fiscal_period", "quarters", "as_of", "shortcut"):
        val = getattr(q, key)
        if val is not None:
            d[key] = val
    return d


def _row(rec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _ROW_FIELDS:
        val = rec.get(key)
        if val is None:
            continue
        try:
            import pandas as pd

            if pd.isna(val):
                continue
        except (TypeError, ValueError):
            pass
        if hasattr(val, "isoformat"):
            val = val.isoformat()[:10]
        out[key] = float(val) if key == "value" else val
    return out
