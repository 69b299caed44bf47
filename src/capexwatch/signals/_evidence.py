"""Evidence: each number behind a status, with where it came from.

Panel rows cite their filing (form, accession, filing date, XBRL tag) or, for curated and user
rows, their URL; a trailing sum lists its quarters and then says it is derived; macro observations
cite the series page; events cite their URL.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from capexwatch.signals._panel import series_rows
from capexwatch.signals._signal import Evidence

if TYPE_CHECKING:
    from capexwatch.signals._inputs import Inputs

__all__ = [
    "event_evidence",
    "row_evidence",
    "series_evidence",
    "ttm_evidence",
]


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
