"""The terminal dashboard: Rich tables of the report's views, colour-coded.

The dashboard adapts to the terminal's width: a table whose columns do not fit side by side is
split into several stacked tables, each repeating its key columns (quarter, company), so that no
number is ever cut to "$15…" (checked at 80 and 120 columns in ``tests/report/test_terminal_width.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from capexwatch.report.fmt import pct, ratio, usd

__all__ = ["render_dashboard"]


def _growth_style(x: Any) -> str:
    if x is None:
        return "dim"
    return "green" if x > 0 else "red"


def _headline(data: dict[str, Any]) -> Panel:
    h = data["headline"]
    roi = data["roi_gap"]
    t = Text()
    if h:
        t.append(f"Big-Four capex {h['calendar_quarter']}: ", style="bold")
        t.append(usd(h["big_four_capex_usd"]), style="bold cyan")
        t.append(f"  ({pct(h['big_four_capex_yoy_pct'])} y/y, {pct(h['big_four_capex_qoq_pct'])} q/q)")
        t.append("   trailing four quarters: ", style="bold")
        t.append(usd(h["big_four_capex_ttm_usd"]), style="bold cyan")
    if roi.get("required_revenue_usd") is not None:
        t.append("\nROI gap (Sequoia chain): ", style="bold")
        t.append(f"required revenue {usd(roi['required_revenue_usd'])}", style="bold yellow")
        t.append(f" vs disclosed AI revenue {usd(roi['ai_revenue_usd'])}")
        t.append(" -> gap ", style="bold")
        t.append(usd(roi["gap_usd"]), style="bold red")
    return Panel(t, title=data["title"], subtitle=f"snapshot {data['snapshot_version']}", border_style="cyan")


Cell = str | Text


@dataclass
class _Col:
    """One column of a dashboard table: its header, cells (one per row), alignment and style."""

    header: str
    cells: list[Cell] = field(default_factory=list)
    justify: Literal["left", "right"] = "right"
    style: str = ""


def _table(title: str, cols: Sequence[_Col], sections: Sequence[int] = ()) -> Table:
    """A table of *cols*; a section line after each row index in *sections*.

    Each column is at least as wide as its widest cell, so a cell never wraps (a number cut in two
    reads as another number); headers may wrap between words. A table too wide for the terminal is
    split by :func:`_fitting` instead.
    """
    t = Table(title=title, title_justify="left", header_style="bold")
    for c in cols:
        t.add_column(c.header, justify=c.justify, style=c.style, min_width=_cell_width(c))
    n = len(cols[0].cells) if cols else 0
    for i in range(n):
        t.add_row(*[c.cells[i] for c in cols])
        if i in sections:
            t.add_section()
    return t


def _cell_width(c: _Col) -> int:
    return max((len(x.plain if isinstance(x, Text) else x) for x in c.cells), default=0)


def _fitting(
    console: Console,
    title: str,
    keys: Sequence[_Col],
    cols: Sequence[_Col],
    *,
    caption: str = "",
    sections: Sequence[int] = (),
) -> list[Table]:
    """One table of *keys* + *cols* if it fits *console*'s width, else several stacked ones.

    Columns are packed in order, each table repeating the key columns; a column that does not fit
    even alone keeps its own table (Rich then folds it rather than lose digits).
    """
    groups: list[list[_Col]] = [[]]
    for c in cols:
        trial = [*groups[-1], c]
        if groups[-1] and _width(console, [*keys, *trial]) > console.width:
            groups.append([c])
        else:
            groups[-1] = trial
    tables = [_table(title if i == 0 else f"{title} (continued)", [*keys, *g], sections) for i, g in enumerate(groups)]
    if caption:
        tables[-1].caption = caption
    return tables


def _width(console: Console, cols: Sequence[_Col]) -> int:
    """Columns a table of *cols* needs with every cell whole (headers may wrap between words)."""
    from rich.measure import Measurement

    # measured against a very wide line: Rich clamps a measurement to the width it is given
    unbounded = console.options.update_width(10_000)
    return Measurement.get(console, unbounded, _table("", cols)).minimum


def _capex_tables(data: dict[str, Any], last: int, console: Console) -> list[Table]:
    cq = data["capex_by_quarter"]
    rows = cq["rows"][-last:]
    others = [t for t in cq["tickers"] if t not in cq["big_four"]]
    cols = [_Col(tk, [usd(r.get(tk)) for r in rows]) for tk in cq["big_four"]]
    cols += [
        _Col(
            "Big Four",
            [usd(r["big_four_usd"]) if r["big_four_complete"] else Text("incomplete", style="dim") for r in rows],
            style="bold cyan",
        ),  # fmt: skip
        _Col("TTM", [usd(r["big_four_ttm_usd"]) for r in rows], style="cyan"),
        _Col("q/q", [Text(pct(r["big_four_qoq_pct"]), style=_growth_style(r["big_four_qoq_pct"])) for r in rows]),
        _Col("y/y", [Text(pct(r["big_four_yoy_pct"]), style=_growth_style(r["big_four_yoy_pct"])) for r in rows]),
    ]
    cols += [_Col(tk, [usd(r.get(tk)) for r in rows]) for tk in others]
    cols.append(_Col("Total", [f"{usd(r['total_usd'])} ({r['total_companies']})" for r in rows], style="bold"))
    keys = [_Col("Quarter", [r["calendar_quarter"] for r in rows], justify="left")]
    return _fitting(
        console,
        "Capex per calendar quarter (cash purchases of PP&E)",
        keys,
        cols,
        caption="Total: every hyperscaler and neocloud reporting that quarter (count in brackets).",
    )


def _cloud_tables(data: dict[str, Any], last: int, console: Console) -> list[Table]:
    rows = data["capex_vs_cloud"]["rows"]
    picked: list[dict[str, Any]] = []
    sections: list[int] = []
    for tk in ("MSFT", "GOOGL", "AMZN", "ORCL"):
        mine = [r for r in rows if r["ticker"] == tk][-last:]
        picked.extend(mine)
        if mine:
            sections.append(len(picked) - 1)
    keys = [
        _Col("Company", [r["ticker"] for r in picked], justify="left"),
        _Col("Fiscal qtr", [r["fiscal_period"] for r in picked], justify="left"),
    ]
    cols = [
        _Col("Cal. qtr", [r["calendar_quarter"] for r in picked], justify="left"),
        _Col("Capex", [usd(r["capex_usd"]) for r in picked]),
        _Col("Cloud revenue", [usd(r["cloud_revenue_usd"]) for r in picked]),
        _Col("Capex / cloud", [ratio(r["capex_to_cloud_ratio"]) for r in picked]),
        _Col(
            "Cloud y/y",
            [Text(pct(r["cloud_growth_yoy_pct"]), style=_growth_style(r["cloud_growth_yoy_pct"])) for r in picked],
        ),  # fmt: skip
    ]
    caption = (
        "Cloud: AWS, Google Cloud, Microsoft Intelligent Cloud (no y/y across its 2024 re-segmentation), "
        "Oracle IaaS+SaaS."
    )
    return _fitting(console, "Capex against cloud revenue", keys, cols, caption=caption, sections=sections)


def _intensity_table(data: dict[str, Any]) -> Table:
    t = Table(
        title="Capex intensity (latest fiscal quarter; TTM = trailing four quarters)",
        title_justify="left",
        header_style="bold",
    )
    for c in ("Company", "Fiscal qtr", "Capex/revenue", "TTM", "Capex/OCF TTM", "FCF after capex TTM"):
        t.add_column(c, justify="left" if c in ("Company", "Fiscal qtr") else "right")
    rows = data["capex_intensity"]["rows"]
    for tk in sorted({r["ticker"] for r in rows}):
        mine = [x for x in rows if x["ticker"] == tk]
        with_rev = [x for x in mine if x.get("capex_to_revenue_ratio") is not None]
        with_ocf = [x for x in mine if x.get("capex_to_ocf_ttm_ratio") is not None]
        if not with_rev:
            continue
        r = with_rev[-1]
        o = with_ocf[-1] if with_ocf else {}
        ocf = o.get("capex_to_ocf_ttm_ratio")
        when = f" ({o['fiscal_period']})" if o and o["fiscal_period"] != r["fiscal_period"] else ""
        t.add_row(
            tk,
            r["fiscal_period"],
            ratio(r.get("capex_to_revenue_ratio")),
            ratio(r.get("capex_to_revenue_ttm_ratio")),
            Text(ratio(ocf) + when, style="red" if ocf is not None and ocf > 1 else ""),
            usd(o.get("fcf_after_capex_ttm_usd")) + when,
        )
    t.caption = (
        "Capex/OCF above 1.00x: capex funded from outside operating cash flow. A bracketed quarter: "
        "the latest with four quarters of operating cash flow."
    )
    return t


def _nvidia_table(data: dict[str, Any], last: int) -> Table:
    t = Table(title="NVIDIA data-centre revenue against Big-Four capex", title_justify="left", header_style="bold")
    for c in ("Cal. qtr", "NVDA data centre", "Big-Four capex", "NVDA DC / capex"):
        t.add_column(c, justify="left" if c == "Cal. qtr" else "right")
    for r in data["nvidia_vs_capex"]["rows"][-last:]:
        t.add_row(
            r["calendar_quarter"],
            usd(r["nvda_data_center_usd"]),
            usd(r["big_four_usd"]),
            ratio(r["nvda_dc_to_big_four_capex_ratio"]),
        )
    return t


def _roi_panel(data: dict[str, Any]) -> Panel:
    r = data["roi_gap"]
    if r.get("required_revenue_usd") is None:
        return Panel(Text(r.get("reason", "insufficient data"), style="yellow"), title="ROI gap")
    t = Table.grid(padding=(0, 2))
    t.add_column()
    t.add_column(justify="right", no_wrap=True)
    t.add_column(overflow="fold")  # the source URLs: folded over lines, never cut
    t.add_row(
        f"NVIDIA data centre {r['nvda_fiscal_period']}",
        usd(r["nvda_data_center_quarter_usd"]),
        r["nvda_data_center_source_url"],
    )
    f = r.get("nvda_filing")
    if f and f["fiscal_period"] != r["nvda_fiscal_period"]:
        t.add_row(f"  as NVIDIA filed it, {f['fiscal_period']} ({f['form']} {f['accn']})", usd(f["value_usd"]),
                  f["source_url"])  # fmt: skip
    t.add_row("x 4 = GPU run-rate", usd(r["gpu_run_rate_usd"]), "")
    t.add_row(
        f"x {r['tco_multiplier']:g} (TCO) x {r['margin_multiplier']:g} (50% margin) = required revenue",
        Text(usd(r["required_revenue_usd"]), style="bold yellow"),
        r["method_source_url"],
    )
    for c in r["ai_revenue_components"]:
        t.add_row(f"AI revenue run-rate: {c['entity']} ({str(c['date'])[:10]})", usd(c["amount_usd"]), c["source_url"])
    t.add_row("Disclosed AI revenue (sum)", usd(r["ai_revenue_usd"]), "")
    t.add_row(
        Text("Gap", style="bold"),
        Text(usd(r["gap_usd"]), style="bold red"),
        f"AI revenue covers {r['coverage_ratio'] * 100:.0f}% of required"
        if r.get("coverage_ratio") is not None
        else "",
    )
    note = Text(
        "\nThe AI-revenue sum can double-count (OpenAI's spend is part of Microsoft's revenue); "
        "Sequoia's chain counts the ecosystem's end-user revenue.",
        style="dim",
    )
    return Panel(
        Group(t, note), title="ROI gap: Sequoia-style required revenue vs disclosed AI revenue", border_style="yellow"
    )


def render_dashboard(
    data: dict[str, Any],
    console: Console,
    *,
    last: int = 8,
    html_path: str | None = None,
    extras: list[Any] | None = None,
) -> None:
    """Print the dashboard for *data* (from :func:`capexwatch.report.data.build_report_data`)."""
    console.print(_headline(data))
    for table in (*_capex_tables(data, last, console), *_cloud_tables(data, 4, console)):
        console.print(table)
    console.print(_intensity_table(data))
    console.print(_nvidia_table(data, last))
    console.print(_roi_panel(data))
    for extra in extras or []:
        console.print(extra)
    for note in data.get("notes", []):
        console.print(f"[yellow]{note}[/yellow]")
    if html_path:
        console.print(f"\n[bold]HTML report:[/bold] {html_path}")
