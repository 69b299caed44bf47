"""The self-contained HTML report: one file, plotly.js inlined once, no external URL to load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

__all__ = ["check_writable", "render_html", "report_context", "template_env", "write_html"]


def template_env(*first: Any) -> Any:
    """The report's Jinja environment (filters ``usd``, ``pct``, ``ratio``); loaders in *first*
    are searched before the report's templates (the web app extends ``report.html.j2``)."""
    import jinja2

    from capexwatch.report import fmt

    loader: Any = jinja2.PackageLoader("capexwatch.report", "templates")
    if first:
        loader = jinja2.ChoiceLoader([*first, loader])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(usd=fmt.usd, pct=fmt.pct, ratio=fmt.ratio)
    return env


def report_context(data: dict[str, Any], *, extra_sections: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """What ``report.html.j2`` renders, less plotly.js: the data, one figure div per view, the data
    as embedded JSON, the generation time and the extra sections."""
    from capexwatch._json import dumps
    from capexwatch.report import charts

    def div(fig: Any) -> str:
        return str(fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}))

    figures = {
        "capex": div(charts.capex_chart(data)),
        "cloud": div(charts.cloud_chart(data)),
        "intensity": div(charts.intensity_chart(data)),
        "nvidia": div(charts.nvidia_chart(data)),
        "roi": div(charts.roi_chart(data)),
    }
    # the embedded JSON is the report's data for scripts and tests; '</' is escaped for <script>
    data_json = dumps(data, indent=None).replace("</", "<\\/")
    return {
        "d": data,
        "figures": figures,
        "data_json": data_json,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "extra_sections": extra_sections or [],
    }


def render_html(data: dict[str, Any], *, extra_sections: list[dict[str, Any]] | None = None) -> str:
    """The report as one HTML string.

    *extra_sections* are ``{"id", "title", "html"}`` blocks (signals board, fan charts) added by
    other layers; their figure divs must not include plotly.js (it is inlined once here).
    """
    from plotly.offline import get_plotlyjs

    ctx = report_context(data, extra_sections=extra_sections)
    return str(template_env().get_template("report.html.j2").render(plotlyjs=get_plotlyjs(), **ctx))


def check_writable(path: str | Path) -> Path:
    """*path* resolved, once its folder exists (made if need be) and is writable; else InputFileError.

    Called before a report is built, so that a mistyped ``--out`` fails in a second rather than
    after the minute the build can take.
    """
    import os

    from capexwatch.errors import InputFileError

    path = Path(path).expanduser().resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(
            str(path), f"cannot write the report here: {exc.strerror}.", hint="Pass --out with a path you can write to."
        ) from None
    if not os.access(path.parent, os.W_OK) or path.is_dir():
        raise InputFileError(
            str(path),
            "cannot write the report here: not a writable file path.",
            hint="Pass --out with a path you can write to.",
        )
    return path


def write_html(data: dict[str, Any], path: str | Path, **kw: Any) -> Path:
    """Write the report to *path* atomically (temp file then rename) and return the path."""
    from capexwatch.errors import InputFileError

    path = Path(path).expanduser().resolve()
    html = render_html(data, **kw)
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise InputFileError(
            str(path), f"cannot write the report here: {exc.strerror}.", hint="Pass --out with a path you can write to."
        ) from exc
    return path
