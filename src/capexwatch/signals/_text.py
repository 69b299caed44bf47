"""How the signals write numbers into their summaries and check details.

Those texts are part of each signal's JSON, so their style is fixed: one decimal for trillions too
(``$1.2T``), unsigned percentages, ``n/a`` for a missing value. The formatting itself is
:mod:`capexwatch._fmt`'s; only the style is chosen here.
"""

from __future__ import annotations

from functools import partial

from capexwatch._fmt import num, pct, usd

__all__ = ["NA", "fmt_num", "fmt_pct", "fmt_usd"]

#: the text of a missing value in a signal's summary
NA = "n/a"

#: ``91.4e9`` -> ``"$91.4B"``, ``1.2e12`` -> ``"$1.2T"``
fmt_usd = partial(usd, missing=NA, trillion_digits=1)
#: ``12.345`` -> ``"12.3%"``
fmt_pct = partial(pct, signed=False, missing=NA)
#: ``1.2345`` -> ``"1.23"``
fmt_num = partial(num, missing=NA)
