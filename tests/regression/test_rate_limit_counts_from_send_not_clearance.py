"""Regression: the rate limiter spaced requests by when they were cleared, not when they were sent.

The limiter logged a request the moment it let it go. When the first request reached the server
late (connection set-up, a loaded machine), the next window opened one period after the
*clearance*, so the server could see three requests in under a second at a 2/s limit
(``test_fred_rate_limit`` failed under load: 3 requests within 0.98 s). Requests are now logged
when their answer is in, which is no earlier than the server saw them.

Deterministic: the transport below records the "server arrival" after a delay on the first
request, standing in for a slow connection; with clearance-time logging the three arrivals fall
within ~0.65 s, with send-time logging they cannot fall within one second whatever the load.
"""

from __future__ import annotations

import time

import httpx
import pytest

from capexwatch.sources import http
from capexwatch.sources.http import HttpClient, RateLimiter

CSV = b"observation_date,FEDFUNDS\n2024-01-01,5.33\n"


def _max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def test_slow_first_request_does_not_overshoot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "_LIMITERS", {})
    monkeypatch.setattr(http, "RATE_LIMITS", {"sec": 8, "fred": 2})
    arrivals: list[float] = []

    def server(request: httpx.Request) -> httpx.Response:
        if not arrivals:
            time.sleep(0.4)  # the first request reaches the server 0.4 s after it was cleared
        arrivals.append(time.monotonic())
        return httpx.Response(200, content=CSV, headers={"content-type": "text/csv"})

    with HttpClient(transport=httpx.MockTransport(server), use_cache=False) as c:
        for _ in range(3):
            c.get("https://fred.stlouisfed.org/graph/fredgraph.csv", kind="fred-csv", params={"id": "FEDFUNDS"})
    assert len(arrivals) == 3
    assert _max_in_window(arrivals, 1.0) <= 2, [round(t - arrivals[0], 3) for t in arrivals]


def test_in_flight_request_holds_the_window() -> None:
    """With max_calls requests logged, a new one waits for the oldest to be over, plus a period."""
    lim = RateLimiter(1, 0.2, margin=0.0)
    with lim.slot():
        time.sleep(0.3)  # the request takes longer than the window
        over = time.monotonic()
    lim.acquire()
    assert time.monotonic() - over >= 0.2


def test_answered_logs_before_the_body_ends() -> None:
    """A long download logs its request when the answer begins, not when the body is in."""
    lim = RateLimiter(1, 0.2, margin=0.0)
    with lim.slot() as answered:
        answered()
        began = time.monotonic()
        time.sleep(0.3)  # the body streams in
    t0 = time.monotonic()
    lim.acquire()
    assert time.monotonic() - t0 < 0.15  # the window counted from `answered`, already past
    assert time.monotonic() - began >= 0.2
