"""Regression: a user CSV stored infinity, negative capex and self-contradicting labels silently.

``1e300`` with unit ``USD_billions`` is finite as written but not once scaled to USD, and was stored
as infinity ("$infT"); a negative capex and a ``fiscal_period`` that is not the quarter ending on
``period_end`` were stored as given. Now the scaled value must be finite, and the two implausible
cases are refused with the line named unless the user names the check with ``--allow``; a row
accepted that way says so in its note.

The figures are NVIDIA's (``tests/data/reference/company_quarters.csv``): capex FY2025Q3, the
quarter ended 2024-10-27, $813M (XBRL ``PaymentsToAcquirePropertyPlantAndEquipment``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import capexwatch
from capexwatch.errors import InputFileError
from capexwatch.pipeline.files import ingest_path
from tests._support.cli import run_cli
from tests._support.data import REFERENCE

HEADER = "ticker,metric,fiscal_period,period_end,value,unit,source,name\n"


def _nvda_capex() -> dict[str, str]:
    """The reference row for NVIDIA capex FY2025Q3 (period end from its note: 2024-10-27)."""
    with (REFERENCE / "company_quarters.csv").open(newline="") as fh:
        for r in csv.DictReader(fh):
            if (r["ticker"], r["fiscal_period"], r["metric"]) == ("NVDA", "FY2025Q3", "capex_cash_purchases_ppe"):
                return r
    raise AssertionError("reference row missing")


REF = _nvda_capex()
assert REF["note"].startswith("period_end=2024-10-27")
SOURCE = REF["source_url"]


def _csv(tmp_path: Path, *rows: str) -> Path:
    p = tmp_path / "figures.csv"
    p.write_text(HEADER + "".join(r + "\n" for r in rows))
    return p


def _row(ticker: str, fp: str, end: str, value: str, unit: str = "USD_millions", name: str = "") -> str:
    return f"{ticker},capex,{fp},{end},{value},{unit},{SOURCE},{name}"


GOOD = _row("NVDA", "FY2025Q3", "2024-10-27", REF["value_usd_millions"])


@pytest.fixture
def store(home: Path):  # type: ignore[no-untyped-def]
    s = capexwatch.open(home / "cw.duckdb")
    yield s
    s.close()


def _user_rows(store: capexwatch.Store) -> int:
    row = store.con.execute("SELECT count(*) FROM panel WHERE source = 'user'").fetchone()
    return int(row[0]) if row else 0


def test_value_infinite_after_scaling_is_refused(store: capexwatch.Store, tmp_path: Path) -> None:
    p = _csv(tmp_path, GOOD, _row("NVDA", "FY2025Q4", "2025-01-26", "1e300", unit="USD_billions"))
    with pytest.raises(InputFileError, match=r"line 3, column 'value'.*not a finite number"):
        ingest_path(store, p)
    assert _user_rows(store) == 0


def test_negative_capex_is_refused_unless_allowed(store: capexwatch.Store, tmp_path: Path) -> None:
    p = _csv(tmp_path, GOOD, _row("NVDA", "FY2025Q4", "2025-01-26", "-" + REF["value_usd_millions"]))
    with pytest.raises(InputFileError, match=r"line 3, column 'value'.*negative capex") as exc:
        ingest_path(store, p)
    assert "--allow negative" in str(exc.value)
    assert _user_rows(store) == 0
    ingest_path(store, p, allow="negative")
    q = store.quarters("NVDA", "capex", source="user")
    row = q[q["fiscal_period"] == "FY2025Q4"].iloc[0]
    assert row["value"] == -float(REF["value_usd_millions"]) * 1e6
    assert "accepted with --allow negative" in row["note"]


def test_label_contradicting_the_stores_fiscal_year_is_refused(store: capexwatch.Store, tmp_path: Path) -> None:
    # NVIDIA's fiscal year ends in January (universe.toml): 2024-10-27 ends FY2025Q3, not FY2024Q4
    p = _csv(tmp_path, _row("NVDA", "FY2024Q4", "2024-10-27", REF["value_usd_millions"]))
    with pytest.raises(InputFileError, match=r"line 2, column 'fiscal_period'.*FY2024Q4.*is FY2025Q3"):
        ingest_path(store, p)
    assert _user_rows(store) == 0
    ingest_path(store, p, allow=["label-mismatch"])
    note = store.quarters("NVDA", "capex", source="user")["note"].iloc[0]
    assert "accepted with --allow label-mismatch" in note


def test_label_contradicting_an_earlier_row_of_a_new_ticker(store: capexwatch.Store, tmp_path: Path) -> None:
    # a new company: its first row implies a January year end; the second row says otherwise
    p = _csv(
        tmp_path,
        _row("NEWCO", "FY2025Q3", "2024-10-27", REF["value_usd_millions"], name="New Co"),
        _row("NEWCO", "FY2026Q1", "2025-10-26", REF["value_usd_millions"], name="New Co"),
    )
    why = r"line 3, column 'fiscal_period'.*implied by NEWCO's first row\), a quarter ending 2025-10-26 is FY2026Q3"
    with pytest.raises(InputFileError, match=why):
        ingest_path(store, p)


def test_plausible_rows_still_load(store: capexwatch.Store, tmp_path: Path) -> None:
    p = _csv(tmp_path, GOOD, _row("NVDA", "FY2025Q4", "2025-01-26", "1077"))
    assert ingest_path(store, p)["rows"] == 2


def test_cli_refuses_then_allows_by_name(home: Path, tmp_path: Path) -> None:
    env = {"CAPEXWATCH_HOME": str(home)}
    p = _csv(tmp_path, _row("NVDA", "FY2025Q3", "2024-10-27", "-813"))
    res = run_cli("ingest", str(p), env=env)
    assert res.returncode == 2 and "line 2" in res.stderr and "--allow negative" in res.stderr
    res = run_cli("ingest", str(p), "--allow", "bogus", env=env)
    assert res.returncode == 2 and "negative, label-mismatch" in res.stderr
    res = run_cli("ingest", str(p), "--allow", "negative,label-mismatch", env=env)
    assert res.returncode == 0, res.stderr
