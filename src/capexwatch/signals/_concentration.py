"""A GPU vendor's customer concentration as evidence: its largest direct customers' share of revenue.

From the filings' own ``us-gaap:ConcentrationRiskPercentage1`` facts (``Inputs.filings``, grouped by
:func:`~capexwatch.signals._filing_inputs.concentration_disclosures`): the latest disclosure at or
before the signal's quarter, the same period a year earlier, and the receivables shares at the
latest balance-sheet date, each with its accession. Concentration rising while the buyers' capex
growth slows is the saturation / double-ordering risk in the risk table's terms (fewer buyers
taking more of the vendor's output just as they slow down), but no published analysis gives a
level or a change of concentration that marks it (published-analyses.md and the reference README
hold none), so this is evidence only: it never fires a check or moves the status.

Customers are anonymous and relabelled in each filing; only the ordered shares (the largest, the
two largest together) compare across periods.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

from capexwatch.facts.concentration import customer_label
from capexwatch.facts.periods import quarter_index
from capexwatch.signals._compare import isnum
from capexwatch.signals._filing_inputs import concentration_disclosures
from capexwatch.signals._panel import records
from capexwatch.signals._signal import Evidence, Value
from capexwatch.signals._text import fmt_pct

if TYPE_CHECKING:
    from capexwatch.signals._inputs import Inputs

__all__ = [
    "EVIDENCE_ONLY",
    "concentration_coverage",
    "concentration_evidence",
    "concentration_text",
    "concentration_values",
    "vendor_concentration",
]

#: why concentration is not a trigger (shown in the signal's caveats and coverage)
EVIDENCE_ONLY: Final = (
    "Customer concentration (the largest direct customers' share of revenue, from the vendor's own "
    "10-Q/10-K) is evidence only, not a trigger: no published analysis calibrates a concentration "
    "level or change (published-analyses.md and the reference README hold none). Customers are "
    "anonymous and relabelled in every filing, so only the largest shares compare across periods."
)

#: a period ``a`` is a year before ``b`` when their ends are this many days apart (52/53-week years)
_YEAR_DAYS: Final = (350, 380)


def vendor_concentration(inputs: Inputs, ticker: str, quarter: str | None) -> dict[str, Any] | None:
    """*ticker*'s latest revenue-concentration disclosure in or before calendar *quarter* (all
    quarters when None), the same kind of period a year earlier, and its latest receivables shares
    up to then; None when the filings in *inputs* hold none.

    Returns
    -------
    dict or None
        ``now`` and ``year_ago`` (disclosure rows as dicts, ``year_ago`` None when absent),
        ``top1_change_pp`` / ``top2_change_pp`` (percentage points, NaN without a year-earlier
        disclosure or without two named customers), ``receivables`` (a disclosure row or None).
    """
    rev = _up_to(concentration_disclosures(inputs, "revenue"), ticker, quarter)
    if not rev:
        return None
    now = rev[-1]
    year_ago = next((r for r in reversed(rev[:-1]) if _year_apart(r, now)), None)
    rec = _up_to(concentration_disclosures(inputs, "receivables"), ticker, quarter)
    nan = float("nan")
    return {
        "ticker": ticker,
        "now": now,
        "year_ago": year_ago,
        "top1_change_pp": now["top1_pct"] - year_ago["top1_pct"] if year_ago else nan,
        "top2_change_pp": now["top2_pct"] - year_ago["top2_pct"] if year_ago else nan,
        "receivables": rec[-1] if rec else None,
    }


def _up_to(disc: Any, ticker: str, quarter: str | None) -> list[dict[str, Any]]:
    """*ticker*'s disclosures (oldest first) whose calendar quarter is at most *quarter*."""
    limit = quarter_index(quarter) if quarter is not None else None
    return [
        r
        for r in records(disc)
        if r["ticker"] == ticker and (limit is None or quarter_index(r["calendar_quarter"]) <= limit)
    ]


def _year_apart(a: dict[str, Any], b: dict[str, Any]) -> bool:
    days = int((b["period_end"] - a["period_end"]).days)
    return bool(a["duration_class"] == b["duration_class"] and _YEAR_DAYS[0] <= days <= _YEAR_DAYS[1])


def _filing(d: dict[str, Any]) -> str | None:
    if not d.get("accn"):
        return None
    filed = d.get("filed")
    return f"{d.get('form') or 'filing'} {d['accn']}" + (f", filed {filed}" if isinstance(filed, dt.date) else "")


def _period(d: dict[str, Any], *, balance: bool = False) -> str:
    if balance:
        return f"{d['fiscal_period']} (balance at {d['period_end']})"
    return f"{d['fiscal_period']} {d['duration_class']} (ended {d['period_end']})"


def _customer_rows(d: dict[str, Any], what: str, *, balance: bool = False) -> list[Evidence]:
    """One evidence row per named customer, with the fact's concept and dimensions."""
    t = d["ticker"]
    return [
        Evidence(
            label=f"{t} direct {customer_label(m)}, share of {what} (context, evidence only)",
            value=share,
            unit="pct",
            period=_period(d, balance=balance),
            ticker=t,
            metric="customer_concentration_pct",
            source="sec",
            source_kind="sec-ixbrl",
            source_url=d.get("source_url"),
            filing=_filing(d),
            tag=d.get("concept"),
            note=dims,
        )
        for m, share, dims in zip(d["members"], d["shares_pct"], d["dimensions"], strict=True)
    ]


def _top2_row(d: dict[str, Any]) -> Evidence:
    t = d["ticker"]
    return Evidence(
        label=f"{t} two largest direct customers, share of revenue (context, evidence only)",
        value=d["top2_pct"],
        unit="pct",
        period=_period(d),
        ticker=t,
        metric="customer_concentration_pct",
        source="derived",
        source_url=d.get("source_url"),
        filing=_filing(d),
        note=f"sum of the two largest of the {d['named_count']} customers the filing names (each >= 10%)",
    )


def concentration_evidence(c: dict[str, Any]) -> list[Evidence]:
    """The disclosure's customers (and the year-earlier one's), the two-largest sums, the receivables."""
    out: list[Evidence] = []
    for d in (c["now"], c["year_ago"]):
        if d is None:
            continue
        out.extend(_customer_rows(d, "revenue"))
        if isnum(d["top2_pct"]):
            out.append(_top2_row(d))
    if c["receivables"] is not None:
        out.extend(_customer_rows(c["receivables"], "accounts receivable", balance=True))
    return out


def concentration_values(c: dict[str, Any]) -> dict[str, Value]:
    """The headline figures, keyed by the vendor (``nvda_top_customer_share_pct`` ...)."""
    t, now = c["ticker"], c["now"]
    k = t.lower()
    when = f"{now['fiscal_period']}, {now['calendar_quarter']}"
    out = {
        f"{k}_top_customer_share_pct": Value(
            now["top1_pct"], "pct", f"{t} largest direct customer, share of revenue ({when}; evidence only)"
        ),
        f"{k}_top2_customers_share_pct": Value(
            now["top2_pct"] if isnum(now["top2_pct"]) else None,
            "pct",
            f"{t} two largest direct customers, share of revenue ({when}; evidence only)",
        ),
        f"{k}_top2_customers_change_pp": Value(
            c["top2_change_pp"] if isnum(c["top2_change_pp"]) else None,
            "pp",
            f"{t} two largest direct customers' share, change on the same period a year earlier (evidence only)",
        ),
    }
    return out


def concentration_text(c: dict[str, Any]) -> str:
    """One clause for the summary: ``NVDA top customer 23% of revenue in FY2026Q2 (14% a year earlier)``."""
    now, ago = c["now"], c["year_ago"]
    text = f"{c['ticker']} largest direct customer {fmt_pct(now['top1_pct'])} of revenue in {now['fiscal_period']}"
    if isnum(now["top2_pct"]):
        text += f", two largest {fmt_pct(now['top2_pct'])}"
    if ago is not None:
        text += f" ({fmt_pct(ago['top1_pct'])}"
        text += f" / {fmt_pct(ago['top2_pct'])}" if isnum(ago["top2_pct"]) and isnum(now["top2_pct"]) else ""
        text += " a year earlier)"
    return text + ", evidence only"


def concentration_coverage(c: dict[str, Any]) -> dict[str, Any]:
    """What the evidence rests on, for ``coverage``: the disclosure, its filing, and that it is no trigger."""
    now = c["now"]
    return {
        "ticker": c["ticker"],
        "fiscal_period": now["fiscal_period"],
        "calendar_quarter": now["calendar_quarter"],
        "filing": _filing(now),
        "concept": now.get("concept"),
        "customers": [customer_label(m) for m in now["members"]],
        "year_earlier": c["year_ago"]["fiscal_period"] if c["year_ago"] is not None else None,
        "trigger": False,
        "why_not_a_trigger": "no published threshold (evidence only)",
    }
