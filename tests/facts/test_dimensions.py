"""Dimensional facts -> canonical metrics: real filings (values from their printed tables) and
handcrafted filings for the quarter rules (reported 3-month, year-to-date ladder, Q4 = FY - 9M,
fail closed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from capexwatch.errors import DataError
from capexwatch.facts.dimensions import (
    dimension_annual,
    dimension_observations,
    dimension_quarters,
    filing_frame,
    format_dimensions,
    map_facts,
    parse_dimensions,
)
from capexwatch.metrics import ANY, DimRule
from capexwatch.sources.filings import Filing, parse_filing, read_filing
from tests._support.ixbrl_snippets import context, ixbrl, money

DATA = Path(__file__).resolve().parents[1] / "data" / "ixbrl"


def _mapped(name: str, ticker: str, **kw: object) -> pd.DataFrame:
    return map_facts(filing_frame(read_filing(DATA / name, **kw)), ticker=ticker)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def nvda() -> pd.DataFrame:
    return _mapped("nvda-10-q-2025-08-27.htm", "NVDA")


@pytest.fixture(scope="module")
def googl() -> pd.DataFrame:
    return _mapped("googl-10-k-2025-02-05.htm", "GOOGL")


@pytest.fixture(scope="module")
def amzn() -> pd.DataFrame:
    return _mapped("amzn-10-k-2025-02-07.htm", "AMZN")


@pytest.fixture(scope="module")
def amzn22() -> pd.DataFrame:
    return _mapped("amzn-20221231_htm.xml", "AMZN", accession="0001018724-23-000004", filed=dt.date(2023, 2, 3))


def _latest(q: pd.DataFrame, metric: str, period: str) -> pd.Series:
    rows = q[(q["metric"] == metric) & (q["fiscal_period"] == period) & (q["view"] == "latest")]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# -- real filings ----------------------------------------------------------------------------------------


def test_nvidia_data_center_quarter(nvda: pd.DataFrame) -> None:
    q = dimension_quarters(nvda, ticker="NVDA", fye_month=1)
    r = _latest(q, "data_center_revenue", "FY2026Q2")  # quarter ended 2025-07-27
    assert r["value"] == 41_096e6  # "Data Center | $ | 41,096"
    assert r["status"] == "ok" and r["method"] == "reported"
    assert r["tag"] == "us-gaap:Revenues[srt:ProductOrServiceAxis=nvda:DataCenterMember]"
    assert r["form"] == "10-Q" and pd.Timestamp(r["filed"]).date() == dt.date(2025, 8, 27)
    assert r["source_kind"] == "sec-ixbrl"
    assert pd.isna(r["accn"]) and pd.isna(r["source_url"])  # the document does not say its accession
    assert _latest(q, "data_center_revenue", "FY2025Q2")["value"] == 26_272e6


def test_nvidia_customer_concentration(nvda: pd.DataFrame) -> None:
    obs = dimension_observations(nvda, ticker="NVDA", fye_month=1)
    cc = obs[(obs["metric"] == "customer_concentration_pct") & (obs["duration_class"] == "quarter")]
    got = {(r.series, r.period_end): r.value for r in cc.itertuples()}
    # "Customer A, represented 23% of total revenue; ... Customer B, represented 16%"
    assert got[("revenue|nvda:CustomerAMember", dt.date(2025, 7, 27))] == pytest.approx(23.0)
    assert got[("revenue|nvda:CustomerBMember", dt.date(2025, 7, 27))] == pytest.approx(16.0)
    assert set(cc["unit"]) == {"percent"}
    # a geography or end-customer share with extra axes is not a named customer's share
    assert not obs["series"].str.contains("UnitedStatesBasedEndCustomers").any()


def test_nvidia_backlog_purchase_obligations_and_leases(nvda: pd.DataFrame) -> None:
    q = dimension_quarters(nvda, ticker="NVDA", fye_month=1)
    assert _latest(q, "purchase_obligations", "FY2026Q2")["value"] == 45_774e6  # "Total | $ | 45,774"
    # "remaining performance obligations ... was $1.9 billion"
    assert _latest(q, "remaining_performance_obligations", "FY2026Q2")["value"] == 1.9e9


def test_google_cloud_years_and_fail_closed_quarters(googl: pd.DataFrame) -> None:
    a = dimension_annual(googl, ticker="GOOGL", fye_month=12)
    cloud = a[a["metric"] == "cloud_revenue"].set_index("fiscal_year")["value"]
    assert cloud.to_dict() == {
        2022: 26_280e6,
        2023: 33_088e6,
        2024: 43_229e6,
    }  # "Google Cloud | 26,280 | 33,088 | 43,229"
    q = dimension_quarters(googl, ticker="GOOGL", fye_month=12)
    q4 = _latest(q, "cloud_revenue", "FY2024Q4")
    # a 10-K alone has no 9-month figure: Q4 is not-derivable with a reason, never the year
    assert q4["status"] == "not-derivable" and "9-month" in q4["reason"] and pd.isna(q4["value"])


def test_google_useful_life_of_servers(googl: pd.DataFrame) -> None:
    obs = dimension_observations(googl, ticker="GOOGL", fye_month=12)
    life = obs[(obs["metric"] == "useful_life_years") & (obs["series"] == "goog:ServersAndNetworkEquipmentMember")]
    assert life["value"].tolist() == [6.0]  # "six years"
    assert life["unit"].tolist() == ["years"]


def test_google_backlog(googl: pd.DataFrame) -> None:
    q = dimension_quarters(googl, ticker="GOOGL", fye_month=12)
    assert _latest(q, "remaining_performance_obligations", "FY2024Q4")["value"] == 93.2e9  # "$93.2 billion"


def test_aws_years(amzn: pd.DataFrame) -> None:
    a = dimension_annual(amzn, ticker="AMZN", fye_month=12)
    aws = a[a["metric"] == "cloud_revenue"].set_index("fiscal_year")["value"].to_dict()
    assert aws[2024] == 107_556e6 and aws[2023] == 90_757e6  # "AWS | 90,757 | 107,556"


def test_amazon_leases_and_server_life_change(amzn: pd.DataFrame) -> None:
    q = dimension_quarters(amzn, ticker="AMZN", fye_month=12)
    assert _latest(q, "leases_not_yet_commenced", "FY2024Q4")["value"] == 61_627e6
    obs = dimension_observations(amzn, ticker="AMZN", fye_month=12)
    servers = obs[(obs["metric"] == "useful_life_years") & (obs["series"] == "us-gaap:TechnologyEquipmentMember")]
    # "increased the useful life of our servers from five years to six years effective January 1, 2024"
    assert dict(zip(servers["period_end"], servers["value"], strict=True)) == {
        dt.date(2023, 12, 31): 5.0,
        dt.date(2024, 12, 31): 6.0,
    }


def test_classic_xbrl_carries_accession(amzn22: pd.DataFrame) -> None:
    a = dimension_annual(amzn22, ticker="AMZN", fye_month=12)
    r = a[(a["metric"] == "cloud_revenue") & (a["fiscal_year"] == 2022)].iloc[0]
    assert r["value"] == 80_096e6
    assert r["accn"] == "0001018724-23-000004"
    assert r["source_url"] == "https://www.sec.gov/Archives/edgar/data/1018724/000101872423000004/"


def test_rule_for_another_company_does_not_apply(googl: pd.DataFrame) -> None:
    frame = filing_frame(read_filing(DATA / "googl-10-k-2025-02-05.htm"))
    assert map_facts(frame, ticker="AMZN", metrics=["cloud_revenue"]).empty


# -- quarter rules on handcrafted filings ---------------------------------------------------------------

SEG = {"usgaap:StatementBusinessSegmentsAxis": "goog:GoogleCloudMember"}


def _filing(periods: list[tuple[str, str, str]], form: str, filed: str, extra: str = "") -> Filing:
    """A filing with Google Cloud segment revenue for each (start, end, shown millions)."""
    ctxs, body = [], []
    for i, (s, e, shown) in enumerate(periods):
        ctxs.append(context(f"c{i}", s, e, SEG))
        body.append(money("usgaap:RevenueFromContractWithCustomerExcludingAssessedTax", f"c{i}", shown))
    doc = ixbrl("".join(body) + extra, "".join(ctxs), form=form, d_start=periods[0][0], d_end=periods[0][1])
    return parse_filing(doc, source=f"goog-{form.lower()}-{filed}.htm", filed=dt.date.fromisoformat(filed))


def test_ytd_ladder_and_q4_from_fy_minus_9m() -> None:
    filings = [
        _filing([("2024-01-01", "2024-03-31", "100")], "10-Q", "2024-04-25"),
        _filing([("2024-04-01", "2024-06-30", "110"), ("2024-01-01", "2024-06-30", "210")], "10-Q", "2024-07-25"),
        _filing([("2024-01-01", "2024-09-30", "330")], "10-Q", "2024-10-30"),  # no 3-month figure: 9M - 6M
        _filing([("2024-01-01", "2024-12-31", "460")], "10-K", "2025-02-05"),
    ]
    mapped = map_facts(filing_frame(filings), ticker="GOOGL")
    q = dimension_quarters(mapped, ticker="GOOGL", fye_month=12)
    got = {p: _latest(q, "cloud_revenue", p) for p in ("FY2024Q1", "FY2024Q2", "FY2024Q3", "FY2024Q4")}
    assert [got[p]["value"] for p in got] == [100e6, 110e6, 120e6, 130e6]
    assert got["FY2024Q3"]["method"] == "derived"
    assert got["FY2024Q4"]["method"] == "derived" and "minus" in got["FY2024Q4"]["derived_from"]
    assert got["FY2024Q4"]["form"] == "10-K"


def test_extra_axis_is_a_different_figure() -> None:
    narrow = {**SEG, "srt:ProductOrServiceAxis": "goog:SomethingMember"}
    extra = money("usgaap:RevenueFromContractWithCustomerExcludingAssessedTax", "n", "5")
    fl = _filing([("2024-01-01", "2024-03-31", "100")], "10-Q", "2024-04-25")
    doc_ctx = context("n", "2024-01-01", "2024-03-31", narrow)
    fl2 = parse_filing(
        ixbrl(extra, doc_ctx, form="10-Q", d_start="2024-01-01", d_end="2024-03-31"),
        source="x.htm",
        filed=dt.date(2024, 4, 25),
    )
    assert len(map_facts(filing_frame([fl]), ticker="GOOGL")) == 1
    assert map_facts(filing_frame([fl2]), ticker="GOOGL").empty


def test_unknown_filing_date_is_a_clear_error() -> None:
    fl = parse_filing(
        ixbrl(
            money("usgaap:RevenueFromContractWithCustomerExcludingAssessedTax", "c", "1"),
            context("c", "2024-01-01", "2024-03-31", SEG),
        ),
        source="noname.htm",
    )
    with pytest.raises(DataError, match="filing date or form .* is unknown"):
        map_facts(filing_frame(fl), ticker="GOOGL")


# -- pieces ----------------------------------------------------------------------------------------------


def test_dimension_text_round_trip() -> None:
    dims = (("b:Axis", "b:M"), ("a:Axis", "a:M"))
    text = format_dimensions(dims)
    assert text == "a:Axis=a:M|b:Axis=b:M"
    assert parse_dimensions(text) == tuple(sorted(dims))
    assert parse_dimensions("") == ()


def test_rule_shape() -> None:
    r = DimRule(("us-gaap:Revenues",), (("x:Axis", ANY),), (("y:Axis", "y:M"),), series="s")
    assert r.members[0][1] == ANY and r.series == "s"
