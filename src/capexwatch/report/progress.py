"""Progress shown while the long commands run: bars on stderr (``update``, ``simulate``), a spinner (``backtest``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["SIMULATE_BAR_MIN_PATHS", "backtest_status", "simulation_progress", "update_progress"]

SIMULATE_BAR_MIN_PATHS = 200_000
"""Smaller runs finish before a bar would be worth drawing."""


@contextmanager
def update_progress() -> Iterator[Callable[[str, int, int], None]]:
    """A bar for ``update``; yields the ``progress(label, done, total)`` callback it takes."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    err = Console(stderr=True)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    bar.start()
    task = bar.add_task("capexwatch update", total=None)

    def step(label: str, done: int, total: int) -> None:
        bar.update(task, description=label, completed=done, total=total or None)

    try:
        yield step
    finally:
        bar.stop()


@contextmanager
def simulation_progress(total_paths: int) -> Iterator[Callable[[int, int], None]]:
    """A bar for ``simulate`` over *total_paths*; yields the engine's ``progress(done, total)`` callback."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    err = Console(stderr=True)
    with Progress(
        TextColumn("[dim]simulating[/dim]"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} paths"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        auto_refresh=False,  # refreshed from the progress callback: no thread, so workers may fork
        disable=not err.is_terminal or total_paths < SIMULATE_BAR_MIN_PATHS,
    ) as bar:
        task = bar.add_task("simulate", total=total_paths)
        yield lambda done, _total: bar.update(task, completed=done, refresh=True)


@contextmanager
def backtest_status(console: Console) -> Iterator[Callable[[int, int], None]]:
    """A spinner on *console* for ``backtest``; yields the ``progress(i, n)`` callback over dates."""
    with console.status("Backtesting...") as st:
        yield lambda i, n: st.update(f"Backtesting: date {i + 1} of {n}")
