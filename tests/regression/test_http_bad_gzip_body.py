"""Regression: a body sent as ``Content-Encoding: gzip`` that does not decompress crashed the client.

httpx raises ``httpx.DecodingError`` for it, which is not an ``httpx.TransportError``; the first
version of the retry loop caught only transport errors, so the update ended in "Internal error"
(exit 70). It is now retried like any damaged body, and reported clearly when it persists.
"""

from __future__ import annotations

import pytest

from capexwatch.errors import NetworkError
from capexwatch.sources.http import HttpClient
from tests._support.data import RECORDED
from tests._support.fakeserver import FakeServer

CF = RECORDED / "sec" / "companyfacts" / "CIK0001045810.json"
PATH = "/api/xbrl/companyfacts/CIK0001045810.json"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> object:
    with FakeServer() as s:
        s.add(PATH, CF)
        monkeypatch.setenv("CAPEXWATCH_SEC_USER_AGENT", "capexwatch tests tests@example.com")
        monkeypatch.setenv("CAPEXWATCH_HTTP_BACKOFF", "0.01")
        monkeypatch.setenv("CAPEXWATCH_HTTP_RETRIES", "3")
        yield s


def test_bad_gzip_is_retried(server: FakeServer) -> None:
    server.fault(PATH, "bad-gzip", times=1)
    with HttpClient(use_cache=False) as c:
        assert c.get(server.url + PATH, kind="companyfacts").body == CF.read_bytes()
    assert server.count(PATH) == 2


def test_bad_gzip_forever_is_a_network_error(server: FakeServer) -> None:
    server.fault(PATH, "bad-gzip", times=None)
    with HttpClient(use_cache=False) as c, pytest.raises(NetworkError, match="could not be decoded"):
        c.get(server.url + PATH, kind="companyfacts")
