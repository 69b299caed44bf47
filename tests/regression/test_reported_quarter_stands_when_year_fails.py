"""Regression: a reported 3-month figure stands when another quarter of its year conflicts.

Alphabet's 2015 capex (real companyfacts, tests/data/reference/sec/CIK0001652044.json): Q1 2,927
and Q2 2,515 $M are reported 3-month facts (and Q2 = 6M 5,442 - Q1 2,927 holds); Q3's reported
2,383 disagrees with 9M 7,848 - 6M 5,442 = 2,406 (both filed 2016-11-03 / 2016-08-04). The
four-quarter check then failed and withheld all four quarters. Only the quarters whose own figures
are in the conflict may be withheld: Q3, and Q4 = FY - 9M (it rests on the 9-month figure, one of
Q3's conflicting operands). Q1 and Q2 keep their values; the failed identity is a warning.
"""

from __future__ import annotations

import datetime as dt
import math

from capexwatch.facts.audit import audit_quarters
from capexwatch.facts.select import derive_quarters
from tests._support.facts_ref import facts_of
from tests._support.facts_synth import to_frame

M = 1e6


def _capex_2015(view: str = "latest") -> dict[str, dict[str, object]]:
    p = derive_quarters(facts_of("GOOGL"), ticker="GOOGL", fye_month=12, metrics=["capex"])
    p = p[(p["fiscal_year"] == 2015) & (p["view"] == view)]
    return {r["fiscal_period"]: r for r in p.to_dict("records")}


def test_alphabet_2015_q1_q2_keep_reported_values() -> None:
    q = _capex_2015()
    # values as filed in the 10-Qs of 2016-05-03 and 2016-08-04 (the 3-month facts)
    assert q["FY2015Q1"]["status"] == "ok" and q["FY2015Q1"]["value"] == 2_927 * M
    assert q["FY2015Q2"]["status"] == "ok" and q["FY2015Q2"]["value"] == 2_515 * M
    assert q["FY2015Q1"]["method"] == q["FY2015Q2"]["method"] == "reported"
    for k in ("FY2015Q1", "FY2015Q2"):
        assert "warning on fiscal year" in str(q[k]["note"]), q[k]["note"]
        assert "quarters sum to year: FAILED" in str(q[k]["note"])


def test_alphabet_2015_conflicting_quarters_withheld() -> None:
    q = _capex_2015()
    assert q["FY2015Q3"]["status"] == "not-derivable" and math.isnan(q["FY2015Q3"]["value"])
    assert "disagree" in q["FY2015Q3"]["reason"]
    assert q["FY2015Q4"]["status"] == "not-derivable" and math.isnan(q["FY2015Q4"]["value"])
    assert "7,848,000,000" in q["FY2015Q4"]["reason"]  # the 9-month operand it shares with Q3's conflict


def test_alphabet_2015_audit_shows_the_failed_year_check() -> None:
    a = audit_quarters(facts_of("GOOGL"), ticker="GOOGL", fye_month=12, metric="capex", view="latest")
    q1 = a[a["fiscal_period"] == "FY2015Q1"].iloc[0]
    assert q1["status"] == "ok" and "quarters sum to year" in q1["checks_failed"]


TAG = ("us-gaap", "PaymentsToAcquirePropertyPlantAndEquipment")
D = dt.date


def _fact(start: D, end: D, val: float, filed: D, form: str = "10-Q") -> dict[str, object]:
    accn = f"0000000001-{filed:%y}-{filed.toordinal() % 1_000_000:06d}"
    return {"taxonomy": TAG[0], "tag": TAG[1], "unit": "USD", "period_start": start, "period_end": end,
            "value": val, "accn": accn, "form": form, "filed": filed}  # fmt: skip


def test_unexplained_year_failure_still_withholds_all() -> None:
    """A failed year that no quarter's own check explains: which figure is wrong cannot be told."""
    y = D(2020, 1, 1)
    rows = [
        _fact(y, D(2020, 3, 31), 100 * M, D(2020, 5, 2)),
        # Q2 starts a day after Q1's end + 1, so Q3 = 9M - Q1 - Q2 is not tried: no own check runs
        _fact(D(2020, 4, 2), D(2020, 6, 30), 100 * M, D(2020, 8, 1)),
        _fact(D(2020, 7, 1), D(2020, 9, 30), 100 * M, D(2020, 11, 1)),
        _fact(y, D(2020, 9, 30), 330 * M, D(2020, 11, 1)),
        _fact(y, D(2020, 12, 31), 400 * M, D(2021, 2, 1), "10-K"),
    ]
    p = derive_quarters(to_frame(rows, 1), ticker="X", fye_month=12, metrics=["capex"])
    latest = p[p["view"] == "latest"]
    assert len(latest) == 4
    assert (latest["status"] == "not-derivable").all(), latest[["fiscal_period", "status", "reason"]]
    assert latest["reason"].str.contains("the four quarters sum to 370,000,000").all()
