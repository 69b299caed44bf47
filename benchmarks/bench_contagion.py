"""contagion.feedback: 100k paths x 40 quarters x 10 firms; compiled and NumPy kernels against per-path Python.

    python benchmarks/bench_contagion.py [--paths 100000] [--repeat 3] [--no-log]

Run from the repository root.

* **kernel, compiled / NumPy**: ``contagion.feedback`` on pre-drawn parameters, per work block of
  65,536 paths as the engine runs it, best of ``--repeat``, with CAPEXWATCH_JIT=1 (Numba, the
  ``fast`` extra) and CAPEXWATCH_JIT=0;
* **compile**: the first call in a fresh process with an empty Numba cache, then with its cache;
* **engine**: ``simulate()`` end to end in this process (drawing, the model, statistics), split into
  the three, and with 2 local worker processes;
* **python loop**: ``_reference.contagion`` (the per-path specification) on 200 of the same paths,
  scaled per path.

Goals (issue 9): the engine under 5 s for 100k paths x 40 quarters x 10 firms (5 hyperscalers,
5 vendors), and the kernel >= 50x the per-path loop. Inputs: the test scenario (illustrative,
not published figures), all of the model's parameters random, the neocloud on the credit triangle.
Appends to benchmarks/RESULTS.md unless ``--no-log``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _compiled import best, compile_times, engine_breakdown, jit, load_line, table  # noqa: E402

from capexwatch.models import _jit, _reference  # noqa: E402
from capexwatch.models.contagion import feedback  # noqa: E402
from capexwatch.models.engine import DEFAULT_BLOCK_SIZE, _context, draw_parameters, simulate  # noqa: E402
from capexwatch.models.scenario import Scenario, parse_scenario  # noqa: E402
from tests._support.scenarios import SCENARIOS  # noqa: E402  (the reference-test scenario, one source of inputs)

RESULTS = Path(__file__).with_name("RESULTS.md")
REF_PATHS = 200
QUARTERS = 40

SETUP = """
sys.path.insert(0, ".")
from bench_contagion import _scenario
from capexwatch.models.engine import _context, draw_parameters
s = _scenario(16)
p, ctx = draw_parameters(s, 9, 0, 16), _context(s, 16)
"""


def _scenario(paths: int) -> Scenario:
    text = textwrap.dedent(SCENARIOS["contagion"]).replace("horizon_quarters: 20", f"horizon_quarters: {QUARTERS}")
    return parse_scenario(f"paths: {paths}\nseed: 9\n{text}", name="bench")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-log", action="store_true")
    args = ap.parse_args()
    s = _scenario(args.paths)
    blocks = [
        draw_parameters(s, 9, 0, min(DEFAULT_BLOCK_SIZE, args.paths - i))
        for i in range(0, args.paths, DEFAULT_BLOCK_SIZE)
    ]

    def kernel() -> None:
        for p in blocks:
            feedback(p, _context(s, len(p["loop_gain"])))

    times: dict[str, tuple[float, float | None]] = {}
    if _jit.available():
        first, cached = compile_times(SETUP, "s.model.func(p, ctx)")
        with jit(True):
            kernel()
            times[f"kernel, compiled (best of {args.repeat})"] = best(kernel, args.repeat)
    with jit(False):
        times[f"kernel, NumPy (best of {args.repeat})"] = best(kernel, args.repeat)
    with jit(True):
        split = engine_breakdown(lambda: simulate(s))
        times["engine simulate(), 1 process"] = (split["total"], split["cpu"])
        times["engine simulate(), 2 workers"] = (best(lambda: simulate(s, workers=2), 1)[0], None)
    with jit(False):
        times["engine simulate(), 2 workers, NumPy kernel"] = (best(lambda: simulate(s, workers=2), 1)[0], None)
    sample = blocks[0]
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(REF_PATHS):
        one = {n: (float(v[i]) if v.ndim == 1 else [float(x) for x in v[i]]) for n, v in sample.items()}
        _reference.contagion(one, s.horizon_quarters, options=s.options)
    scale = args.paths / REF_PATHS
    loop = (time.perf_counter() - t0) * scale, (time.process_time() - c0) * scale
    times[f"python loop (scaled from {REF_PATHS} paths)"] = loop
    rows = table(times, args.paths * QUARTERS, loop[1])
    k = min(cpu for name, (_, cpu) in times.items() if name.startswith("kernel") and cpu is not None)
    engine = min(wall for name, (wall, _) in times.items() if name.startswith("engine") and "NumPy" not in name)
    notes = [
        "engine, 1 process, CPU s: drawing {draw:.2f}, model {model:.2f}, statistics {statistics:.2f}".format(**split),
        f"kernel / python loop = {loop[1] / k:.0f}x (CPU s; goal >= 50x); engine {engine:.2f} s wall (goal < 5 s) "
        f"for {args.paths:,} paths x {QUARTERS} quarters x 10 firms",
        f"Python {platform.python_version()}, numpy {np.__version__}; {load_line()}",
    ]
    if _jit.available():
        notes.insert(1, f"compile (first call in a fresh process): {first:.2f} s uncached, {cached:.2f} s cached")
    table_text = "\n".join(rows)
    print(table_text)
    print("\n".join(notes))
    if not args.no_log:
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(
                f"\n## contagion.feedback, {dt.date.today()} ({platform.machine()})\n\n"
                f"`python benchmarks/bench_contagion.py`\n\n{table_text}\n\n" + "\n".join(notes) + "\n"
            )


if __name__ == "__main__":
    main()
