"""Derived quarters from the real SEC companyfacts equal the published quarters, label for label.

``tests/data/reference/company_quarters.csv`` rows whose ``source_kind`` is ``sec-xbrl`` were computed
from the same NVIDIA and Alphabet companyfacts documents (README §1, source 1), with their period
end, XBRL tag, method (direct 3-month fact or YTD difference) and accession in the note. Every such
quarter must come out of :func:`derive_quarters` with the same value (the CSV is in USD millions),
fiscal label and period end, status ``ok``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from capexwatch.facts.audit import audit_quarters as audit
from capexwatch.facts.select import derive_annual, derive_quarters
from tests._support.facts_ref import FILERS, facts_of, reference_quarters

REF_TICKERS = ["NVDA", "GOOGL"]
_PANELS: dict[str, pd.DataFrame] = {}


def panel(ticker: str) -> pd.DataFrame:
    if ticker not in _PANELS:
        _PANELS[ticker] = derive_quarters(facts_of(ticker), ticker=ticker, fye_month=FILERS[ticker][1])
    return _PANELS[ticker]


#: the sec-xbrl series of company_quarters.csv (reference README §1, "Metrics")
CASES = [
    ("NVDA", "revenue"),
    ("NVDA", "capex"),
    ("NVDA", "operating_cash_flow"),
    ("NVDA", "depreciation_amortization"),
    ("GOOGL", "revenue"),
    ("GOOGL", "capex"),
    ("GOOGL", "operating_cash_flow"),
    ("GOOGL", "depreciation"),
]


@pytest.mark.parametrize(("ticker", "metric"), CASES)
def test_latest_quarters_equal_published(ticker: str, metric: str) -> None:
    ref = reference_quarters()
    ref = ref[(ref["ticker"] == ticker) & (ref["canonical"] == metric)]
    assert len(ref) >= 13, "the reference lists 13-17 quarters per series"
    p = panel(ticker)
    latest = p[(p["view"] == "latest") & (p["metric"] == metric)].set_index("fiscal_period")
    for r in ref.itertuples():
        assert r.fiscal_period in latest.index, f"{ticker} {metric} {r.fiscal_period} missing"
        row = latest.loc[r.fiscal_period]
        where = f"{ticker} {metric} {r.fiscal_period}"
        assert row["status"] == "ok", f"{where}: {row['reason']}"
        # the CSV holds USD millions as filed (whole millions): equal to the dollar
        assert row["value"] == pytest.approx(r.value_usd_millions * 1e6, abs=0.5e6), where
        assert str(row["period_end"].date()) == r.period_end, where
        assert row["unit"] == "USD"
        assert row["method"] == r.ref_method, where
        assert row["tag"] == r.ref_tag, where
        assert row["source"] == "sec" and row["source_kind"] == "sec-xbrl"
        if r.ref_method == "reported":
            assert row["accn"] == r.ref_accn, where
        else:
            # the reference names the minuend's accession; ours is the latest-filed operand's,
            # and the minuend must be among the operands listed
            assert r.ref_accn in row["derived_from"], where
        accn_digits = row["accn"].replace("-", "")
        assert row["source_url"].endswith(f"/{accn_digits}/") and str(facts_of(ticker).cik) in row["source_url"]


@pytest.mark.parametrize("ticker", REF_TICKERS)
def test_first_filed_view_is_point_in_time(ticker: str) -> None:
    """Every first-filed quarter was computable from filings on or before its known_at."""
    a = audit(facts_of(ticker), ticker=ticker, fye_month=FILERS[ticker][1], view="first-filed")
    latest = panel(ticker)
    latest = latest[latest["view"] == "latest"].set_index(["metric", "fiscal_period"])
    assert len(a) > 100
    for r in a.itertuples():
        if r.status != "ok":
            continue
        ops = r.derived_from or []
        assert all(o["filed"] <= r.known_at for o in ops), (r.metric, r.fiscal_period)
        assert r.filed == r.known_at
        later = latest.loc[(r.metric, r.fiscal_period)]
        assert pd.Timestamp(r.known_at) <= later["known_at"]


@pytest.mark.parametrize("ticker", REF_TICKERS)
def test_fiscal_years_equal_sum_of_published_quarters(ticker: str) -> None:
    """derive_annual's full years equal the sum of the four published quarters where all are there."""
    ref = reference_quarters()
    ref = ref[ref["ticker"] == ticker]
    ref = ref.assign(fy=ref["fiscal_period"].str.slice(2, 6).astype(int))
    ann = derive_annual(facts_of(ticker), ticker=ticker, fye_month=FILERS[ticker][1])
    ann = ann.set_index(["metric", "fiscal_year"])
    checked = 0
    for (metric, fy), g in ref.groupby(["canonical", "fy"]):
        if len(g) != 4:
            continue
        total = g["value_usd_millions"].sum() * 1e6
        assert (metric, fy) in ann.index, (metric, fy)
        assert ann.loc[(metric, fy), "value"] == pytest.approx(total, abs=2.5e6), (ticker, metric, fy)
        checked += 1
    assert checked >= 8


def test_nvidia_53_week_year_and_labels() -> None:
    """NVIDIA FY2023 (ended 29 Jan 2023) and FY2026 Q4 (ended 25 Jan 2026): 52/53-week year ends."""
    p = panel("NVDA")
    rev = p[(p["metric"] == "revenue") & (p["view"] == "latest")].set_index("fiscal_period")
    assert str(rev.loc["FY2026Q4", "period_end"].date()) == "2026-01-25"
    assert str(rev.loc["FY2027Q1", "period_start"].date()) == "2026-01-26"
    assert rev.loc["FY2027Q1", "calendar_quarter"] == "2026Q1"  # the SEC frame CY2026Q1 agrees
    assert rev.loc["FY2026Q4", "method"] == "derived"  # FY - 9M: NVIDIA files no Q4 3-month fact
