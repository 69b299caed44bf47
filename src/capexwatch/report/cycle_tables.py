"""Terminal tables for the cycle models' commands: ``calibrate``, the phantom-share sweep, the implied
phantom share, ``analogs``; and the report's one-line summaries of the new sections.

Computes nothing: each function renders what :mod:`capexwatch.models.calibration`,
:mod:`capexwatch.signals.analogs` or a simulation returned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from capexwatch.report.fmt import is_missing

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import RenderableType

__all__ = ["analogs_table", "calibration_renderables", "implied_share_table", "sweep_table"]


def _num(x: Any, digits: int = 1) -> str:
    if is_missing(x) or (isinstance(x, float) and math.isinf(x)):
        return "—"
    return f"{float(x):,.{digits}f}"


def _pct(x: Any) -> str:
    return "—" if is_missing(x) else f"{100 * float(x):.1f}%"


def calibration_renderables(cal: Mapping[str, Any], saved: Mapping[str, str] | None = None) -> list[RenderableType]:
    """Per target: published, fitted, error, met; the fitted values; what the model cannot meet."""
    from rich.table import Table
    from rich.text import Text

    t = Table(title=f"Calibration of {cal['scenario']} against published targets", title_justify="left")
    for col, just in (("target", "left"), ("published", "right"), ("fitted", "right"), ("error", "right")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    t.add_column("met")
    t.add_column("source", overflow="fold")
    for r in cal["targets"]:
        kind = {"at_most": "≤ ", "at_least": "≥ "}.get(str(r["kind"]), "")
        t.add_row(
            str(r["description"]),
            f"{kind}{_num(r['published'])} {r['unit']}",
            f"{_num(r['fitted'])} {r['unit']}",
            _num(r["error"]),
            "[green]met[/]" if r["met"] else "[red]not met[/]",
            str(r["source"]),
        )
    fitted = ", ".join(f"{k} = {v:.4g}" for k, v in cal["fitted"].items())
    unmet = cal.get("unmet") or []
    lines: list[RenderableType] = [
        t,
        Text(f"Fitted: {fitted} ({cal['evaluations']:,} evaluations, {cal['elapsed_s']:.1f} s)."),
        Text(
            f"The model cannot meet: {', '.join(unmet)}." if unmet else "Every target is met.",
            style="yellow" if unmet else "green",
        ),
    ]
    if saved:
        lines.append(
            Text(f"Saved: {saved['scenario']} (used for `{cal['scenario']}` from now on) and {saved['table']}.")
        )
    return lines


def sweep_table(scenario: str, rows: Sequence[Mapping[str, float]]) -> RenderableType:
    """The vendor revenue cliff as a function of the inflation cap (phantom share)."""
    from rich.table import Table

    t = Table(title=f"{scenario}: the vendor revenue cliff against the phantom share", title_justify="left")
    for col in (
        "inflation cap",
        "peak phantom share (p50)",
        "revenue peak-to-trough (p50)",
        "p5-p95",
        "peak period",
        "trough period",
        "write-downs (p50)",
        "idle capacity at end (p50)",
    ):
        t.add_column(col, justify="right")
    for r in rows:
        t.add_row(
            f"{r['inflation_cap']:g}",
            _pct(r["phantom_share_peak"]),
            f"{_num(r['vendor_revenue_peak_to_trough_pct'])}%",
            f"{_num(r['vendor_revenue_peak_to_trough_pct_p5'])}-{_num(r['vendor_revenue_peak_to_trough_pct_p95'])}%",
            _num(r["revenue_peak_period"], 0),
            _num(r["revenue_trough_period"], 0),
            f"{r['write_downs_units']:,.3g}",
            f"{r['idle_capacity_end_units']:,.3g}",
        )
    return t


def implied_share_table(d: Mapping[str, Any]) -> RenderableType:
    """The phantom share a vendor's inventory + purchase-obligation build implies (p50, p5-p95)."""
    from rich.table import Table

    t = Table(title=f"{d['ticker']}: phantom share implied by the stock build", title_justify="left")
    t.add_column("measure")
    t.add_column("value", justify="right")
    quarters = d.get("quarters") or []
    span = f"{quarters[0]} -> {quarters[-1]}" if quarters else ""
    t.add_row(f"inventory + purchase obligations growth {span}", _pct(d["inventory_growth"]))
    t.add_row(
        "  inventory alone / purchase obligations alone",
        f"{_pct(d['inventory_only_growth'])} / {_pct(d['purchase_obligations_growth'])}",
    )
    t.add_row("revenue growth (true need)", _pct(d["demand_growth"]))
    t.add_row("implied phantom share of orders (p50)", _pct(d["phantom_share_p50"]))
    t.add_row("  5-95% range", f"{_pct(d['phantom_share_p5'])} - {_pct(d['phantom_share_p95'])}")
    return t


def analogs_table(frame: pd.DataFrame) -> RenderableType:
    """Each cycle's points, indexed to its peak growth period, by quarters from it."""
    from rich.table import Table

    t = Table(title="Where the AI cycle stands against the telecom and chip busts", title_justify="left")
    for col, just in (
        ("cycle", "left"),
        ("series", "left"),
        ("period", "left"),
        ("quarters from peak growth", "right"),
        ("value", "right"),
        ("index (peak growth = 1)", "right"),
        ("growth y/y", "right"),
    ):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in frame.itertuples(index=False):
        t.add_row(
            str(r.cycle),
            str(r.series),
            str(r.period),
            f"{int(r.offset_quarters):+d}",
            f"${float(r.value_usd) / 1e9:,.1f}B",
            _num(r.index, 2),
            _pct(r.growth_yoy),
        )
    return t
