"""Terminal views of what the store holds: quarters, companies, metrics, series, events, the store itself.

Each function takes what the API returned (a DataFrame or plain dicts) and returns the Rich
renderables to print, in order; the CLI prints them. Nothing here reads the store or computes a figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from capexwatch.report.fmt import is_missing, pct, usd

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import RenderableType

__all__ = [
    "NO_SEC_DATA_HINT",
    "events_table",
    "info_lines",
    "metrics_table",
    "quarters_renderables",
    "series_renderables",
    "universe_table",
]

NO_SEC_DATA_HINT = (
    "SEC-derived quarters come from `capexwatch update --tickers {ticker}` (live, needs "
    "CAPEXWATCH_SEC_USER_AGENT) or `capexwatch ingest CIK##########.json` (a companyfacts file); "
    "the bundled snapshot holds no SEC-derived quarters (its figures are --source curated)."
)
"""What to do when ``--source sec`` finds nothing: the snapshot ships no SEC-derived rows."""

SERIES_ROWS = 40
"""Observations a series table shows by default (the latest ones); ``--json`` gives all."""


def _text(x: Any) -> str:
    """*x* as text; empty for None, NaN, NaT and pandas' NA (never the words "nan" or "None")."""
    return "" if is_missing(x) or str(x) == "<NA>" else str(x)


def period_label(start: Any, end: Any) -> str:
    """A period as ``2019-07-29..2019-10-27``, or ``to 2019-10-27`` when its start is not known."""
    first, last = _text(start)[:10], _text(end)[:10]
    return f"{first}..{last}" if first else f"to {last}"


def _period(r: dict[str, Any]) -> str:
    return period_label(r["period_start"], r["period_end"])


def source_label(r: dict[str, Any]) -> str:
    """Where a panel row's value comes from, in words a reader can follow to the document.

    An SEC row names the XBRL tag, the accession and the filing; a curated row says it was compiled by
    a secondary source (the tag and accession it names are that source's claim) and links to it; a
    row of the user's own CSV quotes the source given there.
    """
    tag, accn, url, form = _text(r.get("tag")), _text(r.get("accn")), _text(r.get("source_url")), _text(r.get("form"))
    filed = _text(r.get("filed"))[:10]
    if r["source"] == "sec":
        filing = " ".join(
            x for x in (form, f"accession {accn}" if accn else "", f"filed {filed}" if filed else "") if x
        )
        return "; ".join(x for x in (f"SEC XBRL {tag}".strip(), filing, url) if x)
    if r["source"] == "curated":
        kind = _text(r.get("source_kind")) or "curated"
        basis = f", compiled from {tag}" + (f" (accession {accn})" if accn else "") if tag else ""
        return f"curated ({kind}{basis}): {url}" if url else f"curated ({kind}{basis})"
    if r["source"] == "user":
        return f"your file: {url}" if url else "your file"
    return " ".join(x for x in (_text(r["source"]), tag, accn, url) if x)


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
        status = r["status"] if r["status"] == "ok" else f"{r['status']}: {_text(r['reason'])}"
        t.add_row(r["fiscal_period"], _period(r), val, r["method"], status, source_label(r))
    out: list[RenderableType] = [t]
    if df.empty:
        out.append(f"[yellow]No {metric} quarters for {ticker} in the store.[/yellow]")
        if source == "sec":
            out.append(NO_SEC_DATA_HINT.format(ticker=ticker))
    return out


def universe_table(df: pd.DataFrame) -> RenderableType:
    """The companies in the store (``Store.entities``): ticker, name, CIK, role, fiscal-year end, origin."""
    from rich.table import Table

    t = Table(title="Companies", title_justify="left", header_style="bold")
    for c in ("Ticker", "Name", "CIK", "Role", "FYE month", "Origin"):
        t.add_column(c)
    for r in df.to_dict(orient="records"):
        # a user CSV may leave name, role or fiscal-year end empty: NaN in the frame, blank here
        t.add_row(*(_text(r[c]) for c in ("ticker", "name", "cik", "role", "fye_month", "origin")))
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


def series_renderables(df: pd.DataFrame, *, limit: int | None = SERIES_ROWS) -> list[RenderableType]:
    """A frame of series metadata or observations, every column as text: the latest *limit* rows.

    When rows are left out, a line under the table says how many and how to see them (``--all``,
    ``--limit N``, ``--json``); *limit* None shows every row.
    """
    from rich.table import Table

    shown = df if limit is None else df.tail(limit)
    t = Table(header_style="bold")
    for c in df.columns:
        t.add_column(str(c))
    for r in shown.itertuples(index=False):
        t.add_row(*[_text(x)[:10] if c == "date" else _text(x) for c, x in zip(df.columns, r, strict=True)])
    out: list[RenderableType] = [t]
    if len(shown) < len(df):
        out.append(
            f"[dim]Showing the latest {len(shown):,} of {len(df):,} rows; --all shows every one, --limit N "
            "the latest N, --json gives all.[/dim]"
        )
    return out


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
