"""Shared measurements for the benchmarks of models with a compiled kernel (bench_credit.py,
bench_contagion.py): the kernel with CAPEXWATCH_JIT=0 and 1, Numba's compile time in a fresh
process (empty cache, then cached), and where ``simulate()`` spends its time.

Run from the repository root; not a test (nothing here asserts).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

from capexwatch.models import engine


@contextlib.contextmanager
def jit(on: bool) -> Iterator[None]:
    """CAPEXWATCH_JIT set to 1 or 0 for the duration (the models read it per call)."""
    old = os.environ.get("CAPEXWATCH_JIT")
    os.environ["CAPEXWATCH_JIT"] = "1" if on else "0"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("CAPEXWATCH_JIT", None)
        else:
            os.environ["CAPEXWATCH_JIT"] = old


def best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Fastest of *repeat* runs: (wall-clock seconds, this process's CPU seconds). On a shared
    machine the CPU seconds of an in-process run are the steadier measure of the work."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


_FIRST_CALL = """
import time, sys
sys.path.insert(0, "benchmarks")
t0 = time.perf_counter()
{setup}
t1 = time.perf_counter()
{call}
print(time.perf_counter() - t1)
"""


def compile_times(setup: str, call: str) -> tuple[float, float]:
    """Seconds of the first model call in a fresh process: with an empty Numba cache (compiles),
    then again with the cache that run left (loads). *setup* builds a few paths' inputs; *call*
    runs the model once on them."""
    code = _FIRST_CALL.format(setup=setup, call=call)
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "CAPEXWATCH_JIT": "1"}
        runs = [
            float(
                subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
            )
            for _ in range(2)
        ]
    return runs[0], runs[1]


def engine_breakdown(run: Callable[[], Any]) -> dict[str, float]:
    """CPU seconds of one in-process ``simulate()``: drawing the parameters, the model, and the
    rest (the engine's statistics: moments, histograms, percentiles, merging); and its wall time."""
    spent = {"draw": 0.0, "model": 0.0}
    originals = engine._chunk_parameters, engine._run_model

    def timed(key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            c0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.process_time() - c0

        return wrapper

    engine._chunk_parameters = timed("draw", originals[0])  # type: ignore[assignment]
    engine._run_model = timed("model", originals[1])  # type: ignore[assignment]
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        engine._chunk_parameters, engine._run_model = originals  # type: ignore[assignment]
    return {**spent, "statistics": cpu - spent["draw"] - spent["model"], "cpu": cpu, "total": wall}


def table(times: dict[str, tuple[float, float | None]], steps: int, baseline: float) -> list[str]:
    """Markdown rows: wall s, CPU s (in-process runs), path-quarters per wall second, and the
    ratio of *baseline* (the per-path reference, CPU s) to each run's CPU s (wall where no CPU)."""
    rows = ["| what | wall s | CPU s | path-quarters/s (wall) | vs python (CPU) |", "|---|---|---|---|---|"]
    for name, (wall, cpu) in times.items():
        cpu_text = "—" if cpu is None else f"{cpu:.3f}"
        rows.append(f"| {name} | {wall:.3f} | {cpu_text} | {steps / wall:,.0f} | {baseline / (cpu or wall):.0f}x |")
    return rows


def load_line() -> str:
    """The machine's load average (the benchmarks share a 2-core machine with other work)."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"
