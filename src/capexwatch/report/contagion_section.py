"""The "Contagion" report section: vendor revenue drawdowns under the pivot presets, and the
historical analog chart.

Faces compute nothing: these functions render the :class:`~capexwatch.models.engine.SimulationResult`
objects of ``contagion.feedback`` runs (``pivot-1``, ``pivot-2``, ``telecom-2001``) and the frame of
:func:`capexwatch.signals.analogs.analog_frame`. :func:`contagion_section` returns an ``{"id",
"title", "html"}`` block for the HTML report; figure divs leave plotly.js out (the report inlines
it once).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from capexwatch.report.fmt import is_missing

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

    from capexwatch.models.engine import SimulationResult

__all__ = [
    "PRESETS",
    "analog_figure",
    "contagion_section",
    "drawdown_figure",
    "drawdown_rows",
    "drawdown_table_html",
    "share_sources",
    "share_sources_html",
]

PRESETS: tuple[str, ...] = ("pivot-1", "pivot-2", "telecom-2001")
"""The scenarios the section shows, in order."""

_VENDORS: tuple[tuple[str, str], ...] = (
    ("nvda", "NVIDIA"),
    ("amd", "AMD"),
    ("avgo", "Broadcom"),
    ("mrvl", "Marvell"),
    ("tsm", "TSMC"),
)

_CYCLE_NAMES = {
    "ai": "AI build-out (Big Four capex)",
    "telecom": "Telecom 1999-2002",
    "semiconductor": "Semis 2021-2023",
}


def _share(x: Any) -> str:
    return "—" if is_missing(x) else f"{100 * float(x):.1f}%"


def drawdown_rows(results: Mapping[str, SimulationResult]) -> list[dict[str, Any]]:
    """One row per scenario and vendor: median shortfall against the no-shock path (p5-p95),
    median peak-to-trough drawdown and median quarters to trough."""
    rows = []
    for name, r in results.items():
        for key, label in _VENDORS:
            short = r.outputs[f"{key}_revenue_shortfall_ratio"]
            rows.append(
                {
                    "scenario": name,
                    "vendor": label,
                    "shortfall_p50": short.p50,
                    "shortfall_p5": short.p5,
                    "shortfall_p95": short.p95,
                    "drawdown_p50": r.outputs[f"{key}_revenue_drawdown_ratio"].p50,
                    "quarters_to_trough_p50": r.outputs[f"{key}_quarters_to_trough"].p50,
                }
            )
    return rows


def drawdown_table_html(results: Mapping[str, SimulationResult]) -> str:
    """The drawdown rows as an HTML table, plus each run's loop and neocloud summary."""
    head = "<tr><th>scenario</th><th>vendor</th><th>shortfall vs no-shock (p50, p5-p95)</th>"
    head += "<th>peak-to-trough (p50)</th><th>quarters to trough (p50)</th></tr>"
    body = []
    for row in drawdown_rows(results):
        q = row["quarters_to_trough_p50"]
        body.append(
            f"<tr><td>{html.escape(row['scenario'])}</td><td>{row['vendor']}</td>"
            f"<td>{_share(row['shortfall_p50'])} ({_share(row['shortfall_p5'])} - {_share(row['shortfall_p95'])})</td>"
            f"<td>{_share(row['drawdown_p50'])}</td><td>{'—' if is_missing(q) else f'{q:.0f}'}</td></tr>"
        )
    notes = []
    for name, r in results.items():
        o = r.outputs
        turned = o["loop_turned_flag"].mean
        text = f"{html.escape(name)}: the loop turns on {_share(turned)} of paths"
        if "neocloud_default_prob_added" in o:
            # the mean over paths: with the GPU-collateral facility each path's PD is a 0/1 flag
            pd, added = o["neocloud_default_prob_final"].mean, o["neocloud_default_prob_added"].mean
            text += f"; neocloud default probability {_share(pd)} ({added * 100:+.2f} points against no shock)"
        notes.append(f"<li>{text}</li>")
    return f"<table class='contagion'>{head}{''.join(body)}</table><ul>{''.join(notes)}</ul>"


#: how the section names where a share came from (store_fill.value_origin's origins)
_ORIGIN = {"store": "filed", "fallback": "cited estimate (fallback)", "scenario": "cited estimate"}


def _share_value(p: Mapping[str, Any]) -> str:
    """A share parameter as used: a number, or its distribution's range."""
    if "dist" in p:
        lo, hi = p.get("low"), p.get("high")
        if lo is not None and hi is not None:
            return f"{p['dist']} {_share(lo)}-{_share(hi)}"
        return str(p["dist"])
    return _share(p.get("value"))


def _filing_text(rows: list[dict[str, Any]]) -> str | None:
    filings = {f"{r.get('form') or 'filing'} {r['accn']}, filed {r.get('filed')}" for r in rows if r.get("accn")}
    return "; ".join(sorted(filings)) or None


def share_sources(results: Mapping[str, SimulationResult]) -> list[dict[str, Any]]:
    """Where each vendor's customer share came from in each run: the store (a filing's customer
    concentration, with its accession and customers), the scenario's cited fallback because the
    store lacked it, or the scenario's own cited value. Runs that agree share one row."""
    from capexwatch.models.store_fill import value_origin

    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for name, r in results.items():
        for key, label in _VENDORS:
            p = r.parameters.get(f"{key}_hyperscaler_share")
            if p is None:
                continue
            o = value_origin(p)
            row: dict[str, Any] = {
                "vendor": label,
                "parameter": f"{key}_hyperscaler_share",
                "value": _share_value(p),
                "origin": _ORIGIN.get(o["origin"], "cited estimate"),
                "source": o.get("source"),
            }
            if o["origin"] == "store":
                used = o["rows"]
                row["filing"] = _filing_text(used)
                row["period"] = ", ".join(sorted({str(u.get("fiscal_period")) for u in used}))
                row["customers"] = ", ".join(
                    f"{u.get('customer') or u.get('ticker')} {u['value']:g}%" for u in used if "value" in u
                )
            elif o["origin"] == "fallback":
                row["reason"] = o["reason"]
            k = tuple(str(v) for v in row.values())
            rows.setdefault(k, row | {"scenarios": []})["scenarios"].append(name)
    return list(rows.values())


def share_sources_html(rows: list[dict[str, Any]]) -> str:
    """The customer shares as a list: value, where it came from, and its filing or citation."""
    items = []
    for r in rows:
        text = f"<b>{html.escape(r['vendor'])}</b> {html.escape(r['value'])}: {html.escape(r['origin'])}"
        if r.get("filing"):
            text += f" - {html.escape(r['filing'])}, {html.escape(r.get('period', ''))} ({html.escape(r['customers'])})"
        if r.get("reason"):
            text += f" - {html.escape(r['reason'])}"
        if r.get("source"):
            text += f"; source: {html.escape(str(r['source']))}"
        if len(r["scenarios"]) < 3:
            text += f" [{html.escape(', '.join(r['scenarios']))}]"
        items.append(f"<li>{text}</li>")
    return (
        "<p>Each vendor's share of sales bought by the hyperscalers (vendor revenue = the sum over buyers of "
        "buyer capex x the buyer's share): from the vendor's filed customer concentration where the store "
        f"has it, else the cited estimate.</p><ul class='share-sources'>{''.join(items)}</ul>"
    )


def drawdown_figure(results: Mapping[str, SimulationResult]) -> go.Figure:
    """Grouped bars: each vendor's median revenue shortfall under each scenario (p5-p95 whiskers)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    labels = [label for _, label in _VENDORS]
    for name, r in results.items():
        stats = [r.outputs[f"{key}_revenue_shortfall_ratio"] for key, _ in _VENDORS]
        p50 = [100 * s.p50 for s in stats]
        fig.add_bar(
            name=name,
            x=labels,
            y=p50,
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [100 * s.p95 - m for s, m in zip(stats, p50, strict=True)],
                "arrayminus": [m - 100 * s.p5 for s, m in zip(stats, p50, strict=True)],
            },
        )
    fig.update_layout(
        barmode="group",
        title="Vendor revenue shortfall against the no-shock path",
        yaxis_title="% of revenue (median, p5-p95)",
        template="plotly_white",
        height=420,
    )
    return fig


def analog_figure(frame: pd.DataFrame) -> go.Figure:
    """Each series indexed to its cycle's peak growth period (1.0), by quarters from it."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for (cycle, series), g in frame.groupby(["cycle", "series"], sort=False):
        g = g.sort_values("offset_quarters")
        fig.add_scatter(
            x=g["offset_quarters"],
            y=g["index"],
            mode="lines+markers",
            name=f"{_CYCLE_NAMES.get(str(cycle), str(cycle))}: {str(series).replace('_', ' ')}",
            text=[f"{p}<br>{s}" for p, s in zip(g["period"], g["source"], strict=True)],
            hovertemplate="%{text}<br>index %{y:.2f}<extra></extra>",
            line={"width": 3 if cycle == "ai" else 1.5},
        )
    fig.add_vline(x=0, line_dash="dot", line_color="#8c959f")
    fig.update_layout(
        title="Where the AI cycle stands: cycles aligned on their peak growth period",
        xaxis_title="quarters from the peak growth period",
        yaxis_title="level / level at peak growth",
        template="plotly_white",
        height=460,
    )
    return fig


def contagion_section(results: Mapping[str, SimulationResult], analogs: pd.DataFrame) -> dict[str, str]:
    """The HTML report block: the drawdown chart and table, then the analog chart."""
    import plotly.io as pio

    parts = [
        "<p>How a capex pivot by one or two hyperscalers, or a telecom-2001 style collapse, reaches the "
        "chip vendors and the neoclouds' lenders (model contagion.feedback; every input cited in the "
        "presets).</p>"
    ]
    if results:
        parts.append(pio.to_html(drawdown_figure(results), include_plotlyjs=False, full_html=False))
        parts.append(drawdown_table_html(results))
        parts.append(share_sources_html(share_sources(results)))
    if not analogs.empty:
        parts.append(pio.to_html(analog_figure(analogs), include_plotlyjs=False, full_html=False))
        anchors = analogs.groupby("cycle")["anchor_period"].first()
        parts.append(
            "<p>Peak growth periods: "
            + ", ".join(
                f"{html.escape(_CYCLE_NAMES.get(str(c), str(c)))} {html.escape(str(a))}" for c, a in anchors.items()
            )
            + ". Historical points: published-analyses.md sections 7-8 (hover for each source).</p>"
        )
    return {"id": "contagion", "title": "Contagion", "html": "\n".join(parts)}
