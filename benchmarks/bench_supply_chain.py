"""Double-ordering supply chain: NumPy and compiled kernels against the per-path reference, end to end,
worker start-up, calibration.

    python benchmarks/bench_supply_chain.py [--paths 100000] [--periods 200] [--stages 4] [--no-log]
        [--skip-numpy] [--skip-calibration]

* **kernel, NumPy**: ``supply_chain.double_ordering`` with ``CAPEXWATCH_JIT=0`` on pre-drawn
  parameters, one block of ``--kernel-block`` paths (best of ``--repeat``), scaled to ``--paths``;
* **kernel, compiled**: the same with the Numba kernel (the ``fast`` extra), steady state; its
  first call is shown apart, in fresh processes: with an empty cache (compilation) and with the
  cache this run left (what every later process pays: Numba's start-up and the cached code);
* **engine**: ``simulate()`` end to end (drawing, kernel, statistics of 14 series of ``--periods``
  values and 14 scalars), 1 and 2 local workers, compiled kernels on (best of ``--repeat``);
* **worker start-up**: a fresh interpreter importing the engine, NumPy and Numba and loading the
  cached kernels (what a ``spawn``/``forkserver`` worker pays; ``fork``, the engine's choice in a
  single-threaded process, inherits them from the parent);
* **reference**: the plain per-path version (``_reference_supply_chain``) on 20 of the same paths,
  scaled per path, against both kernels;
* **calibration**: ``calibrate(chips-2021)`` (SciPy Nelder-Mead, 8 starts).

Goals (issue 8): 100,000 paths x 200 weekly periods x 4 stages under 5 s on 2 cores; kernel >= 50x
the reference; calibration under 60 s. Appended to benchmarks/RESULTS.md unless ``--no-log``.
The scenario has rationing, gaming, capacity response and write-downs on (every mechanism runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from capexwatch.models import _jit
from capexwatch.models import _reference_supply_chain as ref
from capexwatch.models.calibration import calibrate
from capexwatch.models.engine import _context, draw_parameters, simulate
from capexwatch.models.scenario import Scenario, load_scenario, parse_scenario

RESULTS = Path(__file__).with_name("RESULTS.md")

# benchmark inputs (illustrative, not published figures): every mechanism switched on
SCENARIO = """
model: supply_chain.double_ordering
period: week
horizon_periods: {periods}
seed: 8
parameters:
  stages: {stages}
  forecast_periods: 5
  lead_time: 2
  demand_mean: 100
  demand_sd: 10
  rationing: true
  capacity_ratio: {{dist: uniform, low: 0.8, high: 1.1}}
  inflation_cap: {{dist: uniform, low: 1, high: 2}}
  cancellation_rate: {{dist: uniform, low: 0.2, high: 1}}
  capacity_gain: 0.3
  capacity_build_lag_periods: 20.5
  generation_periods: 52
"""

# a fresh process: the first compiled call of each kernel (compilation with an empty cache, else a
# cache load), after timing the imports a spawned worker needs
FIRST_CALL = """
import time
t0 = time.perf_counter()
import numpy as np
from capexwatch.models import _stats, engine
import numba
t1 = time.perf_counter()
x = np.ones((8, 16))
_stats.summarise(x, [8], _stats.make_grid(x, _stats.K_SERIES))
from capexwatch.models.scenario import parse_scenario
s = parse_scenario({text!r}, filename="bench.yaml")
s.model.func(engine.draw_parameters(s, 1, 0, 8), engine._context(s, 8))
print(t1 - t0, time.perf_counter() - t1)
"""


def best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def with_jit(on: bool, fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` run with compiled kernels switched on or off (CAPEXWATCH_JIT)."""

    def run() -> Any:
        old = os.environ.get("CAPEXWATCH_JIT")
        os.environ["CAPEXWATCH_JIT"] = "1" if on else "0"
        try:
            return fn()
        finally:
            if old is None:
                os.environ.pop("CAPEXWATCH_JIT")
            else:
                os.environ["CAPEXWATCH_JIT"] = old

    return run


def first_calls(text: str, cache_dir: str | None) -> tuple[float, float]:
    """(imports, first kernel calls) seconds in a fresh interpreter; ``cache_dir`` empty: compile."""
    env = dict(os.environ, CAPEXWATCH_JIT="1")
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    out = subprocess.run(
        [sys.executable, "-c", FIRST_CALL.format(text=text)], env=env, capture_output=True, text=True, check=True
    )
    imports, calls = (float(v) for v in out.stdout.split())
    return imports, calls


def block_params(s: Scenario, block: int) -> dict[str, np.ndarray]:
    params = draw_parameters(s, 8, 0, 4096)
    return {k: np.concatenate([v] * (block // 4096 or 1))[:block] for k, v in params.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--periods", type=int, default=200)
    ap.add_argument("--stages", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=2, help="best of this many timings per step")
    ap.add_argument("--kernel-block", type=int, default=16_384, help="paths per timed kernel call")
    ap.add_argument("--block-size", type=int, default=16_384, help="engine work block (memory bound)")
    ap.add_argument("--skip-numpy", action="store_true", help="leave out the NumPy kernel (slow)")
    ap.add_argument("--skip-calibration", action="store_true")
    ap.add_argument("--no-log", action="store_true")
    a = ap.parse_args()
    if not _jit.available():
        sys.exit("the compiled kernel needs Numba: pip install 'capexwatch[fast]'")
    text = SCENARIO.format(periods=a.periods, stages=a.stages)
    s = parse_scenario(text, filename="bench.yaml")
    load0 = os.getloadavg()[0]

    params = block_params(s, a.kernel_block)
    n = next(iter(params.values())).shape[0]
    scale = a.paths / n

    def kernel() -> Any:
        return s.model.func(params, _context(s, n))

    with tempfile.TemporaryDirectory() as empty:
        imports, compile_s = first_calls(text, empty)
    first_calls(text, None)  # fills the default cache if this installation has none yet
    _, cached_s = first_calls(text, None)
    with_jit(True, lambda: s.model.func(block_params(s, 8), _context(s, 8)))()  # this process: load
    compiled = best(with_jit(True, kernel), a.repeat) * scale
    numpy_k = None if a.skip_numpy else best(with_jit(False, kernel), a.repeat) * scale

    n_ref = 20
    one = [
        {k: (float(v[i]) if v.ndim == 1 else [float(x) for x in v[i]]) for k, v in params.items()} for i in range(n_ref)
    ]
    t0 = time.perf_counter()
    for p in one:
        ref.double_ordering(p, s.horizon_quarters, s.options)
    reference = (time.perf_counter() - t0) / n_ref * a.paths

    engine1 = best(with_jit(True, lambda: simulate(s, paths=a.paths, block_size=a.block_size)), a.repeat)
    engine2 = best(with_jit(True, lambda: simulate(s, paths=a.paths, block_size=a.block_size, workers=2)), a.repeat)
    cal = None if a.skip_calibration else with_jit(True, lambda: calibrate(load_scenario("chips-2021")))()

    rows: list[tuple[str, float, str]] = []
    if numpy_k is not None:
        rows.append((f"kernel, NumPy (1 core, scaled from {n:,} paths)", numpy_k, ""))
    rows += [
        (f"kernel, compiled (1 core, scaled from {n:,} paths)", compiled, ""),
        ("  first call, empty cache (compilation)", compile_s, "once per installation"),
        ("  first call, cached (Numba start-up + load)", cached_s, "once per process"),
        ("worker start-up: imports (engine, NumPy, Numba)", imports, "spawn/forkserver only; fork inherits"),
        (
            "per-path reference (scaled from 20 paths)",
            reference,
            f"compiled kernel {reference / compiled:,.0f}x faster (goal 50x)"
            + ("" if numpy_k is None else f"; NumPy kernel {reference / numpy_k:,.0f}x"),
        ),
        ("simulate(), 1 worker", engine1, ""),
        ("simulate(), 2 workers", engine2, "goal < 5 s" + (" (met)" if engine2 < 5 else " (not met)")),
    ]
    if cal is not None:
        rows.append(("calibrate chips-2021", cal.elapsed_s, f"{cal.evaluations} evaluations; goal < 60 s"))
    load1 = os.getloadavg()[0]
    head = f"{a.paths:,} paths x {a.periods} weekly periods x {a.stages} stages, block {a.block_size:,}"
    table = [f"| {name} | {sec:.2f} | {note} |" for name, sec, note in rows]
    loads = f"(load average {load0:.1f} at the start, {load1:.1f} at the end; {os.cpu_count()} CPUs)"
    text_out = "\n".join([head, "| step | seconds | note |", "|---|---|---|", *table, loads])
    print(text_out)
    if not a.no_log:
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(f"\n## bench_supply_chain.py ({stamp})\n\n" + textwrap.dedent(text_out) + "\n")


if __name__ == "__main__":
    main()
