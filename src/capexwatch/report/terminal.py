"""The terminal dashboard: Rich tables of the report's views, colour-coded."""

from __future__ import annotations

from typing import Any

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


def _capex_table(data: dict[str, Any], last: int) -> Table:
    cq = data["capex_by_quarter"]
    rows = cq["rows"][-last:]
    others = [t for t in cq["tickers"] if t not in cq["big_four"]]
    t = Table(title="Capex per calendar quarter (cash purchases of PP&E)", title_justify="left", header_style="bold")
    t.add_column("Quarter")
    for tk in cq["big_four"]:
        t.add_column(tk, justify="right")
    t.add_column("Big Four", justify="right", style="bold cyan")
    t.add_column("TTM", justify="right", style="cyan")
    t.add_column("q/q", justify="right")
    t.add_column("y/y", justify="right")
    for tk in others:
        t.add_column(tk, justify="right")
    t.add_column("Total", justify="right", style="bold")
    for r in rows:
        t.add_row(
            r["calendar_quarter"],
            *[usd(r.get(tk)) for tk in cq["big_four"]],
            usd(r["big_four_usd"]) if r["big_four_complete"] else Text("incomplete", style="dim"),
            usd(r["big_four_ttm_usd"]),
            Text(pct(r["big_four_qoq_pct"]), style=_growth_style(r["big_four_qoq_pct"])),
            Text(pct(r["big_four_yoy_pct"]), style=_growth_style(r["big_four_yoy_pct"])),
            *[usd(r.get(tk)) for tk in others],
            f"{usd(r['total_usd'])} ({r['total_companies']})",
        )
    t.caption = "Total: every hyperscaler and neocloud reporting that quarter (count in brackets)."
    return t


def _cloud_table(data: dict[str, Any], last: int) -> Table:
    t = Table(title="Capex against cloud revenue", title_justify="left", header_style="bold")
    for c, j in (
        ("Company", "left"),
        ("Fiscal qtr", "left"),
        ("Cal. qtr", "left"),
        ("Capex", "right"),
        ("Cloud revenue", "right"),
        ("Capex/cloud", "right"),
        ("Cloud y/y", "right"),
    ):
        t.add_column(c, justify=j)  # type: ignore[arg-type]
    rows = data["capex_vs_cloud"]["rows"]
    for tk in ("MSFT", "GOOGL", "AMZN", "ORCL"):
        mine = [r for r in rows if r["ticker"] == tk][-last:]
        for r in mine:
            t.add_row(
                tk,
                r["fiscal_period"],
                r["calendar_quarter"],
                usd(r["capex_usd"]),
                usd(r["cloud_revenue_usd"]),
                ratio(r["capex_to_cloud_ratio"]),
                Text(pct(r["cloud_growth_yoy_pct"]), style=_growth_style(r["cloud_growth_yoy_pct"])),
            )
        if mine:
            t.add_section()
    t.caption = (
        "Cloud: AWS, Google Cloud, Microsoft Intelligent Cloud (no y/y across its 2024 re-segmentation), "
        "Oracle IaaS+SaaS."
    )
    return t


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
    t.add_column(justify="right")
    t.add_column()
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
    console.print(_capex_table(data, last))
    console.print(_cloud_table(data, 4))
    console.print(_intensity_table(data))
    console.print(_nvidia_table(data, last))
    console.print(_roi_panel(data))
    for extra in extras or []:
        console.print(extra)
    for note in data.get("notes", []):
        console.print(f"[yellow]{note}[/yellow]")
    if html_path:
        console.print(f"\n[bold]HTML report:[/bold] {html_path}")
