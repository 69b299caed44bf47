"""Parsing filing documents: real 10-K/10-Q iXBRL and XBRL, every transform, every edge case.

Expected values on the real documents are read from the filings' printed tables (tests/data/README.md),
never from the parser's output.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from capexwatch.errors import InputFileError
from capexwatch.sources.filings import Fact, Filing, parse_filing, read_filing
from capexwatch.sources.filings.transforms import TransformError, apply_format, duration_years, words_to_number
from tests._support.ixbrl_snippets import context, ixbrl, money

DATA = Path(__file__).resolve().parents[1] / "data" / "ixbrl"
NVDA = DATA / "nvda-10-q-2025-08-27.htm"
GOOGL = DATA / "googl-10-k-2025-02-05.htm"
AMZN = DATA / "amzn-10-k-2025-02-07.htm"
AMZN_XML = DATA / "amzn-20221231_htm.xml"

SEG = "us-gaap:StatementBusinessSegmentsAxis"
REV = "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"


def _find(filing: Filing, concept: str, start: str | None, end: str, **dims: str) -> Fact:
    want = tuple(sorted((a.replace("__", ":"), m) for a, m in dims.items()))
    s = dt.date.fromisoformat(start) if start else None
    e = dt.date.fromisoformat(end)
    hits = [
        f
        for f in filing.facts
        if f.concept == concept and f.period_start == s and f.period_end == e and f.dimensions == want
    ]
    assert len(hits) == 1, f"{concept} {start}..{end} {want}: {len(hits)} facts"
    return hits[0]


@pytest.fixture(scope="module")
def nvda() -> Filing:
    return read_filing(NVDA)


@pytest.fixture(scope="module")
def googl() -> Filing:
    return read_filing(GOOGL)


@pytest.fixture(scope="module")
def amzn() -> Filing:
    return read_filing(AMZN)


@pytest.fixture(scope="module")
def amzn_xml() -> Filing:
    return read_filing(AMZN_XML, accession="0001018724-23-000004", filed=dt.date(2023, 2, 3))


# -- real documents ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "millions"),
    [  # NVIDIA 10-Q, "Revenue by End Market" table: Data Center
        ("2025-04-28", "2025-07-27", 41_096),
        ("2024-04-29", "2024-07-28", 26_272),
        ("2025-01-27", "2025-07-27", 80_208),
        ("2024-01-29", "2024-07-28", 48_835),
    ],
)
def test_nvidia_data_center_revenue(nvda: Filing, start: str, end: str, millions: int) -> None:
    f = _find(nvda, "us-gaap:Revenues", start, end, srt__ProductOrServiceAxis="nvda:DataCenterMember")
    assert f.value == millions * 1e6
    assert f.unit == "USD" and f.decimals == -6


def test_nvidia_customer_concentration(nvda: Filing) -> None:
    # 10-Q text: "Customer A, represented 23% of total revenue; ... Customer B, represented 16%"
    # (quarter); 20% and 15% for the six months
    dims = {
        "us-gaap__ConcentrationRiskByBenchmarkAxis": "us-gaap:SalesRevenueNetMember",
        "us-gaap__ConcentrationRiskByTypeAxis": "us-gaap:CustomerConcentrationRiskMember",
        "us-gaap__StatementBusinessSegmentsAxis": "nvda:ComputeAndNetworkingMember",
    }
    c = "us-gaap:ConcentrationRiskPercentage1"
    assert (
        _find(nvda, c, "2025-04-28", "2025-07-27", srt__MajorCustomersAxis="nvda:CustomerAMember", **dims).value == 0.23
    )
    assert (
        _find(nvda, c, "2025-04-28", "2025-07-27", srt__MajorCustomersAxis="nvda:CustomerBMember", **dims).value == 0.16
    )
    assert (
        _find(nvda, c, "2025-01-27", "2025-07-27", srt__MajorCustomersAxis="nvda:CustomerAMember", **dims).value == 0.20
    )
    assert (
        _find(nvda, c, "2025-01-27", "2025-07-27", srt__MajorCustomersAxis="nvda:CustomerBMember", **dims).value == 0.15
    )


def test_nvidia_document_info(nvda: Filing) -> None:
    assert nvda.kind == "ixbrl"
    assert nvda.form == "10-Q"
    assert nvda.cik == 1045810
    assert nvda.period_end == dt.date(2025, 7, 27)
    assert nvda.fye_month == 1  # dei:CurrentFiscalYearEndDate "1/25" (ixt:date-month-day)
    assert nvda.filed == dt.date(2025, 8, 27)  # from the file name
    assert nvda.accession is None  # not in the document nor its name


def test_nvidia_purchase_obligations_total(nvda: Filing) -> None:
    # "Total | $ | 45,774" in the purchase obligations table
    assert _find(nvda, "us-gaap:PurchaseObligation", None, "2025-07-27").value == 45_774e6


def test_sign_minus_is_applied(nvda: Filing) -> None:
    # every sign="-" fact in the document is a negative number (or zero)
    negatives = [f for f in nvda.facts if f.value is not None and f.value < 0]
    assert len(negatives) >= 1
    raw = NVDA.read_text(encoding="utf-8")
    assert raw.count('sign="-"') >= len(negatives) // 2  # several are duplicates of one fact


@pytest.mark.parametrize(("year", "millions"), [(2022, 26_280), (2023, 33_088), (2024, 43_229)])
def test_google_cloud_revenue(googl: Filing, year: int, millions: int) -> None:
    # Alphabet 10-K segment table: "Google Cloud | 26,280 | 33,088 | 43,229"
    f = _find(googl, REV, f"{year}-01-01", f"{year}-12-31", **{SEG.replace(":", "__"): "goog:GoogleCloudMember"})
    assert f.value == millions * 1e6


def test_google_useful_life_of_servers(googl: Filing) -> None:
    # "six years" (ixt-sec:durwordsen) for servers and network equipment
    f = next(
        f
        for f in googl.facts
        if f.concept == "us-gaap:PropertyPlantAndEquipmentUsefulLife"
        and f.member("us-gaap:PropertyPlantAndEquipmentByTypeAxis") == "goog:ServersAndNetworkEquipmentMember"
    )
    assert f.text == "P6Y" and f.value is None


def test_google_backlog(googl: Filing) -> None:
    # "we had $93.2 billion of remaining performance obligations"
    assert _find(googl, "us-gaap:RevenueRemainingPerformanceObligation", None, "2024-12-31").value == 93.2e9


@pytest.mark.parametrize(("year", "millions"), [(2023, 90_757), (2024, 107_556)])
def test_aws_revenue(amzn: Filing, year: int, millions: int) -> None:
    # Amazon 10-K segment table: "AWS | 90,757 | 107,556"
    f = _find(
        amzn, REV, f"{year}-01-01", f"{year}-12-31", **{SEG.replace(":", "__"): "amzn:AmazonWebServicesSegmentMember"}
    )
    assert f.value == millions * 1e6


def test_amazon_leases_not_yet_commenced(amzn: Filing) -> None:
    # commitments table, "...not yet commenced | 2,695 | 3,691 | 5,011 | 4,253 | 4,286 | 41,691 | 61,627"
    axis = "us-gaap__UnrecordedUnconditionalPurchaseObligationByCategoryOfItemPurchasedAxis"
    member = "amzn:OperatingAndFinanceLeasesLeaseNotYetCommencedMember"
    c = "us-gaap:UnrecordedUnconditionalPurchaseObligationBalanceSheetAmount"
    assert _find(amzn, c, None, "2024-12-31", **{axis: member}).value == 61_627e6


def test_classic_xbrl_instance(amzn_xml: Filing) -> None:
    assert amzn_xml.kind == "xbrl"
    assert (amzn_xml.form, amzn_xml.cik, amzn_xml.fye_month) == ("10-K", 1018724, 12)
    assert amzn_xml.accession == "0001018724-23-000004"
    member = {SEG.replace(":", "__"): "amzn:AmazonWebServicesSegmentMember"}
    # AWS net sales 2022 as in the FY2024 10-K's table (same figure, 80,096)
    assert _find(amzn_xml, REV, "2022-01-01", "2022-12-31", **member).value == 80_096e6


def test_accession_from_archive_path(tmp_path: Path) -> None:
    d = tmp_path / "edgar" / "data" / "42" / "000000004225000001"
    d.mkdir(parents=True)
    p = d / "acme-20250331.htm"
    p.write_bytes(ixbrl(money("usgaap:Revenues", "d", "1")))
    assert read_filing(p).accession == "0000000042-25-000001"


def test_the_same_facts_from_both_amazon_formats(amzn: Filing, amzn_xml: Filing) -> None:
    # AWS 2022 appears in both the FY2024 iXBRL and the FY2022 XBRL instance
    member = {SEG.replace(":", "__"): "amzn:AmazonWebServicesSegmentMember"}
    a = _find(amzn, REV, "2022-01-01", "2022-12-31", **member)
    b = _find(amzn_xml, REV, "2022-01-01", "2022-12-31", **member)
    assert a.value == b.value


# -- transforms ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registry", "name", "shown", "value"),
    [
        ("ixt", "num-dot-decimal", "41,096", "41096"),
        ("ixt", "num-dot-decimal", "1 234.50", "1234.50"),
        ("ixt", "numdotdecimal", "0.5", "0.5"),
        ("ixt", "num-comma-decimal", "1.234,5", "1234.5"),
        ("ixt", "fixed-zero", "\u2014", "0"),
        ("ixt", "zerodash", "-", "0"),
        ("ixt", "fixed-false", "FALSE", "false"),
        ("ixt", "fixed-true", "x", "true"),
        ("ixt", "date-month-day", "1/25", "--01-25"),
        ("ixt", "date-monthname-day-en", "December 31", "--12-31"),
        ("ixt", "date-monthname-day-year-en", "July 27, 2025", "2025-07-27"),
        ("ixt", "date-day-monthname-year-en", "27 July 2025", "2025-07-27"),
        ("ixt", "date-month-day-year", "07/27/2025", "2025-07-27"),
        ("ixt", "date-year-month-day", "2025-07-27", "2025-07-27"),
        ("ixt-sec", "numwordsen", "no", "0"),
        ("ixt-sec", "numwordsen", "None", "0"),
        ("ixt-sec", "numwordsen", "twenty-one", "21"),
        ("ixt-sec", "numwordsen", "one hundred and five", "105"),
        ("ixt-sec", "duryear", "6", "P6Y"),
        ("ixt-sec", "duryear", "2.5", "P2Y6M"),
        ("ixt-sec", "durmonth", "24", "P24M"),
        ("ixt-sec", "durday", "493", "P493D"),
        ("ixt-sec", "durwordsen", "six years", "P6Y"),
        ("ixt-sec", "durwordsen", "five years, two months", "P5Y2M"),
        ("ixt-sec", "durwordsen", "364-day", "P364D"),
        ("ixt-sec", "boolballotbox", "\u2612", "true"),
        ("ixt-sec", "boolballotbox", "\u2610", "false"),
        ("ixt-sec", "stateprovnameen", " Delaware ", "Delaware"),
    ],
)
def test_transform(registry: str, name: str, shown: str, value: str) -> None:
    assert apply_format(registry, name, shown) == value


@pytest.mark.parametrize(
    ("registry", "name", "shown"),
    [
        ("ixt", "num-dot-decimal", "12a"),
        ("ixt", "num-dot-decimal", "(5)"),
        ("ixt", "date-monthname-day-year-en", "Smarch 3, 2025"),
        ("ixt", "date-month-day-year", "02/30/2025"),
        ("ixt-sec", "numwordsen", "several"),
        ("ixt-sec", "boolballotbox", "X"),
        ("ixt-sec", "durwordsen", "a while"),
    ],
)
def test_transform_rejects(registry: str, name: str, shown: str) -> None:
    with pytest.raises(TransformError):
        apply_format(registry, name, shown)


def test_unknown_transform_is_none() -> None:
    assert apply_format("ixt", "num-klingon", "5") is None
    assert apply_format(None, "num-dot-decimal", "5") is None


def test_words_and_durations() -> None:
    assert words_to_number("three") == 3
    assert words_to_number("two thousand and twenty-five") == 2025
    assert duration_years("P6Y") == 6.0
    assert duration_years("P2Y6M") == 2.5
    assert duration_years("P18M") == 1.5
    with pytest.raises(ValueError):
        duration_years("six years")


# -- handcrafted documents -----------------------------------------------------------------------------

Q1 = context("q1", "2025-01-01", "2025-03-31")
Q1_CLOUD = context("q1c", "2025-01-01", "2025-03-31", {"usgaap:StatementBusinessSegmentsAxis": "acme:CloudMember"})


def _one(doc: bytes, concept: str = "us-gaap:Revenues") -> Fact:
    facts = [f for f in parse_filing(doc, source="snippet.htm").facts if f.concept == concept]
    assert len(facts) == 1
    return facts[0]


def test_scale_and_prefix_made_canonical() -> None:
    f = _one(ixbrl(money("usgaap:Revenues", "q1", "1,234.5"), Q1))
    assert f.value == 1_234_500_000.0
    assert f.concept == "us-gaap:Revenues"  # the document bound us-gaap to "usgaap"


def test_negative_scale_gives_fraction() -> None:
    doc = ixbrl(
        '<ix:nonFraction name="usgaap:ConcentrationRiskPercentage1" contextRef="q1" unitRef="pure" decimals="2" '
        'scale="-2" format="ixt:num-dot-decimal">23</ix:nonFraction>',
        Q1,
    )
    f = _one(doc, "us-gaap:ConcentrationRiskPercentage1")
    assert f.value == pytest.approx(0.23) and f.unit == "pure" and f.decimals == 2


def test_sign_minus() -> None:
    assert _one(ixbrl(money("usgaap:Revenues", "q1", "5", extra='sign="-"'), Q1)).value == -5e6


def test_fixed_zero_dash() -> None:
    assert _one(ixbrl(money("usgaap:Revenues", "q1", "\u2014", fmt="ixt:fixed-zero"), Q1)).value == 0.0


def test_numwords_no_is_zero() -> None:
    doc = ixbrl(money("usgaap:Revenues", "q1", "no", fmt="ixt-sec:numwordsen", scale=0), Q1)
    assert _one(doc).value == 0.0


def test_dimensions_full_set() -> None:
    both = context(
        "q1cs",
        "2025-01-01",
        "2025-03-31",
        {
            "usgaap:StatementBusinessSegmentsAxis": "acme:CloudMember",
            "srt:ConsolidationItemsAxis": "usgaap:OperatingSegmentsMember",
        },
    )
    f = _one(ixbrl(money("usgaap:Revenues", "q1cs", "7"), both))
    assert f.dimensions == (
        ("srt:ConsolidationItemsAxis", "us-gaap:OperatingSegmentsMember"),
        ("us-gaap:StatementBusinessSegmentsAxis", "acme:CloudMember"),
    )
    assert f.member("us-gaap:StatementBusinessSegmentsAxis") == "acme:CloudMember"


def test_typed_dimension() -> None:
    ctx = context(
        "t",
        None,
        "2025-03-31",
        {"usgaap:RevenueRemainingPerformanceObligationExpectedTimingOfSatisfactionStartDateAxis": "2025-04-01"},
        typed=True,
    )
    f = _one(
        ixbrl(money("usgaap:RevenueRemainingPerformanceObligation", "t", "9"), ctx),
        "us-gaap:RevenueRemainingPerformanceObligation",
    )
    assert f.dimensions == (
        ("us-gaap:RevenueRemainingPerformanceObligationExpectedTimingOfSatisfactionStartDateAxis", "2025-04-01"),
    )
    assert f.period_start is None and f.period_end == dt.date(2025, 3, 31)


def test_instant_datetime_midnight_is_the_day_before() -> None:
    ctx = (
        '<xbrli:context id="i"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">42</xbrli:identifier>'
        "</xbrli:entity><xbrli:period><xbrli:instant>2025-04-01T00:00:00</xbrli:instant></xbrli:period></xbrli:context>"
    )
    assert _one(ixbrl(money("usgaap:Revenues", "i", "1"), ctx)).period_end == dt.date(2025, 3, 31)


def test_hidden_facts_are_read() -> None:
    doc = ixbrl("", Q1, hidden=money("usgaap:Revenues", "q1", "3"))
    assert _one(doc).value == 3e6


def test_nested_facts() -> None:
    # a nonFraction inside a nonNumeric (text block), and one nonFraction nested in another (Alphabet does this)
    body = (
        '<ix:nonNumeric name="usgaap:RevenueTextBlock" contextRef="q1">Revenue was '
        + money(
            "usgaap:Revenues",
            "q1",
            '<ix:nonFraction name="usgaap:SalesRevenueNet" contextRef="q1" unitRef="usd" decimals="-6" '
            'scale="6" format="ixt:num-dot-decimal">12</ix:nonFraction>',
        )
        + " million.</ix:nonNumeric>"
    )
    filing = parse_filing(ixbrl(body, Q1), source="snippet.htm")
    by = {f.concept: f for f in filing.facts}
    assert by["us-gaap:Revenues"].value == 12e6
    assert by["us-gaap:SalesRevenueNet"].value == 12e6
    assert by["us-gaap:RevenueTextBlock"].text == "Revenue was 12 million."


def test_continuation_and_exclude() -> None:
    body = (
        '<ix:nonNumeric name="usgaap:PolicyTextBlock" contextRef="q1" continuedAt="c1">First part,'
        "<ix:exclude> page 7 </ix:exclude></ix:nonNumeric><p>not in the fact</p>"
        '<ix:continuation id="c1" continuedAt="c2"> second part,</ix:continuation>'
        '<ix:continuation id="c2"> third part.</ix:continuation>'
    )
    f = _one(ixbrl(body, Q1), "us-gaap:PolicyTextBlock")
    assert f.text == "First part, second part, third part."


def test_continuation_loop_is_an_error() -> None:
    body = (
        '<ix:nonNumeric name="usgaap:PolicyTextBlock" contextRef="q1" continuedAt="c1">a</ix:nonNumeric>'
        '<ix:continuation id="c1" continuedAt="c1">b</ix:continuation>'
    )
    with pytest.raises(InputFileError, match="loops"):
        parse_filing(ixbrl(body, Q1), source="loop.htm")


def test_consistent_duplicates_keep_the_more_precise() -> None:
    body = money("usgaap:Revenues", "q1", "4,784") + (
        '<ix:nonFraction name="usgaap:Revenues" contextRef="q1" unitRef="usd" decimals="-8" scale="9" '
        'format="ixt:num-dot-decimal">4.8</ix:nonFraction>'
    )
    f = _one(ixbrl(body, Q1))
    assert f.value == 4_784e6 and f.decimals == -6


def test_inconsistent_duplicates_are_refused() -> None:
    body = money("usgaap:Revenues", "q1", "4,784") + money("usgaap:Revenues", "q1", "4,785")
    with pytest.raises(InputFileError, match="dup.htm.*contradicts itself"):
        parse_filing(ixbrl(body, Q1), source="dup.htm")


def test_nil_fact_has_no_value() -> None:
    body = '<ix:nonFraction name="usgaap:Revenues" contextRef="q1" unitRef="usd" xsi:nil="true"></ix:nonFraction>'
    assert _one(ixbrl(body, Q1)).value is None


def test_unknown_text_format_keeps_text_and_warns() -> None:
    body = '<ix:nonNumeric name="dei:Security12bTitle" contextRef="q1" format="ixt:klingon">Common</ix:nonNumeric>'
    filing = parse_filing(ixbrl(body, Q1), source="w.htm")
    assert next(f for f in filing.facts if f.concept == "dei:Security12bTitle").text == "Common"
    assert any("klingon" in w for w in filing.warnings)


def test_form_amendment() -> None:
    hidden = '<ix:nonNumeric name="dei:AmendmentFlag" contextRef="d" format="ixt:fixed-true">true</ix:nonNumeric>'
    assert parse_filing(ixbrl(money("usgaap:Revenues", "q1", "1"), Q1, hidden=hidden), source="a.htm").form == "10-Q/A"


# -- bad input -------------------------------------------------------------------------------------------


def test_missing_context_names_file_fact_and_context() -> None:
    with pytest.raises(InputFileError, match=r"bad\.htm: fact us-gaap:Revenues.*context 'q9'.*does not define"):
        parse_filing(ixbrl(money("usgaap:Revenues", "q9", "1"), Q1), source="bad.htm")


def test_unknown_unit() -> None:
    body = '<ix:nonFraction name="usgaap:Revenues" contextRef="q1" unitRef="eur" decimals="0">1</ix:nonFraction>'
    with pytest.raises(InputFileError, match=r"unit\.htm: .*unit 'eur'"):
        parse_filing(ixbrl(body, Q1), source="unit.htm")


def test_unknown_number_format_is_an_error() -> None:
    with pytest.raises(InputFileError, match="unknown number format"):
        parse_filing(ixbrl(money("usgaap:Revenues", "q1", "1", fmt="ixt:num-klingon"), Q1), source="f.htm")


def test_bad_number_is_an_error() -> None:
    with pytest.raises(InputFileError, match=r"n\.htm: fact us-gaap:Revenues.*num-dot-decimal"):
        parse_filing(ixbrl(money("usgaap:Revenues", "q1", "12x"), Q1), source="n.htm")


def test_truncated_document(tmp_path: Path) -> None:
    p = tmp_path / "cut.htm"
    p.write_bytes(NVDA.read_bytes()[:500_000])
    with pytest.raises(InputFileError, match=r"cut\.htm: is not well-formed.*cut short"):
        read_filing(p)


def test_plain_html_is_not_xbrl(tmp_path: Path) -> None:
    p = tmp_path / "page.htm"
    p.write_text("<html><body><p>Annual report</p></body></html>")
    with pytest.raises(InputFileError, match=r"page\.htm: is not an XBRL document"):
        read_filing(p)


def test_html_that_is_not_xml(tmp_path: Path) -> None:
    p = tmp_path / "loose.htm"
    p.write_text("<!DOCTYPE html><html><body><p>unclosed<br></body></html>")
    with pytest.raises(InputFileError, match=r"loose\.htm: is not well-formed XHTML"):
        read_filing(p)


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.htm"
    p.write_bytes(b"")
    with pytest.raises(InputFileError, match="is empty"):
        read_filing(p)


def test_200_mb_file_is_refused_before_reading(tmp_path: Path) -> None:
    p = tmp_path / "huge.htm"
    with p.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: no disk is used
    with pytest.raises(InputFileError, match=r"huge\.htm: is 200 MB, more than the 100 MB"):
        read_filing(p)


def test_document_without_facts() -> None:
    with pytest.raises(InputFileError, match="holds no XBRL facts"):
        parse_filing(b'<xbrli:xbrl xmlns:xbrli="http://www.xbrl.org/2003/instance"/>', source="x.xml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="cannot read the file"):
        read_filing(tmp_path / "nope.htm")
