"""Customer concentration as a filer discloses it: per period, the customers above the disclosure line.

A 10-Q/10-K names each customer that accounts for 10% or more of revenue (or of accounts
receivable) and tags its share as ``us-gaap:ConcentrationRiskPercentage1`` with the customer as a
``srt:MajorCustomersAxis`` member. ``dimensions.dimension_observations`` stores each such fact as a
``customer_concentration_pct`` observation, series ``'revenue|<member>'`` or
``'receivables|<member>'``. This module turns those observations into one *disclosure* per
company, benchmark and period: the customers named, their shares sorted, the largest, the two
largest together and all named customers together, with the filing that reported them.

Customers are anonymous and relabelled in every filing (NVIDIA's "Customer A" of one 10-Q is not
its "Customer One" of the comparative period, nor of another filing), so only the ordered shares
(largest, two largest, all named) compare across periods, never one customer with itself. The
named total is censored at the disclosure line: a period with four customers at 10-14% names more
of the revenue than one with two at 16-23%, although the latter is the more concentrated.

Pure functions of DataFrames; the signals and the models' store fill both read it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from capexwatch.facts.periods import calendar_quarter

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CONCENTRATION_METRIC",
    "DISCLOSURE_COLUMNS",
    "customer_label",
    "disclosures",
    "split_series",
]

#: the observation metric (``metrics.py``), percent of the benchmark
CONCENTRATION_METRIC: Final = "customer_concentration_pct"

#: one row per disclosure: company, benchmark (``revenue`` / ``receivables``), period, the named
#: customers (members, largest first) with their shares in percent, the aggregates, and the filing
DISCLOSURE_COLUMNS: Final = [
    "ticker", "benchmark", "duration_class", "fiscal_period", "period_start", "period_end",
    "calendar_quarter", "members", "shares_pct", "named_count", "top1_pct", "top2_pct",
    "named_total_pct", "concept", "dimensions", "accn", "form", "filed", "source_url",
]  # fmt: skip

_WORD: Final = re.compile(r"(?<=[a-z])(?=[A-Z0-9])")


def split_series(series: str) -> tuple[str, str]:
    """``'revenue|nvda:CustomerAMember'`` -> ``('revenue', 'nvda:CustomerAMember')``."""
    bench, _, member = str(series).partition("|")
    return bench, member


def customer_label(member: str) -> str:
    """A member as the filing's text names it: ``'nvda:CustomerAMember'`` -> ``'Customer A'``."""
    local = member.rpartition(":")[2].removesuffix("Member")
    return _WORD.sub(" ", local) or member


def disclosures(
    obs: pd.DataFrame,
    *,
    benchmark: str = "revenue",
    known_by: dt.date | None = None,
    duration_classes: Sequence[str] = ("quarter", "annual"),
) -> pd.DataFrame:
    """One row per company and period: the customers the filing names, largest first.

    Parameters
    ----------
    obs : filing observations (``Store.filing_observations`` columns); other metrics are ignored
    benchmark : ``revenue`` (share of revenue) or ``receivables`` (share of accounts receivable)
    known_by : only observations filed on or before this date (point in time); an observation
        with no filing date is then left out (it cannot be placed in time)
    duration_classes : the period kinds kept (``quarter``, ``annual``, ``ytd-6m``, ...); year-to-date
        shares mix quarters and are left out by default

    Returns
    -------
    pandas.DataFrame
        :data:`DISCLOSURE_COLUMNS`, sorted by ticker and period end. Shares are percent (23.0 =
        23%); ``top2_pct`` is NaN when the filing names one customer. A period that several filings
        report (a 10-Q and the next year's comparative) comes from the latest-filed of them, all its
        customers from that one filing.
    """
    import pandas as pd

    if obs is None or len(obs) == 0:
        return pd.DataFrame(columns=DISCLOSURE_COLUMNS)
    # plain Python over the columns: a store holds tens to hundreds of these observations, and
    # pandas' per-group slicing cost ~50 ms per call where this costs well under one
    col = {c: obs[c].tolist() for c in _OBS_COLUMNS}
    limit = pd.Timestamp(known_by) if known_by is not None else None
    kinds = set(duration_classes)
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for i in range(len(obs)):
        value = col["value"][i]
        if col["metric"][i] != CONCENTRATION_METRIC or _missing(value):
            continue
        bench, member = split_series(col["series"][i])
        if bench != benchmark or col["duration_class"][i] not in kinds:
            continue
        filed = _when(col["filed"][i])
        if limit is not None and (filed is None or filed > limit):
            continue
        start, end = _when(col["period_start"][i]), _when(col["period_end"][i])
        row = {c: col[c][i] for c in _OBS_COLUMNS} | {"member": member, "filed": filed, "value": float(value)}
        groups.setdefault((col["ticker"][i], col["duration_class"][i], start, end), []).append(row)
    recs = [_disclosure(rows, benchmark, start, end) for (_, _, start, end), rows in groups.items()]
    recs.sort(key=lambda r: (r["ticker"], r["period_end"], r["duration_class"]))
    return pd.DataFrame(recs, columns=DISCLOSURE_COLUMNS)


#: the observation columns a disclosure reads
_OBS_COLUMNS: Final = (
    "ticker", "metric", "series", "fiscal_period", "duration_class", "period_start", "period_end",
    "value", "concept", "dimensions", "accn", "form", "filed", "source_url",
)  # fmt: skip


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _when(x: Any) -> dt.datetime | None:
    """A date-like cell as a Timestamp (None when missing: None, NaN or NaT)."""
    import pandas as pd

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    ts = pd.Timestamp(x)
    return None if pd.isna(ts) else ts


def _text(x: Any) -> str | None:
    return x if isinstance(x, str) and x else None


def _disclosure(rows: list[dict[str, Any]], benchmark: str, start: Any, end: Any) -> dict[str, Any]:
    """One period's rows -> its disclosure, from the latest filing that reported the period."""
    newest = max((r["filed"] or dt.datetime.min, r["accn"] or "") for r in rows)
    last = [r for r in rows if (r["filed"] or dt.datetime.min, r["accn"] or "") == newest]
    # shares as the filing reports them: percent with two decimals of a ratio; 14.000000000000002
    # is 0.14 x 100 in floating point, so round away the noise before comparing or summing
    last.sort(key=lambda r: (-round(r["value"], 9), r["member"]))
    shares = [round(r["value"], 9) for r in last]
    first = last[0]
    # a receivables share is a balance at the period's end, though filers tag it on a duration
    span_start = start.date() if start is not None and benchmark != "receivables" else None
    return {
        "ticker": first["ticker"],
        "benchmark": benchmark,
        "duration_class": first["duration_class"],
        "fiscal_period": first["fiscal_period"],
        "period_start": start.date() if start is not None else None,
        "period_end": end.date(),
        "calendar_quarter": calendar_quarter(span_start, end.date()),
        "members": tuple(str(r["member"]) for r in last),
        "shares_pct": tuple(shares),
        "named_count": len(shares),
        "top1_pct": shares[0],
        "top2_pct": shares[0] + shares[1] if len(shares) > 1 else float("nan"),
        "named_total_pct": float(sum(shares)),
        "concept": first["concept"],
        "dimensions": tuple(str(r["dimensions"]) for r in last),
        "accn": _text(first["accn"]),
        "form": _text(first["form"]),
        "filed": first["filed"].date() if first["filed"] is not None else None,
        "source_url": _text(first["source_url"]),
    }
