"""Parse real 10-K/10-Q documents: capexwatch (lxml + transform table) vs ixbrlparse vs Arelle.

For each real document in ``shared/reference/sec/ixbrl/`` (iXBRL .htm and one classic XBRL .xml,
see the README there) it measures the wall time to turn the file into facts (concept, value with
scale and sign applied, period, dimensions) and checks correctness two ways:

1. **reference values** read from the filings' own tables (NVIDIA Data Center revenue $41,096M for
   the quarter ended 2025-07-27; Google Cloud $43,229M for 2024; AWS $107,556M for 2024 and
   $80,096M for 2022);
2. **agreement** on every numeric fact: the share of a candidate's numeric facts, keyed by
   (concept, period, dimensions), whose value equals capexwatch's.

capexwatch runs in this interpreter (median of ``--repeat`` runs); ixbrlparse and Arelle run once per
file in ``--others PYTHON`` (an interpreter where ``pip install ixbrlparse arelle-release`` was done;
they are not capexwatch dependencies). Arelle runs offline (no taxonomy download, as capexwatch
must), so it loads the facts but cannot type them.

    .venv/bin/python benchmarks/bench_filings.py --others /tmp/bench/bin/python
    .venv/bin/python benchmarks/bench_filings.py            # capexwatch only

Prints a table; ``--log`` appends it to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from capexwatch.sources.filings import Filing, read_filing

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent.parent.parent / "shared" / "reference" / "sec" / "ixbrl"
RESULTS = HERE / "RESULTS.md"
FILES = ["nvda-10-q-2025-08-27.htm", "googl-10-k-2025-02-05.htm", "amzn-10-k-2025-02-07.htm", "amzn-20221231_htm.xml"]

# (file, concept, start, end, {axis: member}, value in USD) read from the filings' printed tables
REFERENCE = [
    ("nvda-10-q-2025-08-27.htm", "us-gaap:Revenues", "2025-04-28", "2025-07-27",
     {"srt:ProductOrServiceAxis": "nvda:DataCenterMember"}, 41_096e6),
    ("googl-10-k-2025-02-05.htm", "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax", "2024-01-01",
     "2024-12-31", {"us-gaap:StatementBusinessSegmentsAxis": "goog:GoogleCloudMember"}, 43_229e6),
    ("amzn-10-k-2025-02-07.htm", "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax", "2024-01-01",
     "2024-12-31", {"us-gaap:StatementBusinessSegmentsAxis": "amzn:AmazonWebServicesSegmentMember"}, 107_556e6),
    ("amzn-20221231_htm.xml", "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax", "2022-01-01",
     "2022-12-31", {"us-gaap:StatementBusinessSegmentsAxis": "amzn:AmazonWebServicesSegmentMember"}, 80_096e6),
]  # fmt: skip

Key = tuple[str, str, str, tuple[tuple[str, str], ...]]

# Runs in the other interpreter: parse one file, print JSON {seconds, facts: [[concept, start, end, dims, value]]}
OTHERS = r"""
import json, sys, time, warnings, datetime as dt
warnings.simplefilter("ignore")
which, path = sys.argv[1], sys.argv[2]
out = []
t = time.perf_counter()
if which == "ixbrlparse":
    from ixbrlparse import IXBRL
    with open(path, encoding="utf-8") as fh:
        doc = IXBRL(fh, raise_on_error=False)
    secs = time.perf_counter() - t
    for n in doc.numeric:
        c = n.context
        start = str(c.startdate) if c.startdate else ""
        end = str(c.enddate or c.instant or "")
        dims = sorted((s.get("dimension", s.get("tag", "")), s.get("value", "")) for s in (c.segments or []))
        out.append([f"{n.schema}:{n.name}", start, end, dims, n.value])
else:
    from arelle import Cntlr
    cntlr = Cntlr.Cntlr(logFileName="logToBuffer")
    cntlr.webCache.workOffline = True
    model = cntlr.modelManager.load(path)
    facts = list(model.facts)
    secs = time.perf_counter() - t
    day = dt.timedelta(days=1)
    for f in facts:
        c = f.context
        if c is None or f.unitID is None:
            continue
        if c.isInstantPeriod:
            start, end = "", str((c.instantDatetime - day).date())
        elif c.isStartEndPeriod:
            start, end = str(c.startDatetime.date()), str((c.endDatetime - day).date())
        else:
            continue
        dims = sorted((str(k), str(v.memberQname) if v.isExplicit else v.stringValue.strip())
                      for k, v in c.qnameDims.items())
        try:
            value = float(f.value)
        except (TypeError, ValueError):
            value = None
        out.append([str(f.qname), start, end, dims, value])
print(json.dumps({"seconds": secs, "facts": out}))
"""


def _ours(filing: Filing) -> dict[Key, float]:
    return {
        (f.concept, str(f.period_start or ""), str(f.period_end or ""), f.dimensions): f.value
        for f in filing.facts
        if f.value is not None
    }


def _reference_hits(name: str, facts: dict[Key, float | None]) -> tuple[int, int]:
    hits = total = 0
    for file, concept, start, end, dims, value in REFERENCE:
        if file != name:
            continue
        total += 1
        got = facts.get((concept, start, end, tuple(sorted(dims.items()))))
        hits += got is not None and abs(got - value) < 0.5
    return hits, total


def _agreement(ours: dict[Key, float], theirs: dict[Key, float | None]) -> tuple[int, int]:
    same = sum(
        1 for k, v in theirs.items() if v is not None and k in ours and abs(ours[k] - v) <= 1e-9 * max(1, abs(v))
    )
    return same, len(theirs)


def _run_other(python: str, which: str, path: Path) -> dict[str, Any] | str:
    try:
        proc = subprocess.run(
            [python, "-c", OTHERS, which, str(path)], capture_output=True, text=True, timeout=600, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"failed: {exc}"
    if proc.returncode != 0:
        return "failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:80]
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--others", help="python with ixbrlparse and arelle-release installed")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--log", action="store_true", help="append the table to benchmarks/RESULTS.md")
    args = ap.parse_args()

    header = (
        f"{'file':28} {'MB':>5} {'parser':11} {'seconds':>8} {'x ours':>7} {'facts':>6} {'reference':>9} {'agree':>13}"
    )
    lines = [header]
    for name in FILES:
        path = DOCS / name
        mb = path.stat().st_size / 1e6
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            filing = read_filing(path)
            times.append(time.perf_counter() - t)
        ours = _ours(filing)
        base = statistics.median(times)
        hit, tot = _reference_hits(name, dict(ours))
        lines.append(
            f"{name:28} {mb:5.2f} {'capexwatch':11} {base:8.3f} {1.0:7.1f} {len(ours):6d} {hit:>4}/{tot:<4} {'-':>13}"
        )
        if not args.others:
            continue
        for which in ("ixbrlparse", "arelle"):
            res = _run_other(args.others, which, path)
            if isinstance(res, str):
                lines.append(f"{'':28} {'':5} {which:11} {res}")
                continue
            theirs: dict[Key, float | None] = {}
            for concept, start, end, dims, value in res["facts"]:
                theirs[(concept, start, end, tuple(tuple(d) for d in dims))] = value
            hit, tot = _reference_hits(name, theirs)
            same, n = _agreement(ours, theirs)
            secs = res["seconds"]
            lines.append(
                f"{'':28} {'':5} {which:11} {secs:8.3f} {secs / base:7.1f} {n:6d} {hit:>4}/{tot:<4} {same:>6}/{n:<6}"
            )
    table = "\n".join(lines)
    print(table)
    if args.log:
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        with RESULTS.open("a") as fh:
            fh.write(
                f"\n`bench_filings.py`, {stamp}, {platform.machine()} Python {sys.version.split()[0]}:"
                f"\n\n```\n{table}\n```\n"
            )


if __name__ == "__main__":
    main()
