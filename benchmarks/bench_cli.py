"""Wall time of `capexwatch --help` and `capexwatch report` (cold and warm), side by side with baselines.

    python benchmarks/bench_cli.py [--repeat 5]

Baselines, measured in the same run: a bare interpreter start (`python -c pass`), and the cost of
importing the heavy libraries eagerly (`import pandas, duckdb, plotly, numpy`): `--help` should sit
near the first, far below the second (heavy imports are lazy). "cold" = a fresh CAPEXWATCH_HOME (the
store is created and the bundled snapshot loaded); "warm" = the store exists. Goals (issue 2):
report <= 3 s cold, --help <= 0.3 s, on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{cmd} failed: {r.stderr[-2000:]}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    py = sys.executable
    exe = str(Path(py).with_name("capexwatch"))
    rows: list[tuple[str, list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base_env = {**os.environ}
        cases = {
            "python -c pass (baseline)": ([py, "-c", "pass"], False),
            "import pandas, duckdb, plotly, numpy (baseline)": (
                [py, "-c", "import pandas, duckdb, plotly, numpy"],
                False,
            ),
            "capexwatch --help": ([exe, "--help"], False),
            "capexwatch report (cold: new store)": ([exe, "report", "--out", f"{tmp}/r.html"], True),
            "capexwatch report (warm)": ([exe, "report", "--out", f"{tmp}/r.html"], False),
        }
        warm_home = f"{tmp}/warm"
        subprocess.run([exe, "info"], env={**base_env, "CAPEXWATCH_HOME": warm_home}, capture_output=True)
        for name, (cmd, cold) in cases.items():
            times = []
            for i in range(args.repeat):
                home = f"{tmp}/cold{i}-{len(rows)}" if cold else warm_home
                times.append(timed(cmd, {**base_env, "CAPEXWATCH_HOME": home}, tmp))
            rows.append((name, times))
    base = statistics.median(rows[0][1])
    print(f"{'case':<50} {'median s':>9} {'min s':>7} {'max s':>7} {'x bare python':>14}")
    for name, t in rows:
        med = statistics.median(t)
        print(f"{name:<50} {med:>9.3f} {min(t):>7.3f} {max(t):>7.3f} {med / base:>14.1f}")
    print(f"\ncores: {os.cpu_count()}  python: {sys.version.split()[0]}  repeats: {args.repeat}")


if __name__ == "__main__":
    main()
