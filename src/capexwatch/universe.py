"""The companies capexwatch follows (``universe.toml``)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["BIG_FOUR", "ROLES", "load_universe"]

ROLES = ("hyperscaler", "chip-vendor", "neocloud", "foundry", "connectivity", "other")

#: the four hyperscalers whose summed capex is "Big-Four capex"
BIG_FOUR = ("MSFT", "GOOGL", "AMZN", "META")


@cache
def load_universe() -> tuple[dict[str, Any], ...]:
    """The companies of ``universe.toml``: ticker, name, cik, role, fye_month, big_four, notes."""
    with resources.files("capexwatch").joinpath("universe.toml").open("rb") as fh:
        data = tomllib.load(fh)
    out = []
    for c in data["company"]:
        out.append(
            {
                "ticker": c["ticker"].upper(),
                "name": c["name"],
                "cik": c.get("cik"),
                "role": c["role"],
                "fye_month": int(c["fye_month"]),
                "big_four": bool(c.get("big_four", False)),
                "notes": c.get("notes", ""),
            }
        )
    return tuple(out)
