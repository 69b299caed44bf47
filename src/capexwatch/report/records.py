"""The ``--json`` records: one definition of each shape, shared by the CLI and the web API.

``capexwatch quarters --json`` and ``GET /api/v1/quarters`` print the same records because both
build them here (and likewise ``metrics``, ``scenarios`` and ``info``). Rendering only: each
function reshapes what the store, ``metrics`` or the scenario parser returned and computes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.models.scenario import Scenario
    from capexwatch.store.db import Store

__all__ = ["info_record", "metric_records", "preset_record", "quarter_records"]


def quarter_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Panel rows as the ``quarters --json`` records: every panel column but ``load_id``."""
    from capexwatch.store.db import PANEL_COLUMNS

    fields = [c for c in PANEL_COLUMNS if c != "load_id"]
    return [{k: r.get(k) for k in fields} for r in df.to_dict(orient="records")]


def metric_records() -> list[dict[str, Any]]:
    """The canonical metrics as the ``metrics --json`` rows (and the terminal table's)."""
    from capexwatch.metrics import METRICS

    return [
        {
            "name": m.name,
            "label": m.label,
            "unit": m.unit,
            "kind": m.kind,
            "definition": m.definition,
            "tags": list(m.tags),
            "caveats": m.caveats,
        }
        for m in METRICS.values()
    ]


def preset_record(s: Scenario) -> dict[str, Any]:
    """One scenario preset as its ``scenarios --json`` row."""
    return {
        "name": s.name,
        "model": s.model.name,
        "title": s.title,
        "description": s.description,
        "paths": s.paths,
        "seed": s.seed,
        "horizon_quarters": s.horizon_quarters if s.model.time_series else None,
        "start_quarter": s.start_quarter,
        "parameters": list(s.params),
        "expect": {k: {"value": e.value, "source": e.source} for k, e in s.expect.items()},
    }


def info_record(store: Store) -> dict[str, Any]:
    """What ``info --json`` prints: the store's path, its snapshot, row counts and the last 10 loads."""
    from capexwatch.sources.snapshot import snapshot_version

    return {
        "store": str(store.path),
        "snapshot_version": snapshot_version(),
        "snapshot_loaded": store.snapshot_loaded(),
        "counts": store.counts(),
        "loads": store.loads().head(10),
    }
