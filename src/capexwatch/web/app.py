"""The ASGI app: server-rendered pages, the ``/api/v1`` JSON API and local static assets.

:func:`create_app` wires :class:`~capexwatch.web._store.StoreAccess` (short read-only opens, one
short write, the memo), the simulation :class:`~capexwatch.web._simulate.Jobs`, the page routes of
:mod:`.pages` and the API routes of :mod:`.api`. plotly.js is served from the installed ``plotly``
package (``/static/plotly.min.js``): no CDN, the pages work offline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from capexwatch.web import api, pages
from capexwatch.web._simulate import Jobs
from capexwatch.web._store import StoreAccess

__all__ = ["create_app", "plotly_js_path"]

STATIC = Path(__file__).parent / "static"


def plotly_js_path() -> Path:
    """The minified plotly.js bundle shipped inside the installed ``plotly`` package."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


async def _plotly_js(request: Request) -> Response:
    # the bundle never changes for an installed plotly: let the browser keep it
    return FileResponse(plotly_js_path(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})


async def _favicon(request: Request) -> Response:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _http_error(request: Request, exc: Exception) -> Response:
    """404/405 from routing: JSON under /api, an HTML page elsewhere."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if _is_api(request):
        text = "Method not allowed." if status == 405 else f"No API endpoint {request.url.path!r}."
        return api.json_response({"error": text, "hint": "See /api/v1/openapi.json."}, status)
    return pages.error_page(request, status, f"No page at {request.url.path}.", "Start from the overview.")


async def _server_error(request: Request, exc: Exception) -> Response:
    """A bug: a plain message (JSON under /api), never a traceback."""
    if _is_api(request):
        return api.error_response(exc)
    return pages.error_page(request, 500, f"Internal error: {type(exc).__name__}.", "This is a bug; please report it.")


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """On shutdown, cancel running simulation jobs and wait for them (none is left mid-write)."""
    yield
    await run_in_threadpool(app.state.jobs.shutdown)


def create_app(store_path: str | Path | None = None, *, prepare: bool = True) -> Starlette:
    """The capexwatch web app on the store at *store_path* (default: the settings' store).

    *prepare*: create the store and load the bundled snapshot first if it has none (one write);
    pages and API then only ever open it read-only, except to save a simulation run.
    """
    access = StoreAccess(store_path)
    if prepare and not access.path.exists():
        access.ensure()
    app = Starlette(
        routes=[
            Mount("/api/v1", routes=api.routes()),  # first: the API is what is asked most often
            Route("/static/plotly.min.js", _plotly_js),
            Route("/favicon.ico", _favicon),
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
            *pages.routes(),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=_lifespan,
    )
    app.state.access = access
    app.state.jobs = Jobs(access)
    app.state.templates = pages.environment()
    return app


def app_factory() -> Any:
    """The app on the default store: what each process of ``serve --workers N`` runs (and
    ``uvicorn --factory capexwatch.web.app:app_factory``)."""
    return create_app()
