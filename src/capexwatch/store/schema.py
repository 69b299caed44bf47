"""The store's schema: table definitions, their keys, and the numbered migrations.

A new table or column is a new entry at the end of :data:`MIGRATIONS` (never an edit of an applied
one): :meth:`capexwatch.store.db.Store.migrate` applies the pending ones in order, one transaction
each, and records each in ``schema_version``. ``NOTES.md`` beside this file describes the tables.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "FACT_COLUMNS",
    "FILING_FACT_COLUMNS",
    "FILING_OBSERVATION_COLUMNS",
    "KEYS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SCHEMA_VERSION_DDL",
    "UNIQUE_BY_WRITES",
]

_PANEL_DDL = """
CREATE TABLE panel (
    ticker VARCHAR NOT NULL, metric VARCHAR NOT NULL,
    fiscal_year INTEGER NOT NULL, fiscal_quarter INTEGER NOT NULL, fiscal_period VARCHAR NOT NULL,
    period_start DATE, period_end DATE NOT NULL, calendar_quarter VARCHAR,
    value DOUBLE, unit VARCHAR NOT NULL, method VARCHAR NOT NULL, status VARCHAR NOT NULL,
    reason VARCHAR, tag VARCHAR, accn VARCHAR, form VARCHAR, filed DATE, known_at DATE,
    source VARCHAR NOT NULL, source_url VARCHAR, source_kind VARCHAR, note VARCHAR,
    derived_from VARCHAR, view VARCHAR NOT NULL, load_id VARCHAR,
    PRIMARY KEY (ticker, metric, fiscal_year, fiscal_quarter, source, view),
    CHECK (fiscal_quarter BETWEEN 1 AND 4),
    CHECK (method IN ('reported', 'derived')),
    CHECK (status IN ('ok', 'not-derivable')),
    CHECK (view IN ('latest', 'first-filed')),
    CHECK (source IN ('sec', 'curated', 'user'))
)
"""

#: the bookkeeping table of applied migrations (created before any migration runs)
SCHEMA_VERSION_DDL: Final = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)"
)

#: numbered schema migrations, applied in order inside one transaction each
MIGRATIONS: Final[list[tuple[int, str, list[str]]]] = [
    (
        1,
        "initial schema",
        [
            """CREATE TABLE entities (
                ticker VARCHAR PRIMARY KEY, name VARCHAR, cik BIGINT, role VARCHAR,
                fye_month INTEGER, big_four BOOLEAN DEFAULT FALSE, notes VARCHAR,
                origin VARCHAR NOT NULL)""",
            """CREATE TABLE loads (
                load_id VARCHAR PRIMARY KEY, loaded_at TIMESTAMP NOT NULL, kind VARCHAR NOT NULL,
                origin VARCHAR, version VARCHAR, rows BIGINT)""",
            """CREATE TABLE facts (
                load_id VARCHAR NOT NULL, loaded_at TIMESTAMP NOT NULL, ticker VARCHAR, cik BIGINT,
                taxonomy VARCHAR, tag VARCHAR, unit VARCHAR, period_start DATE, period_end DATE,
                value DOUBLE, accn VARCHAR, fy INTEGER, fp VARCHAR, form VARCHAR, filed DATE,
                frame VARCHAR)""",
            _PANEL_DDL,
            """CREATE TABLE annual (
                ticker VARCHAR NOT NULL, metric VARCHAR NOT NULL, fiscal_year INTEGER NOT NULL,
                period_end DATE, value DOUBLE, unit VARCHAR NOT NULL, source VARCHAR NOT NULL,
                source_url VARCHAR, source_kind VARCHAR, note VARCHAR, load_id VARCHAR,
                PRIMARY KEY (ticker, metric, fiscal_year, source))""",
            """CREATE TABLE series (
                series_id VARCHAR NOT NULL, date DATE NOT NULL, value DOUBLE, source VARCHAR,
                load_id VARCHAR, PRIMARY KEY (series_id, date))""",
            """CREATE TABLE series_meta (
                series_id VARCHAR PRIMARY KEY, title VARCHAR, units VARCHAR, frequency VARCHAR,
                source VARCHAR)""",
            """CREATE TABLE events (
                event_id VARCHAR PRIMARY KEY, date DATE NOT NULL, entity VARCHAR, counterparty VARCHAR,
                kind VARCHAR NOT NULL, metric VARCHAR, amount DOUBLE, amount_high DOUBLE,
                unit VARCHAR, old_value DOUBLE, new_value DOUBLE, jurisdiction VARCHAR,
                scope VARCHAR, description VARCHAR, source_url VARCHAR NOT NULL,
                source_kind VARCHAR, confidence VARCHAR, load_id VARCHAR)""",
            """CREATE TABLE runs (
                run_id VARCHAR PRIMARY KEY, created_at TIMESTAMP NOT NULL, model VARCHAR NOT NULL,
                scenario VARCHAR, paths BIGINT, seed BIGINT, parameters JSON, outputs JSON)""",
        ],
    ),
    (
        2,
        "facts of filing documents (iXBRL/XBRL) with their dimensions, and their observations",
        [
            # append-only, like `facts`: one row per fact of a filing document that has dimensions
            # or that a metric's axis/member rule reads; `dimensions` is 'axis=member|...' sorted
            # by axis ('' for none), the form facts/dimensions.format_dimensions writes
            """CREATE TABLE filing_facts (
                load_id VARCHAR NOT NULL, loaded_at TIMESTAMP NOT NULL, ticker VARCHAR, cik BIGINT,
                entity_name VARCHAR, accn VARCHAR, form VARCHAR, filed DATE, concept VARCHAR NOT NULL,
                unit VARCHAR, period_start DATE, period_end DATE, value DOUBLE, text VARCHAR,
                decimals INTEGER, dimensions VARCHAR NOT NULL, fact_id VARCHAR, source VARCHAR)""",
            "CREATE INDEX filing_facts_cik_concept ON filing_facts (cik, concept)",
            "CREATE INDEX filing_facts_accn ON filing_facts (accn)",
            # every mapped fact as reported (shares, lives, breakdowns): rebuilt per company from
            # its stored filing facts at each ingest
            """CREATE TABLE filing_observations (
                ticker VARCHAR NOT NULL, metric VARCHAR NOT NULL, series VARCHAR NOT NULL,
                fiscal_year INTEGER, fiscal_period VARCHAR, duration_class VARCHAR,
                period_start DATE, period_end DATE NOT NULL, value DOUBLE, unit VARCHAR,
                concept VARCHAR, dimensions VARCHAR, accn VARCHAR, form VARCHAR, filed DATE,
                source_url VARCHAR, source_kind VARCHAR, load_id VARCHAR)""",
            "CREATE INDEX filing_observations_ticker_metric ON filing_observations (ticker, metric)",
        ],
    ),
    (
        3,
        "curated and user rows are known from their filing date, not before it",
        # stores loaded before: known_at was the earlier of the filing date and period end + 45
        # days, which let --as-of show a figure (and its accession) before it was filed
        ["UPDATE panel SET known_at = filed WHERE source <> 'sec' AND filed IS NOT NULL AND known_at < filed"],
    ),
    (
        4,
        "panel without a primary-key index: the key is kept unique by the writes (UNIQUE_BY_WRITES)",
        # the ART index of the panel's key cost 1.6 GB and 30-38 CPU s to merge the 4.6M rows of a
        # 200 MB user CSV (328 MB and 11.5 s without it, benchmarks/RESULTS.md); every write
        # already replaces by key (DELETE matching rows, then INSERT) and checks the new rows'
        # keys are unique, and no read looks a row up by the whole key
        [
            _PANEL_DDL.replace("CREATE TABLE panel (", "CREATE TABLE panel_v4 (").replace(
                "    PRIMARY KEY (ticker, metric, fiscal_year, fiscal_quarter, source, view),\n", ""
            ),
            "INSERT INTO panel_v4 SELECT * FROM panel",
            "DROP TABLE panel",
            "ALTER TABLE panel_v4 RENAME TO panel",
        ],
    ),
]

#: keyed tables without a primary-key constraint: their writes replace by :data:`KEYS` and refuse
#: new rows whose keys repeat (``Store._check_unique``)
UNIQUE_BY_WRITES: Final = frozenset({"panel"})

#: the schema this capexwatch reads and writes (the last migration)
SCHEMA_VERSION: Final = MIGRATIONS[-1][0]

#: the key of each upserted table (a row with the same key replaces the stored one)
KEYS: Final[dict[str, list[str]]] = {
    "entities": ["ticker"],
    "panel": ["ticker", "metric", "fiscal_year", "fiscal_quarter", "source", "view"],
    "annual": ["ticker", "metric", "fiscal_year", "source"],
    "series": ["series_id", "date"],
    "series_meta": ["series_id"],
    "events": ["event_id"],
}

#: the content columns of the append-only ``facts`` table (``load_id`` and ``loaded_at`` are
#: stamped by the store)
FACT_COLUMNS: Final = [
    "ticker", "cik", "taxonomy", "tag", "unit", "period_start", "period_end", "value", "accn", "fy",
    "fp", "form", "filed", "frame",
]  # fmt: skip

#: the content columns of the append-only ``filing_facts`` table (``load_id``, ``loaded_at`` stamped
#: by the store): :data:`capexwatch.facts.dimensions.DIM_COLUMNS` plus the store's ticker
FILING_FACT_COLUMNS: Final = [
    "ticker", "cik", "entity_name", "accn", "form", "filed", "concept", "unit", "period_start",
    "period_end", "value", "text", "decimals", "dimensions", "fact_id", "source",
]  # fmt: skip

#: the columns of ``filing_observations`` (:data:`capexwatch.facts.dimensions.OBSERVATION_COLUMNS`)
FILING_OBSERVATION_COLUMNS: Final = [
    "ticker", "metric", "series", "fiscal_year", "fiscal_period", "duration_class", "period_start",
    "period_end", "value", "unit", "concept", "dimensions", "accn", "form", "filed", "source_url",
    "source_kind",
]  # fmt: skip
