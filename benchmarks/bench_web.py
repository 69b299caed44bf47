"""Load test of `capexwatch serve`: concurrent API clients on loopback, errors and latency per endpoint.

Starts the real server (``python -m capexwatch.cli serve --port 0 [--workers N]``, loopback only) on
a fresh store loaded with the bundled snapshot (or ``--store PATH``), asks each endpoint once (the
cold answers: each key's first read computes, later reads of an unchanged store come from the
memo), then runs ``--clients`` concurrent clients for ``--seconds``, each on its own keep-alive
connection looping over a mix of endpoints, and prints per endpoint: requests, errors (an
unexpected status, a short body or a transport error), p50, p95 and max in ms, with the cold
latency and the ratio p95 / goal (100 ms for quarters and signals).

The clients share one process with one event loop, on the same machine as the server, so what a
client spends per request is added to every other client's latency. ``--client lean`` (default)
writes each GET as bytes on a keep-alive socket and reads the status line, headers and the
``Content-Length`` body (about 0.15 ms of CPU per request here); ``--client httpx`` uses
``httpx.AsyncClient`` (about 8 ms of CPU per request here: with 50 clients the generator, not the
server, is then what is measured). The last lines say the CPU seconds per request of the server
(its processes, from ``/proc``) and of the load generator, and the load average before and after.

Bounded by design: loopback only, a fixed duration, a fixed client count. Usage::

    .venv/bin/python benchmarks/bench_web.py [--clients 50] [--seconds 30] [--workers 1]
        [--client lean|httpx] [--log]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

GOAL_MS = 100.0
ENDPOINTS: list[tuple[str, str]] = [
    ("quarters", "/api/v1/quarters?ticker=GOOGL&metric=capex"),
    ("quarters", "/api/v1/quarters?ticker=MSFT&metric=capex&view=first-filed&as_of=2024-06-30"),
    ("quarters", "/api/v1/quarters?ticker=NVDA&metric=data_center_revenue"),
    ("quarters", "/api/v1/quarters?ticker=AMZN&metric=cloud_revenue&source=curated"),
    ("signals", "/api/v1/signals"),
    ("signals", "/api/v1/signals?as_of=2024-06-30"),
    ("signal", "/api/v1/signal/roi_gap"),
    ("universe", "/api/v1/universe"),
    ("metrics", "/api/v1/metrics"),
    ("scenarios", "/api/v1/scenarios"),
    ("info", "/api/v1/info"),
    ("runs", "/api/v1/runs"),
    ("404", "/api/v1/quarters?ticker=NOPE&metric=capex"),
]

Samples = dict[str, list[float]]
Errors = dict[str, int]


def _start(store: Path, workers: int) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "CAPEXWATCH_DB": str(store)}
    cmd = [sys.executable, "-m", "capexwatch.cli", "serve", "--host", "127.0.0.1", "--port", "0"]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "serving" not in line:
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, line.split("serving ", 1)[1].split(" ", 1)[0].rstrip("/")


def _ok(name: str, status: int) -> bool:
    return status < 400 or (name == "404" and status == 404)


def _record(out: Samples, errs: Errors, name: str, t0: float, ok: bool) -> None:
    out.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
    if not ok:
        errs[name] = errs.get(name, 0) + 1


# --------------------------------------------------------------------------- the lean client


async def _read_response(reader: asyncio.StreamReader) -> int:
    """The status of one HTTP/1.1 response, its ``Content-Length`` body read whole."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise ValueError("no Content-Length")
    await reader.readexactly(length)
    return status


async def _lean_client(base: str, until: float, k: int, out: Samples, errs: Errors) -> None:
    url = urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    requests = [(n, f"GET {p} HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode()) for n, p in ENDPOINTS]
    reader, writer = await asyncio.open_connection(host, port)
    i = k
    while time.perf_counter() < until:
        name, request = requests[i % len(requests)]
        i += 1
        t0 = time.perf_counter()
        try:
            writer.write(request)
            ok = _ok(name, await _read_response(reader))
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            ok = False
            writer.close()
            reader, writer = await asyncio.open_connection(host, port)
        _record(out, errs, name, t0, ok)
    writer.close()


async def _lean(base: str, clients: int, until: float, out: Samples, errs: Errors) -> None:
    await asyncio.gather(*(_lean_client(base, until, k, out, errs) for k in range(clients)))


# --------------------------------------------------------------------------- httpx


async def _httpx(base: str, clients: int, until: float, out: Samples, errs: Errors) -> None:
    import httpx

    async def client(c: httpx.AsyncClient, k: int) -> None:
        i = k
        while time.perf_counter() < until:
            name, path = ENDPOINTS[i % len(ENDPOINTS)]
            i += 1
            t0 = time.perf_counter()
            try:
                ok = _ok(name, (await c.get(path)).status_code)
            except httpx.HTTPError:
                ok = False
            _record(out, errs, name, t0, ok)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as c:
        await asyncio.gather(*(client(c, k) for k in range(clients)))


CLIENTS: dict[str, Callable[[str, int, float, Samples, Errors], Awaitable[None]]] = {"lean": _lean, "httpx": _httpx}


async def _load(base: str, clients: int, seconds: float, kind: str) -> tuple[Samples, Errors, float]:
    out: Samples = {}
    errs: Errors = {}
    t0 = time.perf_counter()
    await CLIENTS[kind](base, clients, t0 + seconds, out, errs)
    return out, errs, time.perf_counter() - t0


# --------------------------------------------------------------------------- measuring


def _tree_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) of *pid* and its descendants (Linux ``/proc``; None elsewhere)."""
    try:
        parents: dict[int, int] = {}
        ticks: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parents[int(entry)] = int(fields[1])
                ticks[int(entry)] = int(fields[11]) + int(fields[12])
    except OSError:
        return None
    tree, grew = {pid}, True
    while grew:
        more = {p for p, pp in parents.items() if pp in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(ticks.get(p, 0) for p in tree) / os.sysconf("SC_CLK_TCK")


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def _cold(base: str) -> dict[str, float]:
    import httpx

    cold: dict[str, float] = {}
    with httpx.Client(base_url=base, timeout=120) as c:
        for name, path in ENDPOINTS:
            t0 = time.perf_counter()
            c.get(path)
            cold[name] = max(cold.get(name, 0.0), (time.perf_counter() - t0) * 1000)
    return cold


def _table(a: argparse.Namespace, base: str, out: Samples, errs: Errors, cold: dict[str, float], **m: float) -> str:
    n = sum(map(len, out.values()))
    lines = [
        f"{a.clients} concurrent clients ({a.client}) for {a.seconds:.0f} s on {base} (loopback), serve --workers "
        f"{a.workers}; {n} requests in {m['wall']:.1f} s ({n / m['wall']:.0f}/s); "
        f"load average before {m['load0']:.1f}, after {m['load1']:.1f}",
        f"{'endpoint':<10} {'requests':>8} {'errors':>6} {'cold ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f" {'p95/goal':>8}",
    ]
    for name in dict.fromkeys(n for n, _ in ENDPOINTS):
        v = out.get(name, [0.0])
        ratio = f"{_p(v, 95) / GOAL_MS:8.2f}" if name in ("quarters", "signals") else f"{'':>8}"
        lines.append(
            f"{name:<10} {len(v):>8} {errs.get(name, 0):>6} {cold.get(name, 0):>8.0f} {_p(v, 50):>8.1f}"
            f" {_p(v, 95):>8.1f} {max(v):>8.1f} {ratio}"
        )
    server = f"{m['server_cpu'] / n * 1000:.2f} ms" if m["server_cpu"] >= 0 else "n/a"
    lines.append(
        f"CPU per request: server {server}, load generator {m['client_cpu'] / n * 1000:.2f} ms "
        f"(same machine, {os.cpu_count()} cores)"
    )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=1, help="serve --workers")
    ap.add_argument("--client", choices=sorted(CLIENTS), default="lean", help="the load generator (see above)")
    ap.add_argument("--store", type=Path, help="an existing store (default: a fresh one from the snapshot)")
    ap.add_argument("--log", action="store_true", help="append the table to benchmarks/RESULTS.md")
    a = ap.parse_args()
    if a.clients > 200 or a.seconds > 120 or a.workers > 8:
        raise SystemExit("bounded: at most 200 clients for 120 s, 8 workers")
    store, scratch = a.store, None
    if store is None:
        import capexwatch

        scratch = tempfile.TemporaryDirectory(prefix="cw-bench-web-")
        store = Path(scratch.name) / "capexwatch.duckdb"
        capexwatch.open(store).close()
    proc, base = _start(store, a.workers)
    try:
        cold = _cold(base)
        load0 = os.getloadavg()[0]
        cpu0, client0 = _tree_cpu_s(proc.pid), time.process_time()
        out, errs, wall = asyncio.run(_load(base, a.clients, a.seconds, a.client))
        cpu1, client1 = _tree_cpu_s(proc.pid), time.process_time()
        load1 = os.getloadavg()[0]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if scratch is not None:
            scratch.cleanup()
    server_cpu = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else -1.0
    measured = {"wall": wall, "load0": load0, "load1": load1, "server_cpu": server_cpu, "client_cpu": client1 - client0}
    table = _table(a, base, out, errs, cold, **measured)
    print(table)
    if a.log:
        head = (
            f"\n## bench_web.py ({dt.datetime.now():%Y-%m-%d %H:%M}, issue 11: `capexwatch serve` API under load)\n\n"
            f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores shared with other "
            "work; the server and the clients on the same machine.\n\n"
        )
        with (Path(__file__).parent / "RESULTS.md").open("a", encoding="utf-8") as f:
            f.write(head + "```\n" + table + "\n```\n")


if __name__ == "__main__":
    main()
