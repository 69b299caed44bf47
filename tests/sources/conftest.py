"""Fixtures for the sources tests: the loopback server with recorded answers, and settings pointing at it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from capexwatch.sources import http
from tests._support.fakeserver import FakeServer
from tests._support.recorded import ARCHIVES, PUBLISHED_LIMITS, TICKERS, UA, load_routes


@pytest.fixture(scope="session")
def _template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store loaded with the bundled snapshot, built once per session (loading takes ~0.5 s)."""
    import capexwatch

    path = tmp_path_factory.mktemp("template") / "capexwatch.duckdb"
    capexwatch.open(path).close()
    return path


@pytest.fixture(autouse=True)
def _snapshot_store(_template_store: Path, home: Path) -> Path:
    """Each test's home starts with its own copy of the freshly loaded store."""
    target = home / "capexwatch.duckdb"
    shutil.copyfile(_template_store, target)
    return target


@pytest.fixture(autouse=True)
def _fresh_limiters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with empty rate-limit windows (the limiters are process-wide by design),
    and, in this process only, limits high enough not to slow the tests down; the tests of the
    limits themselves ask for :func:`real_limits`, and subprocess tests run with the real ones."""
    monkeypatch.setattr(http, "_LIMITERS", {})
    monkeypatch.setattr(http, "RATE_LIMITS", {"sec": 1000, "fred": 1000})


@pytest.fixture
def real_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The published limits (8/s SEC, 2/s FRED), as users run."""
    monkeypatch.setattr(http, "_LIMITERS", {})
    monkeypatch.setattr(http, "RATE_LIMITS", dict(PUBLISHED_LIMITS))


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    """The loopback server with the recorded SEC and FRED answers."""
    with FakeServer() as server:
        load_routes(server)
        yield server


@pytest.fixture
def net_env(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    """Settings pointing every base URL at the loopback server; short timeouts and backoff."""
    for k, v in {
        "CAPEXWATCH_SEC_USER_AGENT": UA,
        "CAPEXWATCH_SEC_BASE_URL": fake.url,
        "CAPEXWATCH_SEC_ARCHIVES_URL": fake.url + ARCHIVES,
        "CAPEXWATCH_SEC_TICKERS_URL": fake.url + TICKERS,
        "CAPEXWATCH_FRED_BASE_URL": fake.url,
        "CAPEXWATCH_FRED_CSV_URL": fake.url + "/graph/fredgraph.csv",
        "CAPEXWATCH_HTTP_TIMEOUT": "0.5",
        "CAPEXWATCH_HTTP_RETRIES": "4",
        "CAPEXWATCH_HTTP_BACKOFF": "0.01",
        "CAPEXWATCH_HTTP_BACKOFF_CAP": "0.05",
        "CAPEXWATCH_HTTP_MAX_RETRY_AFTER": "5",
    }.items():
        monkeypatch.setenv(k, v)
    for k in ("EDGAR_IDENTITY", "FRED_API_KEY"):
        monkeypatch.delenv(k, raising=False)
    return fake


@pytest.fixture
def client(net_env: FakeServer) -> Iterator[http.HttpClient]:
    with http.HttpClient() as c:
        yield c
