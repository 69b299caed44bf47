"""The one-line summary after ingesting a user CSV stays one readable line for a big file."""

from __future__ import annotations

from capexwatch.report.pipeline_tables import csv_summary_line


def test_few_tickers_are_all_named() -> None:
    line = csv_summary_line({"path": "f.csv", "rows": 2, "tickers": ["NEBX", "ORCL"], "metrics": ["capex"]})
    assert "tickers: NEBX, ORCL;" in line and "more" not in line


def test_many_tickers_are_cut_with_a_count() -> None:
    tickers = [f"T{i:05d}" for i in range(57_000)]
    line = csv_summary_line({"path": "big.csv", "rows": 456_000, "tickers": tickers, "metrics": ["capex"]})
    assert "T00019" in line and "T00020" not in line
    assert "and 56,980 more (--json lists all)" in line
    assert len(line) < 600
