"""The write-side queries an update relies on: what would change (store/diff.py), staging (store/stage.py).

Expectations are written out by hand from the rows each test stores and offers: a row with the
same key and content is no change; another value is a revision (with the stored value beside it);
another key is new; a series observation whose source alone differs is provenance, not a revision.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from capexwatch.errors import StoreError
from capexwatch.store.db import PANEL_COLUMNS, Store
from capexwatch.store.schema import FACT_COLUMNS, KEYS, MIGRATIONS, SCHEMA_VERSION, SCHEMA_VERSION_DDL, UNIQUE_BY_WRITES


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Store]:
    """A migrated store with no snapshot: every row in it is one the test wrote."""
    s = Store.open(tmp_path / "empty.duckdb")
    try:
        yield s
    finally:
        s.close()


def panel_row(fiscal_quarter: int, value: float, **kw: Any) -> dict[str, Any]:
    end = {1: "2024-03-31", 2: "2024-06-30", 3: "2024-09-30", 4: "2024-12-31"}[fiscal_quarter]
    row: dict[str, Any] = dict.fromkeys(PANEL_COLUMNS)
    row.update(
        ticker="SYN", metric="capex", fiscal_year=2024, fiscal_quarter=fiscal_quarter,
        fiscal_period=f"FY2024Q{fiscal_quarter}", period_end=pd.Timestamp(end), value=value, unit="USD",
        method="reported", status="ok", accn="0000000000-24-000001", source="sec", view="latest",
    )  # fmt: skip
    row.update(kw)
    return row


def fact(value: float, end: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(FACT_COLUMNS)
    row.update(ticker="SYN", cik=1, taxonomy="us-gaap", tag="PaymentsToAcquirePropertyPlantAndEquipment",
               unit="USD", period_end=pd.Timestamp(end), value=value, accn="0000000000-24-000001",
               form="10-Q", filed=pd.Timestamp("2024-05-01"))  # fmt: skip
    return row


def test_changed_panel_rows_new_revised_and_unchanged(empty: Store) -> None:
    empty.write_panel(pd.DataFrame([panel_row(1, 100.0), panel_row(2, 200.0)]), kind="sec", origin="test")
    incoming = pd.DataFrame([panel_row(1, 100.0), panel_row(2, 250.0), panel_row(3, 300.0)])
    got = empty.changed_panel_rows(incoming).sort_values("fiscal_quarter").reset_index(drop=True)
    assert list(got["fiscal_quarter"]) == [2, 3]  # Q1 is stored as offered: no change
    assert list(got["_is_new"]) == [False, True]
    assert got.loc[0, "_old_value"] == 200.0 and got.loc[0, "value"] == 250.0
    assert got.loc[0, "_old_status"] == "ok" and pd.isna(got.loc[1, "_old_value"])


def test_changed_panel_rows_ignore_other_sources(empty: Store) -> None:
    """The diff is against the stored SEC rows: a curated row with the same quarter does not count."""
    empty.write_panel(pd.DataFrame([panel_row(1, 100.0, source="curated")]), kind="snapshot", origin="test")
    got = empty.changed_panel_rows(pd.DataFrame([panel_row(1, 100.0)]))
    assert list(got["_is_new"]) == [True]


def test_provenance_change_is_a_changed_row(empty: Store) -> None:
    empty.write_panel(pd.DataFrame([panel_row(1, 100.0)]), kind="sec", origin="test")
    got = empty.changed_panel_rows(pd.DataFrame([panel_row(1, 100.0, accn="0000000000-25-000009")]))
    assert len(got) == 1 and not got.loc[0, "_is_new"] and got.loc[0, "_old_value"] == 100.0
    assert got.loc[0, "_old_accn"] == "0000000000-24-000001"


def test_new_facts_never_appends_a_fact_twice(empty: Store) -> None:
    empty.append_facts(pd.DataFrame([fact(10.0, "2024-03-31"), fact(20.0, "2024-06-30")]), origin="test")
    offered = pd.DataFrame([fact(10.0, "2024-03-31"), fact(20.0, "2024-06-30"), fact(30.0, "2024-09-30")])
    got = empty.new_facts(offered)
    assert list(got["value"]) == [30.0]
    assert list(got.columns) == FACT_COLUMNS


def test_changed_series_flags_new_revised_and_provenance(empty: Store) -> None:
    stored = pd.DataFrame({
        "series_id": ["X", "X", "X"], "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
        "value": [1.0, 2.0, 3.0], "source": ["a", "a", "a"],
    })  # fmt: skip
    empty.upsert_series(stored, origin="test")
    offered = pd.DataFrame({
        "series_id": ["X", "X", "X", "X"],
        "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]),
        "value": [1.0, 2.5, 3.0, 4.0], "source": ["a", "a", "b", "a"],
    })  # fmt: skip
    got = empty.changed_series(offered).sort_values("date").reset_index(drop=True)
    assert [str(d)[:10] for d in got["date"]] == ["2024-02-01", "2024-03-01", "2024-04-01"]
    assert list(got["is_new"]) == [False, False, True]
    assert list(got["is_revised"]) == [True, False, False]  # a new source alone is not a revision


def test_changed_series_meta(empty: Store) -> None:
    meta = pd.DataFrame([{"series_id": "X", "title": "T", "units": "u", "frequency": "M", "source": "s"}])
    empty.upsert_series(pd.DataFrame(columns=["series_id", "date", "value", "source"]), meta, origin="test")
    assert len(empty.changed_series_meta(meta)) == 0
    assert list(empty.changed_series_meta(meta.assign(title="T2"))["title"]) == ["T2"]


def test_stage_merges_in_one_transaction_and_cleans_up(empty: Store) -> None:
    empty.write_panel(pd.DataFrame([panel_row(1, 100.0)]), kind="sec", origin="test")
    ent = pd.DataFrame([{"ticker": "SYN", "name": "Syn", "cik": 1, "role": "other", "fye_month": 12,
                         "big_four": False, "notes": None, "origin": "sec"}])  # fmt: skip
    with empty.stage() as stage:
        stage.add("entities", ent)
        stage.add("panel", pd.DataFrame([panel_row(1, 150.0), panel_row(2, 200.0)]))
        stage.add("facts", pd.DataFrame([fact(10.0, "2024-03-31")]))
        assert stage.rows == {"entities": 1, "facts": 1, "panel": 2, "annual": 0}
        scratch = stage.dir
        assert scratch.parent == empty.path.parent and list(scratch.glob("*.parquet"))
        empty.merge_stage(stage, origin="bulk.zip")
    assert not scratch.exists()
    q = empty.quarters("SYN", "capex", source="sec")
    assert list(q["value"]) == [150.0, 200.0]  # Q1 replaced by key, Q2 added
    loads = empty.loads().set_index("load_id")
    assert set(loads.loc[q["load_id"], "kind"]) == {"sec"}
    assert empty.counts()["facts"] == 1 and empty.entity("SYN")["name"] == "Syn"


def test_failed_transaction_after_merge_keeps_nothing(empty: Store) -> None:
    before = empty.counts()
    with empty.stage() as stage:
        stage.add("panel", pd.DataFrame([panel_row(1, 150.0)]))
        with pytest.raises(RuntimeError), empty.transaction():
            empty.merge_stage(stage, origin="bulk.zip")
            raise RuntimeError("interrupted")
    assert empty.counts() == before


def test_keys_are_the_tables_primary_keys(empty: Store) -> None:
    """schema.KEYS (what an upsert replaces by) agrees with the PRIMARY KEY of each table's DDL,
    except the tables whose writes keep the key unique (no index: schema 4)."""
    rows = empty.con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
    ).fetchall()
    pks = {str(t): list(cols) for t, cols in rows}
    assert {"panel"} == UNIQUE_BY_WRITES
    for table, key in KEYS.items():
        assert pks.get(table) == (None if table in UNIQUE_BY_WRITES else key), table


def test_panel_checks_survive_the_migration_that_drops_its_key(empty: Store) -> None:
    checks = empty.con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'panel' AND constraint_type = 'CHECK'"
    ).fetchone()
    assert checks == (5,)  # quarter 1-4, method, status, view, source
    with pytest.raises(duckdb.ConstraintException):
        empty.write_panel(pd.DataFrame([panel_row(1, 1.0, view="bogus")]), kind="sec", origin="test")


def test_upsert_refuses_new_rows_that_repeat_a_key(empty: Store) -> None:
    empty.write_panel(pd.DataFrame([panel_row(1, 100.0)]), kind="sec", origin="test")
    before = empty.quarters("SYN", "capex")
    twice = pd.DataFrame([panel_row(1, 150.0), panel_row(2, 200.0), panel_row(1, 160.0)])
    with pytest.raises(StoreError, match="2 new panel rows share one key .*fiscal_quarter=1.*nothing was written"):
        empty.write_panel(twice, kind="sec", origin="test")
    pd.testing.assert_frame_equal(empty.quarters("SYN", "capex"), before)
    # the same key under the other view is another key
    empty.write_panel(pd.DataFrame([panel_row(1, 150.0), panel_row(1, 150.0, view="first-filed")]), kind="sec",
                      origin="test")  # fmt: skip
    assert empty.counts()["panel"] == 2


def test_stage_merge_refuses_a_key_staged_twice(empty: Store) -> None:
    empty.write_panel(pd.DataFrame([panel_row(1, 100.0)]), kind="sec", origin="test")
    before = empty.counts()
    with empty.stage() as stage:
        stage.add("panel", pd.DataFrame([panel_row(2, 200.0)]))
        stage.add("panel", pd.DataFrame([panel_row(2, 210.0)]))  # another batch, the same key
        with pytest.raises(StoreError, match="share one key"):
            empty.merge_stage(stage, origin="bulk.zip")
    assert empty.counts() == before


def test_migration_4_keeps_every_panel_row_of_a_schema_3_store(tmp_path: Path) -> None:
    path = tmp_path / "v3.duckdb"
    con = duckdb.connect(str(path))
    con.execute(SCHEMA_VERSION_DDL)
    for version, description, statements in MIGRATIONS[:3]:
        for sql in statements:
            con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [version, description])
    rows = pd.DataFrame([panel_row(q, 100.0 * q, load_id="L3") for q in (1, 2, 3, 4)])
    con.register("rows", rows.reindex(columns=PANEL_COLUMNS))
    con.execute("INSERT INTO panel SELECT * FROM rows")
    stored = con.execute("SELECT * FROM panel ORDER BY fiscal_quarter").df()
    con.close()
    s = Store.open(path)
    try:
        assert s.schema_version() == SCHEMA_VERSION >= 4
        pd.testing.assert_frame_equal(s.con.execute("SELECT * FROM panel ORDER BY fiscal_quarter").df(), stored)
        pk = s.con.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'panel' AND constraint_type = 'PRIMARY KEY'"
        ).fetchone()
        assert pk == (0,)
        s.write_panel(pd.DataFrame([panel_row(2, 250.0)]), kind="sec", origin="test")  # replaces by key
        assert s.quarters("SYN", "capex").set_index("fiscal_quarter")["value"].to_dict() == {
            1: 100.0, 2: 250.0, 3: 300.0, 4: 400.0
        }  # fmt: skip
    finally:
        s.close()
