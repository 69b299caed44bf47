"""Regression: a figure re-presented in a coarser unit is the same figure, and audit says which was used.

A filer that moves from thousands to millions re-files old year-to-date figures rounded:
53,679,000 (10-Q, thousands) reappears as 53,700,000 (a later 10-Q's comparative, to 100,000).
That is not a restatement: the quarter is derived, and the audit names the representation used
and the other one. The boundary: a later value that is *not* the earlier one rounded to its own
unit (53,600,000 is 79,000 away, more than half of 100,000) stays a revision (fail closed).
"""

from __future__ import annotations

import datetime as dt
import math

from capexwatch.facts.audit import audit_quarters
from capexwatch.facts.decode import decode_companyfacts
from capexwatch.facts.select import derive_quarters
from tests._support.data import SEC
from tests._support.facts_synth import to_frame

D = dt.date
TAG = ("us-gaap", "PaymentsToAcquirePropertyPlantAndEquipment")


def _fact(start: D, end: D, val: float, filed: D, accn: str, form: str = "10-Q") -> dict[str, object]:
    return {"taxonomy": TAG[0], "tag": TAG[1], "unit": "USD", "period_start": start, "period_end": end,
            "value": val, "accn": accn, "form": form, "filed": filed}  # fmt: skip


def _rows(re_presented: float) -> list[dict[str, object]]:
    y = D(2014, 1, 1)
    return [
        _fact(y, D(2014, 3, 31), 17_123_000, D(2014, 5, 1), "0000000001-14-000001"),
        _fact(y, D(2014, 6, 30), 35_456_000, D(2014, 8, 1), "0000000001-14-000002"),
        _fact(y, D(2014, 9, 30), 53_679_000, D(2014, 11, 1), "0000000001-14-000003"),
        _fact(y, D(2014, 12, 31), 72_000_000, D(2015, 2, 20), "0000000001-15-000001", "10-K"),
        # a later filing in millions (one decimal) re-files the 9-month figure and the 6-month one
        _fact(y, D(2014, 6, 30), 35_500_000, D(2015, 8, 1), "0000000001-15-000002"),
        _fact(y, D(2014, 9, 30), re_presented, D(2015, 11, 1), "0000000001-15-000004"),
    ]


def test_rounded_re_presentation_derives_and_audit_names_it() -> None:
    facts = to_frame(_rows(53_700_000), 1)
    p = derive_quarters(facts, ticker="X", fye_month=12, metrics=["capex"])
    q3 = p[(p["fiscal_period"] == "FY2014Q3") & (p["view"] == "latest")].iloc[0]
    assert q3["status"] == "ok"
    assert q3["value"] == 53_700_000 - 35_500_000  # the latest representations, both rounded
    a = audit_quarters(facts, ticker="X", fye_month=12, metric="capex", view="latest")
    ops = a[a["fiscal_period"] == "FY2014Q3"].iloc[0]["derived_from"]
    nine = next(o for o in ops if o["role"].startswith("9-month"))
    assert nine["value"] == 53_700_000
    assert "53,679,000" in nine["representation"] and "rounded to 100,000" in nine["representation"]
    assert "not a restatement" in nine["representation"]
    six = next(o for o in ops if o["role"].startswith("6-month"))
    assert "35,456,000" in six["representation"]
    assert "53,679,000" in q3["derived_from"]  # the panel's text names it too


def test_non_rounding_change_stays_a_revision() -> None:
    # 53,600,000 is not 53,679,000 rounded to 100,000 (that is 53,700,000): a revision whose
    # 6-month partner was re-filed after it only as a rounding of its old value
    p = derive_quarters(to_frame(_rows(53_600_000), 1), ticker="X", fye_month=12, metrics=["capex"])
    q3 = p[(p["fiscal_period"] == "FY2014Q3") & (p["view"] == "latest")].iloc[0]
    assert q3["status"] == "not-derivable" and math.isnan(q3["value"])
    assert "mix vintages" in q3["reason"]


def test_nvidia_thousands_then_millions_operand_names_both() -> None:
    """NVIDIA Q1 FY2015 operating cash flow: 151,022,000 (May 2014) and 151,000,000 (May 2015)."""
    ft = decode_companyfacts((SEC / "CIK0001045810.json").read_bytes())
    a = audit_quarters(ft, ticker="NVDA", fye_month=1, metric="operating_cash_flow", view="latest")
    row = a[a["fiscal_period"] == "FY2015Q2"].iloc[0]
    assert row["status"] == "ok"
    q1 = next(o for o in row["derived_from"] if o["period_end"] == D(2014, 4, 27))
    assert q1["value"] == 151_000_000
    assert "151,022,000" in q1["representation"]
