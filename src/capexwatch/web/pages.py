"""The pages: overview (the report's dashboard), company, signals, backtest, scenarios, runs.

Each page reads through :class:`~capexwatch.web._store.StoreAccess` and renders what the report,
signals and models layers return, with the report's own figure and table builders; nothing here
computes a figure. Every value shown links to its source (a filing or a cited URL).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from capexwatch.web._validate import choice, date_param, name_param

if TYPE_CHECKING:
    from capexwatch.store.db import Store
    from capexwatch.web._store import StoreAccess

__all__ = ["environment", "error_page", "routes"]


def environment() -> Any:
    """The Jinja environment: the web templates first, then the report's (``report.html.j2``)."""
    import jinja2

    from capexwatch.report.html import template_env

    return template_env(jinja2.PackageLoader("capexwatch.web", "templates"))


def _render(request: Request, template: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    env = request.app.state.templates
    return HTMLResponse(env.get_template(template).render(path=request.url.path, **ctx), status_code=status_code)


def error_page(request: Request, status: int, message: str, hint: str | None = None) -> HTMLResponse:
    """An error as a page: what went wrong and what to do (no traceback)."""
    return _render(request, "error.html.j2", status, status=status, message=message, hint=hint)


def _page(fn: Callable[[Request], Any]) -> Callable[[Request], Any]:
    """Run *fn* off the event loop; user errors become an error page with the API's status."""
    from capexwatch.web._simulate import error_body
    from capexwatch.web.api import error_status

    @functools.wraps(fn)
    async def handler(request: Request) -> Response:
        try:
            out: Response = await run_in_threadpool(fn, request)
        except Exception as exc:  # noqa: BLE001 - a page shows the error, never a traceback
            status = error_status(exc)
            body = error_body(exc)
            return error_page(request, status, str(body["error"]), body.get("hint"))
        return out

    return handler


def _access(request: Request) -> StoreAccess:
    access: StoreAccess = request.app.state.access
    return access


def _fig(fig: Any) -> str:
    return str(fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}))


# --------------------------------------------------------------------------- overview


@_page
def overview(request: Request) -> Response:
    """The report's dashboard at an as-of date (point in time: first-filed figures known by then)."""
    as_of = date_param(request.query_params.get("as_of"), "as_of")

    def build(store: Store) -> dict[str, Any]:
        from capexwatch.report.build import build_report
        from capexwatch.report.html import report_context

        rep = build_report(store, as_of=as_of)
        return report_context(rep.data, extra_sections=rep.sections)

    ctx = _access(request).read(("page-overview", as_of), build)
    return _render(request, "overview.html.j2", as_of=as_of or "", **ctx)


# --------------------------------------------------------------------------- company


def _provenance_url(row: dict[str, Any], cik: Any) -> str | None:
    """The row's source: its cited URL, else the EDGAR folder of its accession."""
    if row.get("source_url"):
        return str(row["source_url"])
    accn = row.get("accn")
    if accn and cik:
        return f"https://www.sec.gov/Archives/edgar/data/{int(cik)}/{str(accn).replace('-', '')}/"
    return None


def _company_data(store: Store, ticker: str, view: str, as_of: str | None) -> dict[str, Any]:
    """Everything the company page shows, read with the functions the CLI and the report use."""
    import capexwatch
    from capexwatch import signals as S
    from capexwatch._json import to_jsonable
    from capexwatch.metrics import METRICS
    from capexwatch.report import charts
    from capexwatch.report.records import quarter_records
    from capexwatch.report.signals_section import board_html
    from capexwatch.store import panel

    ent = store.entity(ticker)
    tk = str(ent["ticker"])
    metrics = []
    for m in METRICS.values():
        rows = quarter_records(capexwatch.quarters(store, tk, m.name, view=view, as_of=as_of))
        if rows:
            for r in rows:
                r["provenance_url"] = _provenance_url(r, ent.get("cik"))
            metrics.append({"name": m.name, "label": m.label, "unit": m.unit, "rows": rows[::-1]})
    # the report's views, this company's rows (the same frames the report charts)
    cloud, intensity = panel.capex_vs_cloud(store, as_of=as_of), panel.capex_intensity(store, as_of=as_of)
    mine = {
        "capex_vs_cloud": {"rows": to_jsonable(cloud[cloud["ticker"] == tk]) if len(cloud) else []},
        "capex_intensity": {"rows": to_jsonable(intensity[intensity["ticker"] == tk]) if len(intensity) else []},
    }
    figures = []
    if mine["capex_vs_cloud"]["rows"]:
        figures.append(_fig(charts.cloud_chart(mine)))
    if mine["capex_intensity"]["rows"]:
        figures.append(_fig(charts.intensity_chart(mine)))
    sigs = S.run(store, ticker=tk, as_of=as_of)
    return {"entity": ent, "metrics": metrics, "figures": figures, "board": board_html(sigs)}


@_page
def company(request: Request) -> Response:
    ticker = name_param(request.path_params["ticker"], "ticker")
    view = choice(request.query_params.get("view"), "view", ("latest", "first-filed"), "latest")
    as_of = date_param(request.query_params.get("as_of"), "as_of")
    data = _access(request).read(
        ("page-company", ticker.upper(), view, as_of), lambda s: _company_data(s, ticker, view, as_of)
    )
    return _render(request, "company.html.j2", view=view, as_of=as_of or "", **data)


@_page
def companies(request: Request) -> Response:
    from capexwatch.web import _payloads as P

    return _render(request, "companies.html.j2", entities=_access(request).read(("universe",), P.universe))


# --------------------------------------------------------------------------- signals


@_page
def signals_board(request: Request) -> Response:
    as_of = date_param(request.query_params.get("as_of"), "as_of")

    def build(store: Store) -> str:
        from capexwatch import signals as S
        from capexwatch.report.signals_section import html_fragment

        return html_fragment(S.run(store, as_of=as_of))

    fragment = _access(request).read(("page-signals", as_of), build)
    return _render(request, "signals.html.j2", fragment=fragment, as_of=as_of or "")


@_page
def signal_page(request: Request) -> Response:
    from capexwatch import signals as S

    name = S.get_spec(name_param(request.path_params["name"], "name")).name
    ticker = request.query_params.get("ticker") or None
    ticker = name_param(ticker, "ticker") if ticker else None
    as_of = date_param(request.query_params.get("as_of"), "as_of")

    def build(store: Store) -> dict[str, Any]:
        from capexwatch._json import to_jsonable
        from capexwatch.report.signals_section import history_figure

        sig = S.run(store, names=[name], ticker=ticker, as_of=as_of)[0]
        return {
            "sig": to_jsonable(sig.to_dict(history=True)),
            "chart": _fig(history_figure(sig)) if sig.history else "",
        }

    data = _access(request).read(("page-signal", name, ticker, as_of), build)
    return _render(request, "signal.html.j2", ticker=ticker or "", as_of=as_of or "", **data)


@_page
def backtest_page(request: Request) -> Response:
    from capexwatch.web import _payloads as P
    from capexwatch.web.api import backtest_args

    a = backtest_args(request)
    result = _access(request).read(("backtest", *a.values()), lambda s: P.backtest(s, **a))
    table: dict[str, dict[str, str]] = {}
    for r in result["rows"]:
        table.setdefault(r["date"], {})[r["signal"]] = r["status"]
    return _render(request, "backtest.html.j2", result=result, table=table, start=a["start"] or "", end=a["end"] or "")


# --------------------------------------------------------------------------- scenarios and runs


def _dist_fields() -> dict[str, list[str]]:
    """Each distribution's YAML fields (what the parameter form offers)."""
    from capexwatch.models.dists import DISTRIBUTIONS

    return {k: ["mean" if f == "mean_" else f for f in cls.fields] for k, cls in DISTRIBUTIONS.items()}


@_page
def scenarios_page(request: Request) -> Response:
    from capexwatch.web import _payloads as P

    presets = P.scenarios()
    runs = _access(request).read(("runs", 50), lambda s: P.runs(s, limit=50))
    return _render(request, "scenarios.html.j2", presets=presets, runs=runs, dists=_dist_fields())


@_page
def run_page(request: Request) -> Response:
    from capexwatch.web import _payloads as P

    run_id = name_param(request.path_params["run_id"], "run_id")

    def build(store: Store) -> dict[str, Any]:
        from capexwatch.report.fan import fan_figures

        rec = P.run(store, run_id)  # NotFoundError (404) if there is none
        return {"run": rec, "figures": [_fig(f) for f in fan_figures(rec)]}

    data = _access(request).read(("page-run", run_id), build)
    return _render(request, "run.html.j2", **data)


def routes() -> list[Route]:
    """The page routes."""
    return [
        Route("/", overview),
        Route("/companies", companies),
        Route("/company/{ticker}", company),
        Route("/signals", signals_board),
        Route("/signals/{name}", signal_page),
        Route("/backtest", backtest_page),
        Route("/scenarios", scenarios_page),
        Route("/runs/{run_id}", run_page),
    ]
