"""The ``capexwatch`` command line: thin.

Each command parses its options, calls the Python API, renders, and maps errors to exit codes.
Heavy libraries (pandas, DuckDB, Plotly, NumPy) are imported inside the commands so that
``capexwatch --help`` stays fast. Every command takes ``--json`` for scripts.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from capexwatch.errors import CapexwatchError

__all__ = ["main", "cli"]


def emit_json(obj: Any) -> None:
    """Print *obj* as JSON on stdout (dates as ISO strings, NaN as null)."""
    from capexwatch._json import dumps

    click.echo(dumps(obj))


def console() -> Any:
    """A Rich console on stdout (imported lazily)."""
    from rich.console import Console

    # piped output (scripts, CI logs) gets a wide fixed width rather than Rich's 80 columns
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="capexwatch")
def cli() -> None:
    """capexwatch: AI-infrastructure capex against the revenue it earns, from primary filings.

    Data come from the bundled, cited snapshot (offline) and, with `capexwatch update`, from SEC
    EDGAR XBRL and FRED. The store is one DuckDB file under $CAPEXWATCH_HOME.
    """


# --- foundation commands (lead) ---


def open_store(read_only: bool = False) -> Any:
    """Open the store (creating it and loading the snapshot on first use)."""
    import capexwatch

    return capexwatch.open(read_only=read_only)


_QUARTER_FIELDS = [
    "ticker",
    "metric",
    "fiscal_year",
    "fiscal_quarter",
    "fiscal_period",
    "period_start",
    "period_end",
    "calendar_quarter",
    "value",
    "unit",
    "method",
    "status",
    "reason",
    "tag",
    "accn",
    "form",
    "filed",
    "source",
    "source_url",
    "source_kind",
    "note",
    "derived_from",
    "known_at",
    "view",
]


@cli.command()
@click.option("--ticker", "-t", help="Ticker, e.g. GOOGL.")
@click.option("--cik", help="SEC CIK, e.g. 1652044.")
@click.option("--metric", "-m", required=True, help="Canonical metric (see `capexwatch metrics`).")
@click.option(
    "--view",
    type=click.Choice(["latest", "first-filed"]),
    default="latest",
    show_default=True,
    help="latest: most recently filed value; first-filed: what was first reported (backtests).",
)
@click.option(
    "--source",
    type=click.Choice(["all", "sec", "curated", "user"]),
    default="all",
    show_default=True,
    help="all: an SEC-derived value wins over a user figure, which wins over a curated one.",
)
@click.option("--as-of", help="Only figures public by this date (YYYY-MM-DD).")
@json_option
def quarters(
    ticker: str | None, cik: str | None, metric: str, view: str, source: str, as_of: str | None, as_json: bool
) -> None:
    """One metric, quarter by quarter, each value with its source."""
    from capexwatch.metrics import get_metric
    from capexwatch.report.fmt import pct, usd

    if bool(ticker) == bool(cik):
        raise click.UsageError("Give exactly one of --ticker or --cik.")
    m = get_metric(metric)
    with open_store() as store:
        ent = store.entity(ticker or cik or "")
        df = store.quarters(ent["ticker"], metric, view=view, source=source, as_of=_date_opt(as_of))
    if as_json:
        emit_json([{k: r.get(k) for k in _QUARTER_FIELDS} for r in df.to_dict(orient="records")])
        return
    from rich.table import Table

    t = Table(title=f"{ent['ticker']} {metric} ({view}, source {source})", title_justify="left", header_style="bold")
    for c in ("Fiscal", "Period", "Value", "Method", "Status", "Source"):
        t.add_column(c, justify="right" if c == "Value" else "left", overflow="fold")
    for r in df.to_dict(orient="records"):
        val = pct(r["value"], signed=False) if m.unit == "percent" else usd(r["value"], digits=3)
        src = f"{r['source']}: {r['tag'] or ''} {r['accn'] or ''} {r['source_url'] or ''}".strip()
        status = r["status"] if r["status"] == "ok" else f"{r['status']}: {r['reason']}"
        t.add_row(
            r["fiscal_period"],
            f"{str(r['period_start'])[:10]}..{str(r['period_end'])[:10]}",
            val,
            r["method"],
            status,
            src,
        )
    c = console()
    c.print(t)
    if df.empty:
        c.print(f"[yellow]No {metric} quarters for {ent['ticker']} in the store.[/yellow]")


def _date_opt(text: str | None) -> str | None:
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date; use YYYY-MM-DD.", param_hint="--as-of") from None


@cli.command()
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    default="capexwatch-report.html",
    show_default=True,
    help="Where to write the self-contained HTML report.",
)
@click.option("--as-of", help="Evaluate with only what was public by this date (YYYY-MM-DD).")
@click.option("--no-html", is_flag=True, help="Only the terminal dashboard.")
@json_option
def report(out: str, as_of: str | None, no_html: bool, as_json: bool) -> None:
    """The AI-capex picture: terminal dashboard and a self-contained HTML report."""
    from capexwatch.report.build import build_report

    with open_store() as store:
        data, extra = build_report(store, as_of=_date_opt(as_of))
    path = None
    if not no_html:
        from capexwatch.report.html import write_html

        path = write_html(data, out, extra_sections=extra)
        data["html_path"] = str(path)
    if as_json:
        emit_json(data)
        return
    from capexwatch.report.terminal import render_dashboard

    render_dashboard(data, console(), html_path=str(path) if path else None)


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False))
@json_option
def ingest(path: str, as_json: bool) -> None:
    """Load a file: your own figures (.csv), an SEC companyfacts document (.json) or the bulk zip.

    CSV columns: ticker, metric, fiscal_period (FY2025Q3), period_end (YYYY-MM-DD), value,
    unit (USD | USD_millions | USD_billions | percent), source; optional period_start, name,
    fye_month, role, cik, source_kind, note. A bad row stops the load: nothing of the file is stored.
    """
    from capexwatch.ingest import ingest_path

    with open_store() as store:
        summary = ingest_path(store, path)
    if as_json:
        emit_json(summary)
        return
    parts = ", ".join(f"{k}: {v}" for k, v in summary.items() if k not in ("path",))
    console().print(f"[green]Loaded[/green] {path} ({parts})")


@cli.command()
@json_option
def universe(as_json: bool) -> None:
    """The companies in the store (the universe plus any you ingested)."""
    with open_store() as store:
        df = store.entities()
    if as_json:
        emit_json(df)
        return
    from rich.table import Table

    t = Table(title="Companies", title_justify="left", header_style="bold")
    for c in ("Ticker", "Name", "CIK", "Role", "FYE month", "Origin"):
        t.add_column(c)
    for r in df.to_dict(orient="records"):
        cik = "" if r["cik"] is None or str(r["cik"]) in ("<NA>", "nan") else str(r["cik"])
        t.add_row(r["ticker"], r["name"] or "", cik, r["role"] or "", str(r["fye_month"] or ""), r["origin"])
    console().print(t)


@cli.command()
@json_option
def metrics(as_json: bool) -> None:
    """The canonical metrics: name, unit, definition, XBRL tag chain."""
    from capexwatch.metrics import METRICS

    rows: list[dict[str, Any]] = [
        {
            "name": m.name,
            "label": m.label,
            "unit": m.unit,
            "kind": m.kind,
            "definition": m.definition,
            "tags": list(m.tags),
            "caveats": m.caveats,
        }
        for m in METRICS.values()
    ]
    if as_json:
        emit_json(rows)
        return
    from rich.table import Table

    t = Table(title="Canonical metrics", title_justify="left", header_style="bold", show_lines=True)
    for c in ("Name", "Unit", "Definition", "Tag chain"):
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(r["name"], r["unit"], r["definition"], "\n".join(r["tags"]))
    console().print(t)


@cli.command()
@json_option
def info(as_json: bool) -> None:
    """Where the store is, what it holds, and the loads that filled it."""
    from capexwatch.sources.snapshot import snapshot_version

    with open_store() as store:
        out = {
            "store": str(store.path),
            "snapshot_version": snapshot_version(),
            "snapshot_loaded": store.snapshot_loaded(),
            "counts": store.counts(),
            "loads": store.loads().head(10),
        }
    if as_json:
        emit_json(out)
        return
    c = console()
    c.print(f"[bold]Store[/bold] {out['store']}  (snapshot {out['snapshot_version']})")
    for k, v in out["counts"].items():
        c.print(f"  {k:<10} {v:>8,}")


@cli.command()
@click.argument("series_id", required=False)
@click.option("--start", help="First date (YYYY-MM-DD).")
@click.option("--end", help="Last date (YYYY-MM-DD).")
@json_option
def series(series_id: str | None, start: str | None, end: str | None, as_json: bool) -> None:
    """Macro series (FRED): list them, or print one's observations."""
    with open_store() as store:
        if series_id is None:
            df = store.series_meta()
        else:
            df = store.series(series_id, start=start, end=end)
            if df.empty:
                known = ", ".join(store.series_meta()["series_id"])
                from capexwatch.errors import DataError

                raise DataError(
                    f"No observations for series {series_id!r}.",
                    hint=f"Known series: {known}. Fetch others with `capexwatch update --macro --series ID`.",
                )
    if as_json:
        emit_json(df)
        return
    from rich.table import Table

    t = Table(header_style="bold")
    for c in df.columns:
        t.add_column(str(c))
    for r in df.tail(40).itertuples(index=False):
        t.add_row(*[str(x)[:10] if c == "date" else str(x) for c, x in zip(df.columns, r, strict=True)])
    console().print(t)


@cli.command()
@click.option("--kind", help="Event kind, e.g. ai_revenue_run_rate, useful_life_change, moratorium.")
@click.option("--entity", help="Ticker or name, e.g. MSFT, OpenAI.")
@json_option
def events(kind: str | None, entity: str | None, as_json: bool) -> None:
    """Curated dated events (disclosures, deals, moratoria, prices), each with its source."""
    with open_store() as store:
        df = store.events(kind, entity)
    if as_json:
        emit_json(df)
        return
    from rich.table import Table

    from capexwatch.report.fmt import usd

    t = Table(header_style="bold", show_lines=False)
    for c in ("Date", "Entity", "Kind", "Amount", "Description", "Source"):
        t.add_column(c, overflow="fold")
    for r in df.to_dict(orient="records"):
        amt = (
            usd(r["amount"])
            if str(r["unit"]).startswith("USD") and r["unit"] != "USD_per_gpu_hour"
            else ("" if r["amount"] is None else f"{r['amount']:g} {r['unit']}")
        )
        t.add_row(
            str(r["date"])[:10], str(r["entity"]), r["kind"], amt, str(r["description"] or "")[:90], r["source_url"]
        )
    console().print(t)


# --- ingest commands (issue 3: update, cache, audit, screen) ---


# --- signals commands (issue 4: signals, signal, backtest) ---


# --- models commands (issue 5: scenarios, simulate) ---


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, print user errors without a traceback, return the exit code."""
    try:
        cli.main(args=argv, prog_name="capexwatch", standalone_mode=False)
    except CapexwatchError as exc:
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted; nothing partial was stored.", err=True)
        return 130
    except Exception as exc:  # a bug, not a user error: say so plainly, keep the trace on request
        import os

        if os.environ.get("CAPEXWATCH_DEBUG"):
            raise
        click.echo(f"Internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo(
            "This is a bug in capexwatch; nothing partial was stored. Rerun with CAPEXWATCH_DEBUG=1 "
            "for the traceback and report it.",
            err=True,
        )
        return 70
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
