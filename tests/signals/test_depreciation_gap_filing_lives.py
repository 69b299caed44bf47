"""depreciation_gap reads the server life from filings where present (issue 10), not only from
curated useful_life_change events. Lives as the documents print them: Amazon 10-K filed 2025-02-07,
"increased the useful life of our servers from five years to six years effective January 1, 2024";
Alphabet 10-K filed 2025-02-05, servers and network equipment "6 years"."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import capexwatch
from capexwatch.signals import Inputs
from capexwatch.signals._filing_inputs import filing_life_events
from capexwatch.signals.depreciation_gap import reported_life


def _obs(rows: list[tuple[str, str, str | None, str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{
        "ticker": t, "metric": "useful_life_years", "series": s, "period_start": ps, "period_end": pe, "value": v,
        "unit": "years", "accn": "0000000000-00-000000", "form": "10-K", "filed": dt.date(2025, 2, 7),
        "source_url": "https://www.sec.gov/Archives/edgar/data/1/000000000000000000/",
    } for t, s, ps, pe, v in rows])  # fmt: skip


def test_server_series_become_dated_life_events() -> None:
    ev = filing_life_events(_obs([
        ("AMZN", "estimate change|us-gaap:TechnologyEquipmentMember", None, "2024-01-01", 6.0),
        ("AMZN", "us-gaap:TechnologyEquipmentMember", "2021-01-01", "2021-12-31", 4.0),
        ("AMZN", "us-gaap:BuildingMember", None, "2024-12-31", 40.0),  # not servers: left out
    ]))  # fmt: skip
    assert len(ev) == 2 and set(ev["kind"]) == {"useful_life_change"} and set(ev["source_kind"]) == {"sec-ixbrl"}
    got = dict(zip(pd.to_datetime(ev["date"]).dt.date, ev["new_value"], strict=True))
    # a duration fact's life applies from its start; an estimate change from its effective date
    assert got == {dt.date(2021, 1, 1): 4.0, dt.date(2024, 1, 1): 6.0}


def test_bundled_store_reads_amazon_server_life_from_its_filing() -> None:
    """In the bundled store Amazon's 2024 server life (6 years) comes with the 10-K's EDGAR link."""
    with capexwatch.open() as s:
        inputs = Inputs.from_store(s)
    lives = reported_life(inputs, "AMZN")
    from_filing = lives[lives["source_kind"] == "sec-ixbrl"]
    assert len(from_filing)
    at_2024 = lives[pd.to_datetime(lives["date"]) <= pd.Timestamp("2024-03-31")].iloc[-1]
    assert at_2024["new_value"] == 6.0
    assert from_filing["source_url"].str.startswith("https://www.sec.gov/Archives/edgar/data/1018724/").all()


def test_point_in_time_leaves_out_lives_filed_later() -> None:
    """As of 2024-06-30 the 10-K filed 2025-02-07 was not public: only the FY2022 10-K's lives
    (filed 2023-02-03: 4 years in 2021, 5 from 2022) are read from filings."""
    with capexwatch.open() as s:
        inputs = Inputs.from_store(s, as_of="2024-06-30")
    lives = reported_life(inputs, "AMZN")
    from_filing = lives[lives["source_kind"] == "sec-ixbrl"]
    assert len(from_filing) and from_filing["source_url"].str.contains("000101872423000004").all()
    assert 6.0 not in set(from_filing["new_value"])
