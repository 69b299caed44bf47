"""Threshold comparisons up to floating-point noise, and check values read from DataFrame cells.

A value equal to its threshold up to floating-point noise counts as equal (``EPS``, relative):
``gt``/``lt`` do not fire at the edge, ``ge``/``le`` do. Cells hold NaN where pandas had nothing:
``flag``, ``text``, ``as_int`` and ``at_least`` turn them into None.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "EPS",
    "as_int",
    "at_least",
    "flag",
    "ge",
    "gt",
    "isnum",
    "le",
    "lt",
    "text",
]


#: relative tolerance of threshold comparisons: a value equal to its threshold up to floating-point
#: noise (e.g. 105 * 1.05 / 105 - 1 = 0.05000000000000004) counts as equal
EPS = 1e-9


def _tol(a: float, b: float) -> float:
    return EPS * max(1.0, abs(a), abs(b))


def gt(a: float, b: float) -> bool:
    """``a > b`` beyond floating-point noise (the edge itself does not fire)."""
    return a - b > _tol(a, b)


def ge(a: float, b: float) -> bool:
    """``a >= b`` up to floating-point noise (the edge itself fires)."""
    return a - b >= -_tol(a, b)


def lt(a: float, b: float) -> bool:
    """``a < b`` beyond floating-point noise."""
    return b - a > _tol(a, b)


def le(a: float, b: float) -> bool:
    """``a <= b`` up to floating-point noise."""
    return a - b <= _tol(a, b)


def isnum(x: Any) -> bool:
    """True for a finite number."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def flag(x: Any) -> bool | None:
    """A check result from a DataFrame cell: True/False, or None for None/NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return bool(x)


def text(x: Any) -> str | None:
    """A reason/note from a DataFrame cell: the string, or None for NaN/None/empty."""
    return x if isinstance(x, str) and x else None


def as_int(x: Any) -> int | None:
    """A run length or count as int (None for missing/NaN)."""
    return int(x) if isnum(x) else None


def at_least(run: Any, n: int) -> bool | None:
    """``run >= n`` for a run length cell (None when the run is unknown)."""
    r = as_int(run)
    return None if r is None else r >= n
