"""Regression (issue 14, item 11): offline, ``update`` retried a failed DNS lookup five times with
backoff and failed after 12-24 s. A name that does not resolve is not cured by retrying: one
attempt, then the network error (exit 6) at once.

``nonexistent.invalid``: the ``.invalid`` top-level domain is reserved never to resolve (RFC 2606
section 2), so no request can leave the machine.
"""

from __future__ import annotations

import time

import pytest

from capexwatch.config import get_settings
from capexwatch.errors import NetworkError
from capexwatch.sources.http import HttpClient
from tests._support.cli import invoke

BASE = "http://nonexistent.invalid"


def test_one_attempt_then_a_network_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPEXWATCH_SEC_USER_AGENT", "Test Suite test@example.com")
    monkeypatch.setenv("CAPEXWATCH_SEC_BASE_URL", BASE)
    with HttpClient(get_settings()) as client:
        t0 = time.monotonic()
        with pytest.raises(NetworkError, match="Cannot resolve the host 'nonexistent.invalid'"):
            client.get(f"{BASE}/submissions/CIK0001045810.json", kind="submissions")
        assert client.requests_sent == 1
    assert time.monotonic() - t0 < 10  # a resolver's own timeout, at most; no backoff on top


def test_update_exits_6_and_names_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPEXWATCH_SEC_USER_AGENT", "Test Suite test@example.com")
    monkeypatch.setenv("CAPEXWATCH_SEC_BASE_URL", BASE)
    code, _, err = invoke("update", "--tickers", "NVDA")
    assert code == 6 and "nonexistent.invalid" in err and "attempt 2" not in err
