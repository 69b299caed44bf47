"""Display formatting for the faces: USD as "$91.4B", percentages, ratios ("—" when missing).

The functions live in :mod:`capexwatch._fmt`, the one place numbers become text (the signals use it
for their summaries); this module is the faces' name for them.
"""

from __future__ import annotations

from capexwatch._fmt import is_missing, pct, ratio, usd

__all__ = ["is_missing", "pct", "ratio", "usd"]
