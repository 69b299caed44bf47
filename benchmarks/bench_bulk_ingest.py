"""Bulk ingest end to end: companyfacts.zip -> decode -> derive -> diff -> one store transaction.

Measures wall time, companies/s and **peak RSS** of ``capexwatch.pipeline.files.ingest_sec_path`` on
generated zips of two sizes, each in a fresh process, to show that memory is bounded by a batch of
companies rather than by the size of the archive (issue 3 goal: bulk ingest peak memory under 2 GB
whatever the size of the zip). The zips are built by ``bench_decode.build_zip`` from the three
real companyfacts documents (synthetic CIKs and rescaled values: benchmark input, not figures).

    .venv/bin/python benchmarks/bench_bulk_ingest.py                  # 50 MB and 200 MB of JSON
    .venv/bin/python benchmarks/bench_bulk_ingest.py --sizes 100 1000 --log
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOAL_MB = 2048


def _ingest(zip_path: str, db_path: str) -> tuple[float, int, int, int, float]:
    """In a fresh process: ingest the zip into a new store; (seconds, companies, quarters, skipped, peak MB)."""
    import capexwatch
    from capexwatch.pipeline.files import ingest_sec_path

    store = capexwatch.open(db_path)
    t = time.perf_counter()
    out = ingest_sec_path(store, zip_path)
    sec = time.perf_counter() - t
    n = store.con.execute("SELECT count(*) FROM panel WHERE source = 'sec'").fetchone()
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return sec, len(out["companies"]), int(n[0]) if n else 0, len(out["skipped"]), peak


def main() -> None:
    sys.path.insert(0, str(HERE))
    from bench_decode import build_zip

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[50, 200], help="MB of JSON per zip")
    ap.add_argument("--log", action="store_true", help="append to benchmarks/RESULTS.md")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.sizes:
            z = Path(tmp) / f"companyfacts_{mb:g}.zip"
            build_zip(z, mb, seed=7)
            ctx = mp.get_context("spawn")
            with ctx.Pool(1) as pool:  # fresh process: its peak RSS is the ingest's own
                sec, companies, quarters, skipped, peak = pool.apply(
                    _ingest, (str(z), str(Path(tmp) / f"s{mb:g}.duckdb"))
                )
            rows.append((mb, z.stat().st_size / 1e6, companies, quarters, skipped, sec, peak))
    lines = [
        "| JSON MB | zip MB | companies | SEC panel rows | skipped | seconds | companies/s | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mb, zmb, c, q, sk, sec, peak in rows:
        lines.append(f"| {mb:,.0f} | {zmb:,.0f} | {c:,} | {q:,} | {sk} | {sec:,.1f} | {c / sec:,.1f} | {peak:,.0f} |")
    text = "\n".join(lines)
    print(text)
    if args.log:
        load = os.getloadavg()[0]
        peak = max(r[-1] for r in rows)
        with (HERE / "RESULTS.md").open("a") as fh:
            fh.write(
                f"\n## bulk ingest end to end (`benchmarks/bench_bulk_ingest.py`, issue 3)\n\n"
                f"{dt.date.today().isoformat()}, {os.cpu_count()} cores, {platform.python_implementation()} "
                f"{platform.python_version()}, 1-minute load average {load:.1f} at the end (shared machine). "
                f"Each size in a fresh process; one transaction per ingest.\n\n{text}\n\n"
                f"Goal: peak memory under {GOAL_MB:,} MB whatever the zip size: "
                f"{'met' if peak < GOAL_MB else 'NOT met'} (largest peak {peak:,.0f} MB). Memory holds one "
                "batch of 100 companies plus DuckDB's buffers; the archive is read member by member.\n"
            )


if __name__ == "__main__":
    main()
