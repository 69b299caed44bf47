"""The ``capexwatch`` command line: thin.

Each command parses its options, calls the Python API, hands the result to a renderer of
:mod:`capexwatch.report` (or prints ``--json``), and :mod:`~capexwatch.cli._errors` maps errors to
exit codes. One module per command group:

============  ====================================================================
module        commands
============  ====================================================================
``data``      ``quarters``, ``universe``, ``metrics``, ``series``, ``events``, ``info``
``update``    ``update``, ``ingest``, ``audit``, ``screen``, ``cache info|clear``
``filings``   ``dimensions``
``signals``   ``signals``, ``signal``, ``backtest``
``models``    ``scenarios``, ``simulate``
``cycles``    ``calibrate``, ``phantom-share``, ``analogs``
``report``    ``report``
``serve``     ``serve`` (the web dashboard and JSON API; extra ``web``)
============  ====================================================================

Heavy libraries (pandas, DuckDB, Plotly, NumPy) are imported inside the commands so that
``capexwatch --help`` stays fast. Every command takes ``--json`` for scripts.
"""

from __future__ import annotations

import sys

import click

from capexwatch.cli import cycles, data, filings, models, report, serve, signals, update
from capexwatch.cli._errors import json_requested, run_mapping_errors

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="capexwatch")
def cli() -> None:
    """capexwatch: AI-infrastructure capex against the revenue it earns, from primary filings.

    Data come from the bundled, cited snapshot (offline) and, with `capexwatch update`, from SEC
    EDGAR XBRL and FRED. The store is one DuckDB file under $CAPEXWATCH_HOME.
    """


for _command in (
    data.quarters,
    data.universe,
    data.metrics,
    data.series,
    data.events,
    data.info,
    update.update_cmd,
    update.ingest,
    update.audit_cmd,
    update.screen_cmd,
    update.cache_group,
    filings.dimensions_cmd,
    signals.signals_cmd,
    signals.signal_cmd,
    signals.backtest_cmd,
    models.scenarios_cmd,
    models.simulate_cmd,
    cycles.calibrate_cmd,
    cycles.phantom_share_cmd,
    cycles.analogs_cmd,
    report.report,
    serve.serve,
):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, print user errors without a traceback, return the exit code."""
    args = sys.argv[1:] if argv is None else argv
    return run_mapping_errors(
        lambda: cli.main(args=args, prog_name="capexwatch", standalone_mode=False), as_json=json_requested(args)
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
