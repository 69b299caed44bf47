"""The OpenAPI 3.0 schema of ``/api/v1``, written by hand beside the routes of :mod:`.api`.

Hand-written rather than generated: Starlette has no model layer to generate from, and the
answers are the CLI's ``--json`` shapes, described here once. ``tests/web/test_api_schema.py``
drives every operation with Schemathesis from this schema (no 5xx, statuses and content types
as declared) and checks that each route is documented.
"""

from __future__ import annotations

from typing import Any

from capexwatch.web._validate import MAX_PATHS, MAX_YAML_BYTES

__all__ = ["schema"]

_ERR = {"$ref": "#/components/schemas/Error"}
_NAME = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"}
_DATE = {"type": "string", "format": "date", "example": "2024-06-30", "description": "YYYY-MM-DD, years 1900-2199"}


def _q(name: str, schema: dict[str, Any], description: str, *, required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _path(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _NAME, "description": description}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        404: "unknown ticker, metric, signal, preset, run or job",
        422: "a malformed parameter; `field` names it",
        503: "the store is missing or another process holds its write lock; retry",
    }
    return {str(c): _json(_ERR, text[c]) for c in codes}


def _get(summary: str, ok: dict[str, Any], params: list[dict[str, Any]], *codes: int) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": params, "responses": {"200": ok, **_errors(*codes)}}}


_ROWS = {"type": "array", "items": {"type": "object"}}
_OBJ = {"type": "object"}
_AS_OF = _q("as_of", _DATE, "Only what was public by this date (the CLI's --as-of).")


def _run_body() -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "Exactly one of preset or scenario.",
                    "properties": {
                        "preset": {"type": "string", "description": "A bundled preset (GET /scenarios)."},
                        "scenario": {
                            "type": "string",
                            "maxLength": MAX_YAML_BYTES,
                            "description": "Scenario YAML text (the format of models/scenario.py).",
                        },
                        "paths": {"type": "integer", "minimum": 1, "maximum": MAX_PATHS},
                        "seed": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
                        "save": {"type": "boolean", "default": True, "description": "Save the run in the store."},
                    },
                    "additionalProperties": False,
                },
                "example": {"preset": "sequoia-2024", "paths": 10000, "seed": 7},
            }
        },
    }


def _paths() -> dict[str, Any]:
    job = _json({"$ref": "#/components/schemas/Job"}, "the job's state and progress")
    return {
        "/universe": _get("The companies in the store (`capexwatch universe --json`).", _json(_ROWS, "entities"), []),
        "/metrics": _get("The canonical metrics (`capexwatch metrics --json`).", _json(_ROWS, "metrics"), []),
        "/quarters": _get(
            "One metric quarter by quarter with provenance (`capexwatch quarters --json`).",
            _json({"type": "array", "items": {"$ref": "#/components/schemas/Quarter"}}, "panel rows"),
            [
                _q("ticker", _NAME, "Ticker, e.g. GOOGL (or give cik)."),
                _q("cik", {"type": "integer", "minimum": 1}, "SEC CIK (or give ticker)."),
                _q("metric", _NAME, "Canonical metric, e.g. capex.", required=True),
                _q("view", {"type": "string", "enum": ["latest", "first-filed"]}, "Which filing's value."),
                _q("source", {"type": "string", "enum": ["all", "sec", "curated", "user"]}, "Which source."),
                _AS_OF,
            ],
            404,
            422,
            503,
        ),
        "/signals": _get(
            "The risk board (`capexwatch signals --json`).", _json(_ROWS, "one signal per row"), [_AS_OF], 422, 503
        ),
        "/signal/{name}": _get(
            "One signal in depth with its history (`capexwatch signal NAME --json`).",
            _json(_OBJ, "the signal"),
            [_path("name", "Signal name, e.g. roi_gap."), _q("ticker", _NAME, "Evaluate for one company."), _AS_OF],
            404,
            422,
            503,
        ),
        "/backtest": _get(
            "Every signal at each quarter end with only what was public then (`capexwatch backtest --json`).",
            _json(_OBJ, "dates, signals, rows, episodes"),
            [
                {
                    "name": "signal",
                    "in": "query",
                    "schema": {"type": "array", "items": _NAME, "maxItems": 3},
                    "style": "form",
                    "explode": True,
                    "description": "Only these signals (repeatable).",
                },
                _q("start", _DATE, "First evaluation date."),
                _q("end", _DATE, "Last evaluation date."),
            ],
            404,
            422,
            503,
        ),
        "/scenarios": _get("The scenario presets (`capexwatch scenarios --json`).", _json(_ROWS, "presets"), []),
        "/scenarios/{name}": _get(
            "One preset's YAML text.",
            _json(_OBJ, "name, model, parameters, yaml"),
            [_path("name", "Preset.")],
            404,
            422,
        ),
        "/scenario/parameter": {
            "post": {
                "summary": "Set one parameter of scenario YAML to a value or distribution; returns the new YAML.",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "scenario": {"type": "string", "maxLength": MAX_YAML_BYTES},
                                    "parameter": _NAME,
                                    "value": {"oneOf": [{"type": "number"}, {"type": "object"}]},
                                },
                                "required": ["scenario", "parameter", "value"],
                            }
                        }
                    },
                },
                "responses": {"200": _json(_OBJ, "{scenario: YAML}"), **_errors(422)},
            }
        },
        "/simulate": {
            "post": {
                "summary": "Run a scenario and return what `capexwatch simulate --json` prints.",
                "requestBody": _run_body(),
                "responses": {"200": _json(_OBJ, "the simulation result"), **_errors(422, 503)},
            }
        },
        "/jobs": {
            "post": {
                "summary": "Start a run in the background (the scenarios page); poll GET /jobs/{job_id}.",
                "requestBody": _run_body(),
                "responses": {"202": job, **_errors(422, 503)},
            }
        },
        "/jobs/{job_id}": {
            "get": {
                "summary": "A job's state and progress; `result` once done.",
                "parameters": [_path("job_id", "Job id.")],
                "responses": {"200": job, **_errors(404)},
            },
            "delete": {
                "summary": "Cancel a job (it stops after its current block; nothing is saved).",
                "parameters": [_path("job_id", "Job id.")],
                "responses": {"200": job, **_errors(404)},
            },
        },
        "/runs": _get(
            "Saved simulation runs, newest first.",
            _json(_ROWS, "runs"),
            [_q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "How many.")],
            422,
            503,
        ),
        "/runs/{run_id}": _get(
            "One saved run with its parameters and outputs.",
            _json(_OBJ, "the run"),
            [_path("run_id", "Run id.")],
            404,
            422,
            503,
        ),
        "/info": _get("The store and its loads (`capexwatch info --json`).", _json(_OBJ, "store info"), [], 503),
        "/openapi.json": _get("This schema.", _json(_OBJ, "OpenAPI 3.0"), []),
    }


def _components() -> dict[str, Any]:
    nstr = {"type": "string", "nullable": True}
    return {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}, "hint": nstr, "field": {"type": "string"}},
            },
            "Quarter": {
                "type": "object",
                "required": ["ticker", "metric", "fiscal_period", "value", "source"],
                "properties": {
                    "ticker": {"type": "string"},
                    "metric": {"type": "string"},
                    "fiscal_year": {"type": "integer"},
                    "fiscal_quarter": {"type": "integer"},
                    "fiscal_period": {"type": "string"},
                    "period_start": nstr,
                    "period_end": nstr,
                    "calendar_quarter": nstr,
                    "value": {"type": "number", "nullable": True},
                    "unit": nstr,
                    "method": nstr,
                    "status": nstr,
                    "reason": nstr,
                    "tag": nstr,
                    "accn": nstr,
                    "form": nstr,
                    "filed": nstr,
                    "known_at": nstr,
                    "source": {"type": "string"},
                    "source_url": nstr,
                    "source_kind": nstr,
                    "note": nstr,
                    "derived_from": nstr,
                    "view": {"type": "string"},
                },
            },
            "Job": {
                "type": "object",
                "required": ["job_id", "state", "paths_done", "paths_total"],
                "properties": {
                    "job_id": {"type": "string"},
                    "state": {"type": "string", "enum": ["running", "done", "failed", "cancelled"]},
                    "paths_done": {"type": "integer"},
                    "paths_total": {"type": "integer"},
                    "elapsed_s": {"type": "number"},
                    "result": {"type": "object", "nullable": True, "description": "what simulate --json prints"},
                    "figures": {"type": "array", "items": {"type": "object"}, "description": "fan charts (Plotly)"},
                    "error": {"type": "object", "nullable": True},
                },
            },
        }
    }


def schema() -> dict[str, Any]:
    """The OpenAPI document served at ``/api/v1/openapi.json``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        v = version("capexwatch")
    except PackageNotFoundError:  # pragma: no cover - a source tree never installed
        v = "0+unknown"
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "capexwatch API",
            "version": v,
            "description": "The CLI's --json answers over HTTP: same data, same field names. "
            'Errors are {"error", "hint"} (and "field" for a malformed parameter).',
        },
        "servers": [{"url": "/api/v1"}],
        "paths": _paths(),
        "components": _components(),
    }
