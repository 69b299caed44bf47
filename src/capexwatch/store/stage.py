"""Rows staged as Parquet files beside the store, merged into it by set-based SQL at the end.

Why: a long DuckDB transaction keeps its many small inserts (and the frames registered for its
reads) in memory until it ends, so writing batch after batch inside one transaction grew memory
with the size of the input (+400 MB per 400 MB of companyfacts JSON, measured). Staging each batch
to Parquet outside any transaction and merging with one ``INSERT ... SELECT`` per table at the end
keeps the store's single transaction short; DuckDB streams the files into the store. The staged
frames are cast to the tables' own column types and order, so the merge is ``SELECT *``.

Use :meth:`capexwatch.store.db.Store.stage` to open a stage and
:meth:`~capexwatch.store.db.Store.merge_stage` to merge it; always :meth:`Stage.discard` it (or
use it as a context manager). The scratch folder lives beside the store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

import duckdb

from capexwatch.errors import StoreError
from capexwatch.store.schema import KEYS, UNIQUE_BY_WRITES

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MERGE_MEMORY", "Stage", "check_unique_keys"]

#: DuckDB's memory ceiling while merging a stage and committing it; beyond it DuckDB spills to disk
#: (the panel has no primary-key index to hold in memory since schema 4: the 4.6M panel rows of a
#: 200 MB user CSV merge within it, benchmarks/RESULTS.md)
MERGE_MEMORY: Final = "512MB"

#: records a load in the load log: (kind, origin, rows) -> load_id
NewLoad = Callable[[str, str, int], str]


class Stage:
    """Rows for ``entities``, ``facts``, ``panel`` and ``annual``, staged as Parquet files.

    Parameters
    ----------
    directory : the folder beside the store to create for the scratch files
    types : per staged table, column name -> DuckDB type (the table's own, in order)
    """

    TABLES: Final = ("entities", "facts", "panel", "annual")

    def __init__(self, directory: Path, types: dict[str, dict[str, str]]) -> None:
        self.dir = directory / f".capexwatch-stage-{uuid.uuid4().hex[:12]}"
        self.dir.mkdir(parents=True)
        self.types = types
        self.rows = dict.fromkeys(self.TABLES, 0)
        self.files = 0
        # in memory: converts frames to Parquet, and checks a user CSV (pipeline/usercsv_sql.py)
        # within MERGE_MEMORY, spilling to the scratch folder beyond it
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute(f"SET memory_limit = '{MERGE_MEMORY}'")
        self.con.execute(f"SET temp_directory = '{self.dir / 'spill'}'")

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def add(self, table: str, df: pd.DataFrame | None) -> None:
        """Stage the rows of *df* for *table* (one Parquet file; nothing for an empty frame)."""
        if df is None or not len(df):
            return
        types = self.types[table]
        name = f"_cw_stage_{table}"
        self.files += 1
        out = self.dir / f"{table}-{self.files:07d}.parquet"
        self.con.register(name, df.reindex(columns=list(types)))
        try:
            casts = ", ".join(f'CAST("{c}" AS {ty}) AS "{c}"' for c, ty in types.items())
            self.con.execute(f"COPY (SELECT {casts} FROM {name}) TO '{out}' (FORMAT parquet)")
        finally:
            self.con.unregister(name)
        self.rows[table] += len(df)

    def add_sql(self, table: str, select: str) -> None:
        """Stage the rows of the query *select* for *table* (one Parquet file), which returns the
        table's own columns, in order and typed (a query over files already in the stage: DuckDB
        streams them through, no frame in Python)."""
        self.files += 1
        out = self.dir / f"{table}-{self.files:07d}.parquet"
        row = self.con.execute(f"COPY ({select}) TO '{out}' (FORMAT parquet)").fetchone()
        self.rows[table] += int(row[0]) if row else 0

    @property
    def has_rows(self) -> bool:
        return any(self.rows.values())

    def _src(self, table: str) -> str:
        return f"read_parquet('{self.dir}/{table}-*.parquet')"

    def merge(self, con: duckdb.DuckDBPyConnection, new_load: NewLoad, origin: str, *, kind: str = "sec") -> None:
        """Inside the store's open transaction *con*: upsert the staged rows, one statement per table.

        Entities are added only where the ticker is new; facts are appended under a ``facts`` load;
        panel and annual rows replace stored rows with the same key under one load of *kind*
        (``sec``, or ``user-csv`` for a streamed user CSV).
        """
        # for the rest of the write connection, which the store closes at the end of the
        # transaction: the COMMIT's checkpoint is bounded too (it took the merge of a 200 MB user
        # CSV to 1.1 GB when the limit was lifted before it)
        con.execute(f"SET memory_limit = '{MERGE_MEMORY}'")
        self._merge(con, new_load, origin, kind)

    def _merge(self, con: duckdb.DuckDBPyConnection, new_load: NewLoad, origin: str, kind: str) -> None:
        if self.rows["entities"]:
            con.execute(
                f"INSERT INTO entities SELECT * FROM {self._src('entities')} s "
                "WHERE s.ticker NOT IN (SELECT ticker FROM entities)"
            )
        if self.rows["facts"]:
            load_id = new_load("facts", origin, self.rows["facts"])
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            con.execute(
                "INSERT INTO facts SELECT * REPLACE (CAST(? AS VARCHAR) AS load_id, "
                f"CAST(? AS TIMESTAMP) AS loaded_at) FROM {self._src('facts')}",
                [load_id, now],
            )
        n = self.rows["panel"] + self.rows["annual"]
        if not n:
            return
        load_id = new_load(kind, origin, n)
        for table in ("panel", "annual"):
            if not self.rows[table]:
                continue
            src = self._src(table)
            if table in UNIQUE_BY_WRITES:
                check_unique_keys(con, table, src, KEYS[table])
            on = " AND ".join(f"t.{k} = i.{k}" for k in KEYS[table])
            con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM {src} i WHERE {on})")
            # inserted in parallel, in no particular order (a key names one row; reads order by
            # it): half the time, and the COMMIT's checkpoint finds the rows already written
            con.execute("SET preserve_insertion_order = false")
            try:
                con.execute(
                    f"INSERT INTO {table} SELECT * REPLACE (CAST(? AS VARCHAR) AS load_id) FROM {src}", [load_id]
                )
            finally:
                with contextlib.suppress(duckdb.TransactionException):  # a failed insert's error is the one raised
                    con.execute("RESET preserve_insertion_order")

    def discard(self) -> None:
        """Close the converter and delete the scratch folder (safe to call twice)."""
        with contextlib.suppress(Exception):
            self.con.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def check_unique_keys(con: duckdb.DuckDBPyConnection, table: str, source: str, key: list[str]) -> None:
    """Refuse new rows for *table* (the relation *source*) of which two share the *key*.

    A table of :data:`~capexwatch.store.schema.UNIQUE_BY_WRITES` has no primary-key constraint
    to refuse them; every write replaces stored rows by key, so unique new keys keep the table's
    keys unique.

    Raises
    ------
    StoreError
        naming the first repeated key (the caller's transaction rolls back: nothing is written)
    """
    cols = ", ".join(key)
    rows = con.execute(f"SELECT {cols}, count(*) FROM {source} GROUP BY ALL HAVING count(*) > 1 LIMIT 1").fetchall()
    if not rows:
        return
    row = rows[0]
    named = ", ".join(f"{k}={v}" for k, v in zip(key, row[:-1], strict=True))
    raise StoreError(
        f"{row[-1]} new {table} rows share one key ({named}); nothing was written.",
        hint="This is a capexwatch bug: please report it with the command and the input file.",
    )
