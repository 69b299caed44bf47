"""Property-based API tests from the OpenAPI schema (Schemathesis): no 5xx on any generated input,
and every status code and content type as the schema declares."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis (dev extra) is not installed")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import content_type_conformance, not_a_server_error, status_code_conformance  # noqa: E402

_HOME = tempfile.TemporaryDirectory(prefix="cw-schemathesis-")
"""The module's store lives here; removed after its tests (and at exit if none ran)."""
_STORE = Path(_HOME.name) / "capexwatch.duckdb"


@pytest.fixture(scope="module", autouse=True)
def _store() -> Iterator[None]:
    """Build the store the app reads before the first test, and remove it after the last."""
    import capexwatch

    capexwatch.open(_STORE).close()
    yield
    APP.state.jobs.shutdown()  # no simulation job may still be writing the store being removed
    _HOME.cleanup()


def _app() -> Any:
    """The app on the module's store (Schemathesis loads the schema from it at import: no store needed)."""
    from capexwatch.web.app import create_app

    return create_app(_STORE, prepare=False)


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    APP = _app()
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)

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
