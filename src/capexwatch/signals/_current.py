"""The current quarter a signal reports and its history, from a per-quarter status table.

The current quarter is the latest quarter with an evaluable status, if it is at most
``general.max_lag_quarters`` behind the reference quarter (the table's latest, or with a
point-in-time date the last full quarter before it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from capexwatch.facts.periods import calendar_quarter_end, calendar_quarter_of, quarter_index, quarter_label
from capexwatch.signals._panel import records
from capexwatch.signals._signal import HistoryPoint, Status

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.signals._inputs import Inputs

__all__ = [
    "history_from",
    "pick_current",
    "reference_quarter",
]


def reference_quarter(inputs: Inputs, quarters: Iterable[str]) -> str | None:
    """The quarter a current status is measured against: the table's latest quarter, or with a
    point-in-time date, the later of that and the last full quarter before the date."""
    qs = list(quarters)
    latest = max(qs, key=quarter_index) if qs else None
    if inputs.as_of is None:
        return latest
    before = quarter_label(quarter_index(calendar_quarter_of(inputs.as_of)) - 1)
    return before if latest is None else max(before, latest, key=quarter_index)


def pick_current(table: pd.DataFrame, *, max_lag: int, reference: str | None = None) -> tuple[Any, str | None]:
    """The row a signal reports now: the latest quarter whose status is not insufficient-data,
    provided it is at most *max_lag* quarters behind *reference* (default: the table's latest
    quarter). Returns ``(row or None, reason)``; *table* needs ``quarter`` and ``status``."""
    if table.empty:
        return None, "no quarter has the data this signal needs"
    latest = reference or max(table["quarter"], key=quarter_index)
    qi = table["quarter"].map(quarter_index)
    evaluable = table["status"] != "insufficient-data"
    if not evaluable.any():
        last = table.loc[qi.idxmax()]
        why = last.get("reason") if hasattr(last, "get") else None
        return None, str(why or "no quarter has the data this signal needs")
    row = table.loc[qi[evaluable].idxmax()]
    lag = quarter_index(latest) - quarter_index(row["quarter"])
    if lag > max_lag:
        newer = table[qi > quarter_index(row["quarter"])]
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
    for r in records(table.sort_values("quarter", key=lambda s: s.map(quarter_index))[cols]):
        v = r.get(value_col)
        fv = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
        status: Status = r["status"]
        note = r.get("reason")
        pts.append(
            HistoryPoint(
                r["quarter"], calendar_quarter_end(r["quarter"]), status, fv, note if isinstance(note, str) else None
            )
        )
    return pts
