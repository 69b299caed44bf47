"""The shared HTTP client against a real loopback server: recorded answers, injected faults."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from capexwatch.config import get_settings
from capexwatch.errors import ConfigError, HttpStatusError, InvalidArgumentError, NetworkError
from capexwatch.sources import http
from capexwatch.sources.http import HttpClient, RateLimiter, RetryPolicy
from tests._support.fakeserver import FakeServer
from tests._support.recorded import ARCHIVES, NVDA_CIK, PUBLISHED_LIMITS, RECORDED, UA

CF_PATH = f"/api/xbrl/companyfacts/CIK{NVDA_CIK:010d}.json"
CF_FILE = RECORDED / "sec" / "companyfacts" / f"CIK{NVDA_CIK:010d}.json"


def cf_url(server: FakeServer) -> str:
    return server.url + CF_PATH


def get_cf(client: HttpClient, server: FakeServer, **kw: object) -> http.Fetched:
    return client.get(cf_url(server), kind="companyfacts", **kw)  # type: ignore[arg-type]


# -- the happy path and the cache ------------------------------------------------------------------


def test_recorded_answer_is_served_unchanged_and_cached(client: HttpClient, net_env: FakeServer) -> None:
    got = get_cf(client, net_env)
    assert got.body == CF_FILE.read_bytes()
    assert not got.from_cache
    again = get_cf(client, net_env)
    assert again.from_cache and again.body == got.body
    assert net_env.count(CF_PATH) == 1  # the second answer came from disk
    get_cf(client, net_env, refresh=True)
    assert net_env.count(CF_PATH) == 2
    # the declared User-Agent reached the server
    assert all(r.headers["user-agent"] == UA for r in net_env.requests)


def test_cache_info_per_kind_and_clear(client: HttpClient, net_env: FakeServer) -> None:
    get_cf(client, net_env)
    client.get(net_env.url + "/submissions/CIK0001045810.json", kind="submissions")
    info = http.cache_info()
    assert info["entries"] == 2
    assert set(info["kinds"]) == {"companyfacts", "submissions"}
    assert info["kinds"]["companyfacts"]["bytes"] == CF_FILE.stat().st_size
    assert info["kinds"]["companyfacts"]["fresh"] == 1
    assert info["kinds"]["companyfacts"]["ttl_s"] == 86400
    assert info["bytes"] == sum(k["bytes"] for k in info["kinds"].values())
    assert Path(info["path"]).is_relative_to(get_settings().cache_dir)

    removed = http.cache_clear(kind="submissions")
    assert removed["entries"] == 1
    assert set(http.cache_info()["kinds"]) == {"companyfacts"}
    assert http.cache_clear()["entries"] == 1
    assert http.cache_info()["entries"] == 0
    with pytest.raises(InvalidArgumentError, match="Unknown cache kind"):
        http.cache_clear(kind="nope")


def test_stale_entry_is_refetched(client: HttpClient, net_env: FakeServer) -> None:
    get_cf(client, net_env)
    (meta,) = (get_settings().cache_dir / "http" / "companyfacts").glob("*.meta.json")
    doc = json.loads(meta.read_text())
    doc["fetched_at"] -= http.KINDS["companyfacts"].ttl_s + 1  # a day and a second ago
    meta.write_text(json.dumps(doc))
    assert http.cache_info()["kinds"]["companyfacts"]["stale"] == 1
    assert not get_cf(client, net_env).from_cache
    assert net_env.count(CF_PATH) == 2


def test_corrupted_cache_body_is_not_trusted(client: HttpClient, net_env: FakeServer) -> None:
    get_cf(client, net_env)
    (body,) = (get_settings().cache_dir / "http" / "companyfacts").glob("*.body")
    body.write_bytes(body.read_bytes()[:100])  # cut short behind the cache's back
    got = get_cf(client, net_env)
    assert not got.from_cache and got.body == CF_FILE.read_bytes()


def test_ttl_per_kind() -> None:
    day = 86400
    assert http.KINDS["companyfacts"].ttl_s == day
    assert http.KINDS["submissions"].ttl_s == day
    assert http.KINDS["bulk"].ttl_s == 7 * day
    assert http.KINDS["fred"].ttl_s == http.KINDS["fred-csv"].ttl_s == 12 * 3600


# -- User-Agent ------------------------------------------------------------------------------------


def test_no_user_agent_is_a_clear_error_before_any_request(
    net_env: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAPEXWATCH_SEC_USER_AGENT")
    with HttpClient() as c, pytest.raises(ConfigError) as err:
        get_cf(c, net_env)
    assert "CAPEXWATCH_SEC_USER_AGENT" in str(err.value) and "EDGAR_IDENTITY" in str(err.value)
    assert net_env.count() == 0


def test_edgar_identity_is_read(net_env: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAPEXWATCH_SEC_USER_AGENT")
    monkeypatch.setenv("EDGAR_IDENTITY", "Jane Analyst jane@example.org")
    with HttpClient() as c:
        get_cf(c, net_env)
    assert net_env.requests[-1].headers["user-agent"] == "Jane Analyst jane@example.org"


def test_fake_sec_answers_403_without_user_agent(net_env: FakeServer) -> None:
    # the loopback server behaves like the SEC: a library-default UA gets the 403 page
    r = httpx.get(cf_url(net_env))
    assert r.status_code == 403 and b"Undeclared Automated Tool" in r.content


def test_sec_403_is_explained_and_not_retried(client: HttpClient, net_env: FakeServer) -> None:
    net_env.fault(CF_PATH, "403", times=None)
    with pytest.raises(HttpStatusError) as err:
        get_cf(client, net_env)
    assert err.value.status == 403
    assert "User-Agent" in str(err.value) and "CAPEXWATCH_SEC_USER_AGENT" in str(err.value)
    assert net_env.count(CF_PATH) == 1


# -- retries ----------------------------------------------------------------------------------------


def test_429_honours_retry_after(client: HttpClient, net_env: FakeServer) -> None:
    net_env.fault(CF_PATH, "429", times=1, retry_after=1)
    got = get_cf(client, net_env)
    assert got.body == CF_FILE.read_bytes()
    t = net_env.times(CF_PATH)
    assert len(t) == 2
    assert t[1] - t[0] >= 0.95  # waited the second the server asked for (backoff alone is 10 ms)


def test_retry_after_longer_than_allowed_fails_fast(client: HttpClient, net_env: FakeServer) -> None:
    net_env.fault(CF_PATH, "429", times=1, retry_after=3600)
    t0 = time.monotonic()
    with pytest.raises(NetworkError, match="wait 3600 s"):
        get_cf(client, net_env)
    assert time.monotonic() - t0 < 2


def test_503_is_retried_then_succeeds(client: HttpClient, net_env: FakeServer) -> None:
    net_env.fault(CF_PATH, "503", times=2)
    assert get_cf(client, net_env).body == CF_FILE.read_bytes()
    assert net_env.count(CF_PATH) == 3


def test_503_forever_gives_a_clear_error_and_caches_nothing(client: HttpClient, net_env: FakeServer) -> None:
    net_env.fault(CF_PATH, "503", times=None)
    with pytest.raises(NetworkError) as err:
        get_cf(client, net_env)
    msg = str(err.value)
    assert "after 4 attempts" in msg and "HTTP 503" in msg and "nothing was stored" in msg
    assert net_env.count(CF_PATH) == 4
    assert http.cache_info()["entries"] == 0


@pytest.mark.parametrize("fault", ["stall", "stall-body"])
def test_stall_past_timeout_is_retried(client: HttpClient, net_env: FakeServer, fault: str) -> None:
    net_env.fault(CF_PATH, fault, times=1, seconds=3)
    t0 = time.monotonic()
    assert get_cf(client, net_env).body == CF_FILE.read_bytes()
    assert time.monotonic() - t0 < 2.5  # gave up on the stalled answer after the 0.5 s timeout
    assert net_env.count(CF_PATH) == 2


def test_stall_forever_names_the_timeout(net_env: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPEXWATCH_HTTP_RETRIES", "2")
    net_env.fault(CF_PATH, "stall", times=None, seconds=3)
    with HttpClient() as c, pytest.raises(NetworkError, match="timeout"):
        get_cf(c, net_env)


@pytest.mark.parametrize("fault", ["truncate", "truncate-json", "reset"])
def test_truncated_or_reset_answer_is_retried(client: HttpClient, net_env: FakeServer, fault: str) -> None:
    net_env.fault(CF_PATH, fault, times=2)
    assert get_cf(client, net_env).body == CF_FILE.read_bytes()
    assert net_env.count(CF_PATH) == 3


@pytest.mark.parametrize(
    ("fault", "words"),
    [("truncate", "truncated"), ("truncate-json", "incomplete JSON"), ("reset", "connection")],
)
def test_truncated_forever_says_so(client: HttpClient, net_env: FakeServer, fault: str, words: str) -> None:
    net_env.fault(CF_PATH, fault, times=None)
    with pytest.raises(NetworkError, match=words):
        get_cf(client, net_env)
    assert http.cache_info()["entries"] == 0


# -- answers that cannot be data ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("html", "HTML page instead of data: 'Service Temporarily Unavailable'"),
        ("content-type", "content type 'text/plain', not JSON"),
        ("invalid-json", "malformed JSON"),
    ],
)
def test_unusable_answer_fails_clearly_without_retry(
    client: HttpClient, net_env: FakeServer, fault: str, words: str
) -> None:
    net_env.fault(CF_PATH, fault, times=None)
    with pytest.raises(NetworkError) as err:
        get_cf(client, net_env)
    assert words in str(err.value)
    assert "CAPEXWATCH_SEC_BASE_URL" in str(err.value)
    assert net_env.count(CF_PATH) == 1  # retrying would get the same page
    assert http.cache_info()["entries"] == 0


def test_404_is_a_status_error(client: HttpClient, net_env: FakeServer) -> None:
    with pytest.raises(HttpStatusError) as err:
        client.get(net_env.url + "/api/xbrl/companyfacts/CIK0000000001.json", kind="companyfacts")
    assert err.value.status == 404


def test_connection_refused_gives_up_clearly(net_env: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    monkeypatch.setenv("CAPEXWATCH_SEC_BASE_URL", f"http://127.0.0.1:{port}")
    with HttpClient() as c, pytest.raises(NetworkError, match="connection failed"):
        c.get(f"http://127.0.0.1:{port}{CF_PATH}", kind="companyfacts")


# -- the transport seam -----------------------------------------------------------------------------


def test_mock_transport_seam(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPEXWATCH_SEC_USER_AGENT", UA)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=CF_FILE.read_bytes(), headers={"content-type": "application/json"})

    with HttpClient(transport=httpx.MockTransport(handler), use_cache=False) as c:
        got = c.get("https://data.sec.gov" + CF_PATH, kind="companyfacts")
    assert got.body == CF_FILE.read_bytes()
    assert seen[0].headers["user-agent"] == UA


# -- rate limits ------------------------------------------------------------------------------------


def _max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def test_published_limits() -> None:
    # at most 8 requests/s to the SEC (its ceiling is 10) and 2/s to FRED (sources/NOTES.md)
    assert PUBLISHED_LIMITS == {"sec": 8, "fred": 2}


def test_sec_rate_limit_holds_across_threads(net_env: FakeServer, real_limits: None) -> None:
    """20 requests from 4 threads: the server never sees more than 8 in any one second."""
    errors: list[BaseException] = []
    with HttpClient(use_cache=False) as c:

        def work() -> None:
            try:
                for _ in range(5):
                    get_cf(c, net_env)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    times = net_env.times(CF_PATH)
    assert len(times) == 20
    # holds by construction under any load: each request is logged when its answer is in (no
    # earlier than the server saw it) and the one 8 later is cleared a window after that
    assert _max_in_window(times, 1.0) <= 8
    # and it is a limit, not a crawl: 20 requests at 8 per window need two windows and a little
    # more; the upper bound leaves room for a loaded machine's request latencies
    assert 2.0 <= max(times) - min(times) < 10


def test_fred_rate_limit(net_env: FakeServer, real_limits: None) -> None:
    with HttpClient(use_cache=False) as c:
        for _ in range(5):
            c.get(net_env.url + "/graph/fredgraph.csv", kind="fred-csv", params={"id": "FEDFUNDS"})
    times = net_env.times("/graph/")
    assert len(times) == 5
    assert _max_in_window(times, 1.0) <= 2


def test_rate_limiter_window_semantics() -> None:
    lim = RateLimiter(3, 0.2, margin=0.0)
    stamps = []
    for _ in range(7):
        lim.acquire()
        stamps.append(time.monotonic())
    assert _max_in_window(stamps, 0.2) <= 3
    assert stamps[-1] - stamps[0] >= 0.4  # 7 calls at 3 per 0.2 s need two full windows


def test_retry_after_date_and_backoff_cap() -> None:
    import email.utils

    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    after = http._parse_retry_after(future)
    assert after is not None and 28 <= after <= 31
    assert http._parse_retry_after("7") == 7.0
    assert http._parse_retry_after("soon") is None
    policy = RetryPolicy(backoff_s=1.0, backoff_cap_s=4.0)
    assert all(policy.backoff(n) <= 4.0 for n in range(1, 12))
    assert policy.backoff(1) >= 0.5


def test_bad_tuning_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAPEXWATCH_HTTP_BACKOFF", "fast")
    with pytest.raises(ConfigError, match="CAPEXWATCH_HTTP_BACKOFF"):
        RetryPolicy.from_env()


# -- streamed downloads (the bulk zip) -----------------------------------------------------------------


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"CIK{NVDA_CIK:010d}.json", CF_FILE.read_bytes())
    return buf.getvalue()


def test_download_streams_to_cache_and_retries_truncation(client: HttpClient, net_env: FakeServer) -> None:
    data = _zip_bytes()
    path = ARCHIVES + "/companyfacts.zip"
    net_env.add(path, data, content_type="application/zip")
    net_env.fault(path, "truncate", times=1)
    seen: list[int] = []
    out = client.download(net_env.url + path, progress=lambda n, total: seen.append(n))
    assert out.read_bytes() == data
    assert seen[-1] == len(data)
    assert net_env.count(path) == 2
    # no partial download is left beside the finished file
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []
    assert http.cache_info()["kinds"]["bulk"]["entries"] == 1
    assert client.download(net_env.url + path) == out and net_env.count(path) == 2  # fresh for 7 days


def test_download_of_html_page_fails_and_leaves_nothing(client: HttpClient, net_env: FakeServer) -> None:
    path = ARCHIVES + "/companyfacts.zip"
    net_env.add(path, _zip_bytes(), content_type="application/zip")
    net_env.fault(path, "html", times=None)
    with pytest.raises(NetworkError, match="HTML page"):
        client.download(net_env.url + path)
    folder = get_settings().cache_dir / "http" / "bulk"
    assert not folder.exists() or list(folder.iterdir()) == []
