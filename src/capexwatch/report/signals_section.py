"""The risk signals in the report: the board (Rich and HTML), one signal in depth, history charts.

Faces compute nothing: everything here renders :class:`~capexwatch.signals.Signal` objects
(and backtest results) that :mod:`capexwatch.signals` returns. The lead wires
:func:`report_section` into ``capexwatch report``: it returns the Rich board for the terminal
dashboard (``data["signals_board"]``) and an ``{"id", "title", "html"}`` block for the HTML
report, whose figure divs leave plotly.js out (the report inlines it once).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from capexwatch.report.fmt import is_missing, pct, ratio, usd

if TYPE_CHECKING:
    import plotly.graph_objects as go
    from rich.console import RenderableType
    from rich.table import Table

    from capexwatch.signals import Inputs, Signal
    from capexwatch.signals.backtest import BacktestResult
    from capexwatch.store.db import Store

__all__ = [
    "STATUS_COLOURS",
    "backtest_renderable",
    "board_html",
    "board_renderable",
    "detail_renderable",
    "fmt_value",
    "history_figure",
    "history_figures",
    "html_fragment",
    "report_section",
]

#: status -> (Rich style, HTML colour)
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "ok": ("bold green", "#1a7f37"),
    "watch": ("bold yellow", "#b58900"),
    "alert": ("bold red", "#cf222e"),
    "insufficient-data": ("dim", "#8c959f"),
}

#: per signal: thresholds drawn on its history chart (same unit as the history value)
_CHART_LINES: dict[str, tuple[str, ...]] = {
    "capital_intensity": ("capex_to_ocf_alert",),
    "liquidity_drain": ("spread_widening_bp",),
    "circular_financing": ("watch_pct_of_revenue", "alert_pct_of_revenue"),
    "hardware_saturation": ("plateau_growth_pct",),
}

#: per signal: what the history value is
_HISTORY_UNITS: dict[str, tuple[str, str]] = {
    "roi_gap": ("USD", "gap: required - AI revenue (USD/yr)"),
    "capital_intensity": ("ratio", "Big-Four capex / operating cash flow (TTM)"),
    "hardware_saturation": ("pct", "Big-Four capex growth q/q (%)"),
    "liquidity_drain": ("bp", "HY OAS above its 6-month low (bp)"),
    "capex_vs_cloud": ("pct", "group cloud revenue growth y/y (%)"),
    "energy_constraints": ("events", "halts in major markets in the window"),
    "depreciation_gap": ("USD", "understated depreciation, annualised (USD/yr)"),
    "circular_financing": ("pct", "vendor financing / TTM revenue, worst vendor (%)"),
}


def fmt_value(value: Any, unit: str) -> str:
    """A value for display by its unit (USD as "$91.4B", pct as "12.5%", bp, ratios, years)."""
    if isinstance(value, str):
        return value
    if is_missing(value):
        return "—"
    u = (unit or "").lower()
    if u == "usd":
        return usd(value)
    if u == "usd_per_year":
        return usd(value) + "/yr"
    if u in ("pct", "percent"):
        return pct(value, signed=False)
    if u == "pp":
        return f"{float(value):+.1f} pp"
    if u == "bp":
        return f"{float(value):.0f} bp"
    if u == "ratio_change":
        return f"{float(value):+.2f}"
    if u in ("ratio", "x"):
        return ratio(value)
    if u == "usd_per_gpu_hour":
        return f"${float(value):.2f}/GPU-h"
    if u in ("quarters", "years", "days", "events", "checks", "companies"):
        v = float(value)
        return f"{v:g} {u}"
    if u == "index":
        return f"{float(value):.3f}"
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def _status_text(status: str) -> Any:
    from rich.text import Text

    return Text(
        status.upper() if status != "insufficient-data" else "INSUFFICIENT DATA",
        style=STATUS_COLOURS.get(status, ("", ""))[0],
    )


# --------------------------------------------------------------------------- terminal


def board_renderable(signals: Sequence[Signal], *, title: str | None = None) -> Table:
    """The risk board: one row per signal, as the analysts' table (risk factor, description,
    potential trigger, status, evidence), colour-coded by status."""
    from rich.table import Table
    from rich.text import Text

    pit = next((s.point_in_time for s in signals if s.point_in_time is not None), None)
    t = Table(
        title=title or ("Risk signals" + (f" as known on {pit}" if pit else "")),
        title_justify="left",
        header_style="bold",
        show_lines=True,
        expand=True,
    )
    t.add_column("Risk factor", ratio=2, overflow="fold")
    t.add_column("Description", ratio=3, overflow="fold")
    t.add_column("Potential trigger", ratio=3, overflow="fold")
    # the status is the point of the board: never cut ("INSUFFICIENT DATA" wraps between its words)
    t.add_column("Status", width=len("INSUFFICIENT"), overflow="fold")
    t.add_column("Evidence", ratio=5, overflow="fold")
    for s in signals:
        ev = Text(s.summary or "")
        if s.status == "insufficient-data" and s.reason and s.reason not in (s.summary or ""):
            ev.append(f"\n{s.reason}", style="dim")
        if s.as_of:
            ev.append(f"\nas of {s.as_of}", style="dim")
        t.add_row(
            Text(s.title, style="bold").append(f"\n{s.name}", style="dim"),
            s.description,
            s.trigger,
            _status_text(s.status),
            ev,
        )
    return t


def detail_renderable(sig: Signal, *, history: bool = False, max_evidence: int = 60) -> RenderableType:
    """One signal in depth: question, definition, formula, status, values, thresholds with their
    sources, checks, evidence with sources, coverage, caveats and (optionally) history."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    head = Text()
    head.append(f"{sig.title} ", style="bold")
    head.append(f"({sig.name}, scope {sig.scope})\n", style="dim")
    head.append("Status: ")
    head.append_text(_status_text(sig.status))
    if sig.as_of:
        head.append(f"   as of {sig.as_of}" + (f" ({sig.as_of_date})" if sig.as_of_date else ""))
    if sig.point_in_time:
        head.append(f"   point in time: {sig.point_in_time}", style="cyan")
    head.append(f"\n\n{sig.question}\n", style="italic")
    head.append(f"\nDefinition: {sig.definition}\nFormula: {sig.formula}\nTrigger: {sig.trigger}")
    if sig.value is not None:
        head.append(f"\n\nValue: {fmt_value(sig.value, sig.unit)} ({sig.value_label})", style="bold")
    if sig.reason:
        head.append(f"\nNote: {sig.reason}", style="yellow" if sig.status == "insufficient-data" else "")
    parts: list[Any] = [Panel(head, border_style=STATUS_COLOURS.get(sig.status, ("", ""))[0] or "white")]

    if sig.checks:
        ct = Table(title="Checks", title_justify="left", header_style="bold", expand=True)
        ct.add_column("Check", overflow="fold", ratio=2)
        ct.add_column("Fired", ratio=1)
        ct.add_column("Level", ratio=1)
        ct.add_column("Detail", overflow="fold", ratio=6)
        for c in sig.checks:
            fired = (
                Text("n/a", style="dim")
                if c.fired is None
                else (Text("yes", style=STATUS_COLOURS[c.level][0]) if c.fired else Text("no", style="green"))
            )
            ct.add_row(c.name, fired, c.level, c.detail)
        parts.append(ct)
    if sig.values:
        vt = Table(title="Values", title_justify="left", header_style="bold", expand=True)
        vt.add_column("Name", overflow="fold", ratio=3)
        vt.add_column("Value", justify="right", ratio=2)
        vt.add_column("What", overflow="fold", ratio=5)
        for k, v in sig.values.items():
            vt.add_row(k, fmt_value(v.value, v.unit), v.label)
        parts.append(vt)
    if sig.thresholds:
        tt = Table(
            title="Thresholds (edit in $CAPEXWATCH_HOME/thresholds.toml)",
            title_justify="left",
            header_style="bold",
            expand=True,
        )
        tt.add_column("Key", overflow="fold", ratio=2)
        tt.add_column("Value", overflow="fold", ratio=2)
        tt.add_column("Source", overflow="fold", ratio=6)
        for k, th in sig.thresholds.items():
            val = ", ".join(th.value) if isinstance(th.value, list) else f"{th.value} {th.unit}".strip()
            tt.add_row(k, val, th.source)
        parts.append(tt)
    if sig.evidence:
        et = Table(
            title=f"Evidence ({len(sig.evidence)} figures)", title_justify="left", header_style="bold", expand=True
        )
        et.add_column("Figure", overflow="fold", ratio=3)
        et.add_column("Value", justify="right", ratio=2)
        et.add_column("Period", overflow="fold", ratio=2)
        et.add_column("Source", overflow="fold", ratio=5)
        for e in sig.evidence[:max_evidence]:
            src = " ".join(x for x in (e.filing, e.tag, e.source_url) if x) or (e.note or e.source or "")
            et.add_row(e.label, fmt_value(e.value, e.unit), e.period or "", src)
        if len(sig.evidence) > max_evidence:
            et.add_row(f"... {len(sig.evidence) - max_evidence} more (see --json)", "", "", "")
        parts.append(et)
    if sig.coverage:
        parts.append(Text("Coverage: " + "; ".join(f"{k}: {_plain(v)}" for k, v in sig.coverage.items()), style="dim"))
    for cav in sig.caveats:
        parts.append(Text(f"Caveat: {cav}", style="dim"))
    if history and sig.history:
        ht = Table(title="History (status per quarter)", title_justify="left", header_style="bold")
        ht.add_column("Quarter")
        ht.add_column("Status")
        ht.add_column("Value", justify="right")
        ht.add_column("Note", overflow="fold")
        unit = _HISTORY_UNITS.get(sig.name, (sig.unit, ""))[0]
        for h in sig.history:
            ht.add_row(h.quarter, _status_text(h.status), fmt_value(h.value, unit), h.note or "")
        parts.append(ht)
    return Group(*parts)


def _plain(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}={_plain(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v) or "none"
    return str(v)


def backtest_renderable(result: BacktestResult) -> RenderableType:
    """Status per evaluation date (rows) and signal (columns), then when each fired."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    t = Table(
        title="Backtest: status at each quarter end with only what was public then",
        title_justify="left",
        header_style="bold",
    )
    t.add_column("Date")
    if result.table.empty:
        return Text("No evaluation dates: the store holds no data with publication dates.", style="yellow")
    w = result.wide()
    cols = list(w.columns)
    for c in cols:
        t.add_column(c, overflow="fold")
    short = {"ok": "ok", "watch": "WATCH", "alert": "ALERT", "insufficient-data": "n/d"}
    for d, row in w.iterrows():
        t.add_row(
            str(d), *[Text(short.get(row[c], str(row[c])), style=STATUS_COLOURS.get(row[c], ("", ""))[0]) for c in cols]
        )
    lines = Text()
    for name, eps in result.episodes.items():
        lines.append(f"{name}: ", style="bold")
        if not eps:
            lines.append("never fired\n", style="green")
            continue
        lines.append(
            "; ".join(
                f"{e['start']} to {e['end']} (peak {e['peak']}"
                + (f", first alert {e['first_alert']})" if e["first_alert"] else ")")
                for e in eps
            )
            + "\n"
        )
    return Group(
        t,
        Text("\nWhen each fired (runs of watch or alert)", style="bold"),
        lines,
        Text("n/d = insufficient data", style="dim"),
    )


# --------------------------------------------------------------------------- charts and HTML


def history_figure(sig: Signal) -> go.Figure:
    """The signal's history: its value per quarter, markers coloured by status, threshold lines."""
    import plotly.graph_objects as go

    unit, label = _HISTORY_UNITS.get(sig.name, (sig.unit, sig.value_label))
    xs = [h.date for h in sig.history]
    ys = [h.value for h in sig.history]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": "#8c959f", "width": 1.5},
            name=label,
            hoverinfo="skip",
            showlegend=False,
        )
    )
    for status, (_, colour) in STATUS_COLOURS.items():
        pts = [h for h in sig.history if h.status == status]
        if not pts:
            continue
        fig.add_trace(
            go.Scatter(
                x=[h.date for h in pts],
                y=[h.value if h.value is not None else 0.0 for h in pts],
                mode="markers",
                marker={"color": colour, "size": 10, "symbol": "circle" if h_known(pts) else "circle-open"},
                name=status,
                text=[
                    f"{h.quarter}: {status}<br>{fmt_value(h.value, unit)}"
                    + (f"<br>{html.escape(h.note)}" if h.note else "")
                    for h in pts
                ],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    for key in _CHART_LINES.get(sig.name, ()):
        th = sig.thresholds.get(key)
        if th is not None and isinstance(th.value, (int, float)):
            fig.add_hline(
                y=float(th.value),
                line={"dash": "dot", "color": "#cf222e" if "alert" in key else "#b58900"},
                annotation_text=f"{key} = {th.value}",
                annotation_position="top left",
            )
    fig.update_layout(
        title=f"{sig.title}: {label}",
        height=320,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        template="plotly_white",
        yaxis_title=unit,
    )
    return fig


def _figure_dict(sig: Signal, template: dict[str, Any]) -> dict[str, Any]:
    """``history_figure(sig).to_dict()``, built as plain dicts (same keys, same order, same values).

    Building the ``go.Figure`` validates every property and re-validates the whole
    ``plotly_white`` template on ``update_layout`` (~15 ms a chart); the report only needs the
    figure's JSON, which :func:`plotly.io.to_html` writes from this dict with ``validate=False``.
    The key order is the one ``Figure.to_dict()`` gives (constructor properties alphabetical,
    ``type`` last; ``update_layout`` keys after the template and the threshold lines), so the
    HTML is the same as from :func:`history_figure`, which stays the reference (the public API);
    ``benchmarks/bench_signals.py`` checks the two agree on the bundled data.
    """
    unit, label = _HISTORY_UNITS.get(sig.name, (sig.unit, sig.value_label))
    data: list[dict[str, Any]] = [
        {
            "hoverinfo": "skip",
            "line": {"color": "#8c959f", "width": 1.5},
            "mode": "lines",
            "name": label,
            "showlegend": False,
            "x": [h.date for h in sig.history],
            "y": [h.value for h in sig.history],
            "type": "scatter",
        }
    ]
    for status, (_, colour) in STATUS_COLOURS.items():
        pts = [h for h in sig.history if h.status == status]
        if not pts:
            continue
        data.append(
            {
                "hovertemplate": "%{text}<extra></extra>",
                "marker": {"color": colour, "size": 10, "symbol": "circle" if h_known(pts) else "circle-open"},
                "mode": "markers",
                "name": status,
                "text": [
                    f"{h.quarter}: {status}<br>{fmt_value(h.value, unit)}"
                    + (f"<br>{html.escape(h.note)}" if h.note else "")
                    for h in pts
                ],
                "x": [h.date for h in pts],
                "y": [h.value if h.value is not None else 0.0 for h in pts],
                "type": "scatter",
            }
        )
    layout: dict[str, Any] = {"template": template}
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for key in _CHART_LINES.get(sig.name, ()):
        th = sig.thresholds.get(key)
        if th is not None and isinstance(th.value, (int, float)):
            y = float(th.value)
            colour = "#cf222e" if "alert" in key else "#b58900"
            # what add_hline(y, line=..., annotation_text=..., annotation_position="top left") adds
            shapes.append(
                {
                    "line": {"color": colour, "dash": "dot"},
                    "type": "line",
                    "x0": 0,
                    "x1": 1,
                    "xref": "x domain",
                    "y0": y,
                    "y1": y,
                    "yref": "y",
                }
            )
            notes.append(
                {
                    "showarrow": False,
                    "text": f"{key} = {th.value}",
                    "x": 0,
                    "xanchor": "left",
                    "xref": "x domain",
                    "y": y,
                    "yanchor": "bottom",
                    "yref": "y",
                }
            )
    if shapes:
        layout["shapes"] = shapes
        layout["annotations"] = notes
    layout.update(
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        title={"text": f"{sig.title}: {label}"},
        height=320,
        yaxis={"title": {"text": unit}},
    )
    return {"data": data, "layout": layout}


def _template_dict() -> dict[str, Any]:
    """The ``plotly_white`` template as ``Figure.to_dict()`` writes it (its key order differs
    from the template object's own ``to_plotly_json``)."""
    import plotly.graph_objects as go

    t: dict[str, Any] = go.Figure(layout={"template": "plotly_white"}).to_dict()["layout"]["template"]
    return t


def h_known(pts: Sequence[Any]) -> bool:
    """True when every point has a value (open markers flag statuses drawn at zero for lack of one)."""
    return all(p.value is not None for p in pts)


def history_figures(signals: Sequence[Signal]) -> dict[str, go.Figure]:
    """One history figure per signal that has a history."""
    return {s.name: history_figure(s) for s in signals if s.history}


def board_html(signals: Sequence[Signal]) -> str:
    """The board as an HTML table (escaped), status cells coloured."""
    rows = []
    for s in signals:
        colour = STATUS_COLOURS.get(s.status, ("", "#000"))[1]
        evidence = html.escape(s.summary or "")
        if s.status == "insufficient-data" and s.reason and s.reason not in (s.summary or ""):
            evidence += f"<br><small>{html.escape(s.reason)}</small>"
        if s.as_of:
            evidence += f"<br><small>as of {html.escape(s.as_of)}</small>"
        rows.append(
            f'<tr id="signal-{s.name}"><td><b>{html.escape(s.title)}</b><br><code>{s.name}</code></td>'
            f"<td>{html.escape(s.description)}</td><td>{html.escape(s.trigger)}</td>"
            f'<td class="status status-{s.status}" style="color:{colour};font-weight:bold">'
            f"{html.escape(s.status.upper())}</td><td>{evidence}</td></tr>"
        )
    return (
        '<table class="signals-board"><thead><tr><th>Risk factor</th><th>Description</th><th>Potential trigger</th>'
        "<th>Status</th><th>Evidence</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def html_fragment(signals: Sequence[Signal], *, include_plotlyjs: bool = False) -> str:
    """Board table plus one history chart per signal (and its thresholds' sources), as HTML."""
    parts = [board_html(signals)]
    pit = next((s.point_in_time for s in signals if s.point_in_time is not None), None)
    if pit:
        parts.insert(0, f"<p>Evaluated with only what was public on {pit} (first-filed figures).</p>")
    charted = {s.name: s for s in signals if s.history}  # one chart per name, as history_figures
    template = _template_dict() if charted else {}
    first = True
    for s in signals:
        parts.append(f'<h3 id="signal-history-{s.name}">{html.escape(s.title)}</h3>')
        if s.name not in charted:
            parts.append("<p><i>No history: " + html.escape(s.reason or "no evaluable quarter") + "</i></p>")
        else:
            import plotly.io as pio

            # the figure as a plain dict, written without re-validating it (see _figure_dict)
            parts.append(
                str(
                    pio.to_html(
                        _figure_dict(charted[s.name], template),
                        validate=False,
                        full_html=False,
                        include_plotlyjs=("inline" if include_plotlyjs and first else False),
                        config={"displaylogo": False},
                    )
                )
            )
            first = False
        srcs = "".join(
            f"<li><code>{html.escape(k)}</code> = {html.escape(str(t.value))} {html.escape(t.unit)}: "
            f"{html.escape(t.source)}</li>"
            for k, t in s.thresholds.items()
            if k != "max_lag_quarters"
        )
        parts.append(f"<details><summary>Thresholds and their sources</summary><ul>{srcs}</ul></details>")
    return "\n".join(parts)


def report_section(store: Store, *, as_of: Any = None, inputs: Inputs | None = None) -> dict[str, Any]:
    """Everything the report needs from the signals layer (evaluated on *inputs* when given: the
    frames already read from *store* at *as_of*).

    Returns ``{"signals": [dict, ...] (JSON-ready), "board": Rich table, "section": {"id",
    "title", "html"}}``.
    """
    from capexwatch import signals as S

    sigs = S.run(store, as_of=as_of) if inputs is None else S.evaluate_all(inputs)
    return {
        "signals": [s.to_dict() for s in sigs],
        "board": board_renderable(sigs),
        "section": {"id": "signals", "title": "Risk signals", "html": html_fragment(sigs)},
    }
