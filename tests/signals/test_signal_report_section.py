"""The report section: Rich board and detail, Plotly histories, the HTML fragment."""

from __future__ import annotations

import io

from rich.console import Console

from capexwatch import signals as S
from capexwatch.report import signals_section as R
from capexwatch.signals._inputs import Inputs


def _text(renderable: object) -> str:
    c = Console(file=io.StringIO(), width=220, record=True, color_system="truecolor")
    c.print(renderable)
    return c.export_text()


def test_board_detail_and_html(real_inputs: Inputs) -> None:
    sigs = S.evaluate_all(real_inputs)
    board = _text(R.board_renderable(sigs))
    for s in sigs:
        assert s.title.split()[0] in board
    assert "Potential trigger" in board and "Evidence" in board
    detail = _text(R.detail_renderable(sigs[1], history=True))
    assert "Thresholds" in detail and "History" in detail and "Evidence" in detail
    frag = R.html_fragment(sigs)
    assert frag.count('<tr id="signal-') == 8
    assert "status-" in frag and "<script" in frag  # plotly divs
    assert "plotly.js v" not in frag  # the report inlines plotly.js once; the fragment must not
    figs = R.history_figures(sigs)
    assert set(figs) <= {s.name for s in sigs} and len(figs) >= 7
    ci = figs["capital_intensity"]
    assert any(tr.name in ("ok", "watch", "alert") for tr in ci.data)


def test_colours_and_formatting() -> None:
    assert R.fmt_value(91.4e9, "USD") == "$91.4B"
    assert R.fmt_value(12.5, "pct") == "12.5%"
    assert R.fmt_value(150.0, "bp") == "150 bp"
    assert R.fmt_value(None, "USD") == "—"
    assert set(R.STATUS_COLOURS) == set(S.STATUSES)


def test_backtest_renderable(real_inputs: Inputs) -> None:
    from capexwatch.signals.backtest import backtest

    res = backtest(real_inputs, dates=["2022-06-30", "2022-09-30"], names=["liquidity_drain"])
    out = _text(R.backtest_renderable(res))
    assert "ALERT" in out and "liquidity_drain" in out


def test_report_section(store: object) -> None:
    sec = R.report_section(store)  # type: ignore[arg-type]
    assert sec["section"]["id"] == "signals" and len(sec["signals"]) == 8
    assert "<table" in sec["section"]["html"]
