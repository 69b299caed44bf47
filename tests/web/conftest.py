"""Fixtures of the web tests: one real store per session (the bundled snapshot), the app on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra (starlette, uvicorn) is not installed")


@pytest.fixture(scope="session")
def web_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB store loaded with the bundled snapshot (created once, then opened read-only by the app)."""
    import capexwatch

    path = tmp_path_factory.mktemp("webstore") / "capexwatch.duckdb"
    capexwatch.open(path).close()
    return path


@pytest.fixture
def client(web_store: Path) -> Iterator[object]:
    """Starlette's test client on a fresh app over the session's store."""
    import warnings

    with warnings.catch_warnings():  # Starlette 1.x suggests httpx2; httpx is what the dev extra installs
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from capexwatch.web.app import create_app

    with TestClient(create_app(web_store), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def cli_env(web_store: Path) -> dict[str, str]:
    """Environment for `capexwatch` subprocesses on the same store."""
    return {"CAPEXWATCH_DB": str(web_store)}
