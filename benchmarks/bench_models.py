"""Monte Carlo models: path-steps per second, vectorised against per-path Python, and against memory.

    python benchmarks/bench_models.py [--paths 1000000] [--repeat 3] [--no-log]

For each model, in the same run:

* **vectorised**: the model function on pre-drawn parameter arrays (``--paths`` paths; a fifth of
  that for the quarterly models), called per work block of 65,536 paths as the engine does, best
  of ``--repeat``;
* **engine**: ``simulate()`` end to end in this process (drawing, the model, streaming statistics);
* **python loop**: the straightforward per-path implementation of the same model
  (``capexwatch.models._reference``) on a subset of the same draws, scaled per path;
* **floor**: the time to stream the model's inputs and outputs through main memory once, at the
  bandwidth measured here (``np.add`` over 128 MB arrays); "x floor" is the model's time over that
  (below 1 when the arrays stay in cache, as the small scalar models' do).

A path-step is one path for one quarter (one per path for scalar models). Goals (issue 5):
vectorised >= 50x the Python loop; 1M paths x 40 quarters of the cohort model in < 5 s on the
2-core machine (run below with 1 and 2 local workers). The figures are appended to
benchmarks/RESULTS.md unless ``--no-log``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from capexwatch.facts.periods import quarter_index
from capexwatch.models import _reference
from capexwatch.models._spec import year_groups
from capexwatch.models.engine import DEFAULT_BLOCK_SIZE, _context, _output_length, draw_parameters, simulate
from capexwatch.models.scenario import Scenario, load_scenario, parse_scenario

RESULTS = Path(__file__).with_name("RESULTS.md")

# illustrative inputs for the models without a preset (benchmark inputs, not published figures)
INLINE = {
    "sequoia (issue example)": """
        model: required_revenue.sequoia
        parameters:
          gpu_revenue_usd: 150e9
          tco_multiplier: 2
          gross_margin: {dist: uniform, low: 0.4, high: 0.6}
          ai_revenue_usd: 100e9
    """,
    "depreciation": """
        model: depreciation
        horizon_quarters: 28
        start_quarter: 2022Q1
        parameters:
          capex_usd: {quarters: [36e9, 37e9, 39e9, 39e9, 34e9, 33e9, 36e9, 43e9, 44e9, 52e9, 58e9, 70e9,
                                 72e9, 88e9, 97e9, 119e9, {dist: uniform, low: 158e9, high: 181e9}], extend: flat}
          reported_life_years: {dist: uniform, low: 5, high: 6}
          economic_life_years: {dist: uniform, low: 2, high: 3}
          short_lived_share: 0.667
        options: {window_years: [2026, 2028]}
    """,
    "efficiency": """
        model: efficiency
        horizon_quarters: 40
        parameters:
          capex_usd: {annual: [400e9, 680e9], extend: zero}
          installed_base_usd: 800e9
          useful_life_years: {dist: uniform, low: 3, high: 6}
          initial_utilisation: {dist: uniform, low: 0.9, high: 1.0}
          workload_growth_annual: {dist: normal, mean: 1.0, sd: 0.5, clip: [-0.5, 4], per: quarter}
          perf_per_usd_growth_annual: {dist: uniform, low: 0.3, high: 1.0}
          quantisation_rate_annual: {dist: uniform, low: 0, high: 0.3}
          jevons_elasticity: {dist: uniform, low: 0.5, high: 1.5}
    """,
    "valuation": """
        model: valuation
        parameters:
          market_value_usd: 1.77e12
          revenue_usd: 18.7e9
          revenue_growth_annual: {dist: uniform, low: 0.176, high: 0.283}
          fcf_margin: {dist: uniform, low: 0.2, high: 0.4}
          discount_rate: {dist: uniform, low: 0.08, high: 0.12}
          terminal_growth: {dist: uniform, low: 0.0, high: 0.03}
    """,
}
PRESETS = {"bain-2025": "bain-2025", "jpmorgan-2025": "jpmorgan-2025", "cohort (consensus-1t)": "consensus-1t"}


def best(f: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def bandwidth(repeat: int) -> float:
    """Bytes per second through memory: c = a + b over 128 MB arrays (3 streams), best of repeat."""
    n = 16 * 2**20
    a, b, c = np.random.rand(n), np.random.rand(n), np.empty(n)
    np.add(a, b, out=c)
    return 3 * 8 * n / best(lambda: np.add(a, b, out=c), repeat)


def scenario(label: str) -> Scenario:
    if label in PRESETS:
        return load_scenario(PRESETS[label])
    return parse_scenario(textwrap.dedent(INLINE[label]), filename=f"{label}.yaml", name=label)


def measure(label: str, paths: int, repeat: int, bw: float) -> dict[str, Any]:
    s = scenario(label)
    steps = s.horizon_quarters if s.model.time_series else 1
    n = paths if steps == 1 else max(4096, paths // 5)
    # drawn per stream block as the engine does, stacked
    blocks = [draw_parameters(s, 1, i, min(4096, n - 4096 * i)) for i in range((n + 4095) // 4096)]
    params = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    # the model as the engine calls it: one work block (DEFAULT_BLOCK_SIZE paths) at a time
    chunks = []
    for a in range(0, n, DEFAULT_BLOCK_SIZE):
        part = {k: v[a : a + DEFAULT_BLOCK_SIZE] for k, v in params.items()}
        chunks.append((part, _context(s, len(next(iter(part.values()))))))
    t_vec = best(lambda: [s.model.func(part, ctx) for part, ctx in chunks], repeat)
    simulate(s, paths=4096, seed=1)  # warm-up: first-use imports and caches are not the engine's speed
    t_engine = best(lambda: simulate(s, paths=n, seed=1), repeat)

    ref = _reference.REFERENCE[s.model.name]
    starts = year_groups(s.horizon_quarters, s.start_quarter)[1]
    kw: dict[str, Any] = {}
    if s.model.name in ("required_revenue.cohort", "depreciation"):
        kw["lag"] = s.options["in_service_lag_quarters"]
    if s.model.name == "depreciation" and s.options.get("window_years"):
        q0 = quarter_index(s.start_quarter or "2000Q1")
        lo, hi = s.options["window_years"]
        kw["window"] = [t for t in range(s.horizon_quarters) if lo <= (q0 + t) // 4 <= hi]
    if s.model.name == "valuation":
        kw["explicit_years"] = s.options["explicit_years"]
    m = 20_000 if steps == 1 else 300
    rows = [{k: (float(v[i]) if v.ndim == 1 else v[i].tolist()) for k, v in params.items()} for i in range(m)]
    t0 = time.perf_counter()
    for r in rows:
        ref(r, s.horizon_quarters, starts, **kw)
    t_loop = (time.perf_counter() - t0) * n / m

    active = s.model.active_outputs(s.present, s.options)
    width_in = sum(s.horizon_quarters if s.model.param(k).shape == "quarterly" else 1 for k in params)
    width_out = sum(_output_length(o, s) for o in active)
    floor = n * (width_in + width_out) * 8 / bw
    return {
        "model": label,
        "paths": n,
        "steps": steps,
        "vec_rate": n * steps / t_vec,
        "engine_rate": n * steps / t_engine,
        "loop_rate": n * steps / t_loop,
        "x_loop": t_loop / t_vec,
        "engine_x_loop": t_loop / t_engine,
        "x_floor": t_vec / floor,
    }


def cohort_1m(paths: int, workers: int) -> tuple[float, float]:
    """Wall seconds and CPU seconds (this process and its worker processes) of one engine run."""
    s = load_scenario("consensus-1t")
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    simulate(s, paths=paths, seed=1, workers=workers)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before, strict=True))
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-log", action="store_true")
    args = ap.parse_args()

    load_before = os.getloadavg()
    bw = bandwidth(args.repeat)
    results = [measure(label, args.paths, args.repeat, bw) for label in [*INLINE, *PRESETS]]
    cohort = {w: min(cohort_1m(args.paths, w) for _ in range(2)) for w in (1, 2)}  # best wall of 2
    load_after = os.getloadavg()

    head = (
        f"{'model':26} {'paths':>9} {'steps':>5} {'vectorised':>12} {'engine':>12} {'python loop':>12}"
        f" {'x loop':>8} {'engine x':>9} {'x floor':>8}"
    )
    lines = [head]
    for r in results:
        lines.append(
            f"{r['model']:26} {r['paths']:>9,} {r['steps']:>5} {r['vec_rate']:>12.3g} {r['engine_rate']:>12.3g}"
            f" {r['loop_rate']:>12.3g} {r['x_loop']:>8.0f} {r['engine_x_loop']:>9.0f} {r['x_floor']:>8.1f}"
        )
    lines.append("")
    lines.append(f"memory bandwidth (np.add, 3 x 128 MB): {bw / 1e9:.1f} GB/s")
    for w, (t, cpu) in cohort.items():
        rate = args.paths * 40 / t
        lines.append(
            f"cohort (consensus-1t) {args.paths:,} paths x 40 quarters, engine, {w} worker(s): {t:.2f} s wall,"
            f" {cpu:.2f} s CPU ({rate:.3g} path-steps/s)"
        )
    lines.append(f"load average before / after: {load_before[0]:.2f} / {load_after[0]:.2f} ({os.cpu_count()} cores)")
    table = "\n".join(lines)
    print(table)
    if args.no_log:
        return
    stamp = dt.date.today().isoformat()
    section = (
        "\n## Monte Carlo models (`benchmarks/bench_models.py`, issue 5)\n\n"
        f"{stamp}, {os.cpu_count()}-core machine, Python {platform.python_version()}, NumPy {np.__version__}, "
        f"--paths {args.paths:,} --repeat {args.repeat}.\n\n```\n{table}\n```\n"
    )
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    RESULTS.write_text(text.rstrip("\n") + "\n" + section, encoding="utf-8")
    print(f"\nappended to {RESULTS}")


if __name__ == "__main__":
    main()
