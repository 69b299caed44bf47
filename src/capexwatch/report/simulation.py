"""Terminal rendering of simulation results and presets (Rich tables); computes nothing."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from capexwatch.report.fmt import is_missing, usd

if TYPE_CHECKING:
    from rich.console import RenderableType

    from capexwatch.models.engine import SimulationResult
    from capexwatch.models.scenario import Scenario

__all__ = ["fmt_value", "presets_table", "result_renderables"]


def fmt_value(x: Any, unit: str) -> str:
    """A value in its unit: USD as $600.0B (cents below $1,000), ratios and shares as percent."""
    if is_missing(x):
        return "—"
    v = float(x)
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if unit == "USD":
        return f"${v:,.2f}" if abs(v) < 1000 else usd(v, digits=1)
    if unit in ("ratio", "share"):
        return f"{100 * v:,.1f}%"
    if unit == "years":
        return f"{v:,.2f} y"
    if unit == "multiple":
        return f"{v:,.2f}x"
    if unit == "count":
        return f"{v:,.0f}"
    return f"{v:,.3g}" if abs(v) < 1e4 else f"{v:,.0f}"


def _param_text(d: dict[str, Any]) -> str:
    unit = str(d.get("unit", ""))
    if "dist" in d:
        fields = ", ".join(
            f"{k}={fmt_value(v, unit) if k in ('low', 'high', 'mode') else v}"
            for k, v in d.items()
            if k not in ("dist", "unit", "source", "note", "dist_mean", "from_store", "fallback", "default", "per")
        )
        per = " per quarter" if d.get("per") == "quarter" else ""
        return f"{d['dist']}({fields}){per}"
    if "values" in d:
        vals = d["values"]
        shown = []
        for v in vals[:6]:
            shown.append(fmt_value(v, unit) if not isinstance(v, dict) else _param_text({**v, "unit": unit}))
        more = f" … ({len(vals)} values)" if len(vals) > 6 else ""
        return "[" + ", ".join(shown) + more + "]" + (f" then {d['extend']}" if d.get("extend") == "flat" else "")
    return fmt_value(d.get("value"), unit)


def _source_text(d: dict[str, Any]) -> str:
    fs = d.get("from_store")
    if fs:
        segs = fs if isinstance(fs, list) else [fs]
        parts = []
        for seg in segs:
            q = seg["query"]
            qs = seg["quarters"]
            span = qs[0] if len(qs) == 1 else f"{qs[0]}–{qs[-1]}"
            urls = sorted({r.get("source_url") or r.get("source", "") for r in seg["rows"]})
            where = ", ".join(u for u in urls if u)[:80]
            what = f"{'+'.join(q['tickers'])} {q['metric']} {seg['agg']} {span}"
            accns = sorted({str(r["accn"]) for r in seg["rows"] if r.get("accn")})
            # a figure read from one or two filings names them (customer concentration: one 10-Q)
            filed = f"; accession {', '.join(accns)}" if 0 < len(accns) <= 2 else ""
            parts.append(f"store: {what} ({len(seg['rows'])} rows; {where}{filed})")
        return "; ".join(parts)
    if d.get("fallback"):
        return f"fallback (store: {d['fallback']['reason']}) — {d.get('source', '')}"
    if d.get("default"):
        return f"default — {d.get('source', '')}"
    return str(d.get("source") or "")


def result_renderables(result: SimulationResult) -> list[RenderableType]:
    """Rich renderables for one result: outputs, series (per year), parameters, footer."""
    from rich.table import Table
    from rich.text import Text

    out: list[RenderableType] = []
    title = result.title or result.scenario
    cols = ["mean", "sd", "p5", "p25", "p50", "p75", "p95"]
    t = Table(
        title=f"{title}  [dim]({result.model}, {result.paths:,} paths, seed {result.seed})[/dim]", title_justify="left"
    )
    t.add_column("output")
    for c in cols:
        t.add_column(c, justify="right")
    has_expect = bool(result.expect)
    if has_expect:
        t.add_column("published", justify="right")
    show_defined = any(o.defined_share < 1 for o in result.outputs.values())
    if show_defined:
        t.add_column("defined", justify="right")
    for name, o in result.outputs.items():
        row = [name] + [fmt_value(getattr(o, c), o.unit) for c in cols]
        if has_expect:
            e = result.expect.get(name)
            if e is None:
                row.append("")
            else:
                mark = "[green]✓[/green]" if e["matches"] else "[red]✗[/red]"
                row.append(f"{fmt_value(e['published'], o.unit)} {mark}")
        if show_defined:
            row.append(f"{100 * o.defined_share:.0f}%")
        t.add_row(*row)
    out.append(t)

    for name, s in result.series.items():
        st = Table(
            title=f"{name} — {s.description} (per {'year' if s.freq == 'Y' else 'quarter'})", title_justify="left"
        )
        st.add_column("period")
        for c in ("p5", "p25", "p50", "p75", "p95", "mean"):
            st.add_column(c, justify="right")
        idx = list(range(len(s.labels)))
        if s.freq == "Q" and len(idx) > 12:
            idx = [i for i in idx if s.labels[i].endswith("Q4") or (i + 1) % 4 == 0] or idx[3::4]
        for i in idx:
            st.add_row(
                s.labels[i], *(fmt_value(getattr(s, c)[i], s.unit) for c in ("p5", "p25", "p50", "p75", "p95", "mean"))
            )
        out.append(st)

    pt = Table(title="Parameters (resolved)", title_justify="left")
    pt.add_column("parameter")
    pt.add_column("value")
    pt.add_column("source", overflow="fold")
    for name, d in result.parameters.items():
        pt.add_row(name, _param_text(d), _source_text(d))
    out.append(pt)
    stored = f"stored as run {result.run_id}" if result.run_id else "not stored"
    out.append(
        Text(
            f"{result.paths:,} paths in {result.elapsed_s:.2f} s ({result.executor}, block {result.block_size:,}); "
            f"percentiles: {result.percentile_method}; {stored}.",
            style="dim",
        )
    )
    return out


def presets_table(presets: list[Scenario]) -> RenderableType:
    """The bundled presets: name, model, what they reproduce."""
    from rich.table import Table

    t = Table(title="Scenario presets (capexwatch simulate NAME)", title_justify="left")
    t.add_column("name")
    t.add_column("model")
    t.add_column("title", overflow="fold")
    t.add_column("reproduces", overflow="fold")
    for s in presets:
        outputs = {o.name: o for o in s.model.outputs}
        rep = ", ".join(
            f"{k} {fmt_value(e.value, outputs[k].unit if k in outputs else '')}" for k, e in s.expect.items()
        )
        t.add_row(s.name, s.model.name, s.title, rep or "—")
    return t
