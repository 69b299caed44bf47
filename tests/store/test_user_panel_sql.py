"""``user_panel_sql``: a streamed user CSV's panel rows, from all its chunks in one SQL statement,
are the rows ``fill_panel_columns`` (the pandas reference, one frame holding the whole file) gives,
once both are cast to the panel's types as the stage casts them. Also the documented rule itself
on a hand-made case (period starts, calendar quarters, known-at dates)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from capexwatch.store.db import Store
from capexwatch.store.load import fill_panel_columns, row_panel_columns, user_panel_sql
from capexwatch.store.schema import MIGRATIONS

#: quarter ends with gaps inside and outside 75-120 days, and month ends that clamp (31 May less
#: three months is 28 February)
ENDS = [
    dt.date(2024, 12, 31),
    dt.date(2025, 3, 29),
    dt.date(2025, 3, 31),
    dt.date(2025, 5, 31),
    dt.date(2025, 6, 28),
    dt.date(2025, 9, 30),
    dt.date(2026, 2, 28),
]
NOTES = [
    "ingested from my-figures.csv line 7",  # a hyphen: searched, cites nothing
    "us-gaap:PaymentsToAcquirePropertyPlantAndEquipment 0000320193-25-000079 (10-Q, filed 2025-05-02)",
    "derived: FY less Q1-Q3 (10-K/A filed 2026-01-30)",
    "quarter = YTD less H1",
    "plain",
]


def _panel_types() -> dict[str, str]:
    con = duckdb.connect()
    for _, _, statements in MIGRATIONS:
        for sql in statements:
            con.execute(sql)
    return {str(r[0]): str(r[1]) for r in con.execute("DESCRIBE panel").fetchall()}


TYPES = _panel_types()


def _frame(picks: list[tuple[int, int, int, int, bool]]) -> pd.DataFrame:
    rows = []
    for n, (t, e, m, note, given_start) in enumerate(picks):
        end = ENDS[e]
        rows.append(
            {
                "ticker": f"T{t}",
                "metric": ["capex", "revenue", "depreciation"][m],
                "fiscal_period": f"FY{end.year}Q{e % 4 + 1}",
                "period_end": end,
                "period_start": end - dt.timedelta(days=88) if given_start else None,
                "value": float(n) * 1e6,
                "unit": "USD",
                "source_url": "https://example.org",
                "source_kind": "user",
                "note": NOTES[note],
                "line": n + 2,
            }
        )
    df = pd.DataFrame(rows).drop_duplicates(["ticker", "metric", "fiscal_period"]).reset_index(drop=True)
    df["period_start"] = pd.to_datetime(df["period_start"])
    return df


def _cell(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    return v.date() if isinstance(v, pd.Timestamp) else v


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    order = "ticker, metric, fiscal_year, fiscal_quarter, view"
    return [tuple(_cell(v) for v in r) for r in con.execute(f"SELECT * FROM ({sql}) ORDER BY {order}").fetchall()]


def _typed(name: str) -> str:
    """The stage's cast of a registered frame to the panel's types (``Stage.add``)."""
    return "SELECT " + ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in TYPES.items()) + f" FROM {name}"


def _both(df: pd.DataFrame, tmp: Path, split: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    con = duckdb.connect()
    con.register("reference", fill_panel_columns(df.drop(columns="line"), source="user").reindex(columns=list(TYPES)))
    files = []
    for i, part in enumerate((df.iloc[:split], df.iloc[split:])):
        if len(part):
            con.register("part", row_panel_columns(part))
            files.append(tmp / f"csv-{i}.parquet")
            con.execute(f"COPY (SELECT * FROM part) TO '{files[-1]}' (FORMAT parquet)")
            con.unregister("part")
    rows = "read_parquet([" + ", ".join(f"'{f}'" for f in files) + "])"
    return _records(con, user_panel_sql(rows, TYPES)), _records(con, _typed("reference"))


@settings(max_examples=60, deadline=None)
@given(
    picks=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 6), st.integers(0, 2), st.integers(0, 4), st.booleans()),
        min_size=1,
        max_size=30,
    ),
    split=st.integers(0, 30),
)
def test_sql_over_chunks_equals_the_pandas_reference(
    picks: list[tuple[int, int, int, int, bool]], split: int, tmp_path_factory: Any
) -> None:
    got, want = _both(_frame(picks), tmp_path_factory.mktemp("stage"), split)
    assert got == want


def test_the_rule_on_a_hand_made_file(tmp_path: Path) -> None:
    # T0: 31 Dec 2024 (in the second chunk), 29 Mar and 28 Jun 2025; T1: 31 May 2025 alone, and
    # 30 Sep 2025 with its start given
    df = _frame(
        [(0, 1, 0, 4, False), (0, 4, 0, 1, False), (1, 3, 1, 4, False), (1, 5, 1, 2, True), (0, 0, 1, 4, False)]
    )
    got, _ = _both(df, tmp_path, 3)
    col = {c: i for i, c in enumerate(TYPES)}
    latest = {(r[col["ticker"]], r[col["period_end"]]): r for r in got if r[col["view"]] == "latest"}
    assert len(got) == 2 * len(latest) == 10
    t0 = [latest[("T0", e)] for e in (dt.date(2024, 12, 31), dt.date(2025, 3, 29), dt.date(2025, 6, 28))]
    # the day after the previous end (88 and 91 days back), found in another chunk; the first
    # end has none: three months back plus a day
    assert [r[col["period_start"]] for r in t0] == [dt.date(2024, 10, 1), dt.date(2025, 1, 1), dt.date(2025, 3, 30)]
    assert t0[2][col["known_at"]] == dt.date(2025, 5, 2)  # its note cites a 10-Q filed 2 May 2025
    assert t0[2][col["accn"]] == "0000320193-25-000079" and t0[2][col["form"]] == "10-Q"
    t1 = latest[("T1", dt.date(2025, 5, 31))]
    assert t1[col["period_start"]] == dt.date(2025, 3, 1)  # 28 Feb (31 May less 3 months) + 1
    assert t1[col["calendar_quarter"]] == "2025Q2"  # midpoint 15 April
    assert t1[col["known_at"]] == dt.date(2025, 7, 15)  # 45 days after the end, no filing cited
    t1_q3 = latest[("T1", dt.date(2025, 9, 30))]
    assert t1_q3[col["period_start"]] == dt.date(2025, 7, 4)  # as given
    assert t1_q3[col["method"]] == "derived" and t1_q3[col["filed"]] == dt.date(2026, 1, 30)


def test_panel_types_are_the_stores(store: Store) -> None:
    assert {str(r[0]): str(r[1]) for r in store.con.execute("DESCRIBE panel").fetchall()} == TYPES
