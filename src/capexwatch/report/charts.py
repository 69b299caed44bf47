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
    """Capex and cloud revenue per hyperscaler per quarter, one panel per company."""
    from plotly.subplots import make_subplots

    rows = data["capex_vs_cloud"]["rows"]
    tickers = [t for t in ("MSFT", "GOOGL", "AMZN", "ORCL") if any(r["ticker"] == t for r in rows)]
    fig = make_subplots(rows=2, cols=2, subplot_titles=tickers, shared_yaxes=False, vertical_spacing=0.2)
    for i, tk in enumerate(tickers):
        mine = [r for r in rows if r["ticker"] == tk]
        x = [r["calendar_quarter"] for r in mine]
        pos = {"row": i // 2 + 1, "col": i % 2 + 1}
        fig.add_scatter(
            x=x,
            y=[_b(r["cloud_revenue_usd"]) for r in mine],
            name="cloud revenue",
            mode="lines+markers",
            line={"color": "#1f77b4"},
            showlegend=i == 0,
            legendgroup="cloud",
            **pos,
        )
        fig.add_scatter(
            x=x,
            y=[_b(r["capex_usd"]) for r in mine],
            name="capex",
            mode="lines+markers",
            line={"color": "#d62728", "dash": "dot"},
            showlegend=i == 0,
            legendgroup="capex",
            **pos,
        )
    layout = {**_LAYOUT, "height": 620}
    fig.update_layout(title="Capex against cloud revenue ($B per quarter)", **layout)
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
    # log scale: a neocloud spending 2-4x its revenue sits beside hyperscalers at 0.1-0.5x
    fig.update_layout(
        title="Capex intensity: capex / revenue, trailing four quarters (log scale)",
        yaxis={"title": "capex / revenue", "type": "log", "tickformat": ".0%"},
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
