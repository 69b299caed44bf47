"""Regression (issue 14, item 14): labels of the quarters table.

Periods printed as "NaT..2019-10-27" or "None..2010-01-31" when a row has no start date; a curated
row read "curated: us-gaap:PaymentsTo... 0000950170-23-014423 https://github.com/..." (an SEC tag and
accession next to a GitHub link, as if the link were the filing); a user row read "user: nan nan
...". And ``--source sec`` on the bundled store (which holds no SEC-derived rows) printed an empty
table without saying how to get some.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from rich.console import Console

from capexwatch.report.tables import period_label, quarters_renderables, source_label
from tests._support.cli import invoke


def test_a_period_without_a_start_reads_as_its_end() -> None:
    assert period_label(pd.NaT, pd.Timestamp("2019-10-27")) == "to 2019-10-27"
    assert period_label(None, "2010-01-31") == "to 2010-01-31"
    assert period_label("2019-07-29", "2019-10-27") == "2019-07-29..2019-10-27"


def test_source_labels_say_who_compiled_the_value() -> None:
    curated = {"source": "curated", "tag": "us-gaap:PaymentsToAcquirePropertyPlantAndEquipment",
               "accn": "0000950170-23-014423", "source_url": "https://github.com/x/y/quarterly_capex.csv",
               "source_kind": "secondary", "form": None, "filed": None}  # fmt: skip
    label = source_label(curated)
    assert label.startswith("curated (secondary, compiled from us-gaap:")
    assert "accession 0000950170-23-014423" in label and label.endswith("quarterly_capex.csv")
    user = {"source": "user", "tag": math.nan, "accn": math.nan, "source_url": "Oracle Q2 FY27 earnings call"}
    assert source_label(user) == "your file: Oracle Q2 FY27 earnings call"
    sec = {"source": "sec", "tag": "us-gaap:Revenues", "accn": "0001045810-26-000052", "form": "10-Q",
           "filed": "2026-05-20", "source_url": "https://data.sec.gov/x.json"}  # fmt: skip
    assert source_label(sec) == (
        "SEC XBRL us-gaap:Revenues; 10-Q accession 0001045810-26-000052 filed 2026-05-20; https://data.sec.gov/x.json"
    )


def test_rendered_rows_carry_no_nan_nat_or_none() -> None:
    df = pd.DataFrame([{"fiscal_period": "FY2020Q3", "period_start": pd.NaT, "period_end": pd.Timestamp("2019-10-27"),
                        "value": 1.0e8, "method": "reported", "status": "ok", "reason": None, "source": "user",
                        "tag": math.nan, "accn": None, "source_url": "my notes"}])  # fmt: skip
    con = Console(width=200, record=True)
    for r in quarters_renderables(df, ticker="X", metric="capex", unit="USD", view="latest", source="all"):
        con.print(r)
    text = con.export_text()
    assert "to 2019-10-27" in text and "your file: my notes" in text
    for word in ("NaT", "nan", "None"):
        assert word not in text


def test_source_sec_without_sec_data_says_how_to_get_some(home: Path) -> None:
    code, out, err = invoke("quarters", "--ticker", "MSFT", "--metric", "capex", "--source", "sec")
    assert code == 0, err
    assert "capexwatch update --tickers MSFT" in out and "capexwatch ingest" in out
