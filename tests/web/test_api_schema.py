"""Property-based API tests from the OpenAPI schema (Schemathesis): no 5xx on any generated input,
and every status code and content type as the schema declares."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis (dev extra) is not installed")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import content_type_conformance, not_a_server_error, status_code_conformance  # noqa: E402

_STORE: dict[str, Path] = {}


def _app() -> Any:
    """The app on a store built once for this module (Schemathesis loads the schema at import)."""
    import tempfile

    import capexwatch
    from capexwatch.web.app import create_app

    if "path" not in _STORE:
        home = Path(tempfile.mkdtemp(prefix="cw-schemathesis-"))
        _STORE["path"] = home / "capexwatch.duckdb"
        capexwatch.open(_STORE["path"]).close()
    return create_app(_STORE["path"])


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _app())

# every distinct as-of date evaluates the signals afresh (seconds each), so few examples per
# operation keep the module near a minute. /backtest is left to test_api.py (explicit windows): one
# generated full-history backtest alone takes tens of seconds. The simulation endpoints are nearly
# always refused (no such preset) but may run a small scenario.
FAST = schema.exclude(path_regex="^/(simulate|jobs|backtest)")
SLOW = schema.include(path_regex="^/(simulate|jobs)")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


@FAST.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
def test_reads_never_fail_on_generated_input(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


@SLOW.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
def test_runs_never_fail_on_generated_input(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)
