"""The report's "Double-ordering" section: renders a double-ordering run and a calibration.

Computes nothing: it draws what ``supply_chain.double_ordering`` (a run, in any form
:func:`capexwatch.report.fan.normalise_run` accepts) and ``models.calibration.calibrate`` (its
``to_dict()``) returned:

* true need against orders, the phantom orders shaded between genuine and total orders (medians);
* the vendor's backlog (phantom part shaded) and the quoted lead time;
* the vendor revenue fan chart (5-95% and 25-75% bands);
* the calibration table: target, published, fitted, error, met or not, source.

``supply_chain_section(run, calibration)`` returns an ``{"id", "title", "html"}`` block for
:func:`capexwatch.report.html.render_html`, like :func:`capexwatch.report.fan.fan_section`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from capexwatch.report.fan import fan_figure, normalise_run

__all__ = ["calibration_table_html", "need_vs_orders_figure", "backlog_figure", "supply_chain_section"]

_LAYOUT = {
    "template": "plotly_white",
    "height": 380,
    "margin": {"l": 60, "r": 60, "t": 60, "b": 40},
    "legend": {"orientation": "h", "y": -0.15},
}
_PHANTOM = "rgba(214,39,40,0.30)"


def _p50(series: Mapping[str, Any], name: str) -> list[float]:
    return [float("nan") if v is None else float(v) for v in series[name]["p50"]]


def need_vs_orders_figure(series: Mapping[str, Any], *, title: str = "True need against orders") -> go.Figure:
    """End demand, genuine orders and total orders (medians), phantom orders shaded between the last two."""
    x = list(series["orders_units"]["labels"])
    fig = go.Figure()
    fig.add_scatter(
        x=x,
        y=_p50(series, "true_orders_units"),
        mode="lines",
        name="genuine orders (need)",
        line={"color": "rgb(31,119,180)"},
    )
    fig.add_scatter(
        x=x,
        y=_p50(series, "orders_units"),
        mode="lines",
        name="orders placed (phantom shaded)",
        line={"color": "rgb(214,39,40)"},
        fill="tonexty",
        fillcolor=_PHANTOM,
    )
    fig.add_scatter(
        x=x,
        y=_p50(series, "demand_units"),
        mode="lines",
        name="end demand",
        line={"color": "black", "dash": "dot", "width": 1},
    )
    fig.update_layout(title=title, yaxis_title="units per period", **_LAYOUT)
    return fig


def backlog_figure(series: Mapping[str, Any], *, title: str = "Vendor backlog and quoted lead time") -> go.Figure:
    """The vendor's backlog (phantom part shaded) and the quoted lead time on a second axis (medians)."""
    x = list(series["backlog_units"]["labels"])
    backlog = _p50(series, "backlog_units")
    genuine = [b - p for b, p in zip(backlog, _p50(series, "phantom_backlog_units"), strict=True)]
    fig = go.Figure()
    fig.add_scatter(x=x, y=genuine, mode="lines", name="genuine backlog", line={"color": "rgb(31,119,180)"})
    fig.add_scatter(
        x=x,
        y=backlog,
        mode="lines",
        name="backlog incl. phantom",
        line={"color": "rgb(214,39,40)"},
        fill="tonexty",
        fillcolor=_PHANTOM,
    )
    fig.add_scatter(
        x=x,
        y=_p50(series, "lead_time_periods"),
        mode="lines",
        name="lead time (right axis)",
        line={"color": "rgb(44,160,44)", "dash": "dash"},
        yaxis="y2",
    )
    fig.update_layout(
        title=title,
        yaxis_title="units",
        yaxis2={"title": "periods", "overlaying": "y", "side": "right", "showgrid": False},
        **_LAYOUT,
    )
    return fig


def _num(x: Any, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{float(x):,.1f}{' ' + unit if unit else ''}"


def calibration_table_html(calibration: Mapping[str, Any]) -> str:
    """Target / published / fitted / error / met, one row per target, and the fitted parameters."""
    rows = []
    for r in calibration.get("targets", []):
        unit = str(r.get("unit", ""))
        kind = {"at_most": "≤ ", "at_least": "≥ "}.get(str(r.get("kind")), "")
        met = "met" if r.get("met") else "<strong>not met</strong>"
        src = html.escape(str(r.get("source", "")))
        rows.append(
            "<tr>"
            f"<td>{html.escape(str(r.get('description') or r.get('target')))}</td>"
            f"<td>{kind}{_num(r.get('published'), unit)}</td>"
            f"<td>{_num(r.get('fitted'), unit)}</td>"
            f"<td>{_num(r.get('error'), unit)}</td>"
            f"<td>{met}</td>"
            f"<td><a href='{src}'>source</a></td>"
            "</tr>"
        )
    fitted = ", ".join(f"{html.escape(k)} = {v:.4g}" for k, v in calibration.get("fitted", {}).items())
    unmet = calibration.get("unmet") or []
    verdict = f"The model cannot meet: {html.escape(', '.join(unmet))}." if unmet else "Every target is met."
    return (
        f"<h3>Calibration: {html.escape(str(calibration.get('scenario', '')))}</h3>"
        "<table class='calibration'><thead><tr><th>target</th><th>published</th><th>fitted</th>"
        "<th>error</th><th>met</th><th></th></tr></thead><tbody>"
        + "".join(rows)
        + f"</tbody></table><p class='meta'>Fitted: {fitted}. {verdict}</p>"
    )


def _fig_html(fig: go.Figure) -> str:
    return str(fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}))


def supply_chain_section(
    run: Any, calibration: Mapping[str, Any] | None = None, *, section_id: str = "double-ordering"
) -> dict[str, str]:
    """The "Double-ordering" block: charts of *run* (a double-ordering run) and, if given, the
    calibration table (``CalibrationResult.to_dict()``)."""
    r = normalise_run(run)
    series = r["series"]
    parts: list[str] = []
    if "orders_units" in series:
        head = html.escape(str(r.get("title") or r.get("scenario") or r.get("model")))
        meta = html.escape(f"{r.get('model')} · {int(r.get('paths') or 0):,} paths · seed {r.get('seed')}")
        parts.append(f"<h3>{head}</h3><p class='meta'>{meta}</p>")
        parts.append(_fig_html(need_vs_orders_figure(series)))
        parts.append(_fig_html(backlog_figure(series)))
        parts.append(
            _fig_html(
                fan_figure(
                    "vendor_revenue_usd",
                    series["vendor_revenue_usd"],
                    title="Vendor revenue (fan: 5-95%, 25-75%, median)",
                )
            )
        )
    else:
        parts.append("<p>No double-ordering run yet: run <code>capexwatch simulate ai-2026</code>.</p>")
    if calibration:
        parts.append(calibration_table_html(calibration))
    return {"id": section_id, "title": "Double-ordering", "html": "\n".join(parts)}
