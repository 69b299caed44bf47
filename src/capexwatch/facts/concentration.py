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

    if obs is None or obs.empty:
        return pd.DataFrame(columns=DISCLOSURE_COLUMNS)
    o = obs[(obs["metric"] == CONCENTRATION_METRIC) & obs["value"].notna()].copy()
    if o.empty:
        return pd.DataFrame(columns=DISCLOSURE_COLUMNS)
    parts = [split_series(s) for s in o["series"]]
    o["benchmark"] = [b for b, _ in parts]
    o["member"] = [m for _, m in parts]
    o["filed"] = pd.to_datetime(o["filed"])
    o = o[(o["benchmark"] == benchmark) & o["duration_class"].isin(list(duration_classes))]
    if known_by is not None:
        o = o[o["filed"].notna() & (o["filed"] <= pd.Timestamp(known_by))]
    if o.empty:
        return pd.DataFrame(columns=DISCLOSURE_COLUMNS)
    o["period_start"] = pd.to_datetime(o["period_start"])
    o["period_end"] = pd.to_datetime(o["period_end"])
    keys = ["ticker", "duration_class", "period_start", "period_end"]
    recs = [_disclosure(g, benchmark) for _, g in o.groupby(keys, sort=True, dropna=False)]
    return pd.DataFrame(recs, columns=DISCLOSURE_COLUMNS).sort_values(["ticker", "period_end"]).reset_index(drop=True)


def _disclosure(g: pd.DataFrame, benchmark: str) -> dict[str, Any]:
    """One period's rows -> its disclosure, from the latest filing that reported the period."""
    import pandas as pd

    filed = g["filed"].fillna(pd.Timestamp.min)
    last = g[(filed == filed.max())]
    last = last[last["accn"].fillna("") == last["accn"].fillna("").max()]
    # shares as the filing reports them: percent with two decimals of a ratio; 14.000000000000002
    # is 0.14 x 100 in floating point, so round away the noise before comparing or summing
    last = last.assign(value=last["value"].astype("float64").round(9))
    last = last.sort_values(["value", "member"], ascending=[False, True])
    shares = [float(v) for v in last["value"]]
    first = last.iloc[0]
    start = first["period_start"]
    end = first["period_end"]
    return {
        "ticker": first["ticker"],
        "benchmark": benchmark,
        "duration_class": first["duration_class"],
        "fiscal_period": first["fiscal_period"],
        "period_start": start.date() if pd.notna(start) else None,
        "period_end": end.date(),
        # a receivables share is a balance at the period's end, though filers tag it on a duration
        "calendar_quarter": calendar_quarter(
            start.date() if pd.notna(start) and benchmark != "receivables" else None, end.date()
        ),
        "members": tuple(str(m) for m in last["member"]),
        "shares_pct": tuple(shares),
        "named_count": len(shares),
        "top1_pct": shares[0],
        "top2_pct": shares[0] + shares[1] if len(shares) > 1 else float("nan"),
        "named_total_pct": float(sum(shares)),
        "concept": first["concept"],
        "dimensions": tuple(str(d) for d in last["dimensions"]),
        "accn": first["accn"] if isinstance(first["accn"], str) else None,
        "form": first["form"] if isinstance(first["form"], str) else None,
        "filed": first["filed"].date() if pd.notna(first["filed"]) else None,
        "source_url": first["source_url"] if isinstance(first["source_url"], str) else None,
    }
