"""What incoming rows would change in the store: set-based DuckDB joins, no writes.

An update writes only what differs from the store, so that rerunning it is idempotent and its
report can say what was new or revised. Each function here joins a frame of incoming rows against
one table in a single query; one query for a whole batch of companies matters, because per-company
queries cost ~25 ms each in fixed overhead, which would dominate a bulk ingest of thousands of
filers. :class:`~capexwatch.store.db.Store` exposes them as methods (``changed_panel_rows`` and
the rest); they take the connection so that they run inside or outside a transaction alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from capexwatch.store.schema import FACT_COLUMNS

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

__all__ = [
    "changed_annual_rows",
    "changed_panel_rows",
    "changed_rows",
    "changed_series",
    "changed_series_meta",
    "column_types",
    "new_facts",
]

#: the panel's key within one source
_PANEL_KEY: Final = ["ticker", "metric", "fiscal_year", "fiscal_quarter", "view"]
#: panel columns whose change is a change of the row (load_id is bookkeeping, not content)
_PANEL_CONTENT: Final = [
    "fiscal_period", "period_start", "period_end", "calendar_quarter", "value", "unit", "method",
    "status", "reason", "tag", "accn", "form", "filed", "known_at", "source_url", "source_kind",
    "note", "derived_from",
]  # fmt: skip
#: stored panel values returned beside each changed row (``_old_<column>``), to classify the change
_PANEL_OLD: Final = ("value", "status", "accn")
_ANNUAL_KEY: Final = ["ticker", "metric", "fiscal_year"]
_ANNUAL_CONTENT: Final = ["period_end", "value", "unit", "source_url", "source_kind", "note"]


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of *table*, in the table's column order."""
    return {str(r[0]): str(r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()}


def changed_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    incoming: pd.DataFrame,
    key: Sequence[str],
    content: Sequence[str],
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    """Rows of *incoming* whose key is absent from the SEC rows of *table*, or whose content differs.

    Adds ``_is_new`` and ``_old_<c>`` for each column in *extra* (the stored values).
    """
    types = column_types(con, table)
    name = f"_cw_in_{table}"
    cols = [c for c in content if c in incoming.columns]
    on = " AND ".join(f"t.{k} = CAST(i.{k} AS {types[k]})" for k in key)
    differs = " OR ".join(f"t.{c} IS DISTINCT FROM CAST(i.{c} AS {types[c]})" for c in cols)
    olds = "".join(f", t.{c} AS _old_{c}" for c in extra)
    con.register(name, incoming)
    try:
        return con.execute(
            f"""SELECT i.*, t.ticker IS NULL AS _is_new{olds}
                FROM {name} i LEFT JOIN {table} t ON t.source = 'sec' AND {on}
                WHERE t.ticker IS NULL OR {differs}"""
        ).df()
    finally:
        con.unregister(name)


def changed_panel_rows(con: duckdb.DuckDBPyConnection, incoming: pd.DataFrame) -> pd.DataFrame:
    """SEC panel rows (both views) that are new or differ from the stored SEC rows.

    Returns the rows of *incoming* with ``_is_new`` and the stored ``_old_value``,
    ``_old_status`` and ``_old_accn`` (null for a new row).
    """
    return changed_rows(con, "panel", incoming, _PANEL_KEY, _PANEL_CONTENT, _PANEL_OLD)


def changed_annual_rows(con: duckdb.DuckDBPyConnection, incoming: pd.DataFrame) -> pd.DataFrame:
    """SEC fiscal-year rows that are new or differ from the stored SEC rows (with ``_is_new``)."""
    return changed_rows(con, "annual", incoming, _ANNUAL_KEY, _ANNUAL_CONTENT)


def new_facts(con: duckdb.DuckDBPyConnection, facts: pd.DataFrame) -> pd.DataFrame:
    """The facts not already in the store (the facts table is append-only: never append twice)."""
    name = "_cw_incoming_facts"
    types = column_types(con, "facts")
    cols = ", ".join(FACT_COLUMNS)
    casts = ", ".join(f"CAST({c} AS {types[c]}) AS {c}" for c in FACT_COLUMNS)
    con.register(name, facts)
    try:
        return con.execute(
            f"SELECT {casts} FROM {name} EXCEPT SELECT {cols} FROM facts WHERE ticker IN (SELECT unnest(?))",
            [sorted(set(facts["ticker"]))],
        ).df()
    finally:
        con.unregister(name)


def changed_series(con: duckdb.DuckDBPyConnection, obs: pd.DataFrame) -> pd.DataFrame:
    """Observations that are new or differ from the store, with ``is_new`` and ``is_revised`` (the
    value changed; a change of ``source`` alone is provenance, not a revision)."""
    name = "_cw_incoming_series"
    con.register(name, obs)
    try:
        return con.execute(
            f"""SELECT i.series_id, CAST(i.date AS DATE) AS date, i.value, i.source, s.date IS NULL AS is_new,
                       s.date IS NOT NULL AND s.value IS DISTINCT FROM i.value AS is_revised
                FROM {name} i LEFT JOIN series s ON s.series_id = i.series_id AND s.date = CAST(i.date AS DATE)
                WHERE s.date IS NULL OR s.value IS DISTINCT FROM i.value OR s.source IS DISTINCT FROM i.source"""
        ).df()
    finally:
        con.unregister(name)


def changed_series_meta(con: duckdb.DuckDBPyConnection, meta: pd.DataFrame) -> pd.DataFrame:
    """Series metadata rows that are new or differ from the stored ``series_meta``."""
    name = "_cw_incoming_meta"
    con.register(name, meta)
    try:
        return con.execute(
            f"""SELECT i.* FROM {name} i LEFT JOIN series_meta m ON m.series_id = i.series_id
                WHERE m.series_id IS NULL OR (m.title, m.units, m.frequency, m.source)
                      IS DISTINCT FROM (i.title, i.units, i.frequency, i.source)"""
        ).df()
    finally:
        con.unregister(name)
