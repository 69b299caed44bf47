"""How the CLI ends: each kind of failure to a message on stderr and an exit code, no traceback.

====  =======================================================================
code  meaning
====  =======================================================================
0     success
1     a :class:`~capexwatch.errors.CapexwatchError` with no more specific kind
2     bad input (usage, files, unknown names; see :mod:`capexwatch.errors`)
3-6   settings, store, data, network (:attr:`CapexwatchError.exit_code`)
70    an internal error: a bug (``CAPEXWATCH_DEBUG=1`` shows the traceback)
130   interrupted (Ctrl-C) or aborted at a prompt
====  =======================================================================
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from capexwatch.errors import CapexwatchError

__all__ = ["EXIT_INTERNAL", "EXIT_INTERRUPTED", "run_mapping_errors"]

EXIT_INTERNAL = 70
"""``EX_SOFTWARE`` of BSD ``sysexits.h``: an internal software error."""
EXIT_INTERRUPTED = 130
"""128 + SIGINT, as shells report a command stopped by Ctrl-C."""


def _internal_error(exc: Exception) -> int:
    click.echo(f"Internal error: {type(exc).__name__}: {exc}", err=True)
    click.echo(
        "This is a bug in capexwatch; nothing partial was stored. Rerun with CAPEXWATCH_DEBUG=1 "
        "for the traceback and report it.",
        err=True,
    )
    return EXIT_INTERNAL


def run_mapping_errors(run: Callable[[], object]) -> int:
    """Call *run* (the Click command line); return its exit code, printing any error without a traceback."""
    try:
        run()
    except CapexwatchError as exc:
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted; nothing partial was stored.", err=True)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug, not a user error: say so plainly, keep the trace on request
        from capexwatch.config import debug_enabled

        store_failure = _store_failure(exc)
        if store_failure is not None:
            click.echo(f"Error: {store_failure}", err=True)
            return store_failure.exit_code
        if debug_enabled():
            raise
        return _internal_error(exc)
    return 0


def _store_failure(exc: Exception) -> CapexwatchError | None:
    """A DuckDB error about the store file met after it was opened (a corrupt block read by a
    query, the file locked or unwritable), as the store error it is; None for anything else."""
    duckdb = sys.modules.get("duckdb")  # not imported: no store was opened, so not a store error
    if duckdb is None or not isinstance(exc, duckdb.Error):
        return None
    from capexwatch.config import get_settings
    from capexwatch.store.db import store_error

    try:
        path = get_settings().db_path
    except CapexwatchError:
        return None
    return store_error(path, exc)
