"""Load test of `capexwatch serve`: concurrent API clients on loopback, errors and latency per endpoint.

Starts the real server (``python -m capexwatch.cli serve --port 0``, loopback only) on a fresh store
loaded with the bundled snapshot (or ``--store PATH``), asks each endpoint once (the cold answers:
each key's first read computes, later reads of an unchanged store come from the memo), then runs
``--clients`` concurrent clients (httpx, asyncio) for ``--seconds``, each looping over a mix of
endpoints, and prints per endpoint: requests, errors (non-2xx or transport), p50, p95 and max in ms,
with the cold latency and the ratio p95 / goal (100 ms for quarters and signals).

Bounded by design: loopback only, a fixed duration, a fixed client count. Usage::

    .venv/bin/python benchmarks/bench_web.py [--clients 50] [--seconds 30] [--log]
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
from pathlib import Path

import httpx

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


def _start(store: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "CAPEXWATCH_DB": str(store)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "capexwatch.cli", "serve", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "serving" not in line:
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, line.split("serving ", 1)[1].split(" ", 1)[0].rstrip("/")


async def _client(
    c: httpx.AsyncClient, until: float, k: int, out: dict[str, list[float]], errs: dict[str, int]
) -> None:
    i = k
    while time.perf_counter() < until:
        name, path = ENDPOINTS[i % len(ENDPOINTS)]
        i += 1
        t0 = time.perf_counter()
        try:
            r = await c.get(path)
            ok = r.status_code < 400 or (name == "404" and r.status_code == 404)
        except httpx.HTTPError:
            ok = False
        out.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
        if not ok:
            errs[name] = errs.get(name, 0) + 1


async def _load(base: str, clients: int, seconds: float) -> tuple[dict[str, list[float]], dict[str, int], float]:
    out: dict[str, list[float]] = {}
    errs: dict[str, int] = {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as c:
        t0 = time.perf_counter()
        until = t0 + seconds
        await asyncio.gather(*(_client(c, until, k, out, errs) for k in range(clients)))
        return out, errs, time.perf_counter() - t0


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--store", type=Path, help="an existing store (default: a fresh one from the snapshot)")
    ap.add_argument("--log", action="store_true", help="append the table to benchmarks/RESULTS.md")
    a = ap.parse_args()
    if a.clients > 200 or a.seconds > 120:
        raise SystemExit("bounded: at most 200 clients for 120 s")
    store = a.store
    if store is None:
        import capexwatch

        store = Path(tempfile.mkdtemp(prefix="cw-bench-web-")) / "capexwatch.duckdb"
        capexwatch.open(store).close()
    proc, base = _start(store)
    try:
        cold: dict[str, float] = {}
        with httpx.Client(base_url=base, timeout=120) as c:
            for name, path in ENDPOINTS:
                t0 = time.perf_counter()
                c.get(path)
                cold[name] = max(cold.get(name, 0.0), (time.perf_counter() - t0) * 1000)
        out, errs, wall = asyncio.run(_load(base, a.clients, a.seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    load = os.getloadavg()
    lines = [
        f"{a.clients} concurrent clients for {a.seconds:.0f} s on {base} (loopback); "
        f"{sum(map(len, out.values()))} requests in {wall:.1f} s; load average before/after ~{load[0]:.1f}",
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
    table = "\n".join(lines)
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
