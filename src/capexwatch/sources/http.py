"""The one HTTP client: User-Agent, rate limit, retries, validation and the on-disk cache.

No other module of capexwatch opens a network connection. Everything that talks to the SEC or FRED
goes through :class:`HttpClient`, which

* sends the declared SEC User-Agent (``CAPEXWATCH_SEC_USER_AGENT`` or ``EDGAR_IDENTITY``) and
  refuses, before any request, when none is set: the SEC blocks undeclared automated tools with a
  403 (https://www.sec.gov/os/accessing-edgar-data, "Fair Access");
* keeps a process-wide rate limit per service (at most 8 requests/s to the SEC, whose published
  ceiling is 10/s; at most 2/s to FRED, which enforced about 2/s by mid-2026 — see
  ``ecosystem-notes.md`` §1.6), shared by every thread;
* retries 429, 5xx, timeouts, connection resets and truncated bodies with capped exponential
  backoff (full jitter), honouring ``Retry-After``; when the retries run out it raises a
  :class:`~capexwatch.errors.NetworkError` that says what happened and what to do;
* rejects answers that cannot be what was asked for: an HTML error page, the wrong content type,
  malformed JSON, a body shorter than its ``Content-Length``;
* caches bodies on disk under ``Settings.cache_dir/http/<kind>/`` with a time to live per kind of
  URL (:data:`KINDS`); ``capexwatch cache info`` / ``cache clear`` show and empty it.

The transport seam: ``HttpClient(transport=...)`` takes any ``httpx.BaseTransport`` (tests use a
loopback server by pointing the base URLs of :class:`~capexwatch.config.Settings` at it, or an
``httpx.MockTransport``).

Tuning by environment (tests keep the sleeps short with these; read in :mod:`capexwatch.config`)
------------------------------------------------------------------------------------------------
CAPEXWATCH_HTTP_TIMEOUT          seconds per connect/read (default 30)
CAPEXWATCH_HTTP_RETRIES          attempts per request, first included (default 5)
CAPEXWATCH_HTTP_BACKOFF          first backoff in seconds, doubled per retry (default 1.0)
CAPEXWATCH_HTTP_BACKOFF_CAP      largest backoff in seconds (default 30)
CAPEXWATCH_HTTP_MAX_RETRY_AFTER  longest Retry-After honoured, in seconds; a server asking for
                                 more gets a clear error instead of a silent long wait (default 120)
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import os
import random
import re
import shutil
import socket
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from capexwatch.config import Settings, get_settings, http_tuning
from capexwatch.errors import ConfigError, HttpStatusError, InvalidArgumentError, NetworkError

__all__ = [
    "KINDS",
    "CacheEntry",
    "Fetched",
    "HttpClient",
    "Kind",
    "RateLimiter",
    "RetryPolicy",
    "cache_clear",
    "cache_entries",
    "cache_info",
    "cached_body",
    "limiter_for",
]

_HOUR = 3600.0
_DAY = 24 * _HOUR


@dataclass(frozen=True)
class Kind:
    """A kind of URL: which service answers it, how long its answers stay fresh, what it returns.

    Attributes
    ----------
    name : cache folder and ``cache info`` label
    service : ``sec`` or ``fred`` (selects the rate limit and the User-Agent rule)
    ttl_s : seconds a cached answer is served without asking again
    expect : ``json``, ``csv``, ``zip`` or ``xbrl`` (how the body is validated; an ``xbrl`` document
        may be XHTML, so it is checked for an XBRL namespace instead of refused as an HTML page)
    """

    name: str
    service: str
    ttl_s: float
    expect: str


#: Time to live per kind of URL. companyfacts and submissions change when a company files (at most
#: daily); the bulk zip is rebuilt nightly but is ~1 GB, so a week; FRED daily series update once a
#: business day, so half a day keeps a morning run fresh.
KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("companyfacts", "sec", _DAY, "json"),
        Kind("companyconcept", "sec", _DAY, "json"),
        Kind("frames", "sec", _DAY, "json"),
        Kind("submissions", "sec", _DAY, "json"),
        # a filing's primary document (iXBRL .htm, XBRL .xml): never changes once filed
        Kind("filing", "sec", 30 * _DAY, "xbrl"),
        Kind("company_tickers", "sec", _DAY, "json"),
        Kind("bulk", "sec", 7 * _DAY, "zip"),
        Kind("fred", "fred", 12 * _HOUR, "json"),
        Kind("fred-csv", "fred", 12 * _HOUR, "csv"),
    )
}

#: Requests per second per service: the SEC allows 10/s (we keep 2 in hand); FRED about 2/s.
RATE_LIMITS: dict[str, int] = {"sec": 8, "fred": 2}

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_GENERIC_UA = "capexwatch/0.1 (+https://github.com/capexwatch/capexwatch)"
# Query parameters that must never reach the cache key, the cache metadata or an error message.
_SECRET_PARAMS = frozenset({"api_key"})


# --------------------------------------------------------------------------------------------
# rate limit
# --------------------------------------------------------------------------------------------


class RateLimiter:
    """At most ``max_calls`` requests in any sliding window of ``period`` seconds, across threads.

    A sliding-window log rather than a token bucket: a bucket of capacity *b* refilled at *r*/s
    admits *b + r·T* calls in a window of *T* seconds, i.e. more than *r* in some one-second window
    whenever *b > 1*. The log admits a request only when the request ``max_calls`` back is at least
    ``period`` (plus ``margin``) old.

    **Spaced by when requests are sent, not when they were cleared.** A request reaches the server
    some time after the limiter lets it go (connection set-up, a busy machine). Logging the
    clearance time let a delayed request and two punctual ones land within one server second
    (3 requests in 0.98 s at 2/s, issue 13). :meth:`slot` therefore logs a request when it is
    *over* (the answer, or the error, is in): a time no earlier than the server saw it. A later
    request is cleared only ``period + margin`` after that, so it reaches the server at least a
    full window after the one ``max_calls`` back, whatever the delays: the guarantee holds by
    construction, not by timing slack. A request still in flight counts as not yet old.
    ``margin`` covers the difference between our clock and the server's.
    """

    def __init__(self, max_calls: int, period: float = 1.0, *, margin: float = 0.05) -> None:
        if max_calls < 1 or period <= 0:
            raise ValueError("max_calls must be >= 1 and period > 0")
        self.max_calls = max_calls
        self.period = period + margin
        # the last max_calls requests: the time each was over, or None while it is in flight
        self._log: deque[list[float | None]] = deque(maxlen=max_calls)
        self._cond = threading.Condition()
        self._paused_until = 0.0

    def _wait_needed(self, now: float) -> float | None:
        """Seconds until a request may go (0: now; None: until an in-flight request is over)."""
        wait = self._paused_until - now
        if len(self._log) == self.max_calls:
            oldest = self._log[0][0]
            if oldest is None:
                return None
            wait = max(wait, oldest + self.period - now)
        return max(wait, 0.0)

    def _clear(self) -> tuple[list[float | None], float]:
        """Block until a request may go; log it as in flight; return its entry and the wait."""
        started = time.monotonic()
        with self._cond:
            while True:
                now = time.monotonic()
                wait = self._wait_needed(now)
                if wait == 0.0:
                    entry: list[float | None] = [None]
                    self._log.append(entry)
                    return entry, now - started
                # wait releases the lock so that other threads can finish or queue
                self._cond.wait(timeout=wait)

    def _done(self, entry: list[float | None]) -> None:
        with self._cond:
            if entry[0] is None:  # the first of "answer in" and "block exited" counts
                entry[0] = time.monotonic()
                self._cond.notify_all()

    @contextlib.contextmanager
    def slot(self) -> Iterator[Callable[[], None]]:
        """Hold a request slot while the request runs: ``with limiter.slot() as answered: send()``.

        The request is logged when the block exits (normally or not), or earlier when the caller
        calls ``answered()`` as the server's answer begins (a long download need not hold the
        window for its whole body: the server saw the request before it answered).
        """
        entry, _ = self._clear()
        try:
            yield lambda: self._done(entry)
        finally:
            self._done(entry)

    def acquire(self) -> float:
        """Block until a request may go and log it as sent now; return the seconds waited.

        For a request sent at once; use :meth:`slot` when sending may take time.
        """
        entry, waited = self._clear()
        self._done(entry)
        return waited

    def pause(self, seconds: float) -> None:
        """Hold every caller for *seconds* (a server said Retry-After: all threads honour it)."""
        with self._cond:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
            self._cond.notify_all()


_LIMITERS: dict[str, RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(service: str) -> RateLimiter:
    """The process-wide limiter for *service* (``sec`` or ``fred``), created on first use."""
    with _LIMITERS_LOCK:
        lim = _LIMITERS.get(service)
        if lim is None:
            lim = _LIMITERS[service] = RateLimiter(RATE_LIMITS.get(service, 2))
        return lim


# --------------------------------------------------------------------------------------------
# retry policy
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait for a server and how often to try again.

    Backoff before retry *n* (1-based) is ``uniform(0.5, 1) * min(backoff_cap, backoff * 2**(n-1))``
    (capped exponential backoff with jitter, so that parallel clients do not retry in lockstep), or
    the server's ``Retry-After`` when that is longer.
    """

    attempts: int = 5
    timeout_s: float = 30.0
    backoff_s: float = 1.0
    backoff_cap_s: float = 30.0
    max_retry_after_s: float = 120.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Defaults overridden by ``CAPEXWATCH_HTTP_*`` (read by :func:`capexwatch.config.http_tuning`)."""
        env = http_tuning()
        attempts = int(env.retries if env.retries is not None else cls.attempts)
        return cls(
            attempts=max(1, attempts),
            timeout_s=env.timeout_s or cls.timeout_s,
            backoff_s=cls.backoff_s if env.backoff_s is None else env.backoff_s,
            backoff_cap_s=cls.backoff_cap_s if env.backoff_cap_s is None else env.backoff_cap_s,
            max_retry_after_s=cls.max_retry_after_s if env.max_retry_after_s is None else env.max_retry_after_s,
        )

    def backoff(self, retry: int) -> float:
        """Seconds to sleep before retry number *retry* (1 = the first retry)."""
        base = min(self.backoff_cap_s, self.backoff_s * (2 ** (retry - 1)))
        return float(base * random.uniform(0.5, 1.0))


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


class _Retryable(Exception):
    """Internal: a failure worth another attempt (reason for the final message, Retry-After)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _unresolvable(exc: BaseException) -> bool:
    """Whether *exc* (an httpx transport error) is a host name that did not resolve.

    httpx wraps the resolver's :class:`socket.gaierror` (through httpcore); the chain is walked
    rather than the text matched, since the wording differs by platform.
    """
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, socket.gaierror):
            return True
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return False


def _transport_failure(exc: httpx.TransportError, shown_url: str) -> Exception:
    """What a failed connection becomes: another attempt, or at once a :class:`NetworkError`.

    A host name that does not resolve is not transient in the sense retries can cure: offline, or
    with a mistyped base URL, five attempts with backoff only made the user wait 12-24 s for the
    same answer. Resets, refused connections and timeouts are still retried.
    """
    if _unresolvable(exc):
        host = httpx.URL(shown_url).host
        return NetworkError(
            f"Cannot resolve the host {host!r} ({exc}); no request could be sent: {shown_url}",
            hint="Check the network connection (are you offline?) and any CAPEXWATCH_SEC_BASE_URL / "
            "CAPEXWATCH_FRED_BASE_URL you set; nothing was stored.",
        )
    return _Retryable(f"connection failed ({type(exc).__name__}: {exc})")


# --------------------------------------------------------------------------------------------
# cache
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CacheEntry:
    """One cached answer: where its body lies and when it was fetched (epoch seconds)."""

    kind: str
    url: str
    path: Path
    size: int
    fetched_at: float
    content_type: str

    def age_s(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.fetched_at

    def fresh(self, now: float | None = None) -> bool:
        kind = KINDS.get(self.kind)
        return kind is not None and self.age_s(now) < kind.ttl_s


def _cache_root(settings: Settings) -> Path:
    return settings.cache_dir / "http"


def _cache_paths(settings: Settings, kind: str, key_url: str) -> tuple[Path, Path]:
    digest = hashlib.sha256(key_url.encode()).hexdigest()[:32]
    folder = _cache_root(settings) / kind
    return folder / f"{digest}.body", folder / f"{digest}.meta.json"


def _read_meta(meta_path: Path, kind: str) -> CacheEntry | None:
    body = meta_path.with_name(meta_path.name.removesuffix(".meta.json") + ".body")
    try:
        meta = json.loads(meta_path.read_text())
        size = body.stat().st_size
    except (OSError, ValueError):
        return None
    if size != meta.get("size"):
        return None  # a body replaced or cut short behind our back is not trusted
    return CacheEntry(
        kind=kind,
        url=str(meta.get("url", "")),
        path=body,
        size=size,
        fetched_at=float(meta.get("fetched_at", 0.0)),
        content_type=str(meta.get("content_type", "")),
    )


def cached_body(settings: Settings, url: str, kind: str) -> bytes | None:
    """The cached answer for *url* whatever its age (None when there is none): for offline reads."""
    _, meta_path = _cache_paths(settings, KINDS[kind].name, _public_url(url, None))
    entry = _read_meta(meta_path, kind)
    if entry is None:
        return None
    try:
        return entry.path.read_bytes()
    except OSError:
        return None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_meta(meta_path: Path, *, url: str, kind: str, size: int, content_type: str) -> None:
    meta = {"url": url, "kind": kind, "size": size, "fetched_at": time.time(), "content_type": content_type}
    _atomic_write(meta_path, json.dumps(meta).encode())


def cache_entries(settings: Settings | None = None) -> list[CacheEntry]:
    """Every readable cache entry, oldest first."""
    settings = settings or get_settings()
    root = _cache_root(settings)
    out: list[CacheEntry] = []
    if not root.is_dir():
        return out
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for meta_path in folder.glob("*.meta.json"):
            entry = _read_meta(meta_path, folder.name)
            if entry is not None:
                out.append(entry)
    return sorted(out, key=lambda e: e.fetched_at)


def cache_info(settings: Settings | None = None) -> dict[str, Any]:
    """Where the cache is, how big, and per kind of URL: entries, bytes, fresh/stale, TTL.

    Returns
    -------
    dict with ``path``, ``entries``, ``bytes`` and ``kinds`` (kind -> ``entries``, ``bytes``,
    ``fresh``, ``stale``, ``ttl_s``, ``oldest``, ``newest`` as ISO timestamps).
    """
    settings = settings or get_settings()
    entries = cache_entries(settings)
    now = time.time()
    kinds: dict[str, dict[str, Any]] = {}
    for e in entries:
        k = kinds.setdefault(
            e.kind,
            {
                "entries": 0,
                "bytes": 0,
                "fresh": 0,
                "stale": 0,
                "ttl_s": KINDS[e.kind].ttl_s if e.kind in KINDS else None,
                "oldest": None,
                "newest": None,
            },
        )
        k["entries"] += 1
        k["bytes"] += e.size
        k["fresh" if e.fresh(now) else "stale"] += 1
        stamp = _iso(e.fetched_at)
        k["oldest"] = stamp if k["oldest"] is None else min(k["oldest"], stamp)
        k["newest"] = stamp if k["newest"] is None else max(k["newest"], stamp)
    return {
        "path": str(_cache_root(settings)),
        "entries": len(entries),
        "bytes": sum(e.size for e in entries),
        "kinds": kinds,
    }


def cache_clear(settings: Settings | None = None, *, kind: str | None = None) -> dict[str, int]:
    """Delete cached answers (all, or one *kind*); returns ``{"entries": n, "bytes": b}`` removed."""
    settings = settings or get_settings()
    if kind is not None and kind not in KINDS:
        raise InvalidArgumentError(f"Unknown cache kind {kind!r}.", hint="Kinds: " + ", ".join(KINDS) + ".")
    removed = [e for e in cache_entries(settings) if kind is None or e.kind == kind]
    root = _cache_root(settings)
    targets = [root / kind] if kind else [root]
    for target in targets:
        if target.exists():
            shutil.rmtree(target)
    return {"entries": len(removed), "bytes": sum(e.size for e in removed)}


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


# --------------------------------------------------------------------------------------------
# the client
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """A validated answer: its body, the URL asked (secrets removed), and whether from cache."""

    url: str
    kind: str
    body: bytes
    content_type: str
    from_cache: bool
    fetched_at: float = field(default_factory=time.time)


def _public_url(url: str, params: Mapping[str, str] | None) -> str:
    """The URL with its query, secrets removed: the cache key and what messages show."""
    u = httpx.URL(url, params={k: v for k, v in (params or {}).items() if k not in _SECRET_PARAMS})
    return str(u)


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _html_title(body: bytes) -> str:
    m = re.search(rb"<title[^>]*>(.*?)</title>", body[:4096], flags=re.I | re.S)
    if m:
        return " ".join(m.group(1).decode("utf-8", "replace").split())[:120]
    text = re.sub(rb"<[^>]+>", b" ", body[:2000]).decode("utf-8", "replace")
    return " ".join(text.split())[:120]


def _check_xbrl(body: bytes, url: str) -> None:
    """An iXBRL/XBRL document names the XBRL namespaces in its root element (first 64 KB)."""
    if b"xbrl.org/" not in body[:65536]:
        raise NetworkError(
            f"{url} returned a document without XBRL (no xbrl.org namespace in its first 64 KB): "
            f"{_html_title(body)!r}.",
            hint="A proxy or error page answered, or the filing's primary document is not inline XBRL; "
            "check CAPEXWATCH_SEC_DOCUMENTS_URL.",
        )


def _looks_html(body: bytes, content_type: str) -> bool:
    head = body[:512].lstrip().lower()
    return "html" in content_type or head.startswith((b"<!doctype html", b"<html", b"<head", b"<body"))


class HttpClient:
    """The shared HTTP client (see the module docstring for what it guarantees).

    Parameters
    ----------
    settings : resolved settings; default :func:`capexwatch.config.get_settings` now
    transport : an ``httpx.BaseTransport`` to use instead of the network (the test seam)
    retry : retry policy; default :meth:`RetryPolicy.from_env`
    use_cache : read and write the on-disk cache (``False`` always asks the server)
    sleep : the sleep function for backoff (tests may record instead of sleeping)
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        use_cache: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or get_settings()
        self.retry = retry or RetryPolicy.from_env()
        self.use_cache = use_cache
        self._sleep = sleep
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(self.retry.timeout_s),
            follow_redirects=True,
            # Compressed transfer matters for the 4 MB companyfacts documents; httpx decodes it.
            headers={"Accept-Encoding": "gzip, deflate"},
        )
        self.requests_sent = 0  # network requests actually sent (cache hits excluded)
        self._count_lock = threading.Lock()
        self._tls = threading.local()  # per thread: the rate-limit slot of the request in flight

    # context manager -------------------------------------------------------------------------
    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # headers ---------------------------------------------------------------------------------
    def _headers(self, kind: Kind) -> dict[str, str]:
        if kind.service == "sec":
            ua = (self.settings.sec_user_agent or "").strip()
            if not ua:
                raise ConfigError(
                    "The SEC requires a User-Agent that names you, and none is set; no request was sent.",
                    hint="Set CAPEXWATCH_SEC_USER_AGENT='Your Name you@example.com' (EDGAR_IDENTITY, as "
                    "edgartools uses it, works too), or sec_user_agent in $CAPEXWATCH_HOME/config.toml.",
                )
            return {"User-Agent": ua, "Accept": "application/json, application/zip, */*"}
        return {"User-Agent": _GENERIC_UA}

    # public API ------------------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        kind: str,
        params: Mapping[str, str] | None = None,
        refresh: bool = False,
    ) -> Fetched:
        """GET *url* (a JSON or CSV document), from the cache when fresh, validated.

        Parameters
        ----------
        url : full URL (built from a base URL in settings)
        kind : a key of :data:`KINDS`; sets the service, the TTL and the validation
        params : query parameters; ``api_key`` is sent but never cached, logged or shown
        refresh : ignore a fresh cache entry and ask the server

        Raises
        ------
        ConfigError : the SEC User-Agent is not set (raised before any request)
        NetworkError : retries ran out, or the answer is unusable; the message says which
        """
        k = KINDS[kind]
        headers = self._headers(k)  # fail before the cache too: a missing UA is always an error
        key_url = _public_url(url, params)
        body_path, meta_path = _cache_paths(self.settings, k.name, key_url)
        if self.use_cache and not refresh:
            entry = _read_meta(meta_path, k.name)
            if entry is not None and entry.fresh():
                return Fetched(key_url, k.name, entry.path.read_bytes(), entry.content_type, True, entry.fetched_at)
        body, content_type = self._with_retries(k, key_url, lambda: self._get_once(url, params, headers, k, key_url))
        if self.use_cache:
            _atomic_write(body_path, body)
            _write_meta(meta_path, url=key_url, kind=k.name, size=len(body), content_type=content_type)
        return Fetched(key_url, k.name, body, content_type, False)

    def download(
        self,
        url: str,
        *,
        kind: str = "bulk",
        refresh: bool = False,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> Path:
        """Stream a large file (the bulk zip) to the cache without holding it in memory.

        The body goes to a temporary file beside its cache slot and is renamed into place only when
        complete and valid, so an interrupted download never leaves a partial file that looks whole.

        Parameters
        ----------
        progress : called as ``progress(bytes_so_far, total_or_None)`` while downloading

        Returns
        -------
        Path of the cached file (read it in place; ``cache clear`` deletes it).
        """
        k = KINDS[kind]
        headers = self._headers(k)
        key_url = _public_url(url, None)
        body_path, meta_path = _cache_paths(self.settings, k.name, key_url)
        if not refresh:
            entry = _read_meta(meta_path, k.name)
            if entry is not None and entry.fresh():
                return entry.path
        body_path.parent.mkdir(parents=True, exist_ok=True)

        def once() -> tuple[bytes, str]:
            fd, tmp = tempfile.mkstemp(dir=body_path.parent, prefix=".download-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    ctype: str = self._stream_once(url, headers, k, key_url, fh, progress)
                os.replace(tmp, body_path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            return b"", ctype

        _, content_type = self._with_retries(k, key_url, once)
        _write_meta(meta_path, url=key_url, kind=k.name, size=body_path.stat().st_size, content_type=content_type)
        return body_path

    def _answer_began(self) -> None:
        """The server's answer has begun: log the request with the rate limiter now."""
        answered = getattr(self._tls, "answered", None)
        if answered is not None:
            answered()

    # the retry loop --------------------------------------------------------------------------
    def _with_retries(self, kind: Kind, url: str, attempt: Callable[[], tuple[bytes, str]]) -> tuple[bytes, str]:
        limiter = limiter_for(kind.service)
        reasons: list[str] = []
        for n in range(1, self.retry.attempts + 1):
            try:
                with limiter.slot() as answered:  # logged when the answer is in: spaced by when sent
                    self._tls.answered = answered
                    with self._count_lock:
                        self.requests_sent += 1
                    return attempt()
            except _Retryable as exc:
                reasons.append(exc.reason)
                if n == self.retry.attempts:
                    break
                delay = self.retry.backoff(n)
                if exc.retry_after is not None:
                    if exc.retry_after > self.retry.max_retry_after_s:
                        raise NetworkError(
                            f"{url}: the server asked us to wait {exc.retry_after:.0f} s "
                            f"({exc.reason}); not waiting that long.",
                            hint="Try again later; nothing was stored.",
                        ) from None
                    delay = max(delay, exc.retry_after)
                    limiter.pause(exc.retry_after)  # every thread honours the server's request
                self._sleep(delay)
        service = "SEC EDGAR" if kind.service == "sec" else "FRED"
        raise NetworkError(
            f"{service} did not answer usably after {len(reasons)} attempts: {url}\n"
            + "\n".join(f"  attempt {i}: {r}" for i, r in enumerate(reasons, 1)),
            hint="Check the connection (and CAPEXWATCH_SEC_BASE_URL / CAPEXWATCH_FRED_BASE_URL if set), "
            "then rerun; nothing was stored, and a rerun picks up where this left off.",
        )

    # one attempt -----------------------------------------------------------------------------
    def _get_once(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: dict[str, str],
        kind: Kind,
        shown_url: str,
    ) -> tuple[bytes, str]:
        try:
            resp = self._client.get(url, params=dict(params or {}), headers=headers)
        except httpx.TimeoutException:
            raise _Retryable(f"no answer within {self.retry.timeout_s:g} s (timeout)") from None
        except httpx.RemoteProtocolError as exc:
            # h11 raises this when the peer closes before Content-Length bytes arrived.
            raise _Retryable(f"connection broke mid-answer (truncated body: {exc})") from None
        except httpx.TransportError as exc:
            raise _transport_failure(exc, shown_url) from None
        except httpx.DecodingError as exc:
            # a gzip/deflate body that does not decompress: damaged in transit, worth another try
            raise _Retryable(f"compressed body could not be decoded ({exc})") from None
        except httpx.HTTPError as exc:  # redirect loops and the like: retrying will not help
            raise NetworkError(f"{shown_url}: {type(exc).__name__}: {exc}", hint=self._base_hint(kind)) from None
        self._check_status(resp, kind, shown_url)
        body = resp.content
        self._check_length(resp, len(body))
        ctype = resp.headers.get("content-type", "").lower()
        self._check_body(body, ctype, kind, shown_url)
        return body, ctype

    def _stream_once(
        self,
        url: str,
        headers: dict[str, str],
        kind: Kind,
        shown_url: str,
        fh: Any,
        progress: Callable[[int, int | None], None] | None,
    ) -> str:
        try:
            with self._client.stream("GET", url, headers=headers) as resp:
                self._answer_began()
                if resp.status_code != 200:
                    resp.read()
                    self._check_status(resp, kind, shown_url)
                total_hdr = resp.headers.get("content-length")
                total = int(total_hdr) if total_hdr and total_hdr.isdigit() else None
                ctype = str(resp.headers.get("content-type", "")).lower()
                got = 0
                head = b""
                encoded = bool(resp.headers.get("content-encoding"))
                for chunk in resp.iter_bytes(1 << 20):
                    if len(head) < 512:
                        head += chunk[: 512 - len(head)]
                    fh.write(chunk)
                    got += len(chunk)
                    if progress is not None:
                        progress(got, total)
        except httpx.TimeoutException:
            raise _Retryable(f"download stalled for {self.retry.timeout_s:g} s (timeout)") from None
        except httpx.RemoteProtocolError as exc:
            raise _Retryable(f"connection broke mid-download (truncated body: {exc})") from None
        except httpx.TransportError as exc:
            raise _transport_failure(exc, shown_url) from None
        except httpx.DecodingError as exc:
            raise _Retryable(f"compressed download could not be decoded ({exc})") from None
        except httpx.HTTPError as exc:
            raise NetworkError(f"{shown_url}: {type(exc).__name__}: {exc}", hint=self._base_hint(kind)) from None
        # With Content-Encoding the header counts compressed bytes; httpx checks those itself.
        if total is not None and not encoded and got != total:
            raise _Retryable(f"download cut short: {got} of {total} bytes")
        if _looks_html(head, ctype):
            self._raise_html(head, shown_url, kind)
        if kind.expect == "zip" and not head.startswith(b"PK"):
            raise NetworkError(
                f"{shown_url} did not return a zip file (content type {ctype or 'none'}).",
                hint="Check CAPEXWATCH_SEC_ARCHIVES_URL; the SEC serves companyfacts.zip under "
                "https://www.sec.gov/Archives/edgar/daily-index/xbrl.",
            )
        return ctype

    # validation ------------------------------------------------------------------------------
    def _check_status(self, resp: httpx.Response, kind: Kind, url: str) -> None:
        status = resp.status_code
        if status == 200:
            return
        if status in _RETRY_STATUSES:
            retry_after = _parse_retry_after(resp.headers.get("retry-after"))
            phrase = resp.reason_phrase or ""
            raise _Retryable(f"HTTP {status} {phrase}".strip(), retry_after)
        if status == 403 and kind.service == "sec":
            raise HttpStatusError(
                f"The SEC refused the request (403 Forbidden): {url}",
                status=status,
                url=url,
                hint="The SEC answers 403 when the User-Agent does not name a person or company with an "
                "email address, or after more than 10 requests a second. Set CAPEXWATCH_SEC_USER_AGENT="
                "'Your Name you@example.com'; if you were rate-limited, wait ten minutes.",
            )
        if status == 404:
            raise HttpStatusError(
                f"Not found (404): {url}",
                status=status,
                url=url,
                hint="The company, series or document does not exist there; check the CIK or series id "
                "(and the base URL settings, if you changed them).",
            )
        detail = ""
        if kind.service == "fred":
            with contextlib.suppress(ValueError):
                detail = str(json.loads(resp.content).get("error_message", ""))
        if not detail and _looks_html(resp.content, resp.headers.get("content-type", "")):
            detail = _html_title(resp.content)
        hint = None
        if kind.service == "fred" and status in (400, 401) and "api_key" in detail:
            hint = "Check FRED_API_KEY (or unset it to use FRED's keyless CSV download)."
        raise HttpStatusError(
            f"HTTP {status} from {url}" + (f": {detail}" if detail else ""),
            status=status,
            url=url,
            hint=hint,
        )

    @staticmethod
    def _check_length(resp: httpx.Response, got: int) -> None:
        declared = resp.headers.get("content-length")
        # With Content-Encoding the header counts compressed bytes; httpx already checked those.
        if declared and declared.isdigit() and not resp.headers.get("content-encoding") and got != int(declared):
            raise _Retryable(f"truncated body: {got} of {declared} bytes")

    def _check_body(self, body: bytes, ctype: str, kind: Kind, url: str) -> None:
        if kind.expect == "xbrl":
            _check_xbrl(body, url)
            return
        if _looks_html(body, ctype):
            self._raise_html(body, url, kind)
        if kind.expect == "json":
            if "json" not in ctype:
                raise NetworkError(
                    f"{url} answered with content type {ctype or 'none'!r}, not JSON.",
                    hint=self._base_hint(kind),
                )
            import msgspec

            try:
                # Decoding into Raw validates the syntax at memory speed without building objects.
                msgspec.json.decode(body, type=msgspec.Raw)
            except msgspec.DecodeError as exc:
                if "truncated" in str(exc):
                    raise _Retryable(f"incomplete JSON ({len(body)} bytes; the body was cut short)") from None
                raise NetworkError(
                    f"{url} returned malformed JSON ({exc}).",
                    hint="The server or a proxy in between sent something else; rerun later. " + self._base_hint(kind),
                ) from None
        elif kind.expect == "csv" and ctype and not any(t in ctype for t in ("csv", "text/plain", "octet")):
            raise NetworkError(f"{url} answered with content type {ctype!r}, not CSV.", hint=self._base_hint(kind))

    def _raise_html(self, body: bytes, url: str, kind: Kind) -> None:
        raise NetworkError(
            f"{url} returned an HTML page instead of data: {_html_title(body)!r}.",
            hint="A proxy, captive portal or maintenance page answered. " + self._base_hint(kind),
        )

    @staticmethod
    def _base_hint(kind: Kind) -> str:
        if kind.service == "sec":
            return "If you set CAPEXWATCH_SEC_BASE_URL or CAPEXWATCH_SEC_ARCHIVES_URL, check it."
        return "If you set CAPEXWATCH_FRED_BASE_URL or CAPEXWATCH_FRED_CSV_URL, check it."
