"""A synthetic user CSV of many made-up companies (the documented ``ingest FILE.csv`` format).

For the scale tests and ``benchmarks/bench_scale.py``: the issue's 200 MB CSV held 8,748 companies;
this writes *companies* companies x *metrics* x *quarters* rows with seeded random values, so the
store grows by companies that are in no universe, no event and no question the user asks. Tickers
are ``ZZ00001`` ... (no real listing uses them). The values are noise: nothing reads them as data.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

__all__ = ["SYNTH_PREFIX", "synth_tickers", "write_synth_csv"]

#: every synthetic ticker starts with this (not a listed ticker's prefix in universe.toml)
SYNTH_PREFIX = "ZZ"

_METRICS = ("capex", "revenue", "operating_cash_flow", "depreciation", "operating_income")
_HEADER = ("ticker", "metric", "fiscal_period", "period_end", "value", "unit", "source", "name", "note")


def synth_tickers(companies: int) -> list[str]:
    """The tickers :func:`write_synth_csv` uses for *companies* companies."""
    return [f"{SYNTH_PREFIX}{i:05d}" for i in range(1, companies + 1)]


def _quarter_ends(quarters: int) -> list[tuple[str, str]]:
    """(fiscal label, period end) of the *quarters* calendar quarters ending 2025-12-31, oldest first."""
    out = []
    year, q = 2025, 4
    for _ in range(quarters):
        month = 3 * q
        end = dt.date(year, month, 31 if month in (3, 12) else 30)
        out.append((f"FY{year}Q{q}", end.isoformat()))
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return out[::-1]


def write_synth_csv(
    path: Path, companies: int, *, quarters: int = 20, metrics: int = 5, seed: int = 0, note_bytes: int = 0
) -> int:
    """Write the CSV; returns the number of data rows.

    Parameters
    ----------
    path : file to write
    companies : made-up companies (tickers :func:`synth_tickers`)
    quarters : calendar quarters per company and metric (fiscal year = calendar year)
    metrics : how many of five USD metrics each company reports
    seed : NumPy seed of the values (USD millions, log-normal around 100)
    note_bytes : pad each row's note to about this many characters (to reach a file size)
    """
    rng = np.random.default_rng(seed)
    ends = _quarter_ends(quarters)
    mets = _METRICS[:metrics]
    pad = "x" * max(0, note_bytes)
    n = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(_HEADER)
        for t in synth_tickers(companies):
            values = rng.lognormal(np.log(100.0), 1.0, size=(len(mets), len(ends)))
            for mi, m in enumerate(mets):
                for qi, (label, end) in enumerate(ends):
                    w.writerow(
                        (t, m, label, end, f"{values[mi, qi]:.3f}", "USD_millions", "synthetic", f"Synth {t}", pad)
                    )
                    n += 1
    return n
