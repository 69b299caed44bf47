"""credit.gpu_collateral: 1M paths x 24 quarters, vectorised against the per-path Python reference.

    python benchmarks/bench_credit.py [--paths 1000000] [--repeat 3] [--no-log]

* **kernel**: the model function on pre-drawn parameter arrays, called per work block of 65,536
  paths as the engine does (best of ``--repeat``);
* **engine**: ``simulate()`` end to end in this process (drawing, the model, streaming statistics,
  percentiles by fixed bins at this size), and with 2 local worker processes;
* **python loop**: ``capexwatch.models._reference.credit`` on 2,000 paths of the same draws,
  scaled per path.

Goals (issue 9): engine 1M paths x 24 quarters < 5 s; kernel >= 50x the per-path reference. The
scenario is ``tests``-style illustrative input (the seed-bear shape without the store), not a
published figure. Figures are appended to benchmarks/RESULTS.md unless ``--no-log``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import textwrap
import time
from pathlib import Path

from capexwatch.models import _reference
from capexwatch.models.engine import DEFAULT_BLOCK_SIZE, _context, draw_parameters, simulate
from capexwatch.models.scenario import parse_scenario

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


def _best(fn: object, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paths", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-log", action="store_true")
    a = ap.parse_args()
    s = parse_scenario(textwrap.dedent(SCENARIO), filename="bench-credit.yaml")
    h = s.horizon_quarters
    block = DEFAULT_BLOCK_SIZE
    params = draw_parameters(s, seed=9, block=0, n=block)

    def kernel() -> None:
        for _ in range(-(-a.paths // block)):
            s.model.func(params, _context(s, block))

    t_kernel = _best(kernel, a.repeat)
    t_engine = _best(lambda: simulate(s, paths=a.paths, seed=9), 1)
    t_engine2 = _best(lambda: simulate(s, paths=a.paths, seed=9, workers=2), 1)
    n_ref = 2000
    ref_p = draw_parameters(s, seed=9, block=0, n=n_ref)
    rows = [{k: (float(v[i]) if v.ndim == 1 else v[i].tolist()) for k, v in ref_p.items()} for i in range(n_ref)]
    t0 = time.perf_counter()
    for r in rows:
        _reference.credit(r, h, options=s.options)
    t_ref = (time.perf_counter() - t0) / n_ref * a.paths
    lines = [
        f"paths {a.paths:,} x {h} quarters; {os.cpu_count()} CPUs; {platform.python_version()}",
        "| what | seconds | path-steps/s | vs python |",
        "|---|---|---|---|",
    ]
    steps = a.paths * h
    for name, t in (
        ("kernel (blocks of 65,536)", t_kernel),
        ("engine, 1 process", t_engine),
        ("engine, 2 workers", t_engine2),
        ("python loop (scaled from 2,000 paths)", t_ref),
    ):
        lines.append(f"| {name} | {t:.3f} | {steps / t:,.0f} | {t_ref / t:.0f}x |")
    goal = min(t_engine, t_engine2)
    lines.append("")
    lines.append(
        f"Goals: engine < 5 s: {'met' if goal < 5 else 'NOT met'} ({goal:.2f} s); kernel >= 50x the "
        f"per-path reference: {'met' if t_ref / t_kernel >= 50 else 'NOT met'} ({t_ref / t_kernel:.0f}x)."
    )
    load = os.getloadavg()[0]
    lines.append(f"Machine load average during the run: {load:.1f} on {os.cpu_count()} CPUs (shared).")
    text = "\n".join(lines)
    print(text)
    if not a.no_log:
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(f"\n## bench_credit.py ({stamp}, issue 9: credit.gpu_collateral)\n\n{text}\n")


if __name__ == "__main__":
    main()
