"""credit.gpu_collateral: 1M paths x 24 quarters; compiled and NumPy kernels against the per-path reference.

    python benchmarks/bench_credit.py [--paths 1000000] [--repeat 3] [--no-log]

Run from the repository root.

* **kernel, compiled / NumPy**: the model function on pre-drawn parameter arrays, called per work
  block of 65,536 paths as the engine does (best of ``--repeat``), with CAPEXWATCH_JIT=1 (Numba,
  the ``fast`` extra) and CAPEXWATCH_JIT=0;
* **compile**: the first call in a fresh process with an empty Numba cache (compiles) and with the
  cache that run left (loads);
* **engine**: ``simulate()`` end to end (drawing, the model, streaming statistics, percentiles by
  fixed bins at this size) in this process, split into drawing / model / statistics, and with 2
  local worker processes (compiled kernel; and the NumPy kernel for comparison);
* **python loop**: ``capexwatch.models._reference.credit`` on 2,000 paths of the same draws,
  scaled per path.

Goals (issue 9): engine 1M paths x 24 quarters < 5 s on 2 cores; kernel >= 50x the per-path
reference. The scenario is illustrative input (the seed-bear shape without the store), not a
published figure. Figures are appended to benchmarks/RESULTS.md unless ``--no-log``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _compiled import best, compile_times, engine_breakdown, jit, load_line, table  # noqa: E402

from capexwatch.models import _jit, _reference  # noqa: E402
from capexwatch.models.engine import DEFAULT_BLOCK_SIZE, _context, draw_parameters, simulate  # noqa: E402
from capexwatch.models.scenario import parse_scenario  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")

SCENARIO = """
model: credit.gpu_collateral
seed: 9
horizon_quarters: 24
start_quarter: 2026Q2
parameters:
  facility_usd: 3e9
  initial_ltv_ratio: {dist: uniform, low: 0.5, high: 0.65}
  gpu_cost_usd: {dist: uniform, low: 47000, high: 52000}
  economic_life_years: {dist: uniform, low: 2, high: 6}
  generation_drop_ratio: 0.2
  generation_launches: {quarters: [0, 0, 1]}
  generation_launch_rate_annual: 1
  launch_draw: {dist: uniform, low: 0, high: 1, per: quarter}
  value_rental_elasticity: 1
  rental_usd_per_gpu_hour: {dist: uniform, low: 1.7, high: 2.35}
  rental_price_decline_annual: 0.368
  rental_volatility_annual: 0.614
  rental_shock: {dist: normal, mean: 0, sd: 1, per: quarter}
  utilisation: {dist: uniform, low: 0.35, high: 0.99}
  power_price_usd_per_kwh: 0.08
  gpu_kw: 1.2
  pue: 1.2
  contracted_share: {dist: uniform, low: 0, high: 1}
  contract_usd_per_gpu_hour: 2.35
  counterparty_pd_annual: 0.05
  counterparty_default_draw: {dist: uniform, low: 0, high: 1}
  base_rate_annual: 0.0363
  spread_annual: {dist: uniform, low: 0.06, high: 0.065}
  ltv_covenant: 0.85
  dscr_covenant: 1.2
  fire_sale_discount: 0.3
options: {maturity_quarters: 20, amortisation: linear}
"""


def _scenario() -> object:
    return parse_scenario(textwrap.dedent(SCENARIO), filename="bench-credit.yaml")


SETUP = """
from bench_credit import _scenario
from capexwatch.models.engine import _context, draw_parameters
s = _scenario()
p, ctx = draw_parameters(s, 9, 0, 16), _context(s, 16)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paths", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-log", action="store_true")
    a = ap.parse_args()
    s = _scenario()
    h = s.horizon_quarters  # type: ignore[attr-defined]
    block = DEFAULT_BLOCK_SIZE
    params = draw_parameters(s, seed=9, block=0, n=block)  # type: ignore[arg-type]
    blocks = -(-a.paths // block)

    def kernel() -> None:
        for _ in range(blocks):
            s.model.func(params, _context(s, block))  # type: ignore[attr-defined, arg-type]

    times: dict[str, tuple[float, float | None]] = {}
    if _jit.available():
        first, cached = compile_times(SETUP, "s.model.func(p, ctx)")
        with jit(True):
            kernel()  # compiled (or loaded from the cache) in this process
            times["kernel, compiled (blocks of 65,536)"] = best(kernel, a.repeat)
    with jit(False):
        times["kernel, NumPy (blocks of 65,536)"] = best(kernel, a.repeat)
    with jit(True):
        split = engine_breakdown(lambda: simulate(s, paths=a.paths, seed=9))  # type: ignore[arg-type]
        times["engine, 1 process"] = (split["total"], split["cpu"])
        wall, _ = best(lambda: simulate(s, paths=a.paths, seed=9, workers=2), 1)  # type: ignore[arg-type]
        times["engine, 2 workers"] = (wall, None)
    with jit(False):
        wall, _ = best(lambda: simulate(s, paths=a.paths, seed=9, workers=2), 1)  # type: ignore[arg-type]
        times["engine, 2 workers, NumPy kernel"] = (wall, None)
    n_ref = 2000
    ref_p = draw_parameters(s, seed=9, block=0, n=n_ref)  # type: ignore[arg-type]
    rows = [{k: (float(v[i]) if v.ndim == 1 else v[i].tolist()) for k, v in ref_p.items()} for i in range(n_ref)]
    t0, c0 = time.perf_counter(), time.process_time()
    for r in rows:
        _reference.credit(r, h, options=s.options)  # type: ignore[attr-defined]
    scale = a.paths / n_ref
    t_ref = (time.perf_counter() - t0) * scale, (time.process_time() - c0) * scale
    times["python loop (scaled from 2,000 paths)"] = t_ref
    lines = [f"paths {a.paths:,} x {h} quarters; Python {platform.python_version()}; {load_line()}", ""]
    lines += table(times, a.paths * h, t_ref[1])
    lines.append("")
    lines.append(
        "engine, 1 process, CPU s: drawing {draw:.2f}, model {model:.2f}, statistics {statistics:.2f}".format(**split)
    )
    if _jit.available():
        lines.append(f"compile (first call in a fresh process): {first:.2f} s uncached, {cached:.2f} s cached")
    kernel_cpu = min(cpu for k, (_, cpu) in times.items() if k.startswith("kernel") and cpu is not None)
    goal = min(times["engine, 1 process"][0], times["engine, 2 workers"][0])
    ratio = t_ref[1] / kernel_cpu
    lines.append(
        f"Goals: engine < 5 s: {'met' if goal < 5 else 'NOT met'} ({goal:.2f} s wall); kernel >= 50x the "
        f"per-path reference: {'met' if ratio >= 50 else 'NOT met'} ({ratio:.0f}x, CPU s)."
    )
    text = "\n".join(lines)
    print(text)
    if not a.no_log:
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(f"\n## bench_credit.py ({stamp}, issue 9: credit.gpu_collateral)\n\n{text}\n")


if __name__ == "__main__":
    main()
