"""Regression (found by the property test): a stale operand filed between two versions of another.

The 6-month figure was filed (old basis), then the 9-month figure once (old basis, its only
version), then a restatement re-filed the 6-month figure. A refinement of the vintage rule let
the 9-month figure pass because its value appeared *after* the 6-month's old version was last
filed; but it was never revised, so it belongs to the old basis and Q3 = 9M - 6M(restated) mixes
them. Only an operand that was itself revised after the other's old version may pass.
"""

from __future__ import annotations

import datetime as dt
import math

from capexwatch.facts.select import derive_quarters
from tests._support.facts_synth import to_frame

D = dt.date
M = 1e6
TAG = ("us-gaap", "NetCashProvidedByUsedInOperatingActivities")


def _fact(start: D, end: D, val: float, filed: D, accn: str, form: str = "10-Q") -> dict[str, object]:
    return {"taxonomy": TAG[0], "tag": TAG[1], "unit": "USD", "period_start": start, "period_end": end,
            "value": val, "accn": accn, "form": form, "filed": filed}  # fmt: skip


def test_never_revised_operand_is_stale() -> None:
    y0 = D(2018, 8, 1)
    rows = [
        _fact(y0, D(2018, 10, 31), -937 * M, D(2018, 12, 10), "0000000001-18-000001"),
        _fact(y0, D(2019, 1, 31), 2_323 * M, D(2019, 3, 8), "0000000001-19-000002"),
        _fact(y0, D(2019, 4, 30), 17_919 * M, D(2019, 6, 13), "0000000001-19-000003"),
        _fact(y0, D(2019, 1, 31), 1_706 * M, D(2021, 9, 26), "0000000001-21-000004", "10-K/A"),
    ]
    p = derive_quarters(to_frame(rows, 1), ticker="X", fye_month=7, metrics=["operating_cash_flow"])
    q3 = p[(p["fiscal_period"] == "FY2019Q3")].set_index("view")
    assert q3.loc["latest", "status"] == "not-derivable" and math.isnan(q3.loc["latest", "value"])
    assert "mix vintages" in q3.loc["latest", "reason"]
    assert q3.loc["first-filed", "value"] == (17_919 - 2_323) * M
