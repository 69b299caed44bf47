"""Regression (issue 14, item 14): the ingest summaries said too little, or said it in Python.

* The "Latest filing" column of an SEC ingest was always empty: a companyfacts file comes without the
  submissions list ``update`` reads it from, though its facts name their filings.
* A user-CSV ingest printed ``tickers: ['NEBX', 'ORCL']`` (raw Python lists).
* ``universe`` crashed (exit 70) after ingesting the README's own CSV example, whose second row
  leaves ``name`` (and so the company's role) empty: NaN reached the table.
"""

from __future__ import annotations

from pathlib import Path

from tests._support.cli import invoke
from tests._support.data import SEC

# the README's example, verbatim ("Your own figures: the CSV format")
README_CSV = """ticker,metric,fiscal_period,period_end,value,unit,source,name
NEBX,capex,FY2026Q1,2026-03-31,1.25,USD_billions,https://example.org/q1-call,Nebula Compute
ORCL,capex,FY2027Q2,2026-11-30,31000,USD_millions,Oracle Q2 FY27 earnings call,
"""


def test_sec_ingest_names_the_latest_filing_its_facts_cite(home: Path) -> None:
    code, out, err = invoke("ingest", str(SEC / "CIK0001045810_excerpt.json"))
    assert code == 0, err
    # the latest 10-K/10-Q among the excerpt's facts: 10-Q accession 0001045810-26-000052, filed
    # 2026-05-20 (read from tests/data/reference/sec/CIK0001045810_excerpt.json)
    assert "10-Q 2026-05-20" in out


def test_sec_ingest_json_carries_the_latest_filing(home: Path) -> None:
    import json

    code, out, _ = invoke("ingest", str(SEC / "CIK0001045810_excerpt.json"), "--json")
    lf = json.loads(out)["companies"][0]["latest_filing"]
    assert code == 0 and (lf["form"], lf["filed"], lf["accn"]) == ("10-Q", "2026-05-20", "0001045810-26-000052")


def test_csv_ingest_summary_is_words_and_universe_survives_empty_cells(home: Path, tmp_path: Path) -> None:
    csv = tmp_path / "mine.csv"
    csv.write_text(README_CSV, encoding="utf-8")
    code, out, err = invoke("ingest", str(csv))
    assert code == 0, err
    assert "[" not in out and "tickers: NEBX, ORCL" in out
    code, out, err = invoke("universe")
    assert code == 0, err
    assert "NEBX" in out and "Nebula Compute" in out and "nan" not in out
