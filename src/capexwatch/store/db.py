"""The DuckDB store: opening and migrating the file, transactions, writes and reads.

See ``NOTES.md`` beside this file for the tables and the read/write contract. Every write runs in
one transaction: a failure inside leaves the file exactly as it was. The schema and its
migrations are :mod:`capexwatch.store.schema`; the write-side queries an update needs are
:mod:`capexwatch.store.diff` (what would change) and :mod:`capexwatch.store.stage` (bulk staging),
exposed here as methods. Loading curated inputs (the bundled snapshot, a user's CSV) drives a
Store from :mod:`capexwatch.store.load`; this module never imports it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from capexwatch.errors import NotFoundError, StoreBusyError, StoreError, UnknownTickerError
from capexwatch.facts.select import PANEL_COLUMNS
from capexwatch.store import diff
from capexwatch.store import filings as filing_sql
from capexwatch.store.schema import KEYS, MIGRATIONS, SCHEMA_VERSION, SCHEMA_VERSION_DDL, UNIQUE_BY_WRITES
from capexwatch.store.stage import Stage, check_unique_keys

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AS_OF_FILTER",
    "CURATED_PUBLICATION_LAG_DAYS",
    "PANEL_COLUMNS",
    "SOURCE_PRECEDENCE",
    "Store",
    "connect",
    "corrupt_store_error",
    "is_corrupt_error",
    "is_lock_error",
    "store_error",
    "store_open_error",
]

_log = logging.getLogger("capexwatch.store")


#: ``source="all"``: which source wins for the same quarter (lower wins; ok rows before not-derivable)
SOURCE_PRECEDENCE = {"sec": 0, "user": 1, "curated": 2}

#: days after a quarter's end at which a curated figure with no filing date counts as public
CURATED_PUBLICATION_LAG_DAYS = 45

#: panel rows public by a date (two ``?``): known by then, and their filing (whose value, tag and
#: accession the row shows) filed by then
AS_OF_FILTER = "known_at <= CAST(? AS DATE) AND (filed IS NULL OR filed <= CAST(? AS DATE))"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _as_list(x: str | Sequence[str] | None) -> list[str] | None:
    if x is None:
        return None
    return [x] if isinstance(x, str) else list(x)


class Store:
    """A capexwatch DuckDB store. Use :func:`capexwatch.open` to get one.

    Many readers, one writer, short locks (DuckDB's model: a read-write connection holds an
    exclusive lock on the file, read-only connections of several processes share it). Between
    writes a Store reads through a **read-only** connection, opened when first needed; a write
    (:meth:`transaction`, and every write method, which joins one) closes it, opens the file for
    writing only for the transaction, commits and closes again. So a writable Store blocks no
    reader except during a commit, and an idle one blocks a writer only while its read
    connection is open (:meth:`release` closes it; the next read reopens it). Meeting another
    process's lock, a Store waits up to ``CAPEXWATCH_LOCK_WAIT`` seconds, saying so once.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection | None, path: Path, *, read_only: bool) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only
        self._tx_depth = 0
        self._writing = False
        self._closed = False
        #: the store's generation when this Store first read since its last own commit
        self._seen: tuple[Any, ...] | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The open connection: the write one inside a transaction, else a read-only one
        (opened now if :meth:`release` or a commit closed it)."""
        if self._con is None:
            if self._closed:
                raise StoreError(f"The store {self.path} is closed.", hint="Open it again with capexwatch.open().")
            self._con = connect(self.path, read_only=True)
            if self._seen is None:
                self._seen = self._generation()
        return self._con

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | Path | None = None, *, read_only: bool = False) -> Store:
        """Open the store at *path*; a writable open of a missing or older file creates and
        migrates it (a short write, then read-only as every Store between writes).

        The bundled snapshot is not loaded here: :func:`capexwatch.open` (through
        :func:`capexwatch.store.load.open_store`) loads it on first use.
        """
        db_path = cls.resolve_path(path)
        if read_only and not db_path.exists():
            raise StoreError(
                f"No store at {db_path}.",
                hint="Run any capexwatch command once without read-only access to create it.",
            )
        if not read_only:
            try:
                db_path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"Cannot create the capexwatch home directory {db_path.parent}: {exc.strerror}.",
                    hint="Set CAPEXWATCH_HOME to a directory you can write to.",
                ) from exc
        store = cls(None, db_path, read_only=read_only)
        try:
            if read_only or (db_path.exists() and store.schema_version() == SCHEMA_VERSION):
                store._check_schema()
            else:
                store.migrate()
        except duckdb.Error as exc:
            store.close()
            raise store_open_error(db_path, exc) from exc
        except BaseException:
            store.close()
            raise
        return store

    @staticmethod
    def resolve_path(path: str | Path | None = None) -> Path:
        """The store file *path* names (default: the settings' ``db_path``), user-expanded."""
        from capexwatch.config import get_settings

        return (Path(path) if path is not None else get_settings().db_path).expanduser()

    def needs_migration(self) -> bool:
        """Whether the file's schema is older than this capexwatch's (a writable open migrates it)."""
        return self.schema_version() < SCHEMA_VERSION

    def release(self) -> None:
        """Close the read connection (outside a transaction), so this Store holds no lock on the
        file until its next read. The pipeline calls it before fetching and deriving."""
        if self._con is not None and not self._writing:
            self._con.close()
            self._con = None

    def close(self) -> None:
        """Close the connection."""
        if self._con is not None:
            self._con.close()
            self._con = None
        self._closed = True

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _generation(self) -> tuple[Any, ...] | None:
        """What changes whenever a load or an entity is written (None before the tables exist)."""
        try:
            # fetchall: a result left unfinished blocks the next register() on this connection
            rows = self.con.execute(
                "SELECT (SELECT count(*) FROM loads), (SELECT max(loaded_at) FROM loads), "
                "(SELECT count(*) FROM entities)"
            ).fetchall()
        except duckdb.CatalogException:
            return None
        return tuple(rows[0]) if rows else None

    @contextmanager
    def _write_connection(self, *, check_unchanged: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold the file for writing for the duration (re-entrant): the read connection is closed,
        a write one opened (waiting for other processes' locks), and closed at the end."""
        if self._writing:
            yield self.con
            return
        seen = self._seen
        self.release()
        self._con = connect(self.path, read_only=False)
        self._writing = True
        try:
            if check_unchanged and seen is not None and self._generation() != seen:
                raise StoreError(
                    f"The store {self.path} changed while this command ran (another process wrote to it); "
                    "nothing was written.",
                    hint="Run the command again: it will start from what is stored now.",
                )
            yield self._con
        finally:
            self._writing = False
            self._seen = None
            con, self._con = self._con, None
            con.close()

    # ------------------------------------------------------------------ schema

    def schema_version(self) -> int:
        """The highest applied migration (0 for an empty file)."""
        exists = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        row = self.con.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def _refuse_foreign(self) -> None:
        """Refuse a DuckDB file that holds tables but is not a capexwatch store (no ``schema_version``):
        migrating would write capexwatch's tables into someone else's database."""
        tables = [
            str(r[0])
            for r in self.con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = current_database() ORDER BY table_name"
            ).fetchall()
        ]
        if not tables or "schema_version" in tables:
            return
        shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
        raise StoreError(
            f"{self.path} is a DuckDB database but not a capexwatch store (it holds {shown}); "
            "capexwatch will not add its tables to it.",
            hint="Nothing was changed. Point CAPEXWATCH_DB (or CAPEXWATCH_HOME) at a capexwatch store, or at a "
            "path that does not exist yet to create one.",
        )

    def _check_schema(self) -> None:
        self._refuse_foreign()
        v = self.schema_version()
        if v != SCHEMA_VERSION:
            raise StoreError(
                f"The store {self.path} has schema version {v}; this capexwatch needs {SCHEMA_VERSION}.",
                hint="Open it once without read-only access to migrate it.",
            )

    def migrate(self) -> list[int]:
        """Apply pending migrations, each in its own transaction; returns the versions applied.

        Raises
        ------
        StoreError : the store is open read-only, is another program's DuckDB database, or a newer
            capexwatch's store
        """
        if self.read_only:
            raise StoreError(f"The store {self.path} is open read-only.", hint="Open it without read_only.")
        with self._write_connection():
            self._refuse_foreign()
            return self._migrate()

    def _migrate(self) -> list[int]:
        self.con.execute(SCHEMA_VERSION_DDL)
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"The store {self.path} was written by a newer capexwatch (schema {current} > {SCHEMA_VERSION}).",
                hint="Upgrade capexwatch, or point CAPEXWATCH_HOME elsewhere.",
            )
        applied = []
        for version, description, statements in MIGRATIONS:
            if version <= current:
                continue
            with self.transaction() as con:
                for sql in statements:
                    con.execute(sql)
                con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [version, description, _now()])
            applied.append(version)
        return applied

    @contextmanager
    def transaction(self, *, check_unchanged: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run several writes as one: commit at the end, roll back on any error.

        Re-entrant: a write method called inside an open transaction joins it (DuckDB has no
        nested transactions), so ``with store.transaction(): store.write_panel(...);
        store.upsert_series(...)`` commits both or neither. The file is held for writing only
        from here to the commit. *check_unchanged*: refuse (:class:`StoreError`, nothing
        written) when another process wrote loads or entities since this Store first read,
        because what the caller computed from those reads (a diff) would be stale.
        """
        if self.read_only:
            raise StoreError(f"The store {self.path} is open read-only.", hint="Open it without read_only.")
        if self._tx_depth:
            self._tx_depth += 1
            try:
                yield self.con
            finally:
                self._tx_depth -= 1
            return
        with self._write_connection(check_unchanged=check_unchanged) as con:
            con.execute("BEGIN TRANSACTION")
            self._tx_depth = 1
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            else:
                con.execute("COMMIT")
            finally:
                self._tx_depth = 0

    def _new_load(
        self, con: duckdb.DuckDBPyConnection, kind: str, origin: str, rows: int, version: str | None = None
    ) -> str:
        load_id = uuid.uuid4().hex[:16]
        con.execute("INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?)", [load_id, _now(), kind, origin, version, rows])
        return load_id

    # ------------------------------------------------------------------ loads

    def snapshot_loaded(self) -> str | None:
        """The version of the bundled snapshot loaded into this store, or None."""
        from capexwatch.sources.snapshot import snapshot_version

        row = self.con.execute(
            "SELECT version FROM loads WHERE kind = 'snapshot' AND version = ? LIMIT 1", [snapshot_version()]
        ).fetchone()
        return str(row[0]) if row else None

    # ------------------------------------------------------------------ writes

    def _upsert(self, con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame, key: list[str]) -> int:
        """Replace rows of *table* that share *key* with *df*'s, then insert *df* (same transaction)."""
        if df.empty:
            return 0
        cols = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()]
        df = df.reindex(columns=cols)
        name = f"_incoming_{uuid.uuid4().hex[:8]}"
        con.register(name, df)
        try:
            if table in UNIQUE_BY_WRITES:
                check_unique_keys(con, table, name, key)
            on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM i.{k}" for k in key)
            con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM {name} i WHERE {on})")
            collist = ", ".join(cols)
            casts = ", ".join(f"CAST({c} AS {t})" for c, t in self._types(con, table))
            con.execute(f"INSERT INTO {table} ({collist}) SELECT {casts} FROM {name}")
        finally:
            # after a failed statement DuckDB refuses even this until the rollback: the error
            # that failed it is the one to raise (the view dies with the connection)
            with contextlib.suppress(duckdb.TransactionException):
                con.unregister(name)
        return len(df)

    @staticmethod
    def _types(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()]

    def _write_panel(self, con: duckdb.DuckDBPyConnection, df: pd.DataFrame, load_id: str) -> int:
        return self._upsert(con, "panel", df.assign(load_id=load_id), KEYS["panel"])

    def _upsert_entities(self, con: duckdb.DuckDBPyConnection, df: pd.DataFrame, *, only_missing: bool) -> int:
        if only_missing:
            known = {r[0] for r in con.execute("SELECT ticker FROM entities").fetchall()}
            df = df[~df["ticker"].isin(known)]
        return self._upsert(con, "entities", df, KEYS["entities"])

    def new_load(self, kind: str, origin: str, rows: int, *, version: str | None = None) -> str:
        """Record a load in the load log (inside the current transaction, if any); returns its id."""
        with self.transaction() as con:
            return self._new_load(con, kind, origin, rows, version)

    def upsert(self, table: str, df: pd.DataFrame) -> int:
        """Upsert rows of a keyed table (:data:`~capexwatch.store.schema.KEYS`): a row whose key is
        stored replaces it. Columns missing from *df* are null (stamp ``load_id`` yourself, from
        :meth:`new_load`, inside the same :meth:`transaction`); returns the rows written."""
        if table not in KEYS:
            raise StoreError(f"{table!r} is not a keyed table.", hint=f"Use one of {', '.join(KEYS)}.")
        with self.transaction() as con:
            return self._upsert(con, table, df, KEYS[table])

    def add_entities(self, df: pd.DataFrame, *, only_missing: bool = True) -> int:
        """Add entities; with *only_missing*, tickers already in the store keep their record."""
        with self.transaction() as con:
            return self._upsert_entities(con, df, only_missing=only_missing)

    def write_panel(
        self, df: pd.DataFrame | None, *, kind: str, origin: str, annual: pd.DataFrame | None = None
    ) -> int:
        """Upsert panel rows (columns as :data:`PANEL_COLUMNS`) and, optionally, fiscal-year totals
        (``annual`` table columns) under one load, in one transaction; returns the rows written."""
        n_panel = 0 if df is None else len(df)
        n_annual = 0 if annual is None else len(annual)
        with self.transaction() as con:
            load_id = self._new_load(con, kind, origin, n_panel + n_annual)
            if df is not None and n_panel:
                self._write_panel(con, df, load_id)
            if annual is not None and n_annual:
                self._upsert(con, "annual", annual.assign(load_id=load_id), KEYS["annual"])
        return n_panel + n_annual

    def append_facts(self, df: pd.DataFrame, *, origin: str) -> int:
        """Append raw XBRL facts (append-only, stamped with a load id and time)."""
        with self.transaction() as con:
            return self._append_facts(con, df, origin)

    def _append_facts(self, con: duckdb.DuckDBPyConnection, df: pd.DataFrame, origin: str) -> int:
        load_id = self._new_load(con, "facts", origin, len(df))
        cols = [c for c, _ in self._types(con, "facts")]
        df = df.assign(load_id=load_id, loaded_at=_now()).reindex(columns=cols)
        name = f"_facts_{uuid.uuid4().hex[:8]}"
        con.register(name, df)
        try:
            casts = ", ".join(f"CAST({c} AS {t})" for c, t in self._types(con, "facts"))
            con.execute(f"INSERT INTO facts SELECT {casts} FROM {name}")
        finally:
            con.unregister(name)
        return len(df)

    def upsert_series(self, df: pd.DataFrame, meta: pd.DataFrame | None = None, *, origin: str) -> int:
        """Upsert series observations (series_id, date, value, source) and optional metadata."""
        with self.transaction() as con:
            n = 0
            if len(df):
                load_id = self._new_load(con, "series", origin, len(df))
                n = self._upsert(con, "series", df.assign(load_id=load_id), KEYS["series"])
            if meta is not None and len(meta):
                self._upsert(con, "series_meta", meta, KEYS["series_meta"])
            return n

    def upsert_events(self, df: pd.DataFrame, *, origin: str) -> int:
        """Upsert curated events keyed by event_id."""
        with self.transaction() as con:
            load_id = self._new_load(con, "events", origin, len(df))
            return self._upsert(con, "events", df.assign(load_id=load_id), KEYS["events"])

    def upsert_entity(
        self,
        *,
        ticker: str,
        name: str | None = None,
        cik: int | None = None,
        role: str | None = None,
        fye_month: int | None = None,
        big_four: bool = False,
        notes: str | None = None,
        origin: str = "user",
    ) -> None:
        """Add or replace one entity."""
        import pandas as pd

        row = pd.DataFrame(
            [
                {
                    "ticker": ticker.upper(),
                    "name": name,
                    "cik": cik,
                    "role": role,
                    "fye_month": fye_month,
                    "big_four": big_four,
                    "notes": notes,
                    "origin": origin,
                }
            ]
        )
        with self.transaction() as con:
            self._upsert(con, "entities", row, KEYS["entities"])

    def save_run(
        self,
        *,
        model: str,
        scenario: str | None,
        paths: int,
        seed: int | None,
        parameters: dict[str, Any],
        outputs: dict[str, Any],
    ) -> str:
        """Store a simulation run; returns its run_id."""
        from capexwatch._json import dumps

        run_id = uuid.uuid4().hex[:12]
        with self.transaction() as con:
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    _now(),
                    model,
                    scenario,
                    paths,
                    seed,
                    dumps(parameters, indent=None),
                    dumps(outputs, indent=None),
                ],
            )
        return run_id

    # ------------------------------------------------------------------ what would change (store/diff.py)

    def changed_panel_rows(self, incoming: pd.DataFrame) -> pd.DataFrame:
        """SEC panel rows that are new or differ from the stored ones (:func:`.diff.changed_panel_rows`)."""
        return diff.changed_panel_rows(self.con, incoming)

    def changed_annual_rows(self, incoming: pd.DataFrame) -> pd.DataFrame:
        """SEC fiscal-year rows that are new or differ (:func:`.diff.changed_annual_rows`)."""
        return diff.changed_annual_rows(self.con, incoming)

    def new_facts(self, facts: pd.DataFrame) -> pd.DataFrame:
        """The raw facts not already stored (:func:`.diff.new_facts`)."""
        return diff.new_facts(self.con, facts)

    def changed_series(self, obs: pd.DataFrame) -> pd.DataFrame:
        """Series observations that are new or differ, flagged ``is_new``/``is_revised``
        (:func:`.diff.changed_series`)."""
        return diff.changed_series(self.con, obs)

    def changed_series_meta(self, meta: pd.DataFrame) -> pd.DataFrame:
        """Series metadata that is new or differs (:func:`.diff.changed_series_meta`)."""
        return diff.changed_series_meta(self.con, meta)

    # ------------------------------------------------------------------ bulk staging (store/stage.py)

    def stage(self) -> Stage:
        """A new :class:`~capexwatch.store.stage.Stage` beside this store's file (discard it when done)."""
        return Stage(self.path.parent, {t: diff.column_types(self.con, t) for t in Stage.TABLES})

    def merge_stage(self, stage: Stage, *, origin: str, kind: str = "sec") -> None:
        """Merge the rows of *stage* in one transaction (or the one already open); panel and
        annual rows under one load of *kind*."""
        with self.transaction() as con:
            stage.merge(con, self.new_load, origin, kind=kind)

    # ------------------------------------------------------------------ filing documents (issue 10)

    def new_filing_facts(self, df: pd.DataFrame) -> pd.DataFrame:
        """Rows of *df* (``schema.FILING_FACT_COLUMNS``) not already in ``filing_facts``."""
        return filing_sql.new_filing_facts(self.con, df)

    def append_filing_facts(self, df: pd.DataFrame, *, origin: str) -> int:
        """Append facts of a filing document (append-only, stamped with a load id and time)."""
        with self.transaction() as con:
            return filing_sql.append_filing_facts(con, df, self._new_load(con, "filing-facts", origin, len(df)))

    def replace_filing_observations(self, ticker: str, df: pd.DataFrame, *, origin: str) -> int:
        """Replace *ticker*'s observations (every mapped filing fact as reported) with *df*."""
        with self.transaction() as con:
            load_id = self._new_load(con, "filing-observations", origin, len(df))
            return filing_sql.replace_filing_observations(con, ticker, df, load_id)

    def filing_facts(
        self,
        *,
        cik: int | None = None,
        ticker: str | None = None,
        concept: str | Sequence[str] | None = None,
        dimensional_only: bool = False,
    ) -> pd.DataFrame:
        """Stored facts of filing documents for one company (by CIK or ticker), oldest load first."""
        return filing_sql.read_filing_facts(
            self.con, cik=cik, ticker=ticker, concept=concept, dimensional_only=dimensional_only
        )

    def filing_observations(
        self, ticker: str | Sequence[str] | None = None, metric: str | Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Every mapped filing fact as reported (shares, lives, breakdowns), in the metric's unit."""
        return filing_sql.read_filing_observations(self.con, ticker, metric)

    def compare_sources(self, ticker: str, metric: str | None = None) -> pd.DataFrame:
        """Filing-derived quarters beside secondary figures for the same quarter, with the difference."""
        from capexwatch.store.sources_compare import compare_sources

        return compare_sources(self.con, ticker, metric)

    # ------------------------------------------------------------------ reads

    def facts(self, ticker: str | Sequence[str]) -> pd.DataFrame:
        """The raw XBRL facts stored for *ticker* (one or a list; the ``facts`` table), oldest load first."""
        tickers = [t.upper() for t in _as_list(ticker) or []]
        return self.con.execute(
            "SELECT * FROM facts WHERE ticker IN (SELECT unnest(?)) ORDER BY ticker, loaded_at, filed", [tickers]
        ).df()

    def entities(self) -> pd.DataFrame:
        """All entities (universe companies and those added by ingest)."""
        return self.con.execute("SELECT * FROM entities ORDER BY ticker").df()

    def scope_tickers(self) -> list[str]:
        """The companies the signals and the report concern: universe.toml's (origin
        ``universe``) and those a curated event names (entity or counterparty), sorted.

        Readers push this list into their queries, so that the cost of a report or a signal
        does not grow with every other company a bulk ingest or a big CSV added to the store.
        """
        rows = self.con.execute(
            "SELECT ticker FROM entities WHERE origin = 'universe' "
            "UNION SELECT upper(entity) FROM events WHERE entity IS NOT NULL "
            "UNION SELECT upper(counterparty) FROM events WHERE counterparty IS NOT NULL "
            "ORDER BY 1"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def entity(self, ticker_or_cik: str | int) -> dict[str, Any]:
        """One entity by ticker (case-insensitive) or CIK; raises :class:`UnknownTickerError`.

        A CIK may be given as ``320193``, ``0000320193`` or ``CIK0000320193``. A ticker the store
        does not use is looked up in the SEC's ticker map (:func:`capexwatch.sources.sec.ticker_map`),
        so ``AAPL`` finds a filer stored under its CIK id by an older ingest.
        """
        key = str(ticker_or_cik).strip()
        cik = _cik_of(key)
        if cik is not None:
            row = self.con.execute("SELECT * FROM entities WHERE cik = ?", [cik]).df()
        else:
            row = self.con.execute("SELECT * FROM entities WHERE ticker = ?", [key.upper()]).df()
            if row.empty:
                from capexwatch.sources.sec import ticker_map

                mapped = ticker_map().cik(key)
                if mapped is not None:
                    row = self.con.execute("SELECT * FROM entities WHERE cik = ?", [mapped]).df()
        if row.empty:
            raise UnknownTickerError(
                key, self.con.execute("SELECT ticker FROM entities ORDER BY 1").df()["ticker"].tolist()
            )
        rec = row.iloc[0].to_dict()
        return {k: (None if _isna(v) else v) for k, v in rec.items()}

    def quarters(
        self,
        ticker: str | Sequence[str] | None = None,
        metric: str | Sequence[str] | None = None,
        *,
        view: str = "latest",
        source: str = "all",
        as_of: str | dt.date | None = None,
        ok_only: bool = False,
    ) -> pd.DataFrame:
        """Quarterly panel rows, one per ticker x metric x fiscal quarter (see NOTES.md).

        Parameters
        ----------
        ticker, metric : one name or a list; None for all
        view : ``latest`` (most recently filed) or ``first-filed`` (what was first reported)
        source : ``all`` (precedence sec > user > curated, ok rows first), ``sec``, ``curated``, ``user``
        as_of : keep only rows public by this date: ``known_at <= as_of`` and, where a filing is
            named, ``filed <= as_of`` (a row's value, tag and accession are those of that filing)
        ok_only : drop ``not-derivable`` rows
        """
        if view not in ("latest", "first-filed"):
            raise StoreError(f"Unknown view {view!r}.", hint="Use 'latest' or 'first-filed'.")
        if source not in ("all", *SOURCE_PRECEDENCE):
            raise StoreError(f"Unknown source {source!r}.", hint="Use sec, curated, user or all.")
        where: list[str] = ["view = ?"]
        params: list[Any] = [view]
        tickers = _as_list(ticker)
        metrics = _as_list(metric)
        if tickers is not None:
            where.append("ticker IN (SELECT unnest(?))")
            params.append([t.upper() for t in tickers])
        if metrics is not None:
            where.append("metric IN (SELECT unnest(?))")
            params.append(metrics)
        if source != "all":
            where.append("source = ?")
            params.append(source)
        if as_of is not None:
            where.append(AS_OF_FILTER)
            params.extend([str(as_of)] * 2)
        if ok_only:
            where.append("status = 'ok'")
        prec = " ".join(f"WHEN '{k}' THEN {v}" for k, v in SOURCE_PRECEDENCE.items())
        sql = f"""
            SELECT {", ".join(PANEL_COLUMNS)} FROM panel WHERE {" AND ".join(where)}
            QUALIFY row_number() OVER (
                PARTITION BY ticker, metric, fiscal_year, fiscal_quarter
                ORDER BY (status = 'ok') DESC, CASE source {prec} ELSE 9 END) = 1
            ORDER BY ticker, metric, period_end
        """
        return self.con.execute(sql, params).df()

    def annual(
        self, ticker: str | Sequence[str] | None = None, metric: str | Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Published fiscal-year totals."""
        where: list[str] = ["TRUE"]
        params: list[Any] = []
        if (t := _as_list(ticker)) is not None:
            where.append("ticker IN (SELECT unnest(?))")
            params.append([x.upper() for x in t])
        if (m := _as_list(metric)) is not None:
            where.append("metric IN (SELECT unnest(?))")
            params.append(m)
        return self.con.execute(
            f"SELECT * FROM annual WHERE {' AND '.join(where)} ORDER BY ticker, metric, fiscal_year", params
        ).df()

    def series(
        self,
        series_id: str | Sequence[str] | None = None,
        start: str | dt.date | None = None,
        end: str | dt.date | None = None,
    ) -> pd.DataFrame:
        """Macro observations: series_id, date, value, source (sorted by series and date)."""
        where: list[str] = ["value IS NOT NULL"]
        params: list[Any] = []
        if (s := _as_list(series_id)) is not None:
            where.append("series_id IN (SELECT unnest(?))")
            params.append([x.upper() for x in s])
        if start is not None:
            where.append("date >= CAST(? AS DATE)")
            params.append(str(start))
        if end is not None:
            where.append("date <= CAST(? AS DATE)")
            params.append(str(end))
        return self.con.execute(
            f"SELECT series_id, date, value, source FROM series WHERE {' AND '.join(where)} ORDER BY series_id, date",
            params,
        ).df()

    def series_meta(self) -> pd.DataFrame:
        """Title, units and frequency of each series."""
        return self.con.execute("SELECT * FROM series_meta ORDER BY series_id").df()

    def events(
        self,
        kind: str | Sequence[str] | None = None,
        entity: str | Sequence[str] | None = None,
        as_of: str | dt.date | None = None,
    ) -> pd.DataFrame:
        """Curated events, oldest first."""
        where: list[str] = ["TRUE"]
        params: list[Any] = []
        if (k := _as_list(kind)) is not None:
            where.append("kind IN (SELECT unnest(?))")
            params.append(k)
        if (e := _as_list(entity)) is not None:
            where.append("upper(entity) IN (SELECT unnest(?))")
            params.append([x.upper() for x in e])
        if as_of is not None:
            where.append("date <= CAST(? AS DATE)")
            params.append(str(as_of))
        cols = (
            "event_id, date, entity, counterparty, kind, metric, amount, amount_high, unit, old_value, "
            "new_value, jurisdiction, scope, description, source_url, source_kind, confidence"
        )
        return self.con.execute(
            f"SELECT {cols} FROM events WHERE {' AND '.join(where)} ORDER BY date, event_id", params
        ).df()

    def runs(self, limit: int | None = None) -> pd.DataFrame:
        """Stored simulation runs, newest first (parameters and outputs as JSON text)."""
        sql = "SELECT * FROM runs ORDER BY created_at DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.con.execute(sql).df()

    def run(self, run_id: str) -> dict[str, Any]:
        """One stored run with parameters and outputs decoded; :class:`NotFoundError` if there is none."""
        row = self.con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id]).df()
        if row.empty:
            raise NotFoundError(f"No run {run_id!r} in the store.", hint="List runs with store.runs().")
        rec: dict[str, Any] = dict(row.iloc[0].to_dict())
        rec["parameters"] = json.loads(rec["parameters"])
        rec["outputs"] = json.loads(rec["outputs"])
        return rec

    def loads(self) -> pd.DataFrame:
        """The load log, newest first."""
        return self.con.execute("SELECT * FROM loads ORDER BY loaded_at DESC").df()

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables."""
        out = {}
        for t in ("entities", "facts", "panel", "annual", "series", "events", "runs", "loads"):
            row = self.con.execute(f"SELECT count(*) FROM {t}").fetchone()
            out[t] = int(row[0]) if row else 0
        return out


def _cik_of(key: str) -> int | None:
    """The CIK in *key* (``320193``, ``0000320193``, ``CIK0000320193``), else None (a ticker)."""
    digits = key[3:] if key[:3].upper() == "CIK" else key
    return int(digits) if digits.isdigit() and 0 < len(digits) <= 10 and int(digits) > 0 else None


def _isna(v: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


#: DuckDB's words for a file another process holds ("Could not set lock on file ...: Conflicting
#: lock is held in ..."); a bare "lock" would also match the "block" of a checksum error
_LOCK_MARKERS = ("could not set lock", "conflicting lock")
#: DuckDB's words for a damaged store ("Corrupt database file: computed checksum ... in block at
#: location ..."); a file that is no DuckDB database at all ("not a valid DuckDB database file")
#: is not corrupt but something else, and says so (:func:`store_open_error`)
_CORRUPT_MARKERS = ("corrupt database", "checksum")


def is_lock_error(exc: BaseException) -> bool:
    """Whether *exc* is DuckDB refusing a file that another process holds open."""
    text = str(exc).lower()
    return any(m in text for m in _LOCK_MARKERS)


def is_corrupt_error(exc: BaseException) -> bool:
    """Whether *exc* is DuckDB finding the store file damaged (a block whose checksum does not match)."""
    text = str(exc).lower()
    return any(m in text for m in _CORRUPT_MARKERS)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).splitlines()
    return lines[0] if lines else type(exc).__name__


def corrupt_store_error(path: Path, exc: BaseException) -> StoreError:
    """The :class:`StoreError` for a store file that DuckDB finds damaged, with how to recover."""
    return StoreError(
        f"The store {path} is corrupt: DuckDB cannot read it ({_first_line(exc)}).",
        hint=f"Nothing was changed. Move it aside (mv {path} {path}.corrupt, and its .wal file if there is "
        "one) and rerun: capexwatch builds a "
        "new store from the bundled snapshot; then `capexwatch update` fetches the SEC data again and "
        "`capexwatch ingest` reloads your own files. Or set CAPEXWATCH_HOME to another directory.",
    )


def store_error(path: Path, exc: BaseException) -> StoreError | None:
    """The :class:`StoreError` for a DuckDB error that is about the store file (held by another
    process, corrupt, not writable), met when opening it or later; None for any other error (a bug)."""
    text = str(exc).lower()
    if is_lock_error(exc):
        return StoreBusyError(
            f"The store {path} is in use by another process.",
            hint="Close the other capexwatch (or DuckDB) process, or set CAPEXWATCH_HOME to another directory.",
        )
    if is_corrupt_error(exc):
        return corrupt_store_error(path, exc)
    if isinstance(exc, duckdb.OutOfMemoryException):
        return StoreError(
            f"The store {path} was not changed: DuckDB ran out of memory ({_first_line(exc)}).",
            hint="Close other programs and rerun, or load the input in smaller parts.",
        )
    if "permission" in text or "read-only" in text:
        return StoreError(
            f"Cannot write the store {path}: permission denied.",
            hint="Set CAPEXWATCH_HOME to a directory you can write to.",
        )
    return None


def store_open_error(path: Path, exc: Exception) -> StoreError:
    """The :class:`StoreError` for a DuckDB error met while opening *path* (lock, permission, corrupt file)."""
    known = store_error(path, exc)
    if known is not None:
        return known
    return StoreError(
        f"The store {path} cannot be opened: it is not a valid capexwatch/DuckDB file ({_first_line(exc)}).",
        hint="Nothing was changed. Move the file aside (e.g. rename it to .bak) and rerun to rebuild it "
        "from the bundled snapshot, or set CAPEXWATCH_HOME to another directory.",
    )


def connect(path: Path, *, read_only: bool, wait_s: float | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to *path*, waiting while another process holds a conflicting lock.

    Waits up to *wait_s* seconds (default ``CAPEXWATCH_LOCK_WAIT``, :func:`capexwatch.config.lock_wait_s`),
    logging once that it waits (on stderr when logging is not configured), retrying with a backoff
    from 20 ms doubling to 0.5 s. Any other error, or the lock still held at the end, raises
    :class:`StoreError`.
    """
    from capexwatch.config import lock_wait_s

    wait = lock_wait_s() if wait_s is None else wait_s
    deadline = time.monotonic() + wait
    delay = 0.02
    told = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not is_lock_error(exc):
                raise store_open_error(path, exc) from exc
            left = deadline - time.monotonic()
            if left <= 0:
                raise StoreBusyError(
                    f"The store {path} is in use by another process" + (f" (waited {wait:.0f} s)." if wait else "."),
                    hint="Wait for the other capexwatch (or DuckDB) process to finish, or close it; "
                    "set CAPEXWATCH_LOCK_WAIT to wait longer.",
                ) from exc
            if not told:
                _log.warning(
                    "capexwatch: the store %s is in use by another process; waiting up to %.0f s "
                    "(CAPEXWATCH_LOCK_WAIT) ...",
                    path,
                    wait,
                )
                told = True
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.5)
