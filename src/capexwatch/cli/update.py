"""Filling and checking the store: ``update``, ``ingest``, ``audit``, ``screen``, ``cache info|clear``."""

from __future__ import annotations

import click

from capexwatch.cli._io import console, emit_json, open_store, print_all
from capexwatch.cli._options import json_option, source_option, view_option

__all__ = ["audit_cmd", "cache_group", "ingest", "screen_cmd", "update_cmd"]


@click.command("update")
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
    from capexwatch.pipeline.update import update
    from capexwatch.report.progress import update_progress

    with open_store(read_only=False) as store, update_progress() as progress:
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
    from capexwatch.report.pipeline_tables import update_renderables

    print_all(update_renderables(report.as_dict()))


@click.command()
@click.argument("path", type=click.Path(dir_okay=False))
@json_option
def ingest(path: str, as_json: bool) -> None:
    """Load a file: your own figures (.csv), an SEC companyfacts document (.json) or the bulk zip.

    CSV columns: ticker, metric, fiscal_period (FY2025Q3), period_end (YYYY-MM-DD), value,
    unit (USD | USD_millions | USD_billions | percent), source; optional period_start, name,
    fye_month, role, cik, source_kind, note. A bad row stops the load: nothing of the file is stored.
    """
    from capexwatch.pipeline.files import ingest_path

    with open_store(read_only=False) as store:
        summary = ingest_path(store, path)
    if as_json:
        emit_json(summary)
        return
    if summary.get("kind") != "user-csv":
        from capexwatch.report.pipeline_tables import update_renderables

        print_all(update_renderables(summary))
        return
    parts = ", ".join(f"{k}: {v}" for k, v in summary.items() if k not in ("path",))
    console().print(f"[green]Loaded[/green] {path} ({parts})")


@click.group("cache")
def cache_group() -> None:
    """The on-disk cache of SEC and FRED answers (under $CAPEXWATCH_HOME/cache)."""


@cache_group.command("info")
@json_option
def cache_info_cmd(as_json: bool) -> None:
    """Where the cache is, its size, and entries per kind of URL (with their time to live)."""
    from capexwatch.sources.http import KINDS, cache_info

    info = cache_info()
    if as_json:
        emit_json(info)
        return
    from capexwatch.report.pipeline_tables import cache_info_renderables

    print_all(cache_info_renderables(info, KINDS))


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


@click.command("audit")
@click.argument("ticker")
@click.option("--metric", "-m", help="One canonical metric (default: every metric with an XBRL tag chain).")
@view_option()
@json_option
def audit_cmd(ticker: str, metric: str | None, view: str, as_json: bool) -> None:
    """Why each SEC-derived quarter is what it is: value, tag, accession, filing, method, checks.

    Recomputed from the raw XBRL facts stored by `capexwatch update` (or `ingest` of a companyfacts
    file), with the same rules that built the panel.
    """
    from capexwatch.pipeline.audit import audit_ticker

    with open_store() as store:
        df = audit_ticker(store, ticker, metric=metric, view=view)
    if as_json:
        emit_json(df)
        return
    from capexwatch.report.pipeline_tables import audit_tables

    print_all(audit_tables(df))


@click.command("screen")
@click.option("--metric", "-m", default="capex_intensity", show_default=True,
              help="capex_intensity, capex_to_ocf, capex_to_depreciation, or any canonical metric.")  # fmt: skip
@click.option("--top", default=50, show_default=True, type=int, help="How many companies to show.")
@click.option("--ascending", is_flag=True, help="Smallest first.")
@click.option("--ttm", is_flag=True, help="For a canonical flow metric: rank by the trailing-four-quarter sum.")
@click.option("--since", help="Leave out companies whose ranked quarter ends before this date (YYYY-MM-DD).")
@view_option()
@source_option()
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
    from capexwatch.errors import UnknownMetricError
    from capexwatch.store.screen import screen, screen_names

    with open_store() as store:
        try:
            df = screen(store, metric, top=top, ascending=ascending, ttm=ttm, since=since, view=view,
                        source=source, as_of=as_of)  # fmt: skip
        except UnknownMetricError:
            raise UnknownMetricError(metric, screen_names()) from None
    if as_json:
        emit_json(df)
        return
    from capexwatch.report.pipeline_tables import screen_renderables

    print_all(screen_renderables(df, metric=metric, ttm=ttm))
