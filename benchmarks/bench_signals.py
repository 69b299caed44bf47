"""Time the risk signals on the bundled data: ``signals.run``, the report's HTML fragment, the backtest.

    .venv/bin/python benchmarks/bench_signals.py [--repeat 7] [--bt-repeat 3] [--no-report] [--label TEXT]

Each case is timed in process on a fresh store holding the bundled snapshot (created in a
temporary ``CAPEXWATCH_HOME``, then warmed with one untimed ``signals.run``), ``--repeat`` times;
the table gives the median and the minimum. The baseline, measured in the same run, is one
``store.quarters()`` call (every ticker and metric, latest view): the raw read of the panel that
``signals.run`` cannot go below ("x read" = median / baseline median). Per-signal rows evaluate one
signal on inputs already read (with an empty per-run memo, so each pays for its own slices).
The last row, unless ``--no-report``, is ``capexwatch report`` as a user runs it: a new process
on a new store (the issue's goal: <= 3 s cold on the 2-core machine).

Goals: ``signals.run`` <= 0.5 s and ``html_fragment`` <= 0.15 s on the bundled data.

The script also checks that each history chart in the fragment is the one ``history_figure``'s
``go.Figure`` writes (the fragment builds the figure JSON without plotly's validation).

Works on any version of the package (it only calls the public API), so the same script measures
a tree before and after a change: ``PYTHONPATH=/path/to/old/src python benchmarks/bench_signals.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

GOALS = {"signals.run": 0.5, "html_fragment": 0.15, "capexwatch report (cold)": 3.0}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def timed(f: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        out.append(time.perf_counter() - t0)
    return out


def charts_match(sigs: list[Any], fragment: str) -> bool:
    """Every history chart of the fragment equals ``history_figure(s).to_html`` (div ids aside)."""
    from capexwatch.report.signals_section import history_figures

    frag = _UUID.sub("ID", fragment)
    for fig in history_figures(sigs).values():
        div = fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})
        if _UUID.sub("ID", str(div)) not in frag:
            return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="runs of signals.run, html_fragment, each signal")
    ap.add_argument("--bt-repeat", type=int, default=3, help="runs of the backtest (several seconds each)")
    ap.add_argument("--no-report", action="store_true", help="skip the `capexwatch report` process timing")
    ap.add_argument("--label", default="", help="a note printed with the table (e.g. before/after)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CAPEXWATCH_HOME"] = str(Path(tmp) / "home")
        import capexwatch
        from capexwatch import signals as S
        from capexwatch.report.signals_section import html_fragment
        from capexwatch.signals import Inputs
        from capexwatch.signals.backtest import backtest, backtest_inputs

        rows: list[tuple[str, list[float]]] = []
        with capexwatch.open() as store:
            sigs = S.run(store)  # warm: imports, first-call caches, the store's pages
            html_fragment(sigs)
            rows.append(("store.quarters() (baseline: raw panel read)", timed(lambda: store.quarters(), args.repeat)))
            rows.append(("signals.run", timed(lambda: S.run(store), args.repeat)))
            rows.append(("html_fragment", timed(lambda: html_fragment(sigs), args.repeat)))
            inputs = Inputs.from_store(store)
            th = S.load_thresholds()
            for name in S.signal_names():
                # dataclasses.replace: the same frames with an empty memo (where the version has one)
                one = lambda n=name: S.evaluate(dataclasses.replace(inputs), n, thresholds=th)  # noqa: E731
                rows.append((f"  {name}", timed(one, args.repeat)))
            bt_in = backtest_inputs(store)
            res: list[Any] = []
            rows.append(("backtest (every quarter end)", timed(lambda: res.append(backtest(bt_in)), args.bt_repeat)))
            n_dates = len(res[-1].dates)
            match = charts_match(sigs, html_fragment(sigs))
        if not args.no_report:
            exe = str(Path(sys.executable).with_name("capexwatch"))
            times = []
            for i in range(args.repeat):
                env = {**os.environ, "CAPEXWATCH_HOME": str(Path(tmp) / f"cold{i}")}
                t0 = time.perf_counter()
                r = subprocess.run([exe, "report", "--out", f"{tmp}/r{i}.html"], env=env, capture_output=True)
                times.append(time.perf_counter() - t0)
                if r.returncode != 0:
                    raise SystemExit(r.stderr.decode()[-2000:])
            rows.append(("capexwatch report (cold)", times))

    base = statistics.median(rows[0][1])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{args.label + ': ' if args.label else ''}{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, 1-minute load {load:.1f} at the end; median of {args.repeat} "
        f"(backtest: {args.bt_repeat}, {n_dates} dates); charts identical to the go.Figure path: "
        f"{'yes' if match else 'NO'}\n"
    )
    print("| case | median s | min s | x read | goal s |")
    print("|---|---:|---:|---:|---:|")
    for name, t in rows:
        med = statistics.median(t)
        goal = GOALS.get(name.strip())
        verdict = "" if goal is None else f"{goal:g} ({'met' if med <= goal else 'NOT met'})"
        print(f"| {name} | {med:.3f} | {min(t):.3f} | {med / base:,.1f} | {verdict} |")


if __name__ == "__main__":
    main()
