"""The terminal dashboard adapts to the terminal's width (issue 14, item 13).

In an 80-column terminal the dashboard cut its key numbers ("$15…", "GO…"): a table of twelve
columns was squeezed into 80. Now a table that does not fit is split into stacked tables, each
repeating its key column, so every number and ticker is whole; at 120 columns too.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from rich.console import Console

from capexwatch.report.terminal import render_dashboard

# a number as the dashboard prints one ($15.4B, +22.9%, 0.63x, 2026Q2) cut short by an ellipsis
CUT = re.compile(r"(\$[\d.,]*|[+-]?\d[\d.,]*%?|[A-Z]{2,})…")


@pytest.fixture(scope="module")
def report() -> Iterator[tuple[dict[str, Any], list[Any]]]:
    import tempfile
    from pathlib import Path

    import capexwatch
    from capexwatch.report.build import build_report

    with tempfile.TemporaryDirectory() as d, capexwatch.open(Path(d) / "s.duckdb") as store:
        rep = build_report(store)
        yield rep.data, rep.renderables


def _render(report: tuple[dict[str, Any], list[Any]], width: int) -> str:
    out = io.StringIO()
    render_dashboard(
        report[0], Console(file=out, width=width, force_terminal=False, color_system=None), extras=report[1]
    )
    return out.getvalue()


@pytest.mark.parametrize("width", [80, 120])
def test_no_number_or_ticker_is_cut(report: tuple[dict[str, Any], list[Any]], width: int) -> None:
    text = _render(report, width)
    assert CUT.findall(text) == []
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width


def test_every_big_four_ticker_and_the_headline_figures_are_whole_at_80(
    report: tuple[dict[str, Any], list[Any]],
) -> None:
    text = _render(report, 80)
    for tk in ("MSFT", "GOOGL", "AMZN", "META"):
        assert f" {tk} " in text
    assert "(continued)" in text  # the capex table was split, not squeezed
    wide = _render(report, 200)
    assert "(continued)" not in wide.split("Capex against cloud revenue")[0]
