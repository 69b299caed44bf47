"""contagion.feedback: 100k paths x 40 quarters x 10 firms, vectorised against per-path Python.

    python benchmarks/bench_contagion.py [--paths 100000] [--repeat 3] [--no-log]

* **kernel**: ``contagion.feedback`` on pre-drawn parameters, per work block of 65,536 paths as the
  engine runs it, best of ``--repeat``;
* **engine**: ``simulate()`` end to end in this process (drawing, the model, statistics);
* **python loop**: ``_reference.contagion`` (the per-path specification) on 200 of the same paths,
  scaled per path.

Goals (issue 9): the engine under 5 s for 100k paths x 40 quarters x 10 firms (5 hyperscalers,
5 vendors), and the kernel >= 50x the per-path loop. Inputs: the test scenario below (illustrative,
not published figures), all of the model's parameters random. Appends to benchmarks/RESULTS.md
unless ``--no-log``.
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

from capexwatch.models import _reference
from capexwatch.models.contagion import feedback
from capexwatch.models.engine import DEFAULT_BLOCK_SIZE, _context, draw_parameters, simulate
from capexwatch.models.scenario import Scenario, parse_scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "models"))
from helpers import SCENARIOS  # noqa: E402  (the reference-test scenario, one source of inputs)

RESULTS = Path(__file__).with_name("RESULTS.md")
REF_PATHS = 200


def _scenario(paths: int) -> Scenario:
    text = textwrap.dedent(SCENARIOS["contagion"]).replace("horizon_quarters: 20", "horizon_quarters: 40")
    return parse_scenario(f"paths: {paths}\nseed: 9\n{text}", name="bench")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-log", action="store_true")
    args = ap.parse_args()
    s = _scenario(args.paths)
    blocks = [
        draw_parameters(s, 9, 0, min(DEFAULT_BLOCK_SIZE, args.paths - i))
        for i in range(0, args.paths, DEFAULT_BLOCK_SIZE)
    ]
    kernel = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for p in blocks:
            feedback(p, _context(s, len(p["loop_gain"])))
        kernel.append(time.perf_counter() - t0)
    k = min(kernel)
    t0 = time.perf_counter()
    simulate(s)
    engine = time.perf_counter() - t0
    sample = blocks[0]
    t0 = time.perf_counter()
    for i in range(REF_PATHS):
        one = {n: (float(v[i]) if v.ndim == 1 else [float(x) for x in v[i]]) for n, v in sample.items()}
        _reference.contagion(one, s.horizon_quarters, options=s.options)
    per_path = (time.perf_counter() - t0) / REF_PATHS
    loop = per_path * args.paths
    rows = [
        (f"kernel (best of {args.repeat})", k, args.paths * 40 / k),
        ("engine simulate()", engine, args.paths * 40 / engine),
        (f"python loop (scaled from {REF_PATHS} paths)", loop, args.paths * 40 / loop),
    ]
    lines = [f"| {name} | {sec:.3f} s | {rate / 1e6:.2f} M path-quarters/s |" for name, sec, rate in rows]
    table = "\n".join(["| run | time | rate |", "|---|---|---|", *lines])
    verdict = (
        f"kernel / python loop = {loop / k:.0f}x (goal >= 50x); engine {engine:.2f} s (goal < 5 s) "
        f"for {args.paths:,} paths x 40 quarters x 10 firms"
    )
    print(table)
    print(verdict)
    if not args.no_log:
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(
                f"\n## contagion.feedback, {dt.date.today()} ({platform.machine()}, {platform.python_version()}, "
                f"numpy {np.__version__})\n\n`python benchmarks/bench_contagion.py`\n\n{table}\n\n{verdict}.\n"
            )


if __name__ == "__main__":
    main()
