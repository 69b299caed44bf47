"""A user CSV checked by DuckDB in one pass: the fast path of `capexwatch ingest FILE.csv`.

Why: Python's ``csv`` module and per-cell checks cost about 20 s per million records (a 200 MB
CSV took 41 s to validate on a quiet machine, benchmarks/RESULTS.md); DuckDB's CSV reader and
set-based SQL do the same file in a few seconds, on both cores.

How it stays the same as the reference (:func:`usercsv._check_row`, through the chunked
column-wise checks, :func:`usercsv.iter_user_csv`): this path **declines** (returns None) unless
it is sure to agree, and the caller then runs the reference path, which loads the file or names
its first bad line. It declines when

* the file could be read differently by DuckDB and by ``csv.reader``: a NUL byte, a lone carriage
  return, a record spanning lines or a blank line (records and lines do not pair up one to one),
  a field longer than ``csv.field_size_limit()``, a header that repeats a name, any error of
  DuckDB's reader; a line with a quote character is parsed again by ``csv.reader`` and must give
  the same fields;
* any row fails a check, or needs a note the reference writes (a waived negative value or label):
  the reference says which row and why;
* a number is not plainly written (``^[+-]?digits[.digits][e[+-]digits]$`` once thousands
  separators are gone: then ``float`` and DuckDB's cast read the same double, both correctly
  rounded).

Every check of a cell that is not a number runs in Python on the column's distinct values with
the reference's own functions (dates, labels, tickers, months, roles, CIKs, citations in notes),
so the two paths cannot read a cell differently. Tests: tests/sources/test_usercsv_sql.py holds
the output of both paths equal on generated files and on every CSV of the test data.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from capexwatch.errors import InputFileError

if TYPE_CHECKING:
    import duckdb

__all__ = ["stage_checked_rows"]

log = logging.getLogger(__name__)

#: the characters ``str.strip()`` removes (``str.isspace``), as an RE2 class
_WS: Final = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()) + "]"

#: a number as written in most files: what ``float`` and DuckDB's cast read alike
_PLAIN_NUMBER: Final = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"

#: quoted lines fetched per batch for ``csv.reader`` to compare (those not written as SQL checks)
_QUOTED_BATCH: Final = 50_000

#: the columns (and types) of a checked row, as :func:`usercsv.iter_user_csv` and
#: :func:`capexwatch.store.load.row_panel_columns` give them
OUT_COLUMNS: Final = {
    "ticker": "VARCHAR", "metric": "VARCHAR", "fiscal_period": "VARCHAR", "period_end": "DATE",
    "period_start": "TIMESTAMP_S", "value": "DOUBLE", "unit": "VARCHAR", "source_url": "VARCHAR",
    "source_kind": "VARCHAR", "note": "VARCHAR", "line": "BIGINT", "fiscal_year": "BIGINT",
    "fiscal_quarter": "BIGINT", "tag": "VARCHAR", "accn": "VARCHAR", "form": "VARCHAR", "filed": "TIMESTAMP_S",
    "method": "VARCHAR", "derived_from": "VARCHAR",
}  # fmt: skip


class _Decline(Exception):  # noqa: N818 - a signal inside this module, never seen by a user
    """This path cannot be sure to agree with the reference; the reason is logged."""


def stage_checked_rows(
    path: Path,
    con: duckdb.DuckDBPyConnection,
    out: Path,
    *,
    known_fye: Mapping[str, int],
) -> list[dict[str, Any]] | None:
    """Check the user CSV *path* with DuckDB (connection *con*) and write its rows to the Parquet
    file *out*, with the columns of the reference path; return the new-entity records, or None
    when this path declines (nothing written; the caller runs the reference path). A row that
    needs a waiver (``--allow``) is left to the reference, which writes the note saying so.

    Parameters
    ----------
    known_fye : fiscal-year-end month of tickers in the store (upper case)

    Never raises for the file's content: whatever is wrong with it, the reference says.
    """
    try:
        header = _header(path)
        if header is None:
            return None
        quoted, lines = _scan_bytes(path)
        n = _read(con, path, header, lines)
        if quoted:
            _same_as_csv_reader(con, path, header, n)
        ents = _checked(con, path, header, out, n, known_fye)
    except _Decline as why:
        log.debug("user CSV %s: the reference path checks it (%s)", path, why)
        out.unlink(missing_ok=True)
        return None
    finally:
        con.execute("DROP VIEW IF EXISTS _cw_rows")
        temp = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, '_cw_')"
        ).fetchall()
        for (table,) in temp:
            con.execute(f"DROP TABLE {table}")
    return ents


# -- reading ---------------------------------------------------------------------------------------
def _header(path: Path) -> list[str] | None:
    """The header (checked as the reference checks it), or None where this path cannot pair lines."""
    from capexwatch.sources.usercsv import _read_header

    try:
        fh = path.open(encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError:
        return None  # the reference says why
    with fh:
        reader = csv.reader(fh)
        try:
            header = _read_header(str(path), reader)
        except InputFileError:
            return None
        if reader.line_num != 1 or len(set(header)) != len(header):
            return None
    return header


def _scan_bytes(path: Path) -> tuple[bool, int]:
    """Decline a file with a NUL byte or a lone carriage return (``csv.reader`` and DuckDB split
    those differently); else whether it has a quote character, and its lines as
    ``csv.reader.line_num`` counts them (a last line without a line break counts). One pass over
    the bytes in 16 MB blocks."""
    prev_cr, quoted, lines, last = False, False, 0, b"\n"
    with path.open("rb") as fh:
        while block := fh.read(1 << 24):
            if b"\x00" in block:
                raise _Decline("a NUL byte")
            if prev_cr and not block.startswith(b"\n"):
                raise _Decline("a lone carriage return")
            if block.count(b"\r") != block.count(b"\r\n") + block.endswith(b"\r"):
                raise _Decline("a lone carriage return")
            prev_cr = block.endswith(b"\r")
            quoted = quoted or b'"' in block
            lines += block.count(b"\n")
            last = block[-1:]
    return quoted, lines + (last != b"\n")


def _read(con: duckdb.DuckDBPyConnection, path: Path, header: list[str], lines: int) -> int:
    """Read the records into ``_cw_raw`` (every field text, in file order: ``rowid``); their count.

    Declines on any error of DuckDB's reader, or where records and lines do not pair up one to
    one (a record on several lines, a blank line): the reference numbers lines then.
    """
    import duckdb

    cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in header) + "}"
    try:
        con.execute(
            "CREATE TEMP TABLE _cw_raw AS SELECT * FROM read_csv(?, header = true, auto_detect = false, "
            f"columns = {cols}, delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
            "null_padding = false, encoding = 'utf-8')",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise _Decline(f"DuckDB's reader: {str(exc).splitlines()[0]}") from None
    n = _count(con, "SELECT count(*) FROM _cw_raw")
    if n == 0 or n + 1 != lines:
        raise _Decline("records and lines do not pair up")
    longest = " , ".join(f"max(length({_q(c)}))" for c in header)
    limit = csv.field_size_limit()
    if any((x or 0) > limit for x in con.execute(f"SELECT {longest} FROM _cw_raw").fetchall()[0]):
        raise _Decline("a field longer than csv.field_size_limit()")
    return n


def _same_as_csv_reader(con: duckdb.DuckDBPyConnection, path: Path, header: list[str], n: int) -> None:
    """Decline unless every line with a quote character gives ``csv.reader``'s fields.

    DuckDB reads the file again as raw lines (as many as records: no record spans lines). A line
    that is its record's fields written back, each plainly (no quote, comma or line break in it)
    or quoted with quotes doubled, or every field quoted, is what ``csv.reader`` reads as those
    fields: checked in SQL. Any other quoted line is parsed by ``csv.reader`` and compared.
    """
    import duckdb

    try:
        con.execute(
            "CREATE TEMP TABLE _cw_lines AS SELECT l FROM read_csv(?, header = true, auto_detect = false, "
            "columns = {'l': 'VARCHAR'}, delim = '\x1f', quote = '', escape = '', strict_mode = true, "
            "null_padding = false, encoding = 'utf-8')",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise _Decline(f"DuckDB's reader, by lines: {str(exc).splitlines()[0]}") from None
    if _count(con, "SELECT count(*) FROM _cw_lines") != n:
        raise _Decline("records and lines do not pair up")
    field = [f"coalesce(r.{_q(c)}, '')" for c in header]
    quoted = [f"""'"' || replace({f}, '"', '""') || '"'""" for f in field]
    special = [" OR ".join(f"contains({f}, {ch})" for ch in ("'\"'", "','", "chr(10)", "chr(13)")) for f in field]
    plain = [f"CASE WHEN {sp} THEN {q} ELSE {f} END" for f, q, sp in zip(field, quoted, special, strict=True)]
    cols = ", ".join(f"r.{_q(c)}" for c in header)
    # every field quoted first (the cheaper test, and what many exporters write), then plain
    odd = con.execute(
        f"""WITH q AS (
            SELECT x.rowid AS rid, x.l, {cols} FROM _cw_lines x JOIN _cw_raw r ON r.rowid = x.rowid
            WHERE contains(x.l, '"') AND x.l <> concat_ws(',', {", ".join(quoted)}))
        SELECT * FROM q r WHERE r.l <> concat_ws(',', {", ".join(plain)})"""
    )
    while batch := odd.fetchmany(_QUOTED_BATCH):
        for _, line, *fields in batch:
            try:
                parsed = list(csv.reader([line]))
            except csv.Error:
                raise _Decline("a quoted line that csv.reader refuses") from None
            if parsed != [[f or "" for f in fields]]:
                raise _Decline("a quoted line that csv.reader reads differently")
    con.execute("DROP TABLE _cw_lines")


# -- checking --------------------------------------------------------------------------------------
def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _strip(col: str) -> str:
    """SQL: the field as ``str.strip()`` leaves it ('' for an empty field)."""
    c = _q(col)
    return (
        f"CASE WHEN {c} IS NULL THEN '' WHEN regexp_matches({c}, '^{_WS}|{_WS}$') "
        f"THEN regexp_replace({c}, '^{_WS}+|{_WS}+$', '', 'g') ELSE {c} END"
    )


def _lookup(con: duckdb.DuckDBPyConnection, name: str, column: str, fn: Callable[[str], Any], **out: str) -> None:
    """Table *name* (``v`` and the columns *out*) of ``fn`` of each distinct value of *column* (an
    expression over ``_cw_rows``); ``fn`` returns a tuple in the order of *out* (or raises: decline)."""
    import pandas as pd

    values = [r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM _cw_rows WHERE {column} <> ''").fetchall()]
    try:
        rows = [(v, *fn(v)) for v in values]
    except (ValueError, OverflowError, KeyError) as exc:
        raise _Decline(f"a {column} the reference refuses ({exc})") from None
    frame = pd.DataFrame(rows, columns=["v", *out]).astype(dict(out) | {"v": object})
    con.execute(f"DROP TABLE IF EXISTS {name}")
    con.register("_cw_frame", frame)
    try:
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM _cw_frame")
    finally:
        con.unregister("_cw_frame")


def _checked(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    header: list[str],
    out: Path,
    n: int,
    known_fye: Mapping[str, int],
) -> list[dict[str, Any]]:
    from capexwatch.facts.periods import anchored_month
    from capexwatch.metrics import METRICS
    from capexwatch.sources import usercsv as ref
    from capexwatch.store.load import note_citations
    from capexwatch.universe import ROLES

    optional = [c for c in ref.OPTIONAL_COLUMNS if c in header]
    cols = ", ".join(f"{_strip(c)} AS {_q(c)}" for c in header)
    # a view: each lookup strips only the column it reads
    con.execute(f"CREATE OR REPLACE TEMP VIEW _cw_rows AS SELECT rowid + 2 AS line, {cols} FROM _cw_raw")
    empty = " OR ".join(f"{_q(c)} = ''" for c in ref.REQUIRED_COLUMNS)
    if _count(con, f"SELECT count(*) FROM _cw_rows WHERE {empty}"):
        raise _Decline("an empty required field")

    def ticker(v: str) -> tuple[str]:
        up = v.upper()
        if not ref._TICKER.match(up):
            raise ValueError(v)
        return (up,)

    def metric_unit(v: str) -> tuple[float, bool]:
        m, u = v.split("\x1f")
        if m not in METRICS or u not in ref.UNITS or (u == "percent") != (METRICS[m].unit == "percent"):
            raise ValueError(v)
        return ref.UNITS[u], m in ref.NON_NEGATIVE_METRICS

    def label(v: str) -> tuple[int, int]:
        m = ref._FISCAL.match(v)
        if not m:
            raise ValueError(v)
        return int(m.group(1)), int(m.group(2))

    def end(v: str) -> tuple[dt.date, int]:
        d = ref._iso_date(v)
        return d, anchored_month(d)[1]

    def start(v: str) -> tuple[dt.date]:
        return (ref._iso_date(v),)

    _lookup(con, "_cw_ticker", "ticker", ticker, up="object")
    pair = "metric || chr(31) || unit"  # one value: each pair checked once
    _lookup(con, "_cw_pair", pair, metric_unit, factor="float64", gross="bool")
    _lookup(con, "_cw_label", "fiscal_period", label, fy="int64", fq="int64")
    _lookup(con, "_cw_end", "period_end", end, day="datetime64[s]", anchor="int64")
    joins = [
        "JOIN _cw_ticker t ON t.v = r.ticker",
        "JOIN _cw_pair p ON p.v = r.metric || chr(31) || r.unit",
        "JOIN _cw_label l ON l.v = r.fiscal_period",
        "JOIN _cw_end e ON e.v = r.period_end",
    ]
    extra = {"start": "NULL::DATE", "fye": "NULL::BIGINT", "cik": "NULL::BIGINT", "role": "NULL", "name": "NULL"}
    # optional column: (check of a distinct value, its result columns, the row's value as SQL)
    checks: dict[str, tuple[str, Callable[[str], Any], dict[str, str], str]] = {
        "period_start": ("start", start, {"day": "datetime64[s]"}, "CAST({a}.day AS DATE)"),
        "fye_month": ("fye", lambda v: (ref._month(v),), {"m": "int64"}, "{a}.m"),
        "role": ("role", lambda v: (ROLES.index(v),), {"i": "int64"}, "nullif(r.role, '')"),
        "cik": ("cik", lambda v: (ref._cik_number(v),), {"n": "int64"}, "{a}.n"),
    }
    for i, (col, (key, fn, result, sql)) in enumerate(checks.items()):
        if col in optional:
            _lookup(con, f"_cw_{col}", col, fn, **result)
            joins.append(f"LEFT JOIN _cw_{col} o{i} ON o{i}.v = r.{col}")
            extra[key] = sql.format(a=f"o{i}")
    if "name" in optional:
        extra["name"] = "nullif(r.name, '')"
    value = "replace(replace(r.value, ',', ''), '_', '')"
    known = _known_table(con, known_fye)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _cw_checked AS
        SELECT r.line, t.up AS ticker, r.metric, r.fiscal_period, e.day AS end_day, e.anchor,
            {extra["start"]} AS start,
            CASE WHEN regexp_matches({value}, '{_PLAIN_NUMBER}')
                THEN TRY_CAST({value} AS DOUBLE) * p.factor END AS value,
            p.gross, l.fy, l.fq, r.unit, r.source, {extra["fye"]} AS given, {extra["cik"]} AS cik,
            {extra["role"]} AS role, {extra["name"]} AS name, k.m AS store_month,
            {_q("source_kind") if "source_kind" in optional else "''"} AS source_kind,
            {"r.note" if "note" in optional else "''"} AS note
        FROM _cw_rows r {" ".join(joins)} LEFT JOIN {known} k ON k.ticker = t.up"""
    )
    con.execute("DROP VIEW _cw_rows")
    con.execute("DROP TABLE _cw_raw")
    if _count(con, "SELECT count(*) FROM _cw_checked") != n:
        raise _Decline("a row lost in a lookup")
    _require_all_rows(con)
    _fiscal_years(con, "fye_month" in optional)
    _labels(con)
    notes = _notes(con, path.name, note_citations)
    expr = {
        "ticker": "c.ticker", "metric": "c.metric", "fiscal_period": "c.fiscal_period", "period_end": "c.end_day",
        "period_start": "c.start", "value": "c.value",
        "unit": "CASE WHEN c.unit = 'percent' THEN 'percent' ELSE 'USD' END", "source_url": "c.source",
        "source_kind": "CASE WHEN c.source_kind = '' THEN 'user' ELSE c.source_kind END", "line": "c.line",
        "fiscal_year": "c.fy", "fiscal_quarter": "c.fq", **{k: v for k, v in notes.items() if k != "join"},
    }  # fmt: skip
    select = ", ".join(f'CAST({expr[c]} AS {t}) AS "{c}"' for c, t in OUT_COLUMNS.items())
    rows = f"SELECT {select} FROM _cw_checked c {notes['join']}"  # any order: rows carry their line
    con.execute(f"COPY ({rows}) TO '{out}' (FORMAT parquet)")
    return _entities(con)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """The one number *sql* selects (every result fetched: DuckDB refuses work on a connection
    with a result left open)."""
    return int(con.execute(sql).fetchall()[0][0])


def _known_table(con: duckdb.DuckDBPyConnection, known_fye: Mapping[str, int]) -> str:
    import pandas as pd

    frame = pd.DataFrame({"ticker": list(known_fye), "m": list(known_fye.values())}).astype({"ticker": object})
    con.register("_cw_known_frame", frame.astype({"m": "int64"}))
    con.execute("CREATE OR REPLACE TEMP TABLE _cw_known AS SELECT * FROM _cw_known_frame")
    con.unregister("_cw_known_frame")
    return "_cw_known"


def _require_all_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Decline unless every row found its lookups and has a finite, plainly written value, that
    needs no waiver (a gross metric below zero), and a period start 1-139 days before its end."""
    from capexwatch.sources.usercsv import _MAX_QUARTER_DAYS

    bad = _count(
        con,
        f"""SELECT count(*) FROM _cw_checked WHERE value IS NULL OR NOT isfinite(value) OR (gross AND value < 0)
        OR (start IS NOT NULL
            AND NOT date_diff('day', start, CAST(end_day AS DATE)) BETWEEN 1 AND {_MAX_QUARTER_DAYS - 1})""",
    )
    if bad:
        raise _Decline(f"{bad} rows the reference must judge (a value, a negative, a period start)")


def _fiscal_years(con: duckdb.DuckDBPyConnection, months_given: bool) -> None:
    """``_cw_years`` (line, after, against, label_checked): the reference's fiscal-year
    bookkeeping over the file. A company's month after a row is the last ``fye_month`` given so
    far, else the one its first row implies; a label is checked against the store's month, else
    the row's own, else that one, and not on a new company's first row that gives none.

    The running "last given" is a window over the rows of companies that give a month at all
    (*months_given*: the file has the column); the others take their first row's month.
    """
    implied = "((anchor - 1 + 3 * (4 - fq)) % 12) + 1"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _cw_firsts AS
        SELECT ticker, min(line) AS first_line, arg_min({implied}, line) AS first_implied,
            bool_or(given IS NOT NULL) AS any_given
        FROM _cw_checked GROUP BY ticker"""
    )
    so_far = "NULL"
    running = ""
    if months_given:
        running = """LEFT JOIN (
            SELECT line, last_value(given IGNORE NULLS) OVER (PARTITION BY ticker ORDER BY line
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS given_so_far
            FROM _cw_checked WHERE ticker IN (SELECT ticker FROM _cw_firsts WHERE any_given)) g USING (line)"""
        so_far = "g.given_so_far"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _cw_years AS
        SELECT c.line, coalesce({so_far}, f.first_implied) AS after,
            coalesce(c.store_month, c.given, {so_far}, f.first_implied) AS against,
            NOT (c.line = f.first_line AND c.given IS NULL AND c.store_month IS NULL) AS label_checked
        FROM _cw_checked c JOIN _cw_firsts f USING (ticker) {running}"""
    )


def _labels(con: duckdb.DuckDBPyConnection) -> None:
    """Decline where a checked label is not the fiscal quarter ending on the row's period end
    (the reference's label, once per distinct month and end)."""
    from capexwatch.sources.usercsv import _fiscal_label

    pairs = con.execute(
        "SELECT DISTINCT y.against, CAST(c.end_day AS DATE) FROM _cw_checked c JOIN _cw_years y USING (line) "
        "WHERE y.label_checked"
    ).fetchall()
    import pandas as pd

    try:
        labels = [(int(m), d, _fiscal_label(int(m), d)) for m, d in pairs]
    except (ValueError, OverflowError) as exc:
        raise _Decline(f"a period end the reference cannot label ({exc})") from None
    frame = pd.DataFrame(labels, columns=["m", "d", "label"]).astype(
        {"m": "int64", "d": "datetime64[s]", "label": object}
    )
    con.register("_cw_labels", frame)
    try:
        bad = _count(
            con,
            """SELECT count(*) FROM _cw_checked c JOIN _cw_years y USING (line) JOIN _cw_labels x
               ON x.m = y.against AND CAST(x.d AS DATE) = CAST(c.end_day AS DATE)
               WHERE y.label_checked AND x.label IS DISTINCT FROM c.fiscal_period""",
        )
    finally:
        con.unregister("_cw_labels")
    if bad:
        raise _Decline(f"{bad} labels that do not fit their period end")


def _notes(con: duckdb.DuckDBPyConnection, name: str, citations: Callable[[str], dict[str, Any]]) -> dict[str, str]:
    """SQL for each row's note and what it cites (:func:`capexwatch.store.load.note_citations`):
    a note the file gives is read once per distinct note; the default note (file and line) is
    read once, with no line, and this path declines where that cites anything (a line number
    could then change what it cites)."""
    import pandas as pd

    from capexwatch.sources.usercsv import _default_note

    keys = ("tag", "accn", "form", "filed", "method", "derived_from")
    if any(v not in (None, "reported") for v in citations(_default_note(name, "")).values()):
        raise _Decline("a file name that reads as a citation")
    prefix = _default_note(name, "").replace("'", "''")
    given = [r[0] for r in con.execute("SELECT DISTINCT note FROM _cw_checked WHERE note <> ''").fetchall()]
    frame = pd.DataFrame([{"v": v, **citations(v)} for v in given], columns=["v", *keys])
    frame = frame.astype({k: object for k in ("v", *keys)})
    try:
        frame["filed"] = pd.to_datetime(frame["filed"])
    except (ValueError, OverflowError):
        raise _Decline("a filing date in a note that is not a date") from None
    con.register("_cw_notes_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE _cw_notes AS SELECT * FROM _cw_notes_frame")
    con.unregister("_cw_notes_frame")
    sql = {k: f"n.{k}" for k in keys}
    sql["method"] = "coalesce(n.method, 'reported')"
    sql["note"] = f"CASE WHEN c.note = '' THEN '{prefix}' || c.line ELSE c.note END"
    sql["join"] = "LEFT JOIN _cw_notes n ON n.v = c.note AND c.note <> ''"
    return sql


def _entities(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The new-entity records the reference leaves: per company, in order of first appearance,
    the last name, role and non-zero CIK given, and its fiscal-year end after its last row."""
    rows = con.execute(
        """SELECT ticker, arg_max(name, line) FILTER (WHERE name IS NOT NULL),
            arg_max(cik, line) FILTER (WHERE cik IS NOT NULL AND cik <> 0),
            arg_max(role, line) FILTER (WHERE role IS NOT NULL), arg_max(y.after, line)
        FROM _cw_checked JOIN _cw_years y USING (line) GROUP BY ticker ORDER BY min(line)"""
    ).fetchall()
    return [
        {"ticker": t, "name": n, "cik": None if c is None else int(c), "role": r, "fye_month": int(m)}
        for t, n, c, r, m in rows
    ]
