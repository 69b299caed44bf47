"""Decode and normalise SEC companyfacts: capexwatch (typed msgspec) vs plain json + pandas.

Measures, side by side in one run, MB/s of *uncompressed* JSON turned into the facts table
(``capexwatch.facts.decode.FACT_COLUMNS``: one row per fact, dates parsed, values float64):

1. the real NVIDIA companyfacts document (``shared/reference/sec/CIK0001045810.json``, 4.0 MB);
2. a bulk ``companyfacts.zip`` shaped like the SEC's (one ``CIK##########.json`` per filer, deflate),
   generated from the three real documents (random subsets of their tags, rescaled values, new
   CIKs), read member by member with :mod:`zipfile` and never extracted. Or your own copy of the
   real zip with ``--zip``.

Two filters: ``metric tags`` (every tag of the canonical metrics' chains plus ``dei``: what
``capexwatch update`` keeps, the default of ``decode_companyfacts``) and ``all facts``. The baseline
is the obvious code: ``json.loads``, a loop building one dict per fact, ``pandas.DataFrame``,
``pandas.to_datetime``. Each bulk phase runs in a fresh process (one core) so that its peak RSS is
its own. Goals (issue 3): >= 5x the baseline and >= 100 MB/s per core.

    .venv/bin/python benchmarks/bench_decode.py                 # 200 MB bulk zip
    .venv/bin/python benchmarks/bench_decode.py --bulk-mb 4000  # several GB
    .venv/bin/python benchmarks/bench_decode.py --zip companyfacts.zip --no-log

Results are printed as a table and appended to ``benchmarks/RESULTS.md`` (``--no-log`` to skip).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import random
import resource
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pandas as pd

from capexwatch.facts.decode import FACT_COLUMNS, decode_companyfacts, decode_many, default_tags

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent.parent / "shared" / "reference" / "sec"
NVIDIA = REFERENCE / "CIK0001045810.json"
TEMPLATES = ["CIK0001045810.json", "CIK0001652044.json", "CIK0001046179.json"]
RESULTS = HERE / "RESULTS.md"


# -- the baseline: plain json + pandas -------------------------------------------------------------


def baseline_decode(raw: bytes, keep: frozenset[str] | None) -> pd.DataFrame:
    """companyfacts -> facts table the obvious way (json.loads, dict per fact, DataFrame)."""
    doc = json.loads(raw)
    cik, name = doc.get("cik"), doc.get("entityName")
    rows = []
    for tax, concepts in doc["facts"].items():
        whole = keep is None or f"{tax}:*" in keep
        for tag, concept in concepts.items():
            if not whole and f"{tax}:{tag}" not in keep:  # type: ignore[operator]
                continue
            for unit, recs in concept["units"].items():
                for r in recs:
                    rows.append({
                        "cik": cik, "entity_name": name, "taxonomy": tax, "tag": tag, "unit": unit,
                        "period_start": r.get("start"), "period_end": r["end"], "value": r["val"],
                        "accn": r["accn"], "fy": r.get("fy"), "fp": r.get("fp"), "form": r["form"],
                        "filed": r["filed"], "frame": r.get("frame"),
                    })  # fmt: skip
    df = pd.DataFrame(rows, columns=FACT_COLUMNS)
    for c in ("period_start", "period_end", "filed"):
        df[c] = pd.to_datetime(df[c], format="%Y-%m-%d")
    df["value"] = df["value"].astype("float64")
    df["fy"] = df["fy"].astype("Int64")
    return df


# -- the synthetic bulk zip ------------------------------------------------------------------------


_SHARES = [0.01, 0.03, 0.1, 0.3, 0.6, 1.0]  # share of a real document's tags kept
_SHARE_WEIGHTS = [30, 25, 20, 12, 8, 5]


def _member(template: dict[str, Any], rng: random.Random, cik: int) -> bytes:
    facts: dict[str, Any] = {}
    # Most EDGAR filers are small (a few dozen tags); a few are hyperscaler-sized. Members come out
    # at ~0.45 MB on average, so 200 MB is ~450 companies and 4 GB ~9,000
    keep_share = rng.choices(_SHARES, weights=_SHARE_WEIGHTS)[0]
    for tax, concepts in template["facts"].items():
        names = [t for t in concepts if rng.random() < keep_share or tax == "dei"]
        scale = rng.uniform(0.01, 3.0)
        out = {}
        for t in names:
            c = concepts[t]
            units = {
                u: [
                    {
                        **r,
                        "val": round(r["val"] * scale) if isinstance(r["val"], int) else r["val"] * scale,
                        "accn": f"{cik:010d}" + r["accn"][10:],
                    }
                    for r in recs
                ]  # fmt: skip
                for u, recs in c["units"].items()
            }
            out[t] = {"label": c.get("label"), "description": c.get("description"), "units": units}
        facts[tax] = out
    doc = {"cik": cik, "entityName": f"SYNTHETIC FILER {cik}", "facts": facts}
    return json.dumps(doc, separators=(",", ":")).encode()  # minified, as the SEC serves it


def build_zip(path: Path, target_mb: float, seed: int) -> None:
    """Write a companyfacts.zip-like archive of about *target_mb* MB of JSON to *path*."""
    templates = [json.loads((REFERENCE / t).read_bytes()) for t in TEMPLATES]
    rng = random.Random(seed)
    total, n = 0, 0
    used: set[int] = set()
    tmp = path.with_suffix(".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        while total < target_mb * 1e6:
            cik = 1_000_000 + rng.randrange(8_000_000)
            if cik in used:  # one member per filer, as in the real zip
                continue
            used.add(cik)
            body = _member(rng.choice(templates), rng, cik)
            zf.writestr(f"CIK{cik:010d}.json", body)
            total += len(body)
            n += 1
    tmp.replace(path)
    print(f"generated {path} ({n} members, {total / 1e6:.0f} MB of JSON, {path.stat().st_size / 1e6:.0f} MB zipped)")


def members(path: Path) -> Iterator[tuple[str, bytes]]:
    """Stream (name, bytes) member by member; nothing is extracted to disk."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.filename.endswith(".json"):
                yield info.filename, zf.read(info)


# -- phases (each bulk phase in its own process) ----------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _bulk_phase(args: tuple[str, str, str]) -> tuple[float, int, int, float]:
    kind, filt, path = args
    keep = default_tags() if filt == "metric tags" else None
    tags: Any = None if filt == "metric tags" else "all"
    nbytes = rows = 0
    t0 = time.perf_counter()
    if kind == "inflate only":
        for _, raw in members(Path(path)):
            nbytes += len(raw)
    elif kind == "capexwatch":

        def counted() -> Iterator[tuple[str, bytes]]:
            nonlocal nbytes
            for name, raw in members(Path(path)):
                nbytes += len(raw)
                yield name, raw

        for df, _errors in decode_many(counted(), tags=tags, skip_errors=True, batch_facts=500_000):
            rows += len(df)  # the ingest would append this batch to DuckDB here
    else:
        for _, raw in members(Path(path)):
            nbytes += len(raw)
            rows += len(baseline_decode(raw, keep))
    return time.perf_counter() - t0, nbytes, rows, _peak_mb()


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bulk-mb", type=float, default=200, help="size of the generated zip, MB of JSON (200)")
    ap.add_argument("--several-gb", action="store_true", help="shorthand for --bulk-mb 4000")
    ap.add_argument("--zip", type=Path, help="use this companyfacts.zip instead of generating one")
    ap.add_argument("--seed", type=int, default=20260709)
    ap.add_argument("--repeat", type=int, default=7, help="runs per single-file measurement (best kept)")
    ap.add_argument("--rounds", type=int, help="bulk rounds, phases interleaved, best kept (3; 1 for >1 GB)")
    ap.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "capexwatch-bench")
    ap.add_argument("--no-bulk", action="store_true")
    ap.add_argument("--no-log", action="store_true", help="do not append to benchmarks/RESULTS.md")
    a = ap.parse_args(argv)
    if a.several_gb:
        a.bulk_mb = 4000
    if not NVIDIA.is_file():
        print(f"reference file not found: {NVIDIA}", file=sys.stderr)
        return 2

    # (input, filter, method, MB, seconds, x baseline, x baseline without inflating, peak RSS MB)
    table: list[tuple[str, str, str, float, float, float | None, float | None, float | None]] = []
    # -- 1. the real NVIDIA document --------------------------------------------------------------
    raw = NVIDIA.read_bytes()
    mb = len(raw) / 1e6
    for filt, tags, keep in (("metric tags", None, default_tags()), ("all facts", "all", None)):
        fast_rows = len(decode_companyfacts(raw, tags=tags))
        base_rows = len(baseline_decode(raw, keep))
        assert fast_rows == base_rows, (fast_rows, base_rows)
        t_fast = _best(lambda tags=tags: decode_companyfacts(raw, tags=tags), a.repeat)
        t_base = _best(lambda keep=keep: baseline_decode(raw, keep), max(2, a.repeat // 2))
        src = f"NVIDIA companyfacts ({mb:.1f} MB)"
        table.append((src, filt, "json + pandas", mb, t_base, None, None, None))
        table.append((src, filt, "capexwatch", mb, t_fast, t_base / t_fast, t_base / t_fast, None))

    # -- 2. the bulk zip ------------------------------------------------------------------------------
    zip_note = ""
    if not a.no_bulk:
        if a.zip:
            path = a.zip
        else:
            a.cache_dir.mkdir(parents=True, exist_ok=True)
            path = a.cache_dir / f"companyfacts-synthetic-v2-{int(a.bulk_mb)}MB-s{a.seed}.zip"
            if not path.is_file():
                build_zip(path, a.bulk_mb, a.seed)
        ctx = mp.get_context("spawn")
        results: dict[tuple[str, str], tuple[float, int, int, float]] = {}
        phases = [("inflate only", "-")] + [(k, f) for f in ("metric tags", "all facts")
                                            for k in ("json + pandas", "capexwatch")]  # fmt: skip
        rounds = a.rounds or (3 if a.bulk_mb <= 1000 and not a.zip else 1)
        for r in range(rounds):  # interleaved, so a busy moment does not hit one phase only
            for kind, filt in phases:
                with ctx.Pool(1) as pool:  # a fresh process: one core, its own peak RSS
                    got = pool.apply(_bulk_phase, ((kind, filt, str(path)),))
                old = results.get((kind, filt))
                if old is None or got[0] < old[0]:
                    results[(kind, filt)] = got
                sec, nbytes, rows, peak = got
                print(f"  round {r + 1} {kind:>13} {filt:>11}: {sec:6.1f} s, {rows:>10,} rows, peak {peak:,.0f} MB")
        with zipfile.ZipFile(path) as zf:
            n_members = len(zf.infolist())
        total = results[("inflate only", "-")][1] / 1e6
        zip_note = f"{n_members:,} members, {total:,.0f} MB JSON, {path.stat().st_size / 1e6:,.0f} MB zipped"
        src = f"bulk zip ({total:,.0f} MB)"
        inflate = results[("inflate only", "-")]
        table.append((src, "-", "inflate only (zipfile, stdlib zlib)", total, inflate[0], None, None, inflate[3]))
        for filt in ("metric tags", "all facts"):
            base = results[("json + pandas", filt)]
            fast = results[("capexwatch", filt)]
            assert base[2] == fast[2], ("row counts differ", base[2], fast[2])
            # meaningless when noise makes the decode share vanish
            ex = (base[0] - inflate[0]) / (fast[0] - inflate[0]) if fast[0] > 1.1 * inflate[0] else None
            table.append((src, filt, "json + pandas", total, base[0], None, None, base[3]))
            table.append((src, filt, "capexwatch", total, fast[0], base[0] / fast[0], ex, fast[3]))

    # -- report ---------------------------------------------------------------------------------------
    lines = [
        "| input | facts kept | method | MB | seconds | MB/s (1 core) | x baseline | x baseline, inflate "
        "excluded | peak RSS MB |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]

    def x(v: float | None) -> str:
        return "" if v is None else f"{v:.1f}x"

    for src, filt, meth, size, sec, ratio, ratio_ex, peak in table:
        lines.append(
            f"| {src} | {filt} | {meth} | {size:,.1f} | {sec:.4f} | {size / sec:,.0f} | {x(ratio)} | "
            f"{x(ratio_ex)} | {'' if peak is None else f'{peak:,.0f}'} |"
        )
    goals = []
    for src, filt, meth, size, sec, ratio, ratio_ex, _ in table:
        if meth == "capexwatch" and filt == "metric tags" and ratio is not None:
            ex_ok = ratio_ex is not None and ratio_ex >= 5
            verdict5 = "PASS" if ratio >= 5 else ("PASS excluding inflate" if ex_ok else "FAIL")
            ok100 = "PASS" if size / sec >= 100 else "FAIL"
            goals.append(f"- {src}, metric tags: {ratio:.1f}x baseline end to end ({x(ratio_ex) or 'n/a'} with the "
                         f"shared inflate time excluded): {verdict5} (>= 5x); {size / sec:,.0f} MB/s per core: "
                         f"{ok100} (>= 100 MB/s)")  # fmt: skip
    cpu = _cpu()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    env = (
        f"load average {load:.1f} at the end; Python {platform.python_version()}, msgspec {msgspec.__version__}, "
        f"pandas {pd.__version__}; {cpu}, {os.cpu_count()} cores; each measurement single-threaded"
    )
    report = "\n".join(lines + [""] + goals)
    print()
    print(report)
    print(env)
    if zip_note:
        print(f"bulk: {zip_note}")
    if not a.no_log:
        _log(report, env, zip_note, argv if argv is not None else sys.argv[1:])
    return 0


def _cpu() -> str:
    info = Path("/proc/cpuinfo")
    if info.exists():
        for ln in info.read_text().splitlines():
            if ln.startswith("model name"):
                return ln.split(":", 1)[1].strip()
    return platform.processor()


def _log(report: str, env: str, zip_note: str, argv: list[str]) -> None:
    head = "# Benchmark results\n\nEach section is one run that matters; newest last. Scripts in this folder.\n"
    text = RESULTS.read_text() if RESULTS.is_file() else head
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    section = [
        f"\n## bench_decode.py — {when}\n",
        f"`python benchmarks/bench_decode.py {' '.join(argv)}`".rstrip() + "  ",
        f"{env}.  ",
    ]
    if zip_note:
        section.append(f"Bulk zip: {zip_note}; MB/s counts uncompressed JSON and includes inflating it.  ")
    section += ["", report, ""]
    RESULTS.write_text(text.rstrip("\n") + "\n" + "\n".join(section))
    print(f"appended to {RESULTS}")


if __name__ == "__main__":
    raise SystemExit(main())
