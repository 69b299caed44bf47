"""Plotly figures for the report's views (one figure per view)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

__all__ = ["capex_chart", "cloud_chart", "intensity_chart", "nvidia_chart", "roi_chart"]

_LAYOUT = {
    "template": "plotly_white",
    "height": 420,
    "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
    "legend": {"orientation": "h", "y": -0.15},
}


def _b(x: Any) -> float | None:
    return None if x is None else float(x) / 1e9


def capex_chart(data: dict[str, Any]) -> go.Figure:
    """Stacked Big-Four capex bars per calendar quarter with the trailing-four-quarter line."""
    cq = data["capex_by_quarter"]
    rows = cq["rows"]
    x = [r["calendar_quarter"] for r in rows]
    fig = go.Figure()
    for tk in cq["tickers"]:
        fig.add_bar(x=x, y=[_b(r.get(tk)) for r in rows], name=tk)
    fig.add_scatter(
        x=x,
        y=[_b(r["big_four_ttm_usd"]) for r in rows],
        name="Big-Four TTM",
        yaxis="y2",
        mode="lines+markers",
        line={"color": "black", "width": 3},
    )
    fig.update_layout(
        barmode="stack",
        title="Capex per calendar quarter ($B) and Big-Four trailing four quarters",
        yaxis={"title": "$B per quarter"},
        yaxis2={"title": "$B TTM", "overlaying": "y", "side": "right", "showgrid": False},
        **_LAYOUT,
    )
    return fig


def cloud_chart(data: dict[str, Any]) -> go.Figure:
    """Capex and cloud revenue per hyperscaler per quarter."""
    rows = data["capex_vs_cloud"]["rows"]
    fig = go.Figure()
    for tk in ("MSFT", "GOOGL", "AMZN", "ORCL"):
        mine = [r for r in rows if r["ticker"] == tk]
        if not mine:
            continue
        x = [r["calendar_quarter"] for r in mine]
        fig.add_scatter(
            x=x, y=[_b(r["cloud_revenue_usd"]) for r in mine], name=f"{tk} cloud revenue", mode="lines+markers"
        )
        fig.add_scatter(
            x=x, y=[_b(r["capex_usd"]) for r in mine], name=f"{tk} capex", mode="lines", line={"dash": "dot"}
        )
    fig.update_layout(title="Capex against cloud revenue ($B per quarter)", yaxis={"title": "$B"}, **_LAYOUT)
    return fig


def intensity_chart(data: dict[str, Any]) -> go.Figure:
    """Capex/revenue (TTM) per company."""
    rows = data["capex_intensity"]["rows"]
    fig = go.Figure()
    for tk in sorted({r["ticker"] for r in rows}):
        mine = [r for r in rows if r["ticker"] == tk and r.get("capex_to_revenue_ttm_ratio") is not None]
        if mine:
            fig.add_scatter(
                x=[r["calendar_quarter"] for r in mine],
                y=[r["capex_to_revenue_ttm_ratio"] for r in mine],
                name=tk,
                mode="lines+markers",
            )
    fig.update_layout(
        title="Capex intensity: capex / revenue, trailing four quarters",
        yaxis={"title": "ratio", "tickformat": ".0%"},
        **_LAYOUT,
    )
    return fig


def nvidia_chart(data: dict[str, Any]) -> go.Figure:
    """NVIDIA data-centre revenue against Big-Four capex."""
    rows = data["nvidia_vs_capex"]["rows"]
    x = [r["calendar_quarter"] for r in rows]
    fig = go.Figure()
    fig.add_bar(x=x, y=[_b(r["big_four_usd"]) for r in rows], name="Big-Four capex")
    fig.add_bar(x=x, y=[_b(r["nvda_data_center_usd"]) for r in rows], name="NVIDIA data-centre revenue")
    fig.update_layout(
        barmode="group",
        title="NVIDIA data-centre revenue vs Big-Four capex ($B per quarter)",
        yaxis={"title": "$B"},
        **_LAYOUT,
    )
    return fig


def roi_chart(data: dict[str, Any]) -> go.Figure:
    """Required revenue (Sequoia chain) against disclosed AI revenue, by component."""
    r = data["roi_gap"]
    fig = go.Figure()
    if r.get("required_revenue_usd") is not None:
        fig.add_bar(
            x=["Required revenue"],
            y=[_b(r["required_revenue_usd"])],
            name="Required (Sequoia chain)",
            marker_color="#d9a400",
        )
        for c in r["ai_revenue_components"]:
            fig.add_bar(x=["Disclosed AI revenue"], y=[_b(c["amount_usd"])], name=f"{c['entity']} run-rate")
    fig.update_layout(
        barmode="stack",
        title="ROI gap: required revenue vs disclosed AI revenue ($B per year)",
        yaxis={"title": "$B per year"},
        **_LAYOUT,
    )
    return fig
