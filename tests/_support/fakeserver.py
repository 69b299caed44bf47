"""A real HTTP server on 127.0.0.1, in a thread, that replays recorded SEC and FRED answers.

Tests point capexwatch's base URLs (``CAPEXWATCH_SEC_BASE_URL`` and friends) at it, so the whole
client — sockets, HTTP/1.1 framing, timeouts, retries, the cache — runs for real without the
internet. Faults are injected per path prefix for a number of requests:

==================  ===========================================================================
``429``             429 Too Many Requests with ``Retry-After`` (seconds, ``retry_after=``)
``503``             503 Service Unavailable with an HTML body, like a load balancer's
``stall``           no answer for ``seconds=`` (past the client's timeout)
``stall-body``      headers and half the body, then silence for ``seconds=``
``truncate``        ``Content-Length`` of the whole body, half of it sent, connection closed
``truncate-json``   a consistent ``Content-Length`` for a JSON body cut in half
``reset``           the connection is closed without an answer
``bad-gzip``        ``Content-Encoding: gzip`` over bytes that do not decompress
``html``            200 with an HTML error page (``text/html``)
``content-type``    200 with the right body under the wrong content type (``content_type=``)
``invalid-json``    200 ``application/json`` whose body is not JSON
``403``             403 Forbidden (the SEC's answer to undeclared tools)
``404``             404 Not Found
==================  ===========================================================================

Like the real SEC, the server answers 403 to any request to an SEC path whose ``User-Agent`` is
missing or a library default (``python-httpx/...``, ``python-requests/...``). Every request is
recorded with its arrival time (``time.monotonic()``) so tests can check the rate limit.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["FakeServer", "Recorded", "fred_json_from_csv"]

SEC_403_PAGE = (
    b"<html><head><title>SEC.gov | Request Rate Threshold Exceeded</title></head><body>"
    b"<h1>Your Request Originates from an Undeclared Automated Tool</h1>"
    b"<p>To allow for equitable access to all users, SEC reserves the right to limit requests "
    b"originating from undeclared automated tools.</p></body></html>"
)
HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Service Temporarily Unavailable</title></head>"
    b"<body><h1>We'll be back soon</h1></body></html>"
)
FRED_BAD_KEY = json.dumps(
    {
        "error_code": 400,
        "error_message": "Bad Request.  The value for variable api_key is not registered.  "
        "Read https://fred.stlouisfed.org/docs/api/api_key.html for more information.",
    }
).encode()
GENERIC_UAS = ("python-httpx", "python-requests", "python-urllib", "curl/")


@dataclass
class Recorded:
    """One request as the server saw it."""

    t: float
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class Route:
    body: bytes
    content_type: str
    query: dict[str, str] = field(default_factory=dict)
    status: int = 200


@dataclass
class Fault:
    prefix: str
    kind: str
    remaining: int | None
    opts: dict[str, Any]


class FakeServer:
    """The loopback server. Use as a context manager, or :meth:`start` / :meth:`stop`.

    Parameters
    ----------
    sec_prefixes : paths that are "SEC" (User-Agent enforced); default every path not under /fred
        or /graph
    """

    def __init__(self) -> None:
        self.routes: dict[str, list[Route]] = {}
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []
        self.fred_api_key: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ---------------------------------------------------------------------------------
    def start(self) -> FakeServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes stalled handlers
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # configuration -----------------------------------------------------------------------------
    def add(
        self,
        path: str,
        body: bytes | str | Path,
        *,
        content_type: str = "application/json",
        query: dict[str, str] | None = None,
        status: int = 200,
    ) -> None:
        """Serve *body* (bytes, text or a file's contents) at *path* (optionally only for *query*)."""
        if isinstance(body, Path):
            body = body.read_bytes()
        elif isinstance(body, str):
            body = body.encode()
        self.routes.setdefault(path, []).append(Route(body, content_type, dict(query or {}), status))

    def fault(self, prefix: str, kind: str, *, times: int | None = 1, **opts: Any) -> None:
        """Inject *kind* (see the module table) for the next *times* requests under *prefix*."""
        with self._lock:
            self.faults.append(Fault(prefix, kind, times, opts))

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def count(self, prefix: str = "/") -> int:
        """Requests received under *prefix*."""
        with self._lock:
            return sum(1 for r in self.requests if r.path.startswith(prefix))

    def times(self, prefix: str = "/") -> list[float]:
        """Arrival times of the requests under *prefix*."""
        with self._lock:
            return [r.t for r in self.requests if r.path.startswith(prefix)]

    # internals ---------------------------------------------------------------------------------
    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if path.startswith(f.prefix) and (f.remaining is None or f.remaining > 0):
                    if f.remaining is not None:
                        f.remaining -= 1
                    return f
        return None

    def _route(self, path: str, query: dict[str, list[str]]) -> Route | None:
        for r in self.routes.get(path, []):
            if all(query.get(k, [None])[0] == v for k, v in r.query.items()):
                return r
        return None

    @staticmethod
    def is_sec(path: str) -> bool:
        return not path.startswith(("/fred", "/graph"))


class _Handler(BaseHTTPRequestHandler):
    owner: FakeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        srv = self.owner
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        rec = Recorded(time.monotonic(), "GET", path, query, {k.lower(): v for k, v in self.headers.items()})
        with srv._lock:
            srv.requests.append(rec)
        # the client may give up first (stall tests): nothing to do then
        with contextlib.suppress(TimeoutError, BrokenPipeError, ConnectionResetError):
            self._answer(srv, path, query, rec.headers)

    def _answer(self, srv: FakeServer, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> None:
        ua = headers.get("user-agent", "")
        if srv.is_sec(path) and (not ua or ua.lower().startswith(GENERIC_UAS)):
            return self._send(403, SEC_403_PAGE, "text/html")
        fault = srv._take_fault(path)
        route = srv._route(path, query)
        wrong_key = srv.fred_api_key is not None and query.get("api_key", [None])[0] != srv.fred_api_key
        if path.startswith("/fred/") and wrong_key:
            return self._send(400, FRED_BAD_KEY, "application/json")
        if fault is not None:
            return self._fault(srv, fault, route)
        if route is None:
            return self._send(404, b'{"error":"not found"}', "application/json")
        return self._send(route.status, route.body, route.content_type)

    def _fault(self, srv: FakeServer, f: Fault, route: Route | None) -> None:
        body = route.body if route else b'{"ok": true}'
        ctype = route.content_type if route else "application/json"
        k = f.kind
        if k == "429":
            return self._send(
                429, b"Too Many Requests", "text/plain", extra={"Retry-After": str(f.opts.get("retry_after", 1))}
            )
        if k == "503":
            return self._send(503, HTML_ERROR_PAGE, "text/html")
        if k == "403":
            return self._send(403, SEC_403_PAGE, "text/html")
        if k == "404":
            return self._send(404, b'{"error":"not found"}', "application/json")
        if k == "html":
            return self._send(200, HTML_ERROR_PAGE, "text/html; charset=utf-8")
        if k == "content-type":
            return self._send(200, body, f.opts.get("content_type", "text/plain"))
        if k == "invalid-json":
            return self._send(200, b'{"cik": 1045810, "facts": {oops, not json}}', "application/json")
        if k == "truncate-json":
            return self._send(200, body[: len(body) // 2], ctype)
        if k == "stall":
            srv._stop.wait(f.opts.get("seconds", 5.0))
            return self._send(200, body, ctype)
        if k == "stall-body":
            self._head(200, ctype, len(body))
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            srv._stop.wait(f.opts.get("seconds", 5.0))
            self.close_connection = True
            return None
        if k == "truncate":
            self._head(200, ctype, len(body))
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if k == "bad-gzip":
            return self._send(
                200, b"\x1f\x8b\x08\x00garbage-not-deflate" * 4, ctype, extra={"Content-Encoding": "gzip"}
            )
        if k == "reset":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        raise ValueError(f"unknown fault {k!r}")

    def _head(self, status: int, ctype: str, length: int, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
        self._head(status, ctype, len(body), extra)
        self.wfile.write(body)


# ------------------------------------------------------------------------------------------------
# FRED answers built from recorded fredgraph.csv files (same observations, JSON API shape)
# ------------------------------------------------------------------------------------------------


def fred_json_from_csv(csv_bytes: bytes) -> bytes:
    """The FRED ``series/observations`` JSON answer carrying the observations of a fredgraph CSV.

    The shape follows https://fred.stlouisfed.org/docs/api/fred/series_observations.html: a
    missing observation is ``"."``; values are the CSV's strings unchanged.
    """
    rows = list(csv.reader(io.StringIO(csv_bytes.decode())))
    obs = [
        {"realtime_start": "2026-08-03", "realtime_end": "2026-08-03", "date": d, "value": v if v else "."}
        for d, v in rows[1:]
    ]
    doc = {
        "realtime_start": "2026-08-03",
        "realtime_end": "2026-08-03",
        "observation_start": "1600-01-01",
        "observation_end": "9999-12-31",
        "units": "lin",
        "output_type": 1,
        "file_type": "json",
        "order_by": "observation_date",
        "sort_order": "asc",
        "count": len(obs),
        "offset": 0,
        "limit": 100000,
        "observations": obs,
    }
    return json.dumps(doc).encode()
