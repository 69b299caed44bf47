"""SQL for the facts of filing documents (``filing_facts``) and their observations.

``filing_facts`` is append-only, like ``facts``: an ingest appends only the facts not already stored
(same company, accession, concept, dimensions, period and unit), stamped with its load id and time.
``filing_observations`` holds every mapped fact as reported (customer shares, useful lives,
per-segment breakdowns); it is derived, so an ingest replaces a company's rows with those derived
from all its stored filing facts. :class:`~capexwatch.store.db.Store` exposes these as methods; they
take the connection so that they run inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from capexwatch.store.schema import FILING_FACT_COLUMNS, FILING_OBSERVATION_COLUMNS

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

__all__ = [
    "append_filing_facts",
    "new_filing_facts",
    "read_filing_facts",
    "read_filing_observations",
    "replace_filing_observations",
]

#: what makes two filing facts the same fact (values of one filing's duplicates were reconciled
#: by the parser; the same fact in a later filing is another row, with its own accession)
_FACT_KEY: Final = ["cik", "accn", "concept", "dimensions", "period_start", "period_end", "unit"]


def _types(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(str(r[0]), str(r[1])) for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> int:
    types = _types(con, table)
    df = df.reindex(columns=[c for c, _ in types])
    name = f"_cw_{table}_{uuid.uuid4().hex[:8]}"
    con.register(name, df)
    try:
        casts = ", ".join(f"CAST({c} AS {t})" for c, t in types)
        con.execute(f"INSERT INTO {table} SELECT {casts} FROM {name}")
    finally:
        con.unregister(name)
    return len(df)


def new_filing_facts(con: duckdb.DuckDBPyConnection, df: pd.DataFrame) -> pd.DataFrame:
    """The rows of *df* (columns :data:`FILING_FACT_COLUMNS`) not already in ``filing_facts``."""
    if df.empty:
        return df
    types = dict(_types(con, "filing_facts"))
    name = f"_cw_in_ff_{uuid.uuid4().hex[:8]}"
    on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM CAST(i.{k} AS {types[k]})" for k in _FACT_KEY)
    con.register(name, df.reset_index(drop=True).assign(_row=range(len(df))))
    try:
        keep = con.execute(
            f"SELECT i._row FROM {name} i WHERE NOT EXISTS (SELECT 1 FROM filing_facts t WHERE {on}) ORDER BY 1"
        ).fetchall()
    finally:
        con.unregister(name)
    return df.reset_index(drop=True).iloc[[int(r[0]) for r in keep]].reset_index(drop=True)


def append_filing_facts(con: duckdb.DuckDBPyConnection, df: pd.DataFrame, load_id: str) -> int:
    """Append *df* to ``filing_facts`` under *load_id* (the caller filters with :func:`new_filing_facts`)."""
    if df.empty:
        return 0
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return _insert(con, "filing_facts", df.reindex(columns=FILING_FACT_COLUMNS).assign(load_id=load_id, loaded_at=now))


def read_filing_facts(
    con: duckdb.DuckDBPyConnection,
    *,
    cik: int | None = None,
    ticker: str | None = None,
    concept: str | Sequence[str] | None = None,
    dimensional_only: bool = False,
) -> pd.DataFrame:
    """Stored filing facts of one company (by CIK or ticker), oldest load first."""
    where: list[str] = ["TRUE"]
    params: list[Any] = []
    if cik is not None:
        where.append("cik = ?")
        params.append(int(cik))
    if ticker is not None:
        where.append("ticker = ?")
        params.append(ticker.upper())
    if concept is not None:
        where.append("concept IN (SELECT unnest(?))")
        params.append([concept] if isinstance(concept, str) else list(concept))
    if dimensional_only:
        where.append("dimensions <> ''")
    sql = f"""SELECT * FROM filing_facts WHERE {" AND ".join(where)}
              ORDER BY loaded_at, concept, dimensions, period_end, period_start NULLS FIRST"""
    return con.execute(sql, params).df()


def replace_filing_observations(con: duckdb.DuckDBPyConnection, ticker: str, df: pd.DataFrame, load_id: str) -> int:
    """Replace *ticker*'s ``filing_observations`` with *df* (columns :data:`FILING_OBSERVATION_COLUMNS`)."""
    con.execute("DELETE FROM filing_observations WHERE ticker = ?", [ticker.upper()])
    if df.empty:
        return 0
    return _insert(con, "filing_observations", df.reindex(columns=FILING_OBSERVATION_COLUMNS).assign(load_id=load_id))


def read_filing_observations(
    con: duckdb.DuckDBPyConnection,
    ticker: str | Sequence[str] | None = None,
    metric: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Stored observations, sorted by ticker, metric, series, period end."""
    where: list[str] = ["TRUE"]
    params: list[Any] = []
    if ticker is not None:
        where.append("ticker IN (SELECT unnest(?))")
        params.append([t.upper() for t in ([ticker] if isinstance(ticker, str) else ticker)])
    if metric is not None:
        where.append("metric IN (SELECT unnest(?))")
        params.append([metric] if isinstance(metric, str) else list(metric))
    sql = f"""SELECT * FROM filing_observations WHERE {" AND ".join(where)}
              ORDER BY ticker, metric, series, period_end, period_start NULLS FIRST"""
    return con.execute(sql, params).df()
