"""hardware_saturation shows the GPU vendor's customer concentration from its filings (issue 10):
evidence with its accession, never a trigger (no published threshold), point in time by filing date.

Real figures are NVIDIA's 10-Q filed 2025-08-27 (tests/data/ixbrl) as it prints them: Customers A
and B 23% and 16% of revenue in the quarter to 2025-07-27; four direct customers at 14%, 11%, 11%,
10% in the quarter to 2024-07-28 (see tests/_support/filings.py).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from capexwatch.signals._concentration import EVIDENCE_ONLY, vendor_concentration
from capexwatch.signals._inputs import Inputs
from capexwatch.signals.backtest import backtest, backtest_inputs
from tests._support.filings import (
    NVDA_10Q_ACCN,
    concentration_obs,
    load_nvda_10q,
    nvda_10q_observations,
)
from tests._support.sigdata import BIG4, cal_rows, evaluate

MEMBERS = ("MSFT", "GOOGL", "AMZN", "META")


def _quarters(capex: list[float]) -> list[dict[str, object]]:
    """Big-Four capex (each company the same) and NVIDIA data-centre revenue growing 10% a quarter,
    2024Q1 onwards (illustrative values)."""
    rows: list[dict[str, object]] = []
    for t in MEMBERS:
        rows += cal_rows(t, "capex", (2024, 1), capex)
    dc = [10.0 * 1.1**i for i in range(len(capex))]
    return rows + cal_rows("NVDA", "data_center_revenue", (2024, 1), dc)


def _inputs(capex: list[float], filings: pd.DataFrame | None) -> Inputs:
    return Inputs.from_frames(pd.DataFrame(_quarters(capex)), entities=BIG4, filings=filings)


GROWING = [100, 110, 121, 133, 146, 161, 177, 195]  # +10% a quarter, 2024Q1-2025Q4


@pytest.fixture(scope="module")
def nvda_obs() -> pd.DataFrame:
    return nvda_10q_observations()


def test_concentration_is_evidence_with_its_filing_and_never_moves_the_status(nvda_obs: pd.DataFrame) -> None:
    without = evaluate("hardware_saturation", _inputs(GROWING, None))
    sig = evaluate("hardware_saturation", _inputs(GROWING, nvda_obs))
    assert sig.status == without.status == "ok"
    assert [dataclasses.astuple(c) for c in sig.checks] == [dataclasses.astuple(c) for c in without.checks]
    assert not any("concentration" in c.name for c in sig.checks)
    rows = {(e.label.split(",")[0], e.period): e for e in sig.evidence if e.metric == "customer_concentration_pct"}
    a = rows[("NVDA direct Customer A", "FY2026Q2 quarter (ended 2025-07-27)")]
    assert a.value == pytest.approx(23.0) and a.unit == "pct"
    assert a.filing == f"10-Q {NVDA_10Q_ACCN}, filed 2025-08-27"
    assert a.tag == "us-gaap:ConcentrationRiskPercentage1" and "srt:MajorCustomersAxis=nvda:CustomerAMember" in a.note
    assert rows[("NVDA direct Customer B", "FY2026Q2 quarter (ended 2025-07-27)")].value == pytest.approx(16.0)
    # the same quarter a year earlier: four customers, the largest 14%
    assert rows[("NVDA direct Customer One", "FY2025Q2 quarter (ended 2024-07-28)")].value == pytest.approx(14.0)
    v = sig.values
    assert v["nvda_top_customer_share_pct"].value == pytest.approx(23.0)
    assert v["nvda_top2_customers_share_pct"].value == pytest.approx(23.0 + 16.0)
    assert v["nvda_top2_customers_change_pp"].value == pytest.approx((23.0 + 16.0) - (14.0 + 11.0))
    assert EVIDENCE_ONLY in sig.caveats and "evidence only" in sig.summary
    cov = sig.coverage["customer_concentration"][0]
    assert cov["trigger"] is False and cov["filing"] == f"10-Q {NVDA_10Q_ACCN}, filed 2025-08-27"
    assert cov["customers"] == ["Customer A", "Customer B"] and cov["year_earlier"] == "FY2025Q2"
    # the signal's JSON carries the evidence with its source (the board contract)
    assert all(e.filing or e.source_url for e in sig.evidence)


@pytest.mark.parametrize(
    ("capex", "slows"),
    [
        # 2025Q2 (the disclosure's quarter) +2% after +10% in 2025Q1: growth slows
        ([100, 110, 121, 133, 146, 149, 164, 180], True),
        # 2025Q2 +10% after +10%: it does not slow
        (GROWING, False),
    ],
)
def test_rising_concentration_while_capex_slows(nvda_obs: pd.DataFrame, capex: list[float], slows: bool) -> None:
    sig = evaluate("hardware_saturation", _inputs(capex, nvda_obs))
    cov = sig.coverage["customer_concentration"][0]
    assert cov["calendar_quarter"] == "2025Q2"
    assert cov["rising_while_capex_slows"] is slows  # the largest customer went from 14% to 23%
    assert sig.status in ("ok", "watch") and not any(c.fired for c in sig.checks if "concentration" in c.name)


def test_point_in_time_reads_only_what_was_filed() -> None:
    """Two filings of the same vendor (illustrative accessions and shares): before the second was
    filed, only the first's quarter is known, with no year-earlier comparison; before either, nothing."""
    obs = pd.DataFrame(
        concentration_obs("2024-07-28", "2024-08-28", "first-10q", {"One": 14.0, "Two": 11.0}, "FY2025Q2")
        + concentration_obs("2025-07-27", "2025-08-27", "second-10q", {"A": 23.0, "B": 16.0}, "FY2026Q2")
    )
    inp = _inputs(GROWING, obs)
    full = vendor_concentration(inp, "NVDA", None)
    assert full is not None and full["now"]["accn"] == "second-10q" and full["year_ago"]["accn"] == "first-10q"
    then = inp.known_by("2025-08-26")
    c = vendor_concentration(then, "NVDA", None)
    assert c is not None and c["now"]["accn"] == "first-10q" and c["year_ago"] is None
    sig = evaluate("hardware_saturation", then)
    assert sig.values["nvda_top_customer_share_pct"].value == 14.0
    assert all("second-10q" not in (e.filing or "") for e in sig.evidence)
    assert vendor_concentration(inp.known_by("2024-08-27"), "NVDA", None) is None
    # the signal's quarter bounds the disclosure too: at 2024Q4 the 2025Q2 disclosure is not yet a period
    assert vendor_concentration(inp, "NVDA", "2024Q4")["now"]["accn"] == "first-10q"  # type: ignore[index]


def test_real_store_and_backtest_by_filing_date(store: object) -> None:
    """The 10-Q ingested from tests/data/ixbrl: as of the day before its filing the store's inputs
    hold no concentration; from its filing date on they do, and the backtest shows it only then."""
    load_nvda_10q(store)
    assert vendor_concentration(Inputs.from_store(store, as_of="2025-08-26"), "NVDA", None) is None  # type: ignore[arg-type]
    c = vendor_concentration(Inputs.from_store(store, as_of="2025-08-27"), "NVDA", None)  # type: ignore[arg-type]
    assert c is not None and c["now"]["accn"] == NVDA_10Q_ACCN
    assert c["now"]["shares_pct"] == pytest.approx((23.0, 16.0))
    assert c["year_ago"]["shares_pct"] == pytest.approx((14.0, 11.0, 11.0, 10.0))
    bi = backtest_inputs(store)  # type: ignore[arg-type]
    assert len(bi.filings) and bi.known_by("2025-08-26").filings.empty
    res = backtest(bi, dates=["2025-06-30", "2025-12-31"], names=["hardware_saturation"])
    summaries = dict(zip(res.table["date"].astype(str), res.table["summary"], strict=True))
    assert "direct customer" not in summaries["2025-06-30"]
    assert "largest direct customer 23.0% of revenue in FY2026Q2" in summaries["2025-12-31"]
