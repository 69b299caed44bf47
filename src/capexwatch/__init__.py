"""capexwatch: open the black box of AI-infrastructure spending.

The public API: the verbs and nouns a user needs, from the private modules that define them::

    import capexwatch

    store = capexwatch.open()
    capex = capexwatch.quarters(store, "GOOGL", "capex")      # a DataFrame, each value with its source
    board = capexwatch.signals.run(store)                      # the risk board
    result = capexwatch.simulate(capexwatch.load_scenario("sequoia-2024"))
    report = capexwatch.build_report(store)

Everything returns pandas DataFrames or plain objects (see ``store/NOTES.md``). Every error a user
can act on is a :class:`CapexwatchError` (see :mod:`capexwatch.errors`). Names not in ``__all__``
are private. The heavy verbs load on first use, so ``import capexwatch`` (and ``capexwatch --help``)
stays fast.
"""

# No `from __future__ import annotations` and only private aliases here: every public name of this
# namespace is in __all__ (tests/test_exported_members.py holds it to that).
import typing as _typing
from importlib import import_module as _import_module

from capexwatch._api import open, quarters
from capexwatch.errors import (
    CapexwatchError,
    ConfigError,
    DataError,
    DistributionError,
    HttpStatusError,
    InputFileError,
    InvalidArgumentError,
    InvalidRequestError,
    NetworkError,
    NotFoundError,
    ScenarioError,
    StoreBusyError,
    StoreError,
    UnknownMetricError,
    UnknownModelError,
    UnknownSignalError,
    UnknownTickerError,
)

if _typing.TYPE_CHECKING:
    from capexwatch import signals
    from capexwatch.models.engine import simulate
    from capexwatch.models.scenario import load_scenario
    from capexwatch.pipeline.files import ingest_path as ingest
    from capexwatch.pipeline.update import update
    from capexwatch.report.build import build_report
    from capexwatch.store.db import Store

    __version__: str

__all__ = [
    "CapexwatchError",
    "ConfigError",
    "DataError",
    "DistributionError",
    "HttpStatusError",
    "InputFileError",
    "InvalidArgumentError",
    "InvalidRequestError",
    "NetworkError",
    "NotFoundError",
    "ScenarioError",
    "Store",
    "StoreBusyError",
    "StoreError",
    "UnknownMetricError",
    "UnknownModelError",
    "UnknownSignalError",
    "UnknownTickerError",
    "__version__",
    "build_report",
    "ingest",
    "load_scenario",
    "open",
    "quarters",
    "signals",
    "simulate",
    "update",
]

_LAZY: dict[str, tuple[str, str | None]] = {
    "Store": ("capexwatch.store.db", "Store"),
    "build_report": ("capexwatch.report.build", "build_report"),
    "ingest": ("capexwatch.pipeline.files", "ingest_path"),
    "load_scenario": ("capexwatch.models.scenario", "load_scenario"),
    "signals": ("capexwatch.signals", None),
    "simulate": ("capexwatch.models.engine", "simulate"),
    "update": ("capexwatch.pipeline.update", "update"),
}
"""Exports that import DuckDB, pandas or NumPy: name -> (module, attribute; None for the module itself)."""


def _package_version() -> str:
    """The installed distribution's version (``importlib.metadata`` costs ~40 ms: read on first use)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("capexwatch")
    except PackageNotFoundError:  # pragma: no cover - a source tree on sys.path, never installed
        return "0+unknown"


def __getattr__(name: str) -> _typing.Any:
    if name == "__version__":
        globals()[name] = found = _package_version()
        return found
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'capexwatch' has no attribute {name!r}")
    module = _import_module(where[0])
    value = module if where[1] is None else getattr(module, where[1])
    globals()[name] = value  # later lookups find it without coming here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, "__version__"})
