"""Customer concentration disclosures from filing observations (issue 10).

Real document: NVIDIA's 10-Q filed 2025-08-27 (tests/data/ixbrl). Expected values are the
document's own text (Concentration of Revenue and the balance-sheet note), not the parser's output:
"For the second quarter of fiscal year 2026, sales to one direct customer, Customer A, represented
23% of total revenue; and sales to a second direct customer, Customer B, represented 16%";
"Sales to four direct customers represented 14%, 11%, 11%, and 10% of revenue for the second
quarter ... of fiscal year 2025"; "Three direct customers accounted for 23%, 19% and 14% of our
accounts receivable balance as of July 27, 2025. Two direct customers accounted for 17% and 16% ...
as of January 26, 2025."
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from capexwatch.facts.concentration import customer_label, disclosures, split_series
from tests._support.filings import NVDA_10Q_ACCN as NVDA_ACCN
from tests._support.filings import concentration_obs, nvda_10q_observations


@pytest.fixture(scope="module")
def nvda_obs() -> pd.DataFrame:
    return nvda_10q_observations()


def _at(d: pd.DataFrame, end: dt.date) -> pd.Series:
    rows = d[d["period_end"] == end]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_nvidia_revenue_shares_as_the_10q_prints_them(nvda_obs: pd.DataFrame) -> None:
    d = disclosures(nvda_obs)
    q2_26 = _at(d, dt.date(2025, 7, 27))
    assert q2_26["duration_class"] == "quarter" and q2_26["fiscal_period"] == "FY2026Q2"
    assert [customer_label(m) for m in q2_26["members"]] == ["Customer A", "Customer B"]
    assert q2_26["shares_pct"] == pytest.approx((23.0, 16.0))
    assert q2_26["top1_pct"] == pytest.approx(23.0)
    assert q2_26["top2_pct"] == pytest.approx(23.0 + 16.0)
    assert q2_26["named_total_pct"] == pytest.approx(39.0) and q2_26["named_count"] == 2
    assert q2_26["calendar_quarter"] == "2025Q2"
    assert (q2_26["accn"], q2_26["form"], q2_26["filed"]) == (NVDA_ACCN, "10-Q", dt.date(2025, 8, 27))
    assert q2_26["concept"] == "us-gaap:ConcentrationRiskPercentage1"
    # the comparative quarter: four direct customers at 14%, 11%, 11% and 10%
    q2_25 = _at(d, dt.date(2024, 7, 28))
    assert q2_25["shares_pct"] == pytest.approx((14.0, 11.0, 11.0, 10.0))
    assert q2_25["top2_pct"] == pytest.approx(25.0) and q2_25["named_total_pct"] == pytest.approx(46.0)
    # year-to-date shares (20% / 15% for the first half) are not a quarter: left out by default
    assert set(d["duration_class"]) == {"quarter"}
    h1 = _at(disclosures(nvda_obs, duration_classes=("ytd-6m",)), dt.date(2025, 7, 27))
    assert h1["shares_pct"] == pytest.approx((20.0, 15.0))


def test_nvidia_receivable_shares_are_balances_at_the_period_end(nvda_obs: pd.DataFrame) -> None:
    d = disclosures(nvda_obs, benchmark="receivables", duration_classes=("ytd-6m", "annual"))
    jul = _at(d, dt.date(2025, 7, 27))
    assert jul["shares_pct"] == pytest.approx((23.0, 19.0, 14.0))
    assert jul["calendar_quarter"] == "2025Q3"  # the balance's date, not the half-year's midpoint
    assert _at(d, dt.date(2025, 1, 26))["shares_pct"] == pytest.approx((17.0, 16.0))


def test_a_period_comes_from_its_latest_filing_known_by_the_date() -> None:
    # the same quarter in its own 10-Q and, relabelled, as next year's comparative (illustrative restatement)
    obs = pd.DataFrame(
        concentration_obs("2024-07-28", "2024-08-28", "a-1", {"A": 14.0, "B": 11.0})
        + concentration_obs("2024-07-28", "2025-08-27", "b-2", {"One": 15.0, "Two": 11.0, "Three": 10.0})
    )
    latest = disclosures(obs).iloc[0]
    assert latest["accn"] == "b-2" and latest["named_count"] == 3 and latest["top1_pct"] == 15.0
    then = disclosures(obs, known_by=dt.date(2025, 8, 26)).iloc[0]
    assert then["accn"] == "a-1" and then["shares_pct"] == (14.0, 11.0)
    assert disclosures(obs, known_by=dt.date(2024, 8, 27)).empty
    one = disclosures(pd.DataFrame(concentration_obs("2024-07-28", "2024-08-28", "c", {"A": 12.0})))
    assert one.iloc[0]["top1_pct"] == 12.0 and pd.isna(one.iloc[0]["top2_pct"])


def test_labels() -> None:
    assert split_series("receivables|nvda:CustomerOneMember") == ("receivables", "nvda:CustomerOneMember")
    assert customer_label("nvda:CustomerSevenMember") == "Customer Seven"
    assert disclosures(pd.DataFrame()).empty
