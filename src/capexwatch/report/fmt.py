"""Display formatting: the only place USD becomes "$91.4B"."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["is_missing", "pct", "ratio", "usd"]


def is_missing(x: Any) -> bool:
    """True for None, NaN and NaT."""
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return str(x) in ("NaT", "nan", "None")


def usd(x: Any, *, digits: int = 1) -> str:
    """USD base units as "$91.4B", "$650M", "$1.20T"; "—" when missing."""
    if is_missing(x):
        return "—"
    v = float(x)
    sign = "-" if v < 0 else ""
    a = abs(v)
    for div, suf in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= div:
            d = digits + 1 if suf == "T" else digits
            return f"{sign}${a / div:,.{d}f}{suf}"
    return f"{sign}${a:,.0f}"


def pct(x: Any, *, digits: int = 1, signed: bool = True) -> str:
    """A percentage value (12.5 means 12.5%) as "+12.5%"; "—" when missing."""
    if is_missing(x):
        return "—"
    return f"{float(x):+.{digits}f}%" if signed else f"{float(x):.{digits}f}%"


def ratio(x: Any, *, digits: int = 2) -> str:
    """A ratio as "0.37x"; "—" when missing."""
    if is_missing(x):
        return "—"
    return f"{float(x):.{digits}f}x"
