"""Fan charts of Monte Carlo runs: the per-period percentile bands of each series output.

One Plotly figure per series output of a run: the 5-95% band, the 25-75% band, the median and the
mean. A run may be given as a :class:`capexwatch.models.engine.SimulationResult`, as the dict of
``capexwatch simulate --json``, or as a stored run (``store.run(run_id)``, or a row of
``store.runs()`` whose ``outputs`` is JSON text). The report adds them with :func:`fan_section`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from typing import Any

import plotly.graph_objects as go

__all__ = ["fan_figure", "fan_figures", "fan_section", "normalise_run", "recent_runs"]

_LAYOUT = {
    "template": "plotly_white",
    "height": 400,
    "margin": {"l": 60, "r": 20, "t": 60, "b": 40},
    "legend": {"orientation": "h", "y": -0.15},
}


def normalise_run(run: Any) -> dict[str, Any]:
    """``{run_id, model, scenario, title, paths, seed, series}`` from any of the accepted forms."""
    if hasattr(run, "to_dict") and hasattr(run, "series") and not isinstance(run, Mapping):
        if hasattr(run, "stored_outputs"):  # a SimulationResult
            d = run.to_dict()
            return {**_meta(d), "series": d["series"]}
        run = run.to_dict()  # a pandas row
    d = dict(run)
    outputs = d.get("outputs")
    if isinstance(outputs, str):
        outputs = json.loads(outputs)
    if isinstance(d.get("series"), Mapping):
        series = d["series"]
    elif isinstance(outputs, Mapping) and isinstance(outputs.get("series"), Mapping):
        series = outputs["series"]
        d.setdefault("title", outputs.get("title"))
    else:
        series = {}
    return {**_meta(d), "series": dict(series)}


def _meta(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: d.get(k) for k in ("run_id", "model", "scenario", "title", "paths", "seed")}


def _scale(unit: str) -> tuple[float, str]:
    if unit == "USD":
        return 1e-9, "USD billions"
    if unit in ("ratio", "share"):
        return 100.0, "percent"
    return 1.0, unit


def fan_figure(name: str, s: Mapping[str, Any], *, title: str | None = None) -> go.Figure:
    """The fan chart of one series (``s`` is a series' bands: labels, p5..p95, mean, unit)."""
    k, axis = _scale(str(s.get("unit", "")))
    x = list(s["labels"])

    def col(key: str) -> list[float | None]:
        return [None if v is None else float(v) * k for v in s[key]]

    fig = go.Figure()
    fig.add_scatter(x=x, y=col("p95"), mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip")
    fig.add_scatter(
        x=x,
        y=col("p5"),
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor="rgba(31,119,180,0.15)",
        name="5-95%",
    )
    fig.add_scatter(x=x, y=col("p75"), mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip")
    fig.add_scatter(
        x=x,
        y=col("p25"),
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor="rgba(31,119,180,0.35)",
        name="25-75%",
    )
    fig.add_scatter(
        x=x, y=col("p50"), mode="lines+markers", line={"color": "rgb(31,119,180)", "width": 2}, name="median"
    )
    fig.add_scatter(x=x, y=col("mean"), mode="lines", line={"color": "black", "dash": "dot", "width": 1}, name="mean")
    per = "year" if s.get("freq") == "Y" else "quarter"
    fig.update_layout(title=title or f"{name} (per {per})", yaxis_title=axis, meta={"output": name}, **_LAYOUT)
    return fig


def fan_figures(run: Any) -> list[go.Figure]:
    """One fan chart per series output of *run* (empty for models without series)."""
    r = normalise_run(run)
    head = r.get("title") or r.get("scenario") or r.get("model") or "run"
    out = []
    for name, s in r["series"].items():
        desc = s.get("description") or ""
        out.append(fan_figure(name, s, title=f"{head}: {name}{' — ' + desc if desc else ''}"))
    return out


def recent_runs(store: Any, *, limit: int = 3) -> list[dict[str, Any]]:
    """The newest run of each scenario that has series, newest first, at most *limit*."""
    df = store.runs()
    seen: set[Any] = set()
    out: list[dict[str, Any]] = []
    for rec in df.to_dict(orient="records"):
        key = (rec.get("model"), rec.get("scenario"))
        if key in seen:
            continue
        run = normalise_run(rec)
        if not run["series"]:
            continue
        seen.add(key)
        out.append(run)
        if len(out) >= limit:
            break
    return out


def fan_section(runs: Iterable[Any], *, section_id: str = "simulations") -> dict[str, str]:
    """An ``{"id", "title", "html"}`` block for :func:`capexwatch.report.html.render_html`:
    the fan charts of *runs*, each headed by its scenario, paths, seed and run id (plotly.js not
    included; the report inlines it once)."""
    parts: list[str] = []
    for run in runs:
        r = normalise_run(run)
        figs = fan_figures(r)
        if not figs:
            continue
        head = html.escape(str(r.get("title") or r.get("scenario") or r.get("model")))
        meta = html.escape(
            f"{r.get('model')} · {int(r.get('paths') or 0):,} paths · seed {r.get('seed')} · run {r.get('run_id')}"
        )
        parts.append(f"<h3>{head}</h3><p class='meta'>{meta}</p>")
        for fig in figs:
            parts.append(str(fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})))
    if not parts:
        parts.append(
            "<p>No stored simulation runs with time series yet: run <code>capexwatch simulate consensus-1t</code>.</p>"
        )
    return {"id": section_id, "title": "Monte Carlo fan charts", "html": "\n".join(parts)}
