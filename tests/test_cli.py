"""The CLI contract, end to end through the real entry point (subprocesses)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tests._support.cli import run_cli

FIELDS = {
    "fiscal_year",
    "fiscal_quarter",
    "period_start",
    "period_end",
    "value",
    "unit",
    "method",
    "tag",
    "accn",
    "filed",
    "source",
    "status",
    "reason",
}


def test_quarters_json_googl_capex_matches_reference(reference_dir: Path) -> None:
    r = run_cli("quarters", "--ticker", "GOOGL", "--metric", "capex", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert rows and set(rows[0]) >= FIELDS
    ref = pd.read_csv(reference_dir / "company_quarters.csv")
    ref = ref[(ref.ticker == "GOOGL") & (ref.metric == "capex_cash_purchases_ppe")].set_index("fiscal_period")
    assert len(rows) == len(ref)
    for row in rows:
        fp = f"FY{row['fiscal_year']}Q{row['fiscal_quarter']}"
        assert row["value"] == ref.loc[fp, "value_usd_millions"] * 1e6
        assert row["unit"] == "USD" and row["status"] == "ok" and row["method"] in ("reported", "derived")
        assert row["source_url"] == ref.loc[fp, "source_url"]
        assert row["period_end"] == ref.loc[fp, "note"][len("period_end=") :][:10]
    fy25 = sum(x["value"] for x in rows if x["fiscal_year"] == 2025)
    assert abs(fy25 - 91.4e9) < 0.05e9  # the published $91.4B (published-analyses.md section 11)


def test_quarters_by_cik_first_filed_and_table() -> None:
    r = run_cli("quarters", "--cik", "1045810", "--metric", "revenue", "--view", "first-filed", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[-1]["fiscal_year"] == 2027
    r = run_cli("quarters", "--ticker", "MSFT", "--metric", "cloud_revenue")
    assert r.returncode == 0 and "FY2026Q4" in r.stdout


def test_unknown_ticker_and_metric_list_what_is_known() -> None:
    r = run_cli("quarters", "--ticker", "ZZZZ", "--metric", "capex")
    assert r.returncode == 2 and "Unknown ticker" in r.stderr and "GOOGL" in r.stderr
    r = run_cli("quarters", "--ticker", "GOOGL", "--metric", "capx")
    assert r.returncode == 2 and "Unknown metric" in r.stderr and "operating_cash_flow" in r.stderr
    assert "Traceback" not in r.stderr


def test_help_lists_every_command() -> None:
    r = run_cli("--help")
    assert r.returncode == 0
    for cmd in ("report", "quarters", "ingest", "universe", "metrics", "info", "series", "events"):
        assert cmd in r.stdout


def test_corrupt_store_gives_clear_message(home: Path) -> None:
    (home / "capexwatch.duckdb").write_bytes(b"garbage" * 1000)
    r = run_cli("report", "--no-html")
    assert r.returncode == 4
    assert "not a valid" in r.stderr and "Traceback" not in r.stderr
    assert (home / "capexwatch.duckdb").read_bytes() == b"garbage" * 1000


def test_json_on_every_listing_command() -> None:
    for args in (
        ["universe"],
        ["metrics"],
        ["info"],
        ["series"],
        ["series", "NFCI", "--start", "2026-01-01"],
        ["events"],
    ):
        r = run_cli(*args, "--json")
        assert r.returncode == 0, (args, r.stderr)
        json.loads(r.stdout)
