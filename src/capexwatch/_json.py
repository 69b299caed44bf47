"""JSON output for scripts: ISO dates, NaN/NaT as null, NumPy scalars as plain numbers."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

__all__ = ["dumps", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Convert *obj* (possibly holding pandas/NumPy values) to plain JSON types."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (dt.datetime, dt.date)):
        if str(obj) == "NaT":
            return None
        if isinstance(obj, dt.datetime) and obj.time() == dt.time(0):
            return obj.date().isoformat()
        return obj.isoformat()
    # NumPy / pandas scalars without importing them eagerly
    mod = type(obj).__module__
    if mod.startswith("numpy") and hasattr(obj, "tolist"):
        return to_jsonable(obj.tolist())
    if mod.startswith("pandas"):
        import pandas as pd

        if isinstance(obj, pd.DataFrame):
            return [to_jsonable(r) for r in obj.to_dict(orient="records")]
        if isinstance(obj, pd.Series):
            return to_jsonable(obj.to_dict())
        if obj is pd.NaT or pd.isna(obj):
            return None
        if isinstance(obj, pd.Timestamp):
            return to_jsonable(obj.to_pydatetime())
    try:
        import pandas as pd

        if pd.isna(obj):
            return None
    except (TypeError, ValueError, ImportError):
        pass
    return str(obj)


def dumps(obj: Any, *, indent: int | None = 2) -> str:
    """Serialise *obj* to JSON text."""
    return json.dumps(to_jsonable(obj), indent=indent, allow_nan=False)
