"""Filling and checking the store: ``update``, ``ingest``, ``audit``, ``screen``, ``cache info|clear``."""

from __future__ import annotations

import click

from capexwatch.cli._io import console, emit_json, open_store, print_all
from capexwatch.cli._options import date_opt, json_option, source_option, view_option

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
@click.option(
    "--filings",
    is_flag=True,
    help="Each company's latest 10-K and 10-Q inline XBRL documents (segments, customers, useful lives).",
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
    filings: bool,
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

    if filings:
        _update_filings(tickers, dry_run=dry_run, refresh=refresh, as_json=as_json)
        return
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


def _update_filings(tickers: str | None, *, dry_run: bool, refresh: bool, as_json: bool) -> None:
    """``update --filings``: the latest 10-K/10-Q documents of each company (or of --tickers)."""
    from capexwatch.pipeline.filings import update_filings
    from capexwatch.report.pipeline_tables import update_renderables
    from capexwatch.report.progress import update_progress

    with open_store(read_only=False) as store, update_progress() as progress:
        report = update_filings(
            store, tickers=[tickers] if tickers else None, dry_run=dry_run, refresh=refresh, progress=progress
        )
    if as_json:
        emit_json(report.as_dict())
        return
    print_all(update_renderables(report.as_dict()))


@click.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--accession", help="Filing documents: the filing's accession (0001045810-25-000209).")
@click.option("--filed", help="Filing documents: the filing date (YYYY-MM-DD); required unless the name gives it.")
@click.option(
    "--allow",
    "allow",
    metavar="CHECKS",
    default="",
    help="CSV only: load rows that fail these checks (comma-separated): negative (a negative capex), "
    "label-mismatch (fiscal_period is not the quarter ending on period_end). Each such row's note says so.",
)
@json_option
def ingest(path: str, accession: str | None, filed: str | None, allow: str, as_json: bool) -> None:
    """Load a file: your own figures (.csv), an SEC companyfacts document (.json), the bulk zip,
    or a filing document (.htm inline XBRL, .xml XBRL instance of a 10-K/10-Q).

    CSV columns: ticker, metric, fiscal_period (FY2025Q3), period_end (YYYY-MM-DD), value,
    unit (USD | USD_millions | USD_billions | percent), source; optional period_start, name,
    fye_month, role, cik, source_kind, note. A bad row stops the load: nothing of the file is stored.
    """
    import datetime as dt

    from capexwatch.cli._options import date_opt
    from capexwatch.pipeline.files import ingest_path

    filed_date = dt.date.fromisoformat(d) if (d := date_opt(filed, "--filed")) else None
    with open_store(read_only=False) as store:
        summary = ingest_path(store, path, accession=accession, filed=filed_date, allow=allow)
    if as_json:
        emit_json(summary)
        return
    if summary.get("kind") != "user-csv":
        from capexwatch.report.pipeline_tables import update_renderables

        print_all(update_renderables(summary))
        return
    from capexwatch.report.pipeline_tables import csv_summary_line

    console().print(csv_summary_line({**summary, "path": summary.get("path", path)}))


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
    from capexwatch.errors import DataError
    from capexwatch.pipeline.audit import audit_ticker

    with open_store() as store:
        compared = store.compare_sources(str(store.entity(ticker)["ticker"]), metric)
        try:
            df = audit_ticker(store, ticker, metric=metric, view=view)
        except DataError:
            if compared.empty:
                raise
            df = None  # no companyfacts stored: the filing figures' comparison is still worth showing
    if as_json:
        emit_json(df if df is not None else [])
        return
    from capexwatch.report.filing_tables import source_comparison_renderables
    from capexwatch.report.pipeline_tables import audit_tables

    print_all([*(audit_tables(df) if df is not None else []),
               *source_comparison_renderables(compared, ticker=ticker.upper())])  # fmt: skip


@click.command("screen")
@click.option("--metric", "-m", default="capex_intensity", show_default=True,
              help="capex_intensity, capex_to_ocf, capex_to_depreciation, or any canonical metric.")  # fmt: skip
@click.option("--top", default=50, show_default=True, type=click.IntRange(min=1), help="How many companies to show.")
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
            df = screen(store, metric, top=top, ascending=ascending, ttm=ttm, since=date_opt(since, "--since"),
                        view=view, source=source, as_of=date_opt(as_of))  # fmt: skip
        except UnknownMetricError:
            raise UnknownMetricError(metric, screen_names()) from None
    if as_json:
        emit_json(df)
        return
    from capexwatch.report.pipeline_tables import screen_renderables

    print_all(screen_renderables(df, metric=metric, ttm=ttm, source=source))
