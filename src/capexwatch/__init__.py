"""capexwatch: open the black box of AI-infrastructure spending.

The public API. Everything returns pandas DataFrames or plain objects; see ``store/NOTES.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from capexwatch.errors import (
    CapexwatchError,
    ConfigError,
    DataError,
    InputFileError,
    NetworkError,
    ScenarioError,
    StoreError,
    UnknownMetricError,
    UnknownTickerError,
)

if TYPE_CHECKING:
    from pathlib import Path

    from capexwatch.store.db import Store

__version__ = "0.1.0"

__all__ = [
    "CapexwatchError",
    "ConfigError",
    "DataError",
    "InputFileError",
    "NetworkError",
    "ScenarioError",
    "StoreError",
    "UnknownMetricError",
    "UnknownTickerError",
    "__version__",
    "open",
]


def open(path: str | Path | None = None, *, read_only: bool = False) -> Store:  # noqa: A001
    """Open (creating and loading the bundled snapshot on first use) the capexwatch store.

    Parameters
    ----------
    path : DuckDB file; default ``$CAPEXWATCH_HOME/capexwatch.duckdb``
    read_only : open without write access (several readers may share the file)
    """
    from capexwatch.store.load import open_store

    return open_store(path, read_only=read_only)


def __getattr__(name: str) -> Any:  # pragma: no cover - lazy convenience
    raise AttributeError(f"module 'capexwatch' has no attribute {name!r}")
