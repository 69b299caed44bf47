"""How the CLI ends: each kind of failure to a message on stderr and an exit code, no traceback.

====  =======================================================================
code  meaning
====  =======================================================================
0     success
2     bad input: usage, options, files, unknown names (see :mod:`capexwatch.errors`)
3     settings (:class:`~capexwatch.errors.ConfigError`)
4     store (:class:`~capexwatch.errors.StoreError`)
5     data (:class:`~capexwatch.errors.DataError`)
6     network (:class:`~capexwatch.errors.NetworkError`)
70    an internal error: a bug (``CAPEXWATCH_DEBUG=1`` shows the traceback)
130   interrupted (Ctrl-C) or aborted at a prompt
====  =======================================================================

These are the codes of the README's table (``tests/test_cli_errors.py`` holds the CLI to it). With
``--json`` on the command line, an error is also printed on stdout as one JSON object,
``{"error": ..., "hint": ..., "exit_code": ...}``, so that a script reading stdout always gets JSON;
stderr keeps the human text.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence

import click

from capexwatch.errors import CapexwatchError

__all__ = [
    "DOCUMENTED_EXIT_CODES",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "json_requested",
    "run_mapping_errors",
]

EXIT_USAGE = 2
"""Bad input: Click's own code for a usage error, and ours for every bad value."""
EXIT_INTERNAL = 70
"""``EX_SOFTWARE`` of BSD ``sysexits.h``: an internal software error."""
EXIT_INTERRUPTED = 130
"""128 + SIGINT, as shells report a command stopped by Ctrl-C."""
DOCUMENTED_EXIT_CODES = frozenset({0, 2, 3, 4, 5, 6, EXIT_INTERNAL, EXIT_INTERRUPTED})
"""Every code the CLI can end with (the README's table)."""

_INTERNAL_HINT = (
    "This is a bug in capexwatch; nothing partial was stored. Rerun with CAPEXWATCH_DEBUG=1 "
    "for the traceback and report it."
)


def json_requested(argv: Sequence[str]) -> bool:
    """Whether *argv* asks for ``--json`` (before any ``--`` that ends the options)."""
    args = list(argv)
    if "--" in args:
        args = args[: args.index("--")]
    return "--json" in args


def _fail(message: str, hint: str | None, code: int, as_json: bool) -> int:
    """Print the error for a script (JSON on stdout) when asked; return *code*."""
    if as_json:
        click.echo(json.dumps({"error": message, "hint": hint, "exit_code": code}))
    return code


def _click_error(exc: click.ClickException, as_json: bool) -> int:
    exc.show()
    # a plain ClickException (a file Click cannot open, ...) is bad input too; Click gives it 1
    code = exc.exit_code if exc.exit_code in DOCUMENTED_EXIT_CODES and exc.exit_code else EXIT_USAGE
    hint = None
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        hint = f"Try '{exc.ctx.command_path} {exc.ctx.help_option_names[0]}' for help."
    return _fail(exc.format_message(), hint, code, as_json)


def _internal_error(exc: Exception, as_json: bool) -> int:
    click.echo(f"Internal error: {type(exc).__name__}: {exc}", err=True)
    click.echo(_INTERNAL_HINT, err=True)
    return _fail(f"Internal error: {type(exc).__name__}: {exc}", _INTERNAL_HINT, EXIT_INTERNAL, as_json)


def run_mapping_errors(run: Callable[[], object], *, as_json: bool = False) -> int:
    """Call *run* (the Click command line); return its exit code, printing any error without a traceback.

    Parameters
    ----------
    run : the command line to run
    as_json : the user asked for ``--json``: an error is also printed as a JSON object on stdout
    """
    try:
        run()
    except CapexwatchError as exc:
        click.echo(f"Error: {exc}", err=True)
        return _fail(exc.message, exc.hint, exc.exit_code, as_json)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return _fail("Aborted.", None, EXIT_INTERRUPTED, as_json)
    except click.ClickException as exc:
        return _click_error(exc, as_json)
    except KeyboardInterrupt:
        click.echo("Interrupted; nothing partial was stored.", err=True)
        return _fail("Interrupted; nothing partial was stored.", None, EXIT_INTERRUPTED, as_json)
    except Exception as exc:  # a bug, not a user error: say so plainly, keep the trace on request
        from capexwatch.config import debug_enabled

        store_failure = _store_failure(exc)
        if store_failure is not None:
            click.echo(f"Error: {store_failure}", err=True)
            return _fail(store_failure.message, store_failure.hint, store_failure.exit_code, as_json)
        if debug_enabled():
            raise
        return _internal_error(exc, as_json)
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
