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
        from capexwatch.store.db import PANEL_COLUMNS

        fields = [c for c in PANEL_COLUMNS if c != "load_id"]
        emit_json([{k: r.get(k) for k in fields} for r in df.to_dict(orient="records")])
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
        rep = build_report(store, as_of=_date_opt(as_of))
    path = None
    if not no_html:
        from capexwatch.report.html import write_html

        path = write_html(rep.data, out, extra_sections=rep.sections)
        rep.data["html_path"] = str(path)
    if as_json:
        emit_json(rep.data)
        return
    from capexwatch.report.terminal import render_dashboard

    render_dashboard(rep.data, console(), html_path=str(path) if path else None, extras=rep.renderables)


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
    if summary.get("kind") != "user-csv":
        render_update(summary, console())
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


@cli.command("update")
@click.option("--tickers", help="Comma-separated tickers known to the store (default: every company with a CIK).")
@click.option("--cik", "ciks", help="Comma-separated SEC CIKs; a filer not in the store is added.")
@click.option("--macro", is_flag=True, help="FRED series DFF, FEDFUNDS, DGS10, BAMLH0A0HYM2, NFCI.")
@click.option("--series", "series_ids", help="Further FRED series ids, comma-separated (e.g. T10Y2Y).")
@click.option(
    "--bulk",
    is_flag=False,
    flag_value="-",
    default=None,
    metavar="[PATH]",
    help="All of EDGAR from companyfacts.zip: downloaded to the cache (~1 GB, kept 7 days), or PATH.",
)
@click.option("--dry-run", is_flag=True, help="Fetch and derive, show what would change, write nothing.")
@click.option("--refresh", is_flag=True, help="Ignore cached answers and ask the servers again.")
@json_option
def update_cmd(
    tickers: str | None,
    ciks: str | None,
    macro: bool,
    series_ids: str | None,
    bulk: str | None,
    dry_run: bool,
    refresh: bool,
    as_json: bool,
) -> None:
    """Refresh quarters from SEC EDGAR XBRL and macro series from FRED.

    Everything is fetched and derived first, then written in one transaction: a failed or
    interrupted update leaves the store as it was, and rerunning completes it (answers already
    fetched come from the cache). Without options: every company with a CIK, and the macro series.
    The SEC requires CAPEXWATCH_SEC_USER_AGENT='Your Name you@example.com' (or EDGAR_IDENTITY).
    """
    from capexwatch.update import update

    with open_store() as store, _progress() as progress:
        report = update(
            store,
            tickers=[tickers] if tickers else None,
            ciks=[ciks] if ciks else None,
            macro=macro,
            series=[series_ids] if series_ids else None,
            bulk=(True if bulk == "-" else bulk) if bulk is not None else None,
            dry_run=dry_run,
            refresh=refresh,
            progress=progress,
        )
    if as_json:
        emit_json(report.as_dict())
        return
    render_update(report.as_dict(), console())


class _progress:
    """A Rich progress bar on stderr (drawn only on a terminal), as an ``update`` callback."""

    def __enter__(self) -> Any:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        err = Console(stderr=True)
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        )
        self.bar.start()
        self.task = self.bar.add_task("capexwatch update", total=None)
        return self.step

    def step(self, label: str, done: int, total: int) -> None:
        self.bar.update(self.task, description=label, completed=done, total=total or None)

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


def render_update(d: dict[str, Any], con: Any) -> None:
    """Print an update/ingest summary (the dict of ``UpdateReport.as_dict``) as tables."""
    from rich.table import Table

    from capexwatch.report.fmt import usd

    if d.get("companies"):
        t = Table(title="SEC companies", title_justify="left", header_style="bold")
        for c in ("Ticker", "CIK", "FYE", "Quarters ok", "Not derivable", "New", "Revised", "Facts added",
                  "Latest filing"):  # fmt: skip
            t.add_column(c)
        for c in d["companies"][:50]:
            lf = c.get("latest_filing") or {}
            t.add_row(
                c["ticker"], str(c["cik"]), f"{c['fye_month']} ({c['fye_source']})", str(c["quarters_ok"]),
                str(c["quarters_not_derivable"]), str(c["new"]), str(c["revised"]), str(c["facts_new"]),
                f"{lf.get('form', '')} {lf.get('filed', '')}".strip(),
            )  # fmt: skip
        con.print(t)
        if len(d["companies"]) > 50:
            con.print(f"... and {len(d['companies']) - 50} more companies (--json lists all).")
        for c in d["companies"][:50]:
            for note in c.get("notes") or ():
                con.print(f"[yellow]{c['ticker']}[/yellow]: {note}")
    if d.get("series"):
        t = Table(title="FRED series", title_justify="left", header_style="bold")
        for c in ("Series", "Via", "Observations", "Range", "New", "Revised"):
            t.add_column(c)
        for s in d["series"]:
            t.add_row(s["series_id"], s["via"], str(s["observations"]), f"{s['first_date']}..{s['last_date']}",
                      str(s["new"]), str(s["revised"]))  # fmt: skip
        con.print(t)
    changes = [c for c in d.get("changes", []) if c["kind"] in ("new", "revised", "withdrawn")]
    revisions = [c for c in changes if c["kind"] != "new"]
    if revisions:
        t = Table(title="Revisions (latest view)", title_justify="left", header_style="bold")
        for c in ("Ticker", "Metric", "Quarter", "Old", "New", "Filing"):
            t.add_column(c)
        for c in revisions[:100]:
            now = usd(c["new"]) if c["kind"] == "revised" else f"not derivable: {c['reason']}"
            t.add_row(c["ticker"], c["metric"], c["fiscal_period"], usd(c["old"]), now, c["new_accn"] or "")
        con.print(t)
    new: list[dict[str, Any]] = [c for c in changes if c["kind"] == "new"]
    if new:
        latest = sorted(new, key=lambda c: str(c["period_end"]))[-10:]
        shown = ", ".join(f"{c['ticker']} {c['metric']} {c['fiscal_period']} {usd(c['new'])}" for c in latest)
        con.print(f"New quarters: {d.get('new_quarters', len(new)):,} (latest: {shown})")
    for s in d.get("skipped", [])[:20]:
        con.print(f"[yellow]skipped[/yellow] {s['member']}: {s['reason']}")
    if d.get("changes_omitted"):
        con.print(f"({d['changes_omitted']:,} further changes not listed; the counts below are exact.)")
    n_new, n_rev = d.get("new_quarters", len(new)), d.get("revisions", len(revisions))
    if d.get("dry_run"):
        con.print(f"[bold]Dry run[/bold]: {n_new:,} new quarters and {n_rev:,} revisions would be written.")
    elif d.get("written"):
        con.print(f"[green]Stored[/green]: {n_new:,} new quarters, {n_rev:,} revisions.")
    else:
        con.print("Nothing changed; the store was not touched.")


@cli.group("cache")
def cache_group() -> None:
    """The on-disk cache of SEC and FRED answers (under $CAPEXWATCH_HOME/cache)."""


@cache_group.command("info")
@json_option
def cache_info_cmd(as_json: bool) -> None:
    """Where the cache is, its size, and entries per kind of URL (with their time to live)."""
    from rich.table import Table

    from capexwatch.sources.http import KINDS, cache_info

    info = cache_info()
    if as_json:
        emit_json(info)
        return
    c = console()
    c.print(f"Cache: {info['path']}  ({info['entries']} entries, {info['bytes'] / 1e6:,.1f} MB)")
    t = Table(header_style="bold")
    for col in ("Kind", "Entries", "MB", "Fresh", "Stale", "TTL", "Newest"):
        t.add_column(col)
    for kind, k in KINDS.items():
        row = info["kinds"].get(kind)
        ttl = f"{k.ttl_s / 3600:g} h" if k.ttl_s < 86400 else f"{k.ttl_s / 86400:g} d"
        if row is None:
            t.add_row(kind, "0", "0.0", "0", "0", ttl, "")
        else:
            t.add_row(kind, str(row["entries"]), f"{row['bytes'] / 1e6:,.1f}", str(row["fresh"]),
                      str(row["stale"]), ttl, row["newest"] or "")  # fmt: skip
    c.print(t)


@cache_group.command("clear")
@click.option("--kind", help="Only this kind (companyfacts, submissions, frames, companyconcept, bulk, fred, ...).")
@json_option
def cache_clear_cmd(kind: str | None, as_json: bool) -> None:
    """Delete cached answers (the next update asks the servers again)."""
    from capexwatch.sources.http import cache_clear

    out = cache_clear(kind=kind)
    if as_json:
        emit_json(out)
        return
    console().print(f"Removed {out['entries']} cached answers ({out['bytes'] / 1e6:,.1f} MB).")


@cli.command("audit")
@click.argument("ticker")
@click.option("--metric", "-m", help="One canonical metric (default: every metric with an XBRL tag chain).")
@click.option("--view", type=click.Choice(["latest", "first-filed"]), default="latest", show_default=True)
@json_option
def audit_cmd(ticker: str, metric: str | None, view: str, as_json: bool) -> None:
    """Why each SEC-derived quarter is what it is: value, tag, accession, filing, method, checks.

    Recomputed from the raw XBRL facts stored by `capexwatch update` (or `ingest` of a companyfacts
    file), with the same rules that built the panel.
    """
    from capexwatch.audit import audit_ticker

    with open_store(read_only=False) as store:
        df = audit_ticker(store, ticker, metric=metric, view=view)
    if as_json:
        emit_json(df)
        return
    render_audit(df, console())


def render_audit(df: Any, con: Any) -> None:
    """Print an audit frame (see :func:`capexwatch.audit.audit_ticker`), one table per metric."""
    from rich.table import Table

    from capexwatch.report.fmt import usd

    for metric, g in df.groupby("metric", sort=False):
        t = Table(title=f"{g['ticker'].iloc[0]} {metric} ({g['view'].iloc[0]})", title_justify="left",
                  header_style="bold")  # fmt: skip
        for c in ("Quarter", "Period", "Value", "Method", "Tag", "Accession", "Form", "Filed", "From", "Checks"):
            t.add_column(c)
        for r in g.to_dict(orient="records"):
            ok = r["status"] == "ok"
            value = usd(r["value"]) if ok else f"[red]not derivable[/red]: {r['reason']}"
            ops = r["derived_from"] or []
            short = {"year-to-date": "YTD", "full-year": "FY", "3-month": "3M", "6-month": "6M", "9-month": "9M"}
            roles = [str(o["role"]) for o in ops]
            for k, v in short.items():
                roles = [x.replace(k, v) for x in roles]
            src = " - ".join(f"{x} {usd(o['value'])}" for x, o in zip(roles, ops, strict=True))
            src = src if r["method"] == "derived" else ""
            checks = ", ".join([f"[green]{n}[/green]" for n in r["checks_passed"]]
                               + [f"[red]{n} FAILED[/red]" for n in r["checks_failed"]])  # fmt: skip
            period = f"{str(r['period_start'])[:10]}..{str(r['period_end'])[:10]}"
            tag = str(r["tag"] or "").split(":")[-1]
            t.add_row(r["fiscal_period"], period, value, r["method"], tag, r["accn"] or "", r["form"] or "",
                      str(r["filed"] or "")[:10], src, checks)  # fmt: skip
        con.print(t)


@cli.command("screen")
@click.option("--metric", "-m", default="capex_intensity", show_default=True,
              help="capex_intensity, capex_to_ocf, capex_to_depreciation, or any canonical metric.")  # fmt: skip
@click.option("--top", default=50, show_default=True, type=int, help="How many companies to show.")
@click.option("--ascending", is_flag=True, help="Smallest first.")
@click.option("--ttm", is_flag=True, help="For a canonical flow metric: rank by the trailing-four-quarter sum.")
@click.option("--since", help="Leave out companies whose ranked quarter ends before this date (YYYY-MM-DD).")
@click.option("--view", type=click.Choice(["latest", "first-filed"]), default="latest", show_default=True)
@click.option("--source", type=click.Choice(["all", "sec", "curated", "user"]), default="all", show_default=True)
@click.option("--as-of", help="Only figures public by this date (YYYY-MM-DD); use with --view first-filed.")
@json_option
def screen_cmd(
    metric: str,
    top: int,
    ascending: bool,
    ttm: bool,
    since: str | None,
    view: str,
    source: str,
    as_of: str | None,
    as_json: bool,
) -> None:
    """Rank every company in the store by a metric (capex intensity = TTM capex / TTM revenue)."""
    from rich.table import Table

    from capexwatch.errors import UnknownMetricError
    from capexwatch.report.fmt import ratio, usd
    from capexwatch.screen import screen, screen_names

    with open_store() as store:
        try:
            df = screen(store, metric, top=top, ascending=ascending, ttm=ttm, since=since, view=view,
                        source=source, as_of=as_of)  # fmt: skip
        except UnknownMetricError:
            raise UnknownMetricError(metric, screen_names()) from None
    if as_json:
        emit_json(df)
        return
    unit = df["unit"].iloc[0] if len(df) else ""
    t = Table(title=f"Screen: {metric}" + (" (TTM)" if ttm else ""), title_justify="left", header_style="bold")
    for c in ("#", "Ticker", "Name", "Value", "Numerator", "Denominator", "As of", "Sources"):
        t.add_column(c)
    for r in df.to_dict(orient="records"):
        val = ratio(r["value"]) if unit == "ratio" else (usd(r["value"]) if unit == "USD" else f"{r['value']:g}")
        t.add_row(str(r["rank"]), r["ticker"], str(r["name"] or "")[:40], val, usd(r["numerator_usd"]),
                  usd(r["denominator_usd"]), f"{r['as_of_period']} ({str(r['period_end'])[:10]})",
                  str(r["sources"]))  # fmt: skip
    console().print(t)
    if not len(df):
        console().print("No company has the quarters this screen needs.")


# --- signals commands (issue 4: signals, signal, backtest) ---


@cli.command("signals")
@click.option("--as-of", help="Evaluate with only what was public by this date (YYYY-MM-DD): no look-ahead.")
@json_option
def signals_cmd(as_of: str | None, as_json: bool) -> None:
    """The risk board: one row per signal (risk factor, description, trigger, status, evidence).

    Thresholds: cited defaults, overridable in $CAPEXWATCH_HOME/thresholds.toml.
    """
    from capexwatch import signals as S

    with open_store() as store:
        sigs = S.run(store, as_of=_date_opt(as_of))
    if as_json:
        emit_json([s.to_dict(history=False) for s in sigs])
        return
    from capexwatch.report.signals_section import board_renderable

    c = console()
    c.print(board_renderable(sigs))
    c.print("[dim]One signal in depth: capexwatch signal NAME [--ticker T] [--history][/dim]")


@cli.command("signal")
@click.argument("name")
@click.option("--ticker", "-t", help="Evaluate for one company in the store (including ones from your CSV).")
@click.option("--history", "show_history", is_flag=True, help="Show the status per quarter.")
@click.option("--as-of", help="Evaluate with only what was public by this date (YYYY-MM-DD).")
@json_option
def signal_cmd(name: str, ticker: str | None, show_history: bool, as_of: str | None, as_json: bool) -> None:
    """One signal in depth: definition, formula, values, thresholds, evidence with sources."""
    from capexwatch import signals as S

    spec = S.get_spec(name)
    with open_store() as store:
        sig = S.run(store, names=[spec.name], ticker=ticker, as_of=_date_opt(as_of))[0]
    if as_json:
        emit_json(sig.to_dict(history=True))
        return
    from capexwatch.report.signals_section import detail_renderable

    console().print(detail_renderable(sig, history=show_history))


@cli.command("backtest")
@click.option("--signal", "names", multiple=True, help="Only this signal (repeatable).")
@click.option("--start", help="First evaluation date (YYYY-MM-DD); default: the first data.")
@click.option("--end", help="Last evaluation date (YYYY-MM-DD); default: the latest data.")
@json_option
def backtest_cmd(names: tuple[str, ...], start: str | None, end: str | None, as_json: bool) -> None:
    """Every signal at each quarter end, with only what was public then; shows when each fired."""
    from capexwatch import signals as S
    from capexwatch.signals.backtest import backtest, backtest_inputs, default_dates

    for n in names:
        S.get_spec(n)
    with open_store() as store:
        inputs = backtest_inputs(store)
    dates = default_dates(inputs, _date_opt(start), _date_opt(end))
    sel = [S.get_spec(n).name for n in names] or None
    if as_json:
        result = backtest(inputs, dates=dates, names=sel)
    else:
        with console().status("Backtesting...") as st:
            result = backtest(
                inputs, dates=dates, names=sel, progress=lambda i, n: st.update(f"Backtesting: date {i + 1} of {n}")
            )
    if as_json:
        emit_json(result.to_dict())
        return
    from capexwatch.report.signals_section import backtest_renderable

    console().print(backtest_renderable(result))


# --- models commands (issue 5: scenarios, simulate) ---


@cli.command("scenarios")
@json_option
def scenarios_cmd(as_json: bool) -> None:
    """List the scenario presets (each reproduces a published analysis or a cited view)."""
    from capexwatch.models.scenario import list_presets

    presets = list_presets()
    if as_json:
        emit_json(
            [
                {
                    "name": s.name,
                    "model": s.model.name,
                    "title": s.title,
                    "description": s.description,
                    "paths": s.paths,
                    "seed": s.seed,
                    "horizon_quarters": s.horizon_quarters if s.model.time_series else None,
                    "start_quarter": s.start_quarter,
                    "parameters": list(s.params),
                    "expect": {k: {"value": e.value, "source": e.source} for k, e in s.expect.items()},
                }
                for s in presets
            ]
        )
        return
    from capexwatch.report.simulation import presets_table

    console().print(presets_table(presets))


@cli.command("simulate")
@click.argument("scenario", metavar="PRESET|FILE")
@click.option("--paths", type=click.IntRange(min=1), help="Monte Carlo paths (default: the scenario's).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Random seed (default: the scenario's, else fresh).")
@click.option(
    "--workers", type=click.IntRange(min=0), default=1, show_default=True, help="Local processes (0: one per core)."
)
@click.option(
    "--scheduler", metavar="ADDR", help="Run on an existing Dask cluster, e.g. tcp://host:8786 (extra `dask`)."
)
@click.option(
    "--block-size",
    type=click.IntRange(min=1),
    default=65_536,
    show_default=True,
    help="Paths per work block (memory bound); results do not depend on it.",
)
@click.option("--no-store", is_flag=True, help="Do not save the run in the store.")
@json_option
def simulate_cmd(
    scenario: str,
    paths: int | None,
    seed: int | None,
    workers: int,
    scheduler: str | None,
    block_size: int,
    no_store: bool,
    as_json: bool,
) -> None:
    """Run a scenario: a preset name (see `capexwatch scenarios`) or a YAML file.

    Prints each output's mean, sd and 5/25/50/75/95th percentiles, per-year bands of the series,
    and the resolved parameters with their sources; the run is saved in the store (for the
    report's fan charts) unless --no-store.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from capexwatch.models.engine import default_workers, simulate
    from capexwatch.models.scenario import load_scenario

    scn = load_scenario(scenario)
    store = open_store() if (scn.needs_store or not no_store) else None
    try:
        err = Console(stderr=True)
        total = paths or scn.paths
        with Progress(
            TextColumn("[dim]simulating[/dim]"),
            BarColumn(),
            TextColumn("{task.completed:,}/{task.total:,} paths"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
            auto_refresh=False,  # refreshed from the progress callback: no thread, so workers may fork
            disable=not err.is_terminal or total < 200_000,
        ) as bar:
            task = bar.add_task("simulate", total=total)
            result = simulate(
                scn,
                paths=paths,
                seed=seed,
                block_size=block_size,
                workers=workers or default_workers(),
                scheduler=scheduler,
                store=store,
                save=not no_store,
                progress=lambda done, _total: bar.update(task, completed=done, refresh=True),
            )
    finally:
        if store is not None:
            store.close()
    if as_json:
        emit_json(result.to_dict())
        return
    from capexwatch.report.simulation import result_renderables

    con = console()
    for item in result_renderables(result):
        con.print(item)


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
