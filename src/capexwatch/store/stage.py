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

from capexwatch.store.schema import KEYS

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

__all__ = ["MERGE_MEMORY", "Stage"]

#: DuckDB's memory ceiling while merging a stage; beyond it DuckDB spills to disk, which keeps a
#: whole-EDGAR merge under 2 GB of memory (the panel's primary-key index must fit)
MERGE_MEMORY: Final = "1536MB"

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
        import duckdb

        self.dir = directory / f".capexwatch-stage-{uuid.uuid4().hex[:12]}"
        self.dir.mkdir(parents=True)
        self.types = types
        self.rows = dict.fromkeys(self.TABLES, 0)
        self.files = 0
        self.con = duckdb.connect()  # in memory; only converts frames to Parquet

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
        row = con.execute("SELECT current_setting('memory_limit')").fetchone()
        previous = str(row[0]) if row else None
        con.execute(f"SET memory_limit = '{MERGE_MEMORY}'")
        try:
            self._merge(con, new_load, origin, kind)
        finally:
            if previous:
                con.execute(f"SET memory_limit = '{previous}'")

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
            on = " AND ".join(f"t.{k} = i.{k}" for k in KEYS[table])
            con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM {src} i WHERE {on})")
            con.execute(f"INSERT INTO {table} SELECT * REPLACE (CAST(? AS VARCHAR) AS load_id) FROM {src}", [load_id])

    def discard(self) -> None:
        """Close the converter and delete the scratch folder (safe to call twice)."""
        with contextlib.suppress(Exception):
            self.con.close()
        shutil.rmtree(self.dir, ignore_errors=True)
