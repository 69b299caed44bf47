"""The JSON API under ``/api/v1``: the CLI's ``--json`` answers over HTTP.

Query parameters carry the CLI's option names (``ticker``, ``metric``, ``view``, ``source``,
``as_of`` for ``--as-of``); every answer is what the matching command prints with ``--json``
(:mod:`capexwatch.web._payloads`). Errors are the :mod:`capexwatch.errors` vocabulary answered as
``{"error", "hint"}`` (``field`` too for a bad parameter): 404 for an unknown name, 422 for a
malformed value, 503 while another process holds the store; no answer carries a traceback. The
schema is :mod:`capexwatch.web.openapi`.

A read (:func:`_read`) checks its parameters and looks its answer up in the memo on the event
loop: a hit (the same question, the store unchanged) is bytes encoded once, sent without a thread
hop, a store open or any computing. Only a miss goes to a worker thread to open the store and
compute (:class:`capexwatch.web._store.StoreAccess`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from capexwatch.errors import (
    CapexwatchError,
    DataError,
    InputFileError,
    InvalidArgumentError,
    InvalidRequestError,
    NotFoundError,
    ScenarioError,
    StoreError,
)
from capexwatch.web import _payloads as P
from capexwatch.web._simulate import error_body, parse_run_request, run_simulation
from capexwatch.web._validate import (
    body_fields,
    check_yaml,
    choice,
    date_param,
    int_param,
    name_param,
)

if TYPE_CHECKING:
    from capexwatch.store.db import Store
    from capexwatch.web._simulate import Jobs
    from capexwatch.web._store import StoreAccess

__all__ = ["MAX_BODY_BYTES", "error_response", "json_response", "routes"]

log = logging.getLogger("capexwatch.web")

MAX_BODY_BYTES = 16 * 1024 * 1024
"""Largest request body read; a longer body is refused unread (413-sized, answered 422 on ``body``).
Scenario text has its own, smaller limit (:data:`._validate.MAX_YAML_BYTES`) that names the field."""

VIEWS = ("latest", "first-filed")
SOURCES = ("all", "sec", "curated", "user")


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """*obj* as JSON (ISO dates, NaN as null: :func:`capexwatch._json.dumps`)."""
    from capexwatch._json import dumps

    return Response(dumps(obj, indent=None), status_code=status, media_type="application/json", headers=headers)


def error_status(exc: BaseException) -> int:
    """The HTTP status of a failure: 404 unknown name, 422 bad value, 503 store busy or missing."""
    if isinstance(exc, CapexwatchError) and isinstance(exc, LookupError):  # UnknownTickerError ... NotFoundError
        return 404
    if isinstance(exc, (InvalidArgumentError, InputFileError, ScenarioError, DataError)):
        return 422
    if isinstance(exc, StoreError):
        return 503
    if isinstance(exc, CapexwatchError):
        return 400
    return 500


def error_response(exc: BaseException) -> Response:
    """``{error, hint[, field]}`` with the status of :func:`error_status` (never a traceback)."""
    status = error_status(exc)
    if status == 500:
        log.exception("internal error", exc_info=exc)
    headers = {"Retry-After": "5"} if status == 503 else None
    return json_response(error_body(exc), status, headers)


Handler = Callable[[Request], Awaitable[Response]]


def _api(fn: Callable[[Request], Any]) -> Handler:
    """Run *fn* (blocking: store reads, simulations) off the event loop; map errors to JSON."""

    @functools.wraps(fn)
    async def handler(request: Request) -> Response:
        try:
            out = await run_in_threadpool(fn, request)
        except Exception as exc:  # noqa: BLE001 - every failure answers JSON, none a traceback
            return error_response(exc)
        return out if isinstance(out, Response) else json_response(out)

    return handler


async def read_json(request: Request) -> Any:
    """The request's JSON body (at most :data:`MAX_BODY_BYTES`)."""
    import json

    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise InvalidRequestError("body", f"is larger than {MAX_BODY_BYTES:,} bytes", hint="Send a short scenario.")
    try:
        return json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidRequestError("body", "is not JSON", hint='Send e.g. {"preset": "sequoia-2024"}.') from None


def _api_body(fn: Callable[[Request, Any], Any]) -> Handler:
    """Like :func:`_api` for handlers that take the JSON body."""

    @functools.wraps(fn)
    async def handler(request: Request) -> Response:
        try:
            body = await read_json(request)
            out = await run_in_threadpool(fn, request, body)
        except Exception as exc:  # noqa: BLE001
            return error_response(exc)
        return out if isinstance(out, Response) else json_response(out)

    return handler


Compute = Callable[["Store"], Any]
"""What a read answers, from a read-only store (run on a worker thread, only on a memo miss)."""


def _encoded(obj: Any) -> bytes:
    from capexwatch._json import dumps

    return dumps(obj, indent=None).encode("utf-8")


def _json_bytes(body: bytes) -> Response:
    return Response(body, media_type="application/json")


def _read(plan: Callable[[Request], tuple[Hashable, Compute]]) -> Handler:
    """A store read: *plan* checks the request (cheap, on the event loop) and names its memo key and
    what computes the answer. A memo hit is answered on the loop; a miss computes on a worker
    thread, and the JSON bytes are kept for the next request until the store changes."""

    @functools.wraps(plan)
    async def handler(request: Request) -> Response:
        try:
            key, compute = plan(request)
            access = _access(request)
            key = ("json", key)
            found, body = access.peek(key)
            if not found:
                body = await run_in_threadpool(access.read, key, lambda s: _encoded(compute(s)))
        except Exception as exc:  # noqa: BLE001 - every failure answers JSON, none a traceback
            return error_response(exc)
        return _json_bytes(body)

    return handler


def _constant(fn: Callable[[], Any]) -> Handler:
    """An answer that never changes while the server runs (package data: metrics, presets),
    computed on a worker thread by the first request and encoded once."""
    encoded: list[bytes] = []

    @functools.wraps(fn)
    async def handler(request: Request) -> Response:
        if not encoded:
            try:
                encoded.append(await run_in_threadpool(lambda: _encoded(fn())))
            except Exception as exc:  # noqa: BLE001
                return error_response(exc)
        return _json_bytes(encoded[0])

    return handler


def _q(request: Request, name: str) -> str | None:
    return request.query_params.get(name)


def _access(request: Request) -> StoreAccess:
    access: StoreAccess = request.app.state.access
    return access


def _jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


# --------------------------------------------------------------------------- reads


@_read
def universe(request: Request) -> tuple[Hashable, Compute]:
    return ("universe",), P.universe


metrics = _constant(P.metrics)
scenarios = _constant(P.scenarios)


def quarters_args(request: Request) -> dict[str, Any]:
    """The checked ``quarters`` parameters (shared with the company page)."""
    ticker, cik = _q(request, "ticker"), _q(request, "cik")
    if bool(ticker) == bool(cik):
        raise InvalidRequestError("ticker", "give exactly one of ticker or cik", hint="e.g. ?ticker=GOOGL&metric=capex")
    company = name_param(ticker, "ticker") if ticker else str(int_param(cik, "cik", low=1, high=10**10))
    metric = _q(request, "metric")
    if not metric:
        raise InvalidRequestError("metric", "is required", hint="A canonical metric: see /api/v1/metrics.")
    return {
        "company": company,
        "metric": name_param(metric, "metric"),
        "view": choice(_q(request, "view"), "view", VIEWS, "latest"),
        "source": choice(_q(request, "source"), "source", SOURCES, "all"),
        "as_of": date_param(_q(request, "as_of"), "as_of"),
    }


@_read
def quarters(request: Request) -> tuple[Hashable, Compute]:
    a = quarters_args(request)
    return ("quarters", *a.values()), lambda s: P.quarters(
        s, a["company"], a["metric"], view=a["view"], source=a["source"], as_of=a["as_of"]
    )


@_read
def signals(request: Request) -> tuple[Hashable, Compute]:
    as_of = date_param(_q(request, "as_of"), "as_of")
    return ("signals", as_of), lambda s: P.signals(s, as_of=as_of)


@_read
def signal(request: Request) -> tuple[Hashable, Compute]:
    # the name is resolved (case, '-' or '_') when computing: no signals import on the event loop
    name = name_param(request.path_params["name"], "name")
    ticker = _q(request, "ticker")
    ticker = name_param(ticker, "ticker") if ticker else None
    as_of = date_param(_q(request, "as_of"), "as_of")
    return ("signal", name, ticker, as_of), lambda s: P.signal(s, name, ticker=ticker, as_of=as_of)


def backtest_args(request: Request) -> dict[str, Any]:
    """The checked ``backtest`` parameters: ``signal`` (repeatable; resolved by the backtest), ``start``, ``end``."""
    return {
        "names": tuple(name_param(n, "signal") for n in request.query_params.getlist("signal")),
        "start": date_param(_q(request, "start"), "start"),
        "end": date_param(_q(request, "end"), "end"),
    }


@_read
def backtest(request: Request) -> tuple[Hashable, Compute]:
    a = backtest_args(request)
    return ("backtest", *a.values()), lambda s: P.backtest(s, **a)


@_api
def scenario_yaml(request: Request) -> Any:
    """One preset's YAML text (what the scenario form edits)."""
    from capexwatch.web._simulate import RunRequest, load_request_scenario

    name = name_param(request.path_params["name"], "name")
    try:
        scn = load_request_scenario(RunRequest(name, None, None, None))
    except InvalidRequestError as exc:
        raise NotFoundError(f"Unknown preset {name!r}.", hint=exc.hint) from None
    from capexwatch.models.scenario import preset_path

    return {
        "name": scn.name,
        "model": scn.model.name,
        "parameters": list(scn.params),
        "yaml": preset_path(name).read_text(),
    }


@_read
def info(request: Request) -> tuple[Hashable, Compute]:
    return ("info",), P.info


@_read
def runs(request: Request) -> tuple[Hashable, Compute]:
    limit = int_param(_q(request, "limit") or "50", "limit", low=1, high=1000)
    return ("runs", limit), lambda s: P.runs(s, limit=limit)


@_read
def run(request: Request) -> tuple[Hashable, Compute]:
    run_id = name_param(request.path_params["run_id"], "run_id")
    return ("run", run_id), lambda s: P.run(s, run_id)


# --------------------------------------------------------------------------- runs and scenarios


@_api_body
def simulate(request: Request, body: Any) -> Any:
    return run_simulation(_access(request), parse_run_request(body))


@_api_body
def start_job(request: Request, body: Any) -> Any:
    return json_response(_jobs(request).start(parse_run_request(body)).to_dict(), 202)


@_api
def job(request: Request) -> Any:
    return _jobs(request).get(str(request.path_params["job_id"])).to_dict()


@_api
def cancel_job(request: Request) -> Any:
    return _jobs(request).cancel(str(request.path_params["job_id"])).to_dict()


@_api_body
def set_parameter(request: Request, body: Any) -> Any:
    """Replace one parameter of scenario YAML by a value or distribution; returns the new YAML.

    Body: ``{"scenario": YAML, "parameter": NAME, "value": number | {"dist": ..., ...}}``. The new
    text is validated by the scenario parser, so an error names the field and line.
    """
    import yaml

    from capexwatch.models.scenario import parse_scenario

    data = body_fields(body, ("scenario", "parameter", "value"))
    text = check_yaml(data.get("scenario"), "scenario")
    param = name_param(data.get("parameter"), "parameter")
    value = data.get("value")
    if not isinstance(value, (int, float, dict)) or isinstance(value, bool):
        raise InvalidRequestError(
            "value", "must be a number or a distribution such as {dist: uniform, low: 1, high: 2}"
        )
    parse_scenario(text, filename="scenario")  # the text as given must be valid first
    doc = yaml.safe_load(text)
    params = doc.setdefault("parameters", {}) or {}
    old = params.get(param)
    new: Any = dict(value) if isinstance(value, dict) else value
    if isinstance(old, dict) and isinstance(new, dict):
        for meta in ("source", "note"):
            if meta in old:
                new[meta] = old[meta]
    elif isinstance(old, dict) and "source" in old:
        new = {"value": new, "source": old["source"]}
    params[param] = new
    doc["parameters"] = params
    out = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
    parse_scenario(out, filename="scenario")
    return {"scenario": out}


async def openapi(request: Request) -> Response:
    from capexwatch.web.openapi import schema

    return json_response(schema())


async def not_found(request: Request) -> Response:
    return error_response(NotFoundError(f"No API endpoint {request.url.path!r}.", hint="See /api/v1/openapi.json."))


def routes() -> list[Route]:
    """The ``/api/v1`` routes (mounted by :func:`capexwatch.web.app.create_app`)."""
    return [
        Route("/openapi.json", openapi),
        Route("/universe", universe),
        Route("/metrics", metrics),
        Route("/quarters", quarters),
        Route("/signals", signals),
        Route("/signal/{name}", signal),
        Route("/backtest", backtest),
        Route("/scenarios", scenarios),
        Route("/scenarios/{name}", scenario_yaml),
        Route("/scenario/parameter", set_parameter, methods=["POST"]),
        Route("/simulate", simulate, methods=["POST"]),
        Route("/jobs", start_job, methods=["POST"]),
        Route("/jobs/{job_id}", job, methods=["GET"]),
        Route("/jobs/{job_id}", cancel_job, methods=["DELETE"]),
        Route("/runs", runs),
        Route("/runs/{run_id}", run),
        Route("/info", info),
    ]
