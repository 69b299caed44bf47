"""Risk signals: the analysts' risk table as live, backtested triggers.

One module per row of the table (``roi_gap``, ``capital_intensity``, ...), each keeping its
arithmetic in pure functions of DataFrames and declaring a ``SPEC``; the private modules hold what
they share. This namespace is the public API::

    import capexwatch
    from capexwatch import signals

    with capexwatch.open() as store:
        board = signals.run(store)                       # every signal, latest data
        past = signals.run(store, as_of="2024-06-30")    # only what was public on that date
        one = signals.run(store, names=["capital_intensity"], ticker="ORCL")[0]

Thresholds come from ``thresholds.toml`` (cited defaults) and ``$CAPEXWATCH_HOME/thresholds.toml``
(the user's overrides); see :mod:`capexwatch.signals.thresholds`. Design: ``NOTES.md`` beside this file.
"""

from __future__ import annotations

from capexwatch.signals._inputs import Inputs
from capexwatch.signals._registry import REGISTRY, UnknownSignalError, get_spec, signal_names
from capexwatch.signals._run import evaluate, evaluate_all, run
from capexwatch.signals._signal import (
    STATUSES,
    Check,
    Evidence,
    HistoryPoint,
    Signal,
    SignalSpec,
    Status,
    Threshold,
    Value,
    severity,
    worst,
)
from capexwatch.signals.thresholds import Thresholds, load_thresholds, thresholds_for

__all__ = [
    "REGISTRY",
    "STATUSES",
    "Check",
    "Evidence",
    "HistoryPoint",
    "Inputs",
    "Signal",
    "SignalSpec",
    "Status",
    "Threshold",
    "Thresholds",
    "UnknownSignalError",
    "Value",
    "evaluate",
    "evaluate_all",
    "get_spec",
    "load_thresholds",
    "run",
    "severity",
    "signal_names",
    "thresholds_for",
    "worst",
]
