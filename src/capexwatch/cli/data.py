"""Reading the store: ``quarters``, ``universe``, ``metrics``, ``series``, ``events``, ``info``."""

from __future__ import annotations

from typing import Any

import click

from capexwatch.cli._io import console, emit_json, open_store, print_all
from capexwatch.cli._options import date_opt, json_option, source_option, view_option
from capexwatch.report.records import info_record, metric_records, quarter_records

__all__ = ["events", "info", "metrics", "quarters", "series", "universe"]


@click.command()
@click.option("--ticker", "-t", help="Ticker, e.g. GOOGL.")
@click.option("--cik", help="SEC CIK, e.g. 1652044.")
@click.option("--metric", "-m", required=True, help="Canonical metric (see `capexwatch metrics`).")
@view_option("latest: most recently filed value; first-filed: what was first reported (backtests).")
@source_option("all: an SEC-derived value wins over a user figure, which wins over a curated one.")
@click.option("--as-of", help="Only figures public by this date (YYYY-MM-DD).")
@json_option
def quarters(
    ticker: str | None, cik: str | None, metric: str, view: str, source: str, as_of: str | None, as_json: bool
) -> None:
    """One metric, quarter by quarter, each value with its source."""
    import capexwatch
    from capexwatch.metrics import get_metric

    if bool(ticker) == bool(cik):
        raise click.UsageError("Give exactly one of --ticker or --cik.")
    unit = get_metric(metric).unit
    with open_store() as store:
        ent = store.entity(ticker or cik or "")
        df = capexwatch.quarters(store, ent["ticker"], metric, view=view, source=source, as_of=date_opt(as_of))
    if as_json:
        emit_json(quarter_records(df))
        return
    from capexwatch.report.tables import quarters_renderables

    print_all(quarters_renderables(df, ticker=ent["ticker"], metric=metric, unit=unit, view=view, source=source))


@click.command()
@json_option
def universe(as_json: bool) -> None:
    """The companies in the store (the universe plus any you ingested)."""
    with open_store() as store:
        df = store.entities()
    if as_json:
        emit_json(df)
        return
    from capexwatch.report.tables import universe_table

    console().print(universe_table(df))


@click.command()
@json_option
def metrics(as_json: bool) -> None:
    """The canonical metrics: name, unit, definition, XBRL tag chain."""
    rows = metric_records()
    if as_json:
        emit_json(rows)
        return
    from capexwatch.report.tables import metrics_table

    console().print(metrics_table(rows))


@click.command()
@json_option
def info(as_json: bool) -> None:
    """Where the store is, what it holds, and the loads that filled it."""
    with open_store() as store:
        out = info_record(store)
    if as_json:
        emit_json(out)
        return
    from capexwatch.report.tables import info_lines

    print_all(info_lines(out))


def _series_window(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """``--start``/``--end`` as ISO dates, or a usage error (exit 2); a start after the end is one too."""
    from capexwatch.errors import InvalidArgumentError

    first, last = date_opt(start, "--start"), date_opt(end, "--end")
    if first is not None and last is not None and first > last:
        raise InvalidArgumentError(f"--start {first} is after --end {last}.", hint="Give a start on or before the end.")
    return first, last


def _no_observations(store: Any, series_id: str, start: str | None, end: str | None) -> Exception:
    """The error for an empty window: an unknown series, or a window outside the series' dates."""
    from capexwatch.errors import DataError

    whole = store.series(series_id)
    if whole.empty:
        known = ", ".join(store.series_meta()["series_id"])
        return DataError(
            f"No observations for series {series_id!r}.",
            hint=f"Known series: {known}. Fetch others with `capexwatch update --macro --series ID`.",
        )
    first, last = str(whole["date"].iloc[0])[:10], str(whole["date"].iloc[-1])[:10]
    window = f"from {start or 'the start'} to {end or 'the end'}"
    return DataError(
        f"No observations of {series_id.upper()} {window}: the store holds {first} to {last}.",
        hint="Choose dates inside that range, or fetch newer ones with `capexwatch update --macro`.",
    )


@click.command()
@click.argument("series_id", required=False)
@click.option("--start", help="First date (YYYY-MM-DD).")
@click.option("--end", help="Last date (YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(min=1), help="Show the latest N observations (table default 40).")
@click.option("--all", "show_all", is_flag=True, help="Show every observation in the table.")
@json_option
def series(
    series_id: str | None, start: str | None, end: str | None, limit: int | None, show_all: bool, as_json: bool
) -> None:
    """Macro series (FRED): list them, or print one's observations (the latest 40 unless --all/--limit)."""
    first, last = _series_window(start, end)
    with open_store() as store:
        if series_id is None:
            df = store.series_meta()
        else:
            df = store.series(series_id, start=first, end=last)
            if df.empty:
                raise _no_observations(store, series_id, first, last)
    if as_json:
        emit_json(df.tail(limit) if limit and not show_all else df)
        return
    from capexwatch.report.tables import SERIES_ROWS, series_renderables

    print_all(series_renderables(df, limit=None if show_all else (limit or SERIES_ROWS)))


@click.command()
@click.option("--kind", help="Event kind, e.g. ai_revenue_run_rate, useful_life_change, moratorium.")
@click.option("--entity", help="Ticker or name, e.g. MSFT, OpenAI.")
@json_option
def events(kind: str | None, entity: str | None, as_json: bool) -> None:
    """Curated dated events (disclosures, deals, moratoria, prices), each with its source."""
    from capexwatch.errors import InvalidArgumentError

    with open_store() as store:
        df = store.events(kind, entity)
        if kind is not None and df.empty:
            known = sorted(set(store.events()["kind"]))
            if kind not in known:
                raise InvalidArgumentError(
                    f"Unknown event kind {kind!r}.", hint="Known kinds: " + ", ".join(known) + "."
                )
    if as_json:
        emit_json(df)
        return
    from capexwatch.report.tables import events_table

    console().print(events_table(df))
