"""What every command shares to reach the API and the terminal: the store, stdout, JSON."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from capexwatch.store.db import Store

__all__ = ["console", "emit_json", "open_store", "print_all"]


def open_store(read_only: bool = True) -> Store:
    """Open the store: read-only for commands that only read (several may run at once, beside a
    writer that is not committing), else writable (the file is held for writing only while a
    write commits). On first use either creates it and loads the snapshot with one short write."""
    from capexwatch.store.load import open_store as open_loaded

    return open_loaded(read_only=read_only, prepare=True)


def emit_json(obj: Any) -> None:
    """Print *obj* as JSON on stdout (dates as ISO strings, NaN as null)."""
    from capexwatch._json import dumps

    click.echo(dumps(obj))


def console() -> Console:
    """A Rich console on stdout (imported lazily)."""
    from rich.console import Console

    # piped output (scripts, CI logs) gets a wide fixed width rather than Rich's 80 columns
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def print_all(items: list[RenderableType] | tuple[RenderableType, ...]) -> None:
    """Print what a ``report`` renderer returned, in order, on one stdout console."""
    con = console()
    for item in items:
        con.print(item)
