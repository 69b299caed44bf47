"""Regression (issue 14, item 12): ``series DGS10 --start 2025-01-01`` showed the last 40 of 392 rows
without saying so, and a window after the data said only "No observations" (as if the series
were unknown). Now the table says how many rows it left out and how to see them, and an empty
window names the dates the store holds.
"""

from __future__ import annotations

from pathlib import Path

from tests._support.cli import invoke


def test_a_cut_table_says_so_and_all_shows_every_row(home: Path) -> None:
    code, out, _ = invoke("series", "DGS10", "--start", "2025-01-01")
    assert code == 0
    assert "Showing the latest 40 of " in out and "--all" in out and "--limit" in out
    code, full, _ = invoke("series", "DGS10", "--start", "2025-01-01", "--all")
    assert code == 0 and "Showing the latest" not in full
    assert full.count("DGS10") > out.count("DGS10")


def test_limit_shows_that_many(home: Path) -> None:
    code, out, _ = invoke("series", "DGS10", "--limit", "3")
    assert code == 0 and "Showing the latest 3 of " in out


def test_a_window_after_the_data_names_the_dates_held(home: Path) -> None:
    code, _, err = invoke("series", "DGS10", "--start", "2100-01-01")
    assert code == 5 and "the store holds" in err and "No observations for series" not in err
