"""Terminal views of what the store holds: quarters, companies, metrics, series, events, the store itself.

Each function takes what the API returned (a DataFrame or plain dicts) and returns the Rich
renderables to print, in order; the CLI prints them. Nothing here reads the store or computes a figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from capexwatch.report.fmt import pct, usd

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import RenderableType

__all__ = [
    "events_table",
    "info_lines",
    "metrics_table",
    "quarters_renderables",
    "series_table",
    "universe_table",
]

_SERIES_ROWS = 40
"""Observations a series table shows (the latest ones); ``--json`` gives all."""


def _period(r: dict[str, Any]) -> str:
    return f"{str(r['period_start'])[:10]}..{str(r['period_end'])[:10]}"


def quarters_renderables(
    df: pd.DataFrame, *, ticker: str, metric: str, unit: str, view: str, source: str
) -> list[RenderableType]:
    """One metric quarter by quarter with each value's method, status and source.

    Parameters
    ----------
    df : rows of the panel (``Store.quarters``); values in base units (USD, or percent points)
    ticker, metric, view, source : what was asked, for the title and the empty-result note
    unit : the metric's unit (``"percent"`` shows as a percentage, anything else as USD)
    """
    from rich.table import Table

    t = Table(title=f"{ticker} {metric} ({view}, source {source})", title_justify="left", header_style="bold")
    for c in ("Fiscal", "Period", "Value", "Method", "Status", "Source"):
        t.add_column(c, justify="right" if c == "Value" else "left", overflow="fold")
    for r in df.to_dict(orient="records"):
        val = pct(r["value"], signed=False) if unit == "percent" else usd(r["value"], digits=3)
        src = f"{r['source']}: {r['tag'] or ''} {r['accn'] or ''} {r['source_url'] or ''}".strip()
        status = r["status"] if r["status"] == "ok" else f"{r['status']}: {r['reason']}"
        t.add_row(r["fiscal_period"], _period(r), val, r["method"], status, src)
    out: list[RenderableType] = [t]
    if df.empty:
        out.append(f"[yellow]No {metric} quarters for {ticker} in the store.[/yellow]")
    return out


def universe_table(df: pd.DataFrame) -> RenderableType:
    """The companies in the store (``Store.entities``): ticker, name, CIK, role, fiscal-year end, origin."""
    from rich.table import Table

    t = Table(title="Companies", title_justify="left", header_style="bold")
    for c in ("Ticker", "Name", "CIK", "Role", "FYE month", "Origin"):
        t.add_column(c)
    for r in df.to_dict(orient="records"):
        cik = "" if r["cik"] is None or str(r["cik"]) in ("<NA>", "nan") else str(r["cik"])
        t.add_row(r["ticker"], r["name"] or "", cik, r["role"] or "", str(r["fye_month"] or ""), r["origin"])
    return t


def metrics_table(rows: list[dict[str, Any]]) -> RenderableType:
    """The canonical metrics: one row per metric with ``name``, ``unit``, ``definition`` and ``tags``."""
    from rich.table import Table

    t = Table(title="Canonical metrics", title_justify="left", header_style="bold", show_lines=True)
    for c in ("Name", "Unit", "Definition", "Tag chain"):
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(r["name"], r["unit"], r["definition"], "\n".join(r["tags"]))
    return t


def info_lines(info: dict[str, Any]) -> list[RenderableType]:
    """Where the store is, its snapshot version, and the row count of each table."""
    out: list[RenderableType] = [f"[bold]Store[/bold] {info['store']}  (snapshot {info['snapshot_version']})"]
    out.extend(f"  {k:<10} {v:>8,}" for k, v in info["counts"].items())
    return out


def series_table(df: pd.DataFrame) -> RenderableType:
    """A frame of series metadata or observations, every column as text; the latest 40 rows."""
    from rich.table import Table

    t = Table(header_style="bold")
    for c in df.columns:
        t.add_column(str(c))
    for r in df.tail(_SERIES_ROWS).itertuples(index=False):
        t.add_row(*[str(x)[:10] if c == "date" else str(x) for c, x in zip(df.columns, r, strict=True)])
    return t


def _event_amount(r: dict[str, Any]) -> str:
    # USD amounts read as $B; a price per GPU-hour and other units keep their own unit
    if str(r["unit"]).startswith("USD") and r["unit"] != "USD_per_gpu_hour":
        return usd(r["amount"])
    return "" if r["amount"] is None else f"{r['amount']:g} {r['unit']}"


def events_table(df: pd.DataFrame) -> RenderableType:
    """Curated dated events (``Store.events``), each with its amount and source URL."""
    from rich.table import Table

    t = Table(header_style="bold", show_lines=False)
    for c in ("Date", "Entity", "Kind", "Amount", "Description", "Source"):
        t.add_column(c, overflow="fold")
    for r in df.to_dict(orient="records"):
        t.add_row(
            str(r["date"])[:10],
            str(r["entity"]),
            r["kind"],
            _event_amount(r),
            str(r["description"] or "")[:90],
            r["source_url"],
        )
    return t
