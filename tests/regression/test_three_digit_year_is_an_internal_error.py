"""Regression: ``backtest --start 0550-12-31`` exited 70 ("internal error").

``date.fromisoformat`` accepts year 550, but quarters are labelled with four-digit years, so the
date reached ``quarter_index`` as '550Q4' and raised a ValueError deep in the signals. A date
option outside 1900-2199 is bad input: exit 2, naming the option.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._support.cli import invoke


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["backtest", "--start", "0550-12-31"], "--start"),
        (["backtest", "--end", "2300-01-01"], "--end"),
        (["quarters", "--ticker", "NVDA", "--metric", "capex", "--as-of", "0099-01-01"], "--as-of"),
    ],
)
def test_out_of_range_date_is_bad_input(home: Path, argv: list[str], option: str) -> None:
    code, _, err = invoke(*argv)
    assert code == 2, err
    assert option in err and "outside 1900-01-01 .. 2199-12-31" in err
    assert "Internal error" not in err
