"""Facts read from filing documents: ``dimensions``."""

from __future__ import annotations

import click

from capexwatch.cli._io import emit_json, open_store, print_all
from capexwatch.cli._options import json_option

__all__ = ["dimensions_cmd"]


@click.command("dimensions")
@click.option("--ticker", "-t", required=True, help="A company in the store.")
@click.option("--concept", "-c", help="One concept, e.g. us-gaap:Revenues (default: all).")
@json_option
def dimensions_cmd(ticker: str, concept: str | None, as_json: bool) -> None:
    """The dimensional facts stored from a company's filings: concept, axis, member, period, value, accession.

    Filled by `capexwatch ingest FILE.htm` and `capexwatch update --filings`.
    """
    from capexwatch.report.filing_tables import dimension_rows, dimensions_renderables

    with open_store(read_only=False) as store:
        ent = store.entity(ticker)
        facts = store.filing_facts(ticker=str(ent["ticker"]), concept=concept, dimensional_only=True)
    rows = dimension_rows(facts)
    if as_json:
        emit_json(rows)
        return
    print_all(dimensions_renderables(rows, ticker=str(ent["ticker"])))
