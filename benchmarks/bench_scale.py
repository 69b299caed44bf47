"""Scale with the store (issue 14, items 4 and 6): report, signals and ingest against store size,
and readers during an ingest.

Builds two stores in a temporary folder: the bundled one, and the bundled one plus N made-up
companies from a seeded synthetic CSV (``tests/_support/synthcsv.py``). Runs each command as a
user does (``python -m capexwatch.cli``, a fresh process) and reports wall time and peak RSS of
the child (``resource.getrusage(RUSAGE_CHILDREN)``, one child per measurement), with ratios to
the bundled store. Then starts an ingest of another synthetic CSV and 8 readers while it runs,
and reports each reader's exit code. The machine is shared: ratios and RSS are what to read;
the load average is printed.

    python benchmarks/bench_scale.py --companies 10000 --csv-mb 200
    python benchmarks/bench_scale.py --ingest-only --csv-mb 200   # the streamed ingest alone
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests._support.synthcsv import write_synth_csv  # noqa: E402

#: goals of issue 14: times within this ratio of the bundled store's; RSS and ingest bounds
GOAL_RATIO, GOAL_RSS_MB, GOAL_INGEST_S = 1.5, 1024, 60.0


def _measure(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall s, peak RSS MB, exit code, stderr tail) of one CLI run in a fresh process."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run([sys.executable, '-m', 'capexwatch.cli', *sys.argv[1:]], capture_output=True, text=True)\n"
        "dt = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(f'{dt} {rss} {r.returncode}'); sys.stderr.write(r.stderr[-300:])\n"
    )
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    wall, rss, rc = r.stdout.split()
    return float(wall), float(rss), int(rc), r.stderr


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "CAPEXWATCH_HOME": str(home), "CAPEXWATCH_LOCK_WAIT": "600"}


def _build(home: Path, csv_path: Path | None) -> tuple[float, float]:
    """Create the store (snapshot) and, with *csv_path*, ingest it; (ingest wall s, RSS MB)."""
    home.mkdir(parents=True, exist_ok=True)
    _measure(["info"], _env(home))
    if csv_path is None:
        return 0.0, 0.0
    wall, rss, rc, err = _measure(["ingest", str(csv_path)], _env(home))
    if rc != 0:
        raise SystemExit(f"ingest failed: {err}")
    return wall, rss


def _readers_during_ingest(home: Path, csv_path: Path, readers: int) -> list[tuple[str, int, float]]:
    """Start an ingest, then *readers* readers while it runs; (command, exit code, wall s) each."""
    env = _env(home)
    ingest = subprocess.Popen(
        [sys.executable, "-m", "capexwatch.cli", "ingest", str(csv_path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    cmds = [["info"], ["quarters", "--ticker", "MSFT", "--metric", "capex"], ["signals", "--json"], ["universe"]]
    procs = []
    for i in range(readers):
        cmd = cmds[i % len(cmds)]
        procs.append((" ".join(cmd), time.perf_counter(), subprocess.Popen(
            [sys.executable, "-m", "capexwatch.cli", *cmd], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )))  # fmt: skip
    out = []
    for name, t0, p in procs:
        p.wait(timeout=900)
        out.append((name, p.returncode, time.perf_counter() - t0))
    ingest.wait(timeout=900)
    out.append(("ingest (writer)", ingest.returncode, float("nan")))
    return out


def _size_csv(folder: Path, mb: float, quarters: int, seed: int) -> tuple[Path, int]:
    """A synthetic CSV of about *mb* MB (rows of a 50-company sample tell the size of a row)."""
    sample = folder / "sample.csv"
    n = write_synth_csv(sample, 50, quarters=quarters, seed=seed)
    per_row = sample.stat().st_size / n
    companies = max(1, int(mb * 1e6 / per_row / (5 * quarters)))
    path = folder / "size.csv"
    write_synth_csv(path, companies, quarters=quarters, seed=seed + 1)
    return path, companies


def _streamed_ingest(folder: Path, mb: float, quarters: int, seed: int) -> None:
    """Ingest a CSV of about *mb* MB into a fresh store; print time and peak RSS against the goals."""
    size_csv, companies = _size_csv(folder, mb, quarters, seed)
    size_mb = size_csv.stat().st_size / 1e6
    _build(folder / "stream", None)
    s_s, s_mb = _build(folder / "stream", size_csv)
    ok = "ok" if s_s <= GOAL_INGEST_S and s_mb <= GOAL_RSS_MB else "MISSED"
    label = f"ingest {size_mb:.0f} MB CSV ({companies:,} cos, streamed)"
    print(f"{label:44} {'':>10} {s_s:8.2f} {'':>6} {s_mb:11.0f}  {ok}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--companies", type=int, default=10_000)
    ap.add_argument("--quarters", type=int, default=20)
    ap.add_argument("--csv-mb", type=float, default=200.0, help="size of the streamed-ingest CSV")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--readers", type=int, default=8)
    ap.add_argument("--ingest-only", action="store_true", help="only the streamed ingest of a --csv-mb CSV")
    a = ap.parse_args()
    print(f"load average at start: {os.getloadavg()}; cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        if a.ingest_only:
            print(f"\n{'case':44} {'':>10} {'s':>8} {'':>6} {'RSS MB':>11}")
            _streamed_ingest(t, a.csv_mb, a.quarters, a.seed)
            print(f"load average at end: {os.getloadavg()}")
            return
        big_csv = t / "extra.csv"
        rows = write_synth_csv(big_csv, a.companies, quarters=a.quarters, seed=a.seed)
        print(f"synthetic CSV: {a.companies:,} companies, {rows:,} rows, {big_csv.stat().st_size / 1e6:.0f} MB")
        _build(t / "bundled", None)
        ing_s, ing_mb = _build(t / "big", big_csv)
        print(f"\n{'case':44} {'bundled s':>10} {'big s':>8} {'ratio':>6} {'big RSS MB':>11}")
        for args in (["signals", "--json"], ["report", "--no-html", "--json"]):
            base = min(_measure(args, _env(t / "bundled"))[0] for _ in range(a.repeats))
            runs = [_measure(args, _env(t / "big")) for _ in range(a.repeats)]
            big = min(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            ok = "ok" if big / base <= GOAL_RATIO and rss <= GOAL_RSS_MB else "MISSED"
            print(f"{' '.join(args):44} {base:10.2f} {big:8.2f} {big / base:6.2f} {rss:11.0f}  {ok}")
        print(f"{'ingest of the ' + str(a.companies) + '-company CSV':44} {'':>10} {ing_s:8.2f} {'':>6} {ing_mb:11.0f}")
        _streamed_ingest(t, a.csv_mb, a.quarters, a.seed)  # a CSV of the size
        print(f"\n{a.readers} readers during an ingest of the {a.companies:,}-company CSV:")
        again = t / "again.csv"
        write_synth_csv(again, a.companies, quarters=a.quarters, seed=a.seed + 2)
        for name, rc, wall in _readers_during_ingest(t / "big", again, a.readers):
            print(f"  {name:40} exit {rc}  {wall:7.2f} s")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
