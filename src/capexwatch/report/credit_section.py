"""'Who holds the bag': the GPU-collateral credit section of the report.

Renders what ``credit.gpu_collateral`` returns (faces compute nothing): the probability of a
covenant breach and the cumulative probability of default by quarter, from a
:class:`~capexwatch.models.engine.SimulationResult` (or its ``to_dict()``), and the PD heat map
over rental price x GPU life from :func:`capexwatch.models.credit_grid.pd_grid`. Not wired into the
report build yet; :func:`report_part` is the one call a contributor in ``report/build.py`` needs.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

__all__ = ["breach_figure", "credit_section", "pd_heatmap", "report_part", "summary_rows"]

_CONFIG = {"displaylogo": False}


def _as_dict(result: Any) -> dict[str, Any]:
    return dict(result.to_dict()) if hasattr(result, "to_dict") else dict(result)


def breach_figure(result: Any) -> go.Figure:
    """P(covenant breach) in each quarter and P(defaulted by the quarter), from a credit run."""
    d = _as_dict(result)
    series = d["series"]
    fig = go.Figure()
    for key, name, colour in (
        ("breach_flag", "P(covenant breach) in the quarter", "#b58900"),
        ("defaulted_flag", "P(defaulted by the quarter)", "#cf222e"),
    ):
        s = series.get(key)
        if s is None:
            continue
        fig.add_trace(go.Scatter(x=s["labels"], y=s["mean"], name=name, mode="lines+markers", line={"color": colour}))
    fig.update_layout(
        title=f"{d.get('title') or d.get('scenario', '')}: breach and default probability by quarter",
        yaxis={"title": "probability", "tickformat": ".0%", "rangemode": "tozero"},
        template="plotly_white",
        height=380,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
    )
    return fig


def pd_heatmap(grid: Any) -> go.Figure:
    """PD against rental price (rows) x GPU economic life (columns), from ``pd_grid``."""
    g = grid.to_dict() if hasattr(grid, "to_dict") else dict(grid)
    fig = go.Figure(
        go.Heatmap(
            z=g["pd"],
            x=[f"{x:g} y" for x in g["economic_life_years"]],
            y=[f"${x:.2f}" for x in g["rental_usd_per_gpu_hour"]],
            colorscale="Reds",
            zmin=0,
            zmax=1,
            text=[[f"{v:.0%}" for v in row] for row in g["pd"]],
            texttemplate="%{text}",
            colorbar={"title": "PD", "tickformat": ".0%"},
        )
    )
    fig.update_layout(
        title=f"Probability of default: rental price x GPU life ({g['paths']:,} paths per cell, same draws)",
        xaxis={"title": "GPU economic life"},
        yaxis={"title": "starting rental price (USD per GPU-hour)"},
        template="plotly_white",
        height=420,
        margin={"l": 80, "r": 20, "t": 50, "b": 50},
    )
    return fig


def summary_rows(result: Any) -> list[tuple[str, str]]:
    """PD, expected loss, LGD, time to first breach and equity left: (label, text) pairs."""
    out = _as_dict(result)["outputs"]

    def get(key: str, field: str = "mean") -> float | None:
        o = out.get(key)
        return None if o is None else o.get(field)

    def usd(x: float | None) -> str:
        return "n/a" if x is None else f"${x / 1e9:.2f}B" if abs(x) >= 1e9 else f"${x / 1e6:.1f}M"

    rows = [
        ("Probability of default by maturity", "n/a" if get("default_flag") is None else f"{get('default_flag'):.1%}"),
        ("Expected loss to the lender", usd(get("loss_usd"))),
        ("Loss given default (mean, if default)", "n/a" if get("lgd_ratio") is None else f"{get('lgd_ratio'):.0%}"),
        ("Exposure at default (mean, if default)", usd(get("ead_usd"))),
        (
            "Median time to first covenant breach",
            "n/a"
            if get("time_to_first_breach_years", "p50") is None
            else f"{get('time_to_first_breach_years', 'p50'):.2f} years",
        ),
        ("Equity left to the borrower (median)", usd(get("equity_value_usd", "p50"))),
    ]
    return rows


def credit_section(result: Any, grid: Any = None, *, section_id: str = "credit") -> dict[str, str]:
    """The HTML block ``{"id", "title", "html"}`` (plotly.js left out: the report inlines it once)."""
    d = _as_dict(result)
    table = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in summary_rows(d))
    parts = [
        f"<p>{html.escape(str(d.get('description') or d.get('title') or ''))}</p>",
        f"<table class='kv'>{table}</table>",
        str(breach_figure(d).to_html(full_html=False, include_plotlyjs=False, config=_CONFIG)),
    ]
    if grid is not None:
        parts.append(str(pd_heatmap(grid).to_html(full_html=False, include_plotlyjs=False, config=_CONFIG)))
    return {"id": section_id, "title": "Who holds the bag: GPU-backed debt", "html": "\n".join(parts)}


def report_part(
    store: Any,
    *,
    preset: str = "credit-seed-bear",
    paths: int = 50_000,
    rental_usd_per_gpu_hour: tuple[float, ...] = (1.70, 2.00, 2.35, 2.85),
    economic_life_years: tuple[float, ...] = (2.0, 3.0, 4.0, 5.0, 6.0),
) -> dict[str, Any]:
    """Run *preset* and its PD grid on *store*; ``{"credit": JSON-ready, "section": HTML block}``.

    The default grid spans the section 6 H100 prices ($1.70 Oct 2025 low, $2.35 Mar 2026, $2.85
    early 2024) and lives from Burry's 2 years to CoreWeave's 6.
    """
    from capexwatch.models.credit_grid import pd_grid
    from capexwatch.models.engine import simulate
    from capexwatch.models.scenario import load_scenario
    from capexwatch.models.store_fill import fill_from_store

    scenario = fill_from_store(load_scenario(preset), store)
    result = simulate(scenario, paths=paths, store=store)
    grid = pd_grid(scenario, rental_usd_per_gpu_hour, economic_life_years, paths=min(paths, 20_000))
    data: Mapping[str, Any] = {"run": result.to_dict(), "pd_grid": grid.to_dict()}
    return {"credit": dict(data), "section": credit_section(result, grid)}
