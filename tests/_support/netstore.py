"""Helpers for the update tests: run the CLI in-process, dump the store, read the reference quarters."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from capexwatch.cli import main

TABLES = ("entities", "facts", "panel", "annual", "series", "series_meta", "events", "runs", "loads", "schema_version")

#: reference metric names (tests/data/reference/company_quarters.csv) -> canonical metrics
REFERENCE_METRICS = {
    "total_revenue": "revenue",
    "capex_cash_purchases_ppe": "capex",
    "operating_cash_flow": "operating_cash_flow",
    "depreciation_amortization": "depreciation_amortization",
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``capexwatch ARGS`` in this process (so the loopback server's faults apply); (code, out, err)."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def dump(db: Path | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: two dumps are equal iff the store's contents are."""
    import capexwatch

    capexwatch.open(db).close()  # a store that does not exist yet is created first (with the snapshot)
    with capexwatch.open(db, read_only=True) as s:
        return {t: [tuple(map(repr, r)) for r in s.con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()]
                for t in TABLES}  # fmt: skip


def reference_quarters(reference_dir: Path, ticker: str) -> list[dict[str, Any]]:
    """The sec-xbrl rows of company_quarters.csv for *ticker*: metric, fiscal_period, value in USD."""
    out = []
    with (reference_dir / "company_quarters.csv").open() as fh:
        for r in csv.DictReader(fh):
            if r["ticker"] == ticker and r["source_kind"] == "sec-xbrl" and r["metric"] in REFERENCE_METRICS:
                out.append({
                    "metric": REFERENCE_METRICS[r["metric"]], "fiscal_period": r["fiscal_period"],
                    "value": float(r["value_usd_millions"]) * 1e6,
                })  # fmt: skip
    return out
