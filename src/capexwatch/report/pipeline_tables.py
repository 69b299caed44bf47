"""Terminal views of the pipeline's results: update/ingest summaries, audits, screens, the HTTP cache.

Each function takes what the pipeline returned (a dict or a DataFrame) and returns the Rich
renderables to print, in order; the CLI prints them. Nothing here fetches, writes or computes a figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from capexwatch.report.fmt import ratio, usd
from capexwatch.report.tables import NO_SEC_DATA_HINT, period_label

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd
    from rich.console import RenderableType
    from rich.table import Table

__all__ = [
    "audit_tables",
    "cache_info_renderables",
    "csv_summary_line",
    "screen_renderables",
    "update_renderables",
]

_MAX_COMPANIES = 50
"""Companies an update summary lists (``--json`` lists all)."""
_MAX_REVISIONS = 100
_MAX_SKIPPED = 20
_LATEST_NEW = 10
"""New quarters named in the one-line summary of new quarters."""


def _companies_table(companies: list[dict[str, Any]]) -> Table:
    from rich.table import Table

    t = Table(title="SEC companies", title_justify="left", header_style="bold")
    for col in ("Ticker", "CIK", "FYE", "Quarters ok", "Not derivable", "New", "Revised", "Facts added",
              "Latest filing"):  # fmt: skip
        t.add_column(col)
    for c in companies[:_MAX_COMPANIES]:
        t.add_row(
            c["ticker"], str(c["cik"]), f"{c['fye_month']} ({c['fye_source']})", str(c["quarters_ok"]),
            str(c["quarters_not_derivable"]), str(c["new"]), str(c["revised"]), str(c["facts_new"]),
            _filing_label(c.get("latest_filing")),
        )  # fmt: skip
    return t


def _filing_label(lf: Mapping[str, Any] | None) -> str:
    """``10-Q 2025-08-27`` for a company's latest periodic filing; empty when none is known."""
    if not lf:
        return ""
    return " ".join(str(x)[:10] for x in (lf.get("form"), lf.get("filed")) if x)


_MAX_LISTED = 20
"""Tickers or metrics named in the one-line CSV summary (a 200 MB file holds tens of thousands)."""


def csv_summary_line(summary: Mapping[str, Any]) -> str:
    """The one line after ingesting a user CSV: rows, quarters, companies, metrics (lists as words)."""
    words = {"rows": "rows", "panel_rows": "quarter rows", "new_entities": "new companies"}
    parts = [f"{summary[k]:,} {w}" for k, w in words.items() if k in summary]
    for key in ("tickers", "metrics"):
        vals = summary.get(key) or []
        if vals:
            shown = ", ".join(str(v) for v in vals[:_MAX_LISTED])
            more = f" and {len(vals) - _MAX_LISTED:,} more (--json lists all)" if len(vals) > _MAX_LISTED else ""
            parts.append(f"{key}: {shown}{more}")
    return f"[green]Loaded[/green] {summary.get('path', '')} (" + "; ".join(parts) + ")"


def _companies_renderables(companies: list[dict[str, Any]]) -> list[RenderableType]:
    out: list[RenderableType] = [_companies_table(companies)]
    if len(companies) > _MAX_COMPANIES:
        out.append(f"... and {len(companies) - _MAX_COMPANIES} more companies (--json lists all).")
    for c in companies[:_MAX_COMPANIES]:
        out.extend(f"[yellow]{c['ticker']}[/yellow]: {note}" for note in c.get("notes") or ())
    return out


def _series_table(series: list[dict[str, Any]]) -> Table:
    from rich.table import Table

    t = Table(title="FRED series", title_justify="left", header_style="bold")
    for c in ("Series", "Via", "Observations", "Range", "New", "Revised"):
        t.add_column(c)
    for s in series:
        t.add_row(s["series_id"], s["via"], str(s["observations"]), f"{s['first_date']}..{s['last_date']}",
                  str(s["new"]), str(s["revised"]))  # fmt: skip
    return t


def _revisions_table(revisions: list[dict[str, Any]]) -> Table:
    from rich.table import Table

    withdrawn = any(c["kind"] == "withdrawn" for c in revisions)
    title = "Revisions and withdrawals (latest view)" if withdrawn else "Revisions (latest view)"
    t = Table(title=title, title_justify="left", header_style="bold")
    for col in ("Ticker", "Metric", "Quarter", "Old", "New", "Filing"):
        t.add_column(col)
    for c in revisions[:_MAX_REVISIONS]:
        now = usd(c["new"]) if c["kind"] == "revised" else f"not derivable: {c['reason']}"
        t.add_row(c["ticker"], c["metric"], c["fiscal_period"], usd(c["old"]), now, c["new_accn"] or "")
    return t


def _outcome_line(d: Mapping[str, Any], n_new: int, n_rev: int, n_withdrawn: int) -> str:
    # every change the tables above list is counted here (a withdrawal is not a revision)
    counts = f"{n_new:,} new quarters, {n_rev:,} revisions" + (
        f", {n_withdrawn:,} withdrawn (now not derivable)" if n_withdrawn else ""
    )
    if d.get("dry_run"):
        return f"[bold]Dry run[/bold]: {counts} would be written."
    if d.get("written"):
        return f"[green]Stored[/green]: {counts}."
    return "Nothing changed; the store was not touched."


def update_renderables(d: Mapping[str, Any]) -> list[RenderableType]:
    """An update or ingest summary (the dict of ``UpdateReport.as_dict``) as tables and lines.

    Companies (at most 50), FRED series, revisions of the latest view (at most 100), the latest new
    quarters, skipped members, and one closing line saying what was (or would be) written.
    """
    out: list[RenderableType] = []
    if d.get("companies"):
        out.extend(_companies_renderables(d["companies"]))
    if d.get("series"):
        out.append(_series_table(d["series"]))
    changes = [c for c in d.get("changes", []) if c["kind"] in ("new", "revised", "withdrawn")]
    revisions = [c for c in changes if c["kind"] != "new"]
    if revisions:
        out.append(_revisions_table(revisions))
    new: list[dict[str, Any]] = [c for c in changes if c["kind"] == "new"]
    if new:
        latest = sorted(new, key=lambda c: str(c["period_end"]))[-_LATEST_NEW:]
        shown = ", ".join(f"{c['ticker']} {c['metric']} {c['fiscal_period']} {usd(c['new'])}" for c in latest)
        out.append(f"New quarters: {d.get('new_quarters', len(new)):,} (latest: {shown})")
    out.extend(f"[yellow]skipped[/yellow] {s['member']}: {s['reason']}" for s in d.get("skipped", [])[:_MAX_SKIPPED])
    if d.get("changes_omitted"):
        out.append(f"({d['changes_omitted']:,} further changes not listed; the counts below are exact.)")
    n_withdrawn = d.get("withdrawn", sum(1 for c in revisions if c["kind"] == "withdrawn"))
    n_rev = d.get("revisions", len(revisions) - n_withdrawn)
    out.append(_outcome_line(d, d.get("new_quarters", len(new)), n_rev, n_withdrawn))
    return out


def cache_info_renderables(info: Mapping[str, Any], kinds: Mapping[str, Any]) -> list[RenderableType]:
    """The HTTP cache (``sources.http.cache_info``): path, size, and a row per kind of URL.

    Parameters
    ----------
    info : the cache summary; bytes in bytes, shown in MB (1e6 bytes)
    kinds : the kinds of URL (``sources.http.KINDS``), each with its time to live ``ttl_s`` in seconds
    """
    from rich.table import Table

    head = f"Cache: {info['path']}  ({info['entries']} entries, {info['bytes'] / 1e6:,.1f} MB)"
    t = Table(header_style="bold")
    for col in ("Kind", "Entries", "MB", "Fresh", "Stale", "TTL", "Newest"):
        t.add_column(col)
    for kind, k in kinds.items():
        row = info["kinds"].get(kind)
        ttl = f"{k.ttl_s / 3600:g} h" if k.ttl_s < 86400 else f"{k.ttl_s / 86400:g} d"
        if row is None:
            t.add_row(kind, "0", "0.0", "0", "0", ttl, "")
        else:
            t.add_row(kind, str(row["entries"]), f"{row['bytes'] / 1e6:,.1f}", str(row["fresh"]),
                      str(row["stale"]), ttl, row["newest"] or "")  # fmt: skip
    return [head, t]


_SHORT_ROLES = {"year-to-date": "YTD", "full-year": "FY", "3-month": "3M", "6-month": "6M", "9-month": "9M"}


def _operands(r: dict[str, Any]) -> str:
    """A derived quarter's operands, e.g. ``FY $52.5B - 9M $38.6B``; empty for a reported one."""
    if r["method"] != "derived":
        return ""
    ops = r["derived_from"] or []
    roles = [str(o["role"]) for o in ops]
    for k, v in _SHORT_ROLES.items():
        roles = [x.replace(k, v) for x in roles]
    return " - ".join(f"{x} {usd(o['value'])}" for x, o in zip(roles, ops, strict=True))


def _checks(r: dict[str, Any]) -> str:
    return ", ".join([f"[green]{n}[/green]" for n in r["checks_passed"]]
                     + [f"[red]{n} FAILED[/red]" for n in r["checks_failed"]])  # fmt: skip


def audit_tables(df: pd.DataFrame) -> list[RenderableType]:
    """An audit frame (see :func:`capexwatch.audit.audit_ticker`) as one table per metric."""
    from rich.table import Table

    out: list[RenderableType] = []
    for metric, g in df.groupby("metric", sort=False):
        t = Table(title=f"{g['ticker'].iloc[0]} {metric} ({g['view'].iloc[0]})", title_justify="left",
                  header_style="bold")  # fmt: skip
        for c in ("Quarter", "Period", "Value", "Method", "Tag", "Accession", "Form", "Filed", "From", "Checks"):
            t.add_column(c)
        for r in g.to_dict(orient="records"):
            ok = r["status"] == "ok"
            value = usd(r["value"]) if ok else f"[red]not derivable[/red]: {r['reason']}"
            period = period_label(r["period_start"], r["period_end"])
            tag = str(r["tag"] or "").split(":")[-1]
            t.add_row(r["fiscal_period"], period, value, r["method"], tag, r["accn"] or "", r["form"] or "",
                      str(r["filed"] or "")[:10], _operands(r), _checks(r))  # fmt: skip
        out.append(t)
    return out


def screen_renderables(df: pd.DataFrame, *, metric: str, ttm: bool, source: str = "all") -> list[RenderableType]:
    """A screen (see :func:`capexwatch.screen.screen`): rank, company, value, operands, as-of quarter."""
    from rich.table import Table

    unit = df["unit"].iloc[0] if len(df) else ""
    t = Table(title=f"Screen: {metric}" + (" (TTM)" if ttm else ""), title_justify="left", header_style="bold")
    for c in ("#", "Ticker", "Name", "Value", "Numerator", "Denominator", "As of", "Sources"):
        t.add_column(c)
    for r in df.to_dict(orient="records"):
        val = ratio(r["value"]) if unit == "ratio" else (usd(r["value"]) if unit == "USD" else f"{r['value']:g}")
        t.add_row(str(r["rank"]), r["ticker"], str(r["name"] or "")[:40], val, usd(r["numerator_usd"]),
                  usd(r["denominator_usd"]), f"{r['as_of_period']} ({str(r['period_end'])[:10]})",
                  str(r["sources"]))  # fmt: skip
    out: list[RenderableType] = [t]
    if not len(df):
        out.append("No company has the quarters this screen needs.")
        if source == "sec":
            out.append(NO_SEC_DATA_HINT.format(ticker="T,..."))
    return out
