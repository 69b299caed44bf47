"""Regression: a user CSV whose ``period_end`` lies in year 1 crashed the ingest (exit 70).

``0001-01-05`` is a valid ISO date, but the fiscal-year inference steps back a day from the first
of its month and leaves Python's date range ("OverflowError: date value out of range"). Periods
must end in 1900-2199 (the bounds of the CLI's date options): anything else is bad input, with the
line and column named, exit 2, nothing stored.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._support.cli import run_cli

HEADER = "ticker,metric,fiscal_period,period_end,value,unit,source,name\n"
SOURCE = "https://example.org/figures"  # the source column is only required to be present


@pytest.mark.parametrize("end", ["0001-01-05", "1899-12-31", "2200-01-01"])
def test_period_end_outside_the_supported_years_is_bad_input(home: Path, tmp_path: Path, end: str) -> None:
    p = tmp_path / "figures.csv"
    p.write_text(HEADER + f"ACME,capex,FY2025Q1,{end},100,USD_millions,{SOURCE},Acme\n")
    res = run_cli("ingest", str(p), env={"CAPEXWATCH_HOME": str(home)})
    assert res.returncode == 2, res.stderr
    assert "line 2" in res.stderr and "period_end" in res.stderr and "1900-2199" in res.stderr
    assert "Internal error" not in res.stderr
    info = run_cli("universe", "--json", env={"CAPEXWATCH_HOME": str(home)})
    assert "ACME" not in info.stdout
