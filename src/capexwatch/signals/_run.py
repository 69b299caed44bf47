"""Evaluate signals: on :class:`~capexwatch.signals._inputs.Inputs` (pure) or on a store the caller opened."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from capexwatch.errors import CapexwatchError
from capexwatch.signals._inputs import Inputs
from capexwatch.signals._registry import get_spec, signal_names
from capexwatch.signals._signal import Signal, Value
from capexwatch.signals.thresholds import Thresholds, load_thresholds, thresholds_for

if TYPE_CHECKING:
    from capexwatch.store.db import Store

__all__ = ["evaluate", "evaluate_all", "run"]


def evaluate(
    inputs: Inputs,
    name: str,
    *,
    ticker: str | None = None,
    thresholds: Thresholds | None = None,
) -> Signal:
    """Evaluate one signal on *inputs* (pure: no store, no files except the thresholds).

    An unexpected failure inside a signal is reported as ``insufficient-data`` with the error in
    ``reason`` rather than taking the whole board down; user errors (bad thresholds) propagate.
    """
    spec = get_spec(name)
    th = thresholds if thresholds is not None else load_thresholds()
    try:
        return _finalize(spec.compute(inputs, thresholds_for(th, spec.name), ticker.upper() if ticker else None))
    except CapexwatchError:
        raise
    except Exception as exc:  # noqa: BLE001 - one broken signal must not hide the others
        sig = spec.make(scope=ticker or "group", thresholds=thresholds_for(th, spec.name), point_in_time=inputs.as_of)
        sig.reason = f"signal failed: {type(exc).__name__}: {exc} (please report this as a bug)"
        sig.summary = sig.reason
        return sig


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _finalize(sig: Signal) -> Signal:
    """Normalise what pandas leaves behind: NaN reasons and values become None."""
    sig.reason = sig.reason if isinstance(sig.reason, str) and sig.reason else None
    sig.value = _clean(sig.value)
    sig.values = {
        k: Value(_clean(v.value), v.unit, v.label if isinstance(v.label, str) else "") for k, v in sig.values.items()
    }
    return sig


def evaluate_all(
    inputs: Inputs,
    *,
    names: Sequence[str] | None = None,
    ticker: str | None = None,
    thresholds: Thresholds | None = None,
) -> list[Signal]:
    """Evaluate several signals (default: all, in board order)."""
    th = thresholds if thresholds is not None else load_thresholds()
    return [evaluate(inputs, n, ticker=ticker, thresholds=th) for n in (names or signal_names())]


def run(
    store: Store,
    *,
    as_of: str | dt.date | None = None,
    names: Sequence[str] | None = None,
    ticker: str | None = None,
    thresholds: Thresholds | Mapping[str, Any] | None = None,
) -> list[Signal]:
    """Read *store* (opened by the caller) and evaluate signals.

    Parameters
    ----------
    store : the store to read (``capexwatch.open()`` gives the default one)
    as_of : evaluate with only what was public on this date (first-filed figures with
        ``known_at <= as_of``, events dated on or before it, series observed on or before it)
    names : signal names (default: all)
    ticker : evaluate for one company (checked against the store's entities)
    thresholds : full thresholds (from :func:`load_thresholds`); default: defaults + user file
    """
    for n in names or []:
        get_spec(n)  # fail early on a typo, before reading the store
    if ticker is not None:
        ticker = str(store.entity(ticker)["ticker"])
    inputs = Inputs.from_store(store, as_of=as_of, tickers=[ticker] if ticker else None)
    th = thresholds if thresholds is not None else load_thresholds()
    return evaluate_all(inputs, names=names, ticker=ticker, thresholds=th)  # type: ignore[arg-type]
