"""``fill_panel_columns(previous=...)``: a streamed file's previous quarter ends found once by SQL
(``previous_ends_sql``) give the same panel rows as the whole file's ends handed to each chunk
(``ends=``, the pandas reference), and the period starts follow the documented rule."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from capexwatch.store.load import fill_panel_columns, previous_ends_sql

ENDS = [dt.date(2024, 12, 31), dt.date(2025, 3, 29), dt.date(2025, 3, 31), dt.date(2025, 6, 28), dt.date(2025, 9, 30)]


def _rows(picks: list[tuple[int, int, int, bool]]) -> pd.DataFrame:
    rows = []
    for n, (t, e, m, given_start) in enumerate(picks):
        end = ENDS[e]
        rows.append(
            {
                "ticker": f"T{t}",
                "metric": ["capex", "revenue"][m],
                "fiscal_period": f"FY2025Q{e % 4 + 1}",
                "period_end": end,
                "period_start": end - dt.timedelta(days=80) if given_start else None,
                "value": float(n),
                "unit": "USD",
                "source_url": "s",
                "source_kind": "user",
                "note": f"ingested from f.csv line {n + 2}",
            }
        )
    df = pd.DataFrame(rows)
    df["period_start"] = pd.to_datetime(df["period_start"])
    return df


@settings(max_examples=60, deadline=None)
@given(
    picks=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4), st.integers(0, 1), st.booleans()), min_size=2),
    split=st.integers(1, 30),
)
def test_previous_from_sql_equals_the_whole_files_ends(picks: list[tuple[int, int, int, bool]], split: int) -> None:
    whole = _rows(picks)
    con = duckdb.connect()
    con.register("whole", whole)
    prev = con.execute(f"SELECT ticker, period_end, prev FROM ({previous_ends_sql('whole')})").df()
    ends = con.execute("SELECT DISTINCT ticker, period_end FROM whole").df()
    for chunk in (whole.iloc[:split], whole.iloc[split:]):
        if not len(chunk):
            continue
        chunk = chunk.reset_index(drop=True)
        previous = chunk[["ticker", "period_end"]].assign(period_end=pd.to_datetime(chunk["period_end"]))
        previous = previous.merge(prev.astype({"period_end": "datetime64[ns]"}), how="left")["prev"]
        want = fill_panel_columns(chunk, source="user", ends=ends)
        got = fill_panel_columns(chunk, source="user", previous=previous)
        pd.testing.assert_frame_equal(got, want)


def test_period_start_is_the_day_after_the_previous_end_else_three_months_back() -> None:
    # T0: 2025-03-29 then 2025-06-28 (91 days: a quarter); T1: only 2025-06-28
    df = _rows([(0, 1, 0, False), (0, 3, 0, False), (1, 3, 1, False)])
    con = duckdb.connect()
    con.register("df", df)
    prev = con.execute(f"SELECT * FROM ({previous_ends_sql('df')}) ORDER BY ticker, period_end").df()
    assert prev["prev"].isna().tolist() == [True, False, True]
    previous = df[["ticker", "period_end"]].assign(period_end=pd.to_datetime(df["period_end"]))
    previous = previous.merge(prev.astype({"period_end": "datetime64[ns]"}), how="left")["prev"]
    out = fill_panel_columns(df, source="user", previous=previous)
    starts = out[out["view"] == "latest"]["period_start"].dt.date.tolist()
    assert starts == [dt.date(2024, 12, 30), dt.date(2025, 3, 30), dt.date(2025, 3, 29)]
