"""A user's own figures: the documented CSV format, all-or-nothing loads, errors naming line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from capexwatch.errors import InputFileError
from capexwatch.pipeline.files import ingest_path
from capexwatch.store.db import Store
from tests._support.cli import run_cli

HEADER = "ticker,metric,fiscal_period,period_end,value,unit,source,name\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    p = tmp_path / "mine.csv"
    p.write_text(header + body, encoding="utf-8")
    return p


def test_good_file_loads_new_and_known_tickers(store: Store, tmp_path: Path) -> None:
    p = write(
        tmp_path,
        (
            "NEBX,capex,FY2026Q1,2026-03-31,1.25,USD_billions,https://example.org/call,Nebula Compute\n"
            "NEBX,revenue,FY2026Q1,2026-03-31,400,USD_millions,https://example.org/call,Nebula Compute\n"
            'ORCL,capex,FY2027Q2,2026-11-30,"31,000",USD_millions,earnings call 2026-12-10,\n'
        ),
    )
    out = ingest_path(store, p)
    assert out["rows"] == 3 and out["new_entities"] == 1
    ent = store.entity("NEBX")
    assert ent["name"] == "Nebula Compute" and ent["origin"] == "user" and ent["fye_month"] == 12
    q = store.quarters("NEBX", "capex")
    assert q.iloc[0]["value"] == 1.25e9 and q.iloc[0]["source"] == "user"
    assert q.iloc[0]["source_url"] == "https://example.org/call"
    o = store.quarters("ORCL", "capex")
    assert o.iloc[-1]["fiscal_period"] == "FY2027Q2" and o.iloc[-1]["value"] == 31e9
    assert store.entity("ORCL")["origin"] == "universe"  # a known company keeps its universe record
    # loading the same file again changes nothing (idempotent)
    before = store.counts()["panel"]
    ingest_path(store, p)
    assert store.counts()["panel"] == before


@pytest.mark.parametrize(
    ("body", "line", "column", "words"),
    [
        (
            "X,capex,FY2026Q1,2026-03-31,1,USD,src,\nX,capex,FY2026Q2,2026-06-31,1,USD,src,\n",
            3,
            "period_end",
            "ISO date",
        ),
        ("X,capex,2026Q1,2026-03-31,1,USD,src,\n", 2, "fiscal_period", "FY2025Q3"),
        ("X,capex,FY2026Q1,2026-03-31,abc,USD,src,\n", 2, "value", "not a number"),
        ("X,capex,FY2026Q1,2026-03-31,1,EUR,src,\n", 2, "unit", "USD_millions"),
        ("X,capexx,FY2026Q1,2026-03-31,1,USD,src,\n", 2, "metric", "capex"),
        ("X,capex,FY2026Q1,2026-03-31,1,USD,,\n", 2, "source", "empty"),
        ("X,capex,FY2026Q1,2026-03-31,1,percent,src,\n", 2, "unit", "does not fit"),
        (
            "X,capex,FY2026Q1,2026-03-31,1,USD,src,\nX,capex,FY2026Q1,2026-03-31,2,USD,src,\n",
            3,
            "fiscal_period",
            "duplicate",
        ),
    ],
)
def test_bad_row_names_file_line_column_and_loads_nothing(
    store: Store, tmp_path: Path, body: str, line: int, column: str, words: str
) -> None:
    before = store.counts()
    p = write(tmp_path, body)
    with pytest.raises(InputFileError) as e:
        ingest_path(store, p)
    msg = str(e.value)
    assert str(p) in msg and f"line {line}" in msg and f"column '{column}'" in msg and words in msg
    assert store.counts() == before
    with pytest.raises(Exception):  # noqa: B017 - the new ticker must not exist
        store.entity("X")


def test_missing_column_and_ragged_row(store: Store, tmp_path: Path) -> None:
    p = write(
        tmp_path, "X,capex,FY2026Q1,2026-03-31,1,USD\n", header="ticker,metric,fiscal_period,period_end,value,unit\n"
    )
    with pytest.raises(InputFileError, match="missing required column.*source"):
        ingest_path(store, p)
    p = write(tmp_path, "X,capex,FY2026Q1,2026-03-31,1,USD,src\n")
    with pytest.raises(InputFileError, match="line 2.*expected 8 fields"):
        ingest_path(store, p)


def test_cli_bad_csv_exit_code_and_no_traceback(tmp_path: Path) -> None:
    p = write(tmp_path, "X,capex,FY2026Q1,2026-03-31,1,USD,src,\nX,revenue,FY2026Q1,2026-03-31,oops,USD,src,\n")
    r = run_cli("ingest", str(p))
    assert r.returncode == 2
    assert "line 3" in r.stderr and "column 'value'" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    r = run_cli("quarters", "--ticker", "X", "--metric", "capex")
    assert r.returncode == 2 and "Unknown ticker" in r.stderr  # nothing of the bad file was stored


def test_cli_good_csv_then_quarters_json(tmp_path: Path) -> None:
    import json

    p = write(tmp_path, "PRIV,capex,FY2025Q4,2025-12-31,2.5,USD_billions,https://example.org/10k,Private Co\n")
    r = run_cli("ingest", str(p), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["new_entities"] == 1
    r = run_cli("quarters", "--ticker", "PRIV", "--metric", "capex", "--json")
    rows = json.loads(r.stdout)
    assert rows[0]["value"] == 2.5e9 and rows[0]["source"] == "user" and rows[0]["period_start"] == "2025-10-01"
