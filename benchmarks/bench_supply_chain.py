"""Double-ordering supply chain: vectorised kernel against the per-path reference, end to end, calibration.

    python benchmarks/bench_supply_chain.py [--paths 100000] [--periods 200] [--stages 4] [--no-log]

* **kernel**: ``supply_chain.double_ordering`` on pre-drawn parameters, one work block of 65,536
  paths at a time as the engine calls it (best of ``--repeat``), scaled to ``--paths``;
* **engine**: ``simulate()`` end to end (drawing, kernel, streaming statistics of 14 series of
  ``--periods`` values and 14 scalars), with 1 and 2 local workers;
* **reference**: the plain per-path version (``_reference_supply_chain``) on 20 of the same paths,
  scaled per path;
* **calibration**: ``calibrate(chips-2021)`` (SciPy Nelder-Mead, 8 starts).

Goals (issue 8): 100,000 paths x 200 weekly periods x 4 stages under 5 s on 2 cores; kernel >= 50x
the reference; calibration under 60 s. Appended to benchmarks/RESULTS.md unless ``--no-log``.
The scenario has rationing, gaming, capacity response and write-downs on (every mechanism runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import textwrap
import time
from pathlib import Path

import numpy as np

from capexwatch.models import _reference_supply_chain as ref
from capexwatch.models.calibration import calibrate
from capexwatch.models.engine import DEFAULT_BLOCK_SIZE, _context, draw_parameters, simulate
from capexwatch.models.scenario import load_scenario, parse_scenario

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


def best(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--periods", type=int, default=200)
    ap.add_argument("--stages", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--block-size", type=int, default=16_384, help="engine work block (memory bound)")
    ap.add_argument("--no-log", action="store_true")
    a = ap.parse_args()
    s = parse_scenario(SCENARIO.format(periods=a.periods, stages=a.stages), filename="bench.yaml")

    block = min(DEFAULT_BLOCK_SIZE, a.paths)
    params = draw_parameters(s, 8, 0, 4096)
    params = {k: np.concatenate([v] * (block // 4096 or 1))[:block] for k, v in params.items()}
    n = next(iter(params.values())).shape[0]
    kernel_block = best(lambda: s.model.func(params, _context(s, n)), a.repeat)
    kernel = kernel_block * a.paths / n

    n_ref = 20
    one = [
        {k: (float(v[i]) if v.ndim == 1 else [float(x) for x in v[i]]) for k, v in params.items()} for i in range(n_ref)
    ]
    t0 = time.perf_counter()
    for p in one:
        ref.double_ordering(p, s.horizon_quarters, s.options)
    reference = (time.perf_counter() - t0) / n_ref * a.paths

    engine1 = best(lambda: simulate(s, paths=a.paths, block_size=a.block_size), 1)
    engine2 = best(lambda: simulate(s, paths=a.paths, block_size=a.block_size, workers=2), 1)
    cal = calibrate(load_scenario("chips-2021"))

    rows = [
        ("kernel (1 core, scaled from 65,536 paths)", kernel, ""),
        (
            "per-path reference (scaled from 20 paths)",
            reference,
            f"kernel {reference / kernel:,.0f}x faster (goal 50x)",
        ),
        ("simulate(), 1 worker", engine1, ""),
        ("simulate(), 2 workers", engine2, "goal < 5 s" + (" (met)" if engine2 < 5 else " (not met)")),
        ("calibrate chips-2021", cal.elapsed_s, f"{cal.evaluations} evaluations; goal < 60 s"),
    ]
    load = os.getloadavg()[0]
    head = f"{a.paths:,} paths x {a.periods} weekly periods x {a.stages} stages, block {a.block_size:,}"
    table = [f"| {name} | {sec:.2f} | {note} |" for name, sec, note in rows]
    text = "\n".join([head, "| step | seconds | note |", "|---|---|---|", *table, f"(load average {load:.1f})"])
    print(text)
    if not a.no_log:
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(f"\n## bench_supply_chain.py ({stamp})\n\n" + textwrap.dedent(text) + "\n")


if __name__ == "__main__":
    main()
