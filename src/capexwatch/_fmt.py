"""Numbers as text: the one place USD becomes "$91.4B" (and percentages, ratios, plain numbers).

The faces render with these (:mod:`capexwatch.report.fmt` re-exports them with the faces'
defaults); the signals write their one-line summaries and check details with them too (those texts
are part of a signal's JSON), in their own fixed style (:mod:`capexwatch.signals._text`). It sits
at the package root, beside ``_json.py``, because both layers need it and signals may not import
the faces.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["is_missing", "num", "pct", "ratio", "usd"]

#: what a face shows for a missing value
MISSING = "—"


def is_missing(x: Any) -> bool:
    """True for None, NaN and NaT."""
    if x is None:
        return True
    try:
        return bool(math.isnan(float(x)))
    except (TypeError, ValueError):
        return str(x) in ("NaT", "nan", "None")


def usd(x: Any, digits: int = 1, *, missing: str = MISSING, trillion_digits: int | None = None) -> str:
    """USD base units as ``"$91.4B"``, ``"$650.0M"``, ``"$1.20T"``; *missing* when missing.

    Parameters
    ----------
    x : amount in USD (base units, not millions)
    digits : decimals after the B/M/K scale
    missing : the text for None/NaN
    trillion_digits : decimals for trillions (default: one more than *digits*, so that $1.20T and
        $1.25T stay apart)
    """
    if is_missing(x):
        return missing
    v = float(x)
    sign = "-" if v < 0 else ""
    a = abs(v)
    for div, suf in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= div:
            d = (digits + 1 if trillion_digits is None else trillion_digits) if suf == "T" else digits
            return f"{sign}${a / div:,.{d}f}{suf}"
    return f"{sign}${a:,.0f}"


def pct(x: Any, digits: int = 1, *, signed: bool = True, missing: str = MISSING) -> str:
    """A percentage value (12.5 means 12.5%) as ``"+12.5%"`` (``"12.5%"`` unsigned); *missing* when missing."""
    if is_missing(x):
        return missing
    return f"{float(x):+.{digits}f}%" if signed else f"{float(x):.{digits}f}%"


def ratio(x: Any, digits: int = 2, *, missing: str = MISSING) -> str:
    """A ratio as ``"0.37x"``; *missing* when missing."""
    if is_missing(x):
        return missing
    return f"{float(x):.{digits}f}x"


def num(x: Any, digits: int = 2, *, missing: str = MISSING) -> str:
    """A plain number, ``"1.23"``; *missing* when missing."""
    if is_missing(x):
        return missing
    return f"{float(x):.{digits}f}"
