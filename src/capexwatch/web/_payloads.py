"""The JSON the API returns: what the CLI's ``--json`` prints, from the functions the CLI calls.

Each function takes a store the caller opened (read-only) and the already-checked parameters, and
returns plain JSON data (:func:`capexwatch._json.to_jsonable`), so that memoised answers cannot be
changed by a later request. The record builders are the CLI's (:mod:`capexwatch.report.records`):
one definition of each ``--json`` shape.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from capexwatch._json import to_jsonable

if TYPE_CHECKING:
    from capexwatch.store.db import Store

__all__ = [
    "backtest",
    "info",
    "metrics",
    "quarters",
    "run",
    "runs",
    "scenarios",
    "signal",
    "signals",
    "universe",
]


def universe(store: Store) -> Any:
    """``capexwatch universe --json``."""
    return to_jsonable(store.entities())


def metrics() -> Any:
    """``capexwatch metrics --json``."""
    from capexwatch.report.records import metric_records

    return to_jsonable(metric_records())


def quarters(store: Store, company: str, metric: str, *, view: str, source: str, as_of: str | None) -> Any:
    """``capexwatch quarters --ticker T --metric M --view V --source S --as-of D --json``."""
    import capexwatch
    from capexwatch.metrics import get_metric
    from capexwatch.report.records import quarter_records

    get_metric(metric)
    ent = store.entity(company)
    df = capexwatch.quarters(store, ent["ticker"], metric, view=view, source=source, as_of=as_of)
    return to_jsonable(quarter_records(df))


def signals(store: Store, *, as_of: str | None) -> Any:
    """``capexwatch signals --as-of D --json``."""
    from capexwatch import signals as S

    return to_jsonable([s.to_dict(history=False) for s in S.run(store, as_of=as_of)])


def signal(store: Store, name: str, *, ticker: str | None, as_of: str | None) -> Any:
    """``capexwatch signal NAME --ticker T --as-of D --json``."""
    from capexwatch import signals as S

    spec = S.get_spec(name)
    return to_jsonable(S.run(store, names=[spec.name], ticker=ticker, as_of=as_of)[0].to_dict(history=True))


def backtest(store: Store, *, names: Sequence[str], start: str | None, end: str | None) -> Any:
    """``capexwatch backtest --signal N ... --start D --end D --json``."""
    from capexwatch import signals as S
    from capexwatch.signals.backtest import backtest as run_backtest
    from capexwatch.signals.backtest import backtest_inputs, default_dates

    sel = [S.get_spec(n).name for n in names] or None
    inputs = backtest_inputs(store)
    dates = default_dates(inputs, start, end)
    return to_jsonable(run_backtest(inputs, dates=dates, names=sel).to_dict())


@functools.cache
def scenarios() -> Any:
    """``capexwatch scenarios --json`` (the bundled presets: parsed once per process)."""
    from capexwatch.models.scenario import list_presets
    from capexwatch.report.records import preset_record

    return to_jsonable([preset_record(s) for s in list_presets()])


def info(store: Store) -> Any:
    """``capexwatch info --json``."""
    from capexwatch.report.records import info_record

    return to_jsonable(info_record(store))


_RUN_FIELDS = ("run_id", "created_at", "model", "scenario", "paths", "seed")


def runs(store: Store, *, limit: int) -> Any:
    """Saved simulation runs, newest first: ``run_id, created_at, model, scenario, paths, seed, title``."""
    import json

    out = []
    for rec in store.runs(limit=limit).to_dict(orient="records"):
        row = {k: rec.get(k) for k in _RUN_FIELDS}
        outputs = json.loads(rec["outputs"]) if isinstance(rec.get("outputs"), str) else {}
        row["title"] = outputs.get("title")
        out.append(row)
    return to_jsonable(out)


def run(store: Store, run_id: str) -> Any:
    """One saved run: its fields, ``parameters`` and ``outputs`` (``scalars``, ``series``, ...)."""
    return to_jsonable(store.run(run_id))
