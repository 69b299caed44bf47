"""A user's own figures: the documented CSV format of ``capexwatch ingest FILE.csv``.

Required columns: ``ticker, metric, fiscal_period, period_end, value, unit, source``.
Optional: ``period_start`` (ISO date), ``name`` (company name, for a new ticker), ``fye_month``
(1-12, for a new ticker; otherwise inferred from ``fiscal_period`` and ``period_end``), ``role``,
``cik``, ``source_kind`` (default ``user``), ``note``.

- ``metric``: a canonical metric name (``capexwatch metrics``).
- ``fiscal_period``: ``FY2025Q3`` (the company's own fiscal year, named by the calendar year in which
  it ends).
- ``unit``: ``USD``, ``USD_millions``, ``USD_billions`` or ``percent`` (percent only for percent
  metrics); values are stored in base units (USD).
- ``source``: where the figure comes from (URL or citation); required: a number with no source is
  a bug.

Validation is all-or-nothing: the first bad cell raises :class:`~capexwatch.errors.InputFileError`
naming the file, line and column, and nothing of the file is loaded. Two checks refuse figures
that are well-formed but implausible; each can be waived by name (``capexwatch ingest FILE.csv
--allow negative,label-mismatch``, ``allow=`` here), and a waived row says so in its ``note``:

- ``negative``: a negative value of a gross capex metric (:data:`NON_NEGATIVE_METRICS`);
- ``label-mismatch``: a ``fiscal_period`` that is not the fiscal quarter ending on ``period_end``
  under the company's fiscal-year end (the store's, else the ``fye_month`` column, else the one
  the ticker's first row implies).

A big file is read as a
stream (:func:`iter_user_csv`: chunks of :data:`CHUNK_ROWS` records, never the whole text in
memory); duplicate keys are checked over the whole file at the end (:func:`check_duplicates`).

Each chunk is checked column by column (:func:`_check_columns`: a check of one cell runs once
per distinct value, numbers are read in C); a chunk that fails any check is checked again row
by row (:func:`_check_row`, the reference the column-wise checks are tested against), which
names the first bad line. Python's ``csv`` module reads the file in both cases, so what a
field is (quotes, line breaks inside quotes, blank lines) and each record's line number are
those of ``csv.reader``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from capexwatch.errors import InputFileError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = [
    "ALLOW",
    "CHUNK_ROWS",
    "NON_NEGATIVE_METRICS",
    "REQUIRED_COLUMNS",
    "UNITS",
    "check_duplicates",
    "iter_user_csv",
    "parse_allow",
    "parse_user_csv",
]

#: records per chunk of a streamed CSV: ~70 MB of records and their checked rows in memory at a time
CHUNK_ROWS: Final = 100_000

REQUIRED_COLUMNS = ("ticker", "metric", "fiscal_period", "period_end", "value", "unit", "source")
OPTIONAL_COLUMNS = ("period_start", "name", "fye_month", "role", "cik", "source_kind", "note")
UNITS = {"USD": 1.0, "USD_millions": 1e6, "USD_billions": 1e9, "percent": 1.0}
_FISCAL = re.compile(r"^FY(\d{4})Q([1-4])$")
_TICKER = re.compile(r"^[A-Za-z0-9.\-]{1,12}$")


#: the checks a user may waive, by the name ``--allow`` takes
ALLOW: Final = ("negative", "label-mismatch")

#: metrics that are gross cash payments for property and equipment: the cash-flow statement shows
#: them as outflows in parentheses, but the figure (and every XBRL fact of their tag chains,
#: ``metrics.py``) is positive, so a negative one is a sign slip. ``capex_net`` is net of
#: proceeds and may be negative.
NON_NEGATIVE_METRICS: Final = frozenset({"capex", "capex_incl_finance_leases"})


def parse_allow(values: str | Iterable[str] | None, path: str = "--allow") -> frozenset[str]:
    """The waived checks named in *values* (comma-separated strings); an unknown name is refused.

    Raises
    ------
    InputFileError : a name that is not in :data:`ALLOW`
    """
    items = [values] if isinstance(values, str) else list(values or ())
    names = {x.strip() for v in items for x in v.split(",") if x.strip()}
    unknown = sorted(names - set(ALLOW))
    if unknown:
        raise InputFileError(
            path, f"unknown --allow {', '.join(unknown)}", hint="Allowed: " + ", ".join(ALLOW) + " (comma-separated)."
        )
    return frozenset(names)


def _waive(p: str, line: int, column: str, check: str, problem: str, allow: frozenset[str], notes: list[str]) -> None:
    """Refuse the row for *problem*, or, where *check* is waived, note that it was accepted anyway."""
    if check not in allow:
        raise InputFileError(
            p,
            problem,
            line=line,
            column=column,
            hint=f"Correct the row; to load it as it is, rerun with --allow {check} (the row's note will say so).",
        )
    notes.append(_accepted(check, problem))


def _accepted(check: str, problem: str) -> str:
    """The note of a row loaded although *check* found *problem* (the user waived it)."""
    return f"accepted with --allow {check}: {problem}"


def _fye_to_check(ticker: str, fye: int | None, ent: Mapping[str, Any], known: Mapping[str, int]) -> tuple[int, str]:
    """The fiscal-year-end month a row's label is checked against, and where it comes from."""
    if ticker in known:
        return known[ticker], _fye_source(0, ticker)
    if fye is not None:
        return fye, _fye_source(1, ticker)
    return int(ent["fye_month"]), _fye_source(2, ticker)


def _fye_source(code: int, ticker: str) -> str:
    """Where the month a label is checked against comes from: 0 the store, 1 the row, 2 the first row."""
    return ("the store's", "column fye_month", f"implied by {ticker}'s first row")[code]


def _fiscal_label(fye: int, end: dt.date) -> str | None:
    """The fiscal quarter (``FY2025Q3``) ending on *end* when the fiscal year ends in month *fye*."""
    from capexwatch.facts.periods import FiscalCalendar

    return FiscalCalendar(fye).label(None, end).fiscal_period


def _label_problem(fiscal_period: str, end: dt.date, fye: int, fye_from: str) -> str | None:
    """Why *fiscal_period* is not the fiscal quarter ending *end* (None when it is)."""
    from capexwatch.facts.periods import FiscalCalendar

    lab = FiscalCalendar(fye).label(None, end)
    if lab.fiscal_period == fiscal_period:
        return None
    actual = lab.fiscal_period or f"not near a quarter end of FY{lab.fiscal_year}"
    return (
        f"{fiscal_period} does not fit period_end {end}: with the fiscal year ending in month {fye} "
        f"({fye_from}), a quarter ending {end} is {actual}"
    )


#: the years a period may end in: quarters are labelled with four-digit years and no filing
#: predates 1900 (the CLI's date options use the same bounds)
YEAR_MIN, YEAR_MAX = 1900, 2199


def _iso_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` in years :data:`YEAR_MIN` .. :data:`YEAR_MAX`; ValueError otherwise."""
    day = dt.date.fromisoformat(text)
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise ValueError(f"year {day.year} outside {YEAR_MIN}-{YEAR_MAX}")
    return day


def _date(path: str, line: int, col: str, text: str) -> dt.date:
    try:
        return _iso_date(text)
    except ValueError:
        raise InputFileError(
            path,
            f"{text!r} is not an ISO date in {YEAR_MIN}-{YEAR_MAX}",
            line=line,
            column=col,
            hint="Write dates as YYYY-MM-DD.",
        ) from None


def parse_user_csv(
    path: str | Path,
    *,
    allow: Iterable[str] = (),
    fye_months: Mapping[str, int] | None = None,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Validate a user CSV; return (curated-style rows, new-entity records).

    The whole file in one frame; :func:`iter_user_csv` streams a big one.

    Parameters
    ----------
    allow : checks to waive, from :data:`ALLOW` (a waived row is loaded with a note saying so)
    fye_months : the fiscal-year-end month of tickers the store knows (checked labels use it)

    Raises
    ------
    InputFileError
        naming file, line and column of the first problem
    """
    import pandas as pd

    entities: dict[str, dict[str, Any]] = {}
    df = pd.concat(list(iter_user_csv(path, entities, allow=allow, fye_months=fye_months)), ignore_index=True)
    check_duplicates(str(path), df)
    return df.drop(columns="line"), list(entities.values())


def check_duplicates(path: str, keys: pd.DataFrame) -> None:
    """Refuse the first row (by line) whose ticker, metric and fiscal period an earlier row had.

    *keys*: at least ``ticker, metric, fiscal_period, line`` (every row, or only those of
    duplicated keys: the answer is the same).
    """
    cols = ["ticker", "metric", "fiscal_period"]
    k = keys[[*cols, "line"]].sort_values("line", kind="stable")
    dup = k.duplicated(cols, keep="first")
    if not dup.any():
        return
    second = k[dup].iloc[0]
    same = (k["ticker"] == second["ticker"]) & (k["metric"] == second["metric"])
    first = int(k[same & (k["fiscal_period"] == second["fiscal_period"])]["line"].iloc[0])
    raise InputFileError(
        path,
        f"duplicate {second['ticker']} {second['metric']} {second['fiscal_period']} (first on line {first})",
        line=int(second["line"]),
        column="fiscal_period",
    )


def iter_user_csv(
    path: str | Path,
    entities: dict[str, dict[str, Any]],
    *,
    chunk_rows: int = CHUNK_ROWS,
    allow: Iterable[str] = (),
    fye_months: Mapping[str, int] | None = None,
) -> Iterator[pd.DataFrame]:
    """Validate a user CSV as a stream: yield frames of at most *chunk_rows* validated rows (with
    the CSV ``line`` of each), and fill *entities* (ticker -> new-entity record) as it goes.

    Duplicate keys are not checked here (they can be chunks apart): the caller runs
    :func:`check_duplicates` over the whole file before storing anything.

    Raises
    ------
    InputFileError
        naming file, line and column of the first problem (the caller stores nothing)
    """
    p = str(path)
    waived = parse_allow(allow, p)
    known_fye = {k.upper(): int(v) for k, v in (fye_months or {}).items()}
    try:
        fh = Path(path).open(encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InputFileError(p, f"cannot read the file ({exc.strerror})") from exc
    with fh:
        yield from _validated_chunks(p, fh, entities, chunk_rows, waived, known_fye)


def _validated_chunks(
    p: str,
    fh: Any,
    entities: dict[str, dict[str, Any]],
    chunk_rows: int,
    waived: frozenset[str],
    known_fye: Mapping[str, int],
) -> Iterator[pd.DataFrame]:
    """Read *chunk_rows* records at a time and check each chunk column by column.

    A chunk the column-wise checks find fault with is checked again row by row (the reference,
    :func:`_check_row`), which names the first bad line exactly as a row-by-row reader would.
    """
    reader = csv.reader(fh)
    rules = _Rules(p, Path(p).name, _read_header(p, reader), waived, known_fye)
    last = reader.line_num  # the last line of the last record read
    any_rows = False
    while True:
        with _gc_paused():
            recs, failure = _read_records(reader, chunk_rows)
            lines = _record_lines(recs, last, reader.line_num)
            df = _checked_chunk(rules, recs, lines, entities) if recs else None
        if df is not None:
            last = int(lines[-1])
            if len(df):
                any_rows = True
                yield df
        if failure is not None:
            raise _read_error(p, failure, last) from failure
        if df is None:
            break
    if not any_rows:
        raise InputFileError(p, "no data rows", line=2, hint="Add one row per figure below the header.")


@dataclass(frozen=True)
class _Rules:
    """What a row is checked against: the file, its header, the waived checks, the store's fiscal years."""

    path: str
    name: str  # the file's name, for the default note (once: a Path per row cost a fifth of the time)
    header: list[str]
    waived: frozenset[str]
    known_fye: Mapping[str, int]


def _read_header(p: str, reader: Any) -> list[str]:
    """The header's column names, checked: required present, none unknown."""
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputFileError(
            p, "the file is empty", line=1, hint="The first line must name the columns: " + ", ".join(REQUIRED_COLUMNS)
        ) from None
    except csv.Error as exc:
        raise InputFileError(p, f"not valid CSV ({exc})", line=1) from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(p, f"not UTF-8 text (byte {exc.start})", hint="Save the CSV as UTF-8.") from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputFileError(
            p,
            "missing required column(s): " + ", ".join(missing),
            line=1,
            hint="Required: " + ", ".join(REQUIRED_COLUMNS) + "; optional: " + ", ".join(OPTIONAL_COLUMNS) + ".",
        )
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise InputFileError(
            p,
            "unknown column(s): " + ", ".join(unknown),
            line=1,
            hint="Allowed: " + ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS) + ".",
        )
    return header


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a chunk is read and checked.

    Why: each record is a new list, and the collector, triggered by every few hundred new
    containers, walks all of the chunk's records (and every company seen so far) again and
    again: reading a 40 MB file took 2.3x as long with it running, checking it 1.3x (measured).
    Records hold only strings; whatever cycles the checks leave are collected when it resumes.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _read_records(reader: Any, n: int) -> tuple[list[list[str]], BaseException | None]:
    """Up to *n* records (fewer at the end of the file), and the read error that stopped them, if any.

    The records before an error are returned: a bad row among them is named before the error.
    """
    recs: list[list[str]] = []
    try:
        recs.extend(itertools.islice(reader, n))  # in C; records already read stay in the list
    except (csv.Error, UnicodeDecodeError) as exc:
        return recs, exc
    return recs, None


def _record_lines(recs: list[list[str]], before: int, after: int) -> npt.NDArray[np.int64]:
    """The line on which each record ends (``csv.reader.line_num`` after it), read *before*..*after*.

    A record spans one line plus one per line break inside its quoted fields (``\\r\\n`` is one).
    Most chunks have none, and their records sit on consecutive lines. A quote left open at the
    end of the file ends a field with a line break that no further line follows: the last record
    ends on the file's last line.
    """
    import numpy as np

    if after - before == len(recs):
        return np.arange(before + 1, after + 1, dtype=np.int64)
    spans = np.fromiter((1 + sum(_breaks(x) for x in rec) for rec in recs), dtype=np.int64, count=len(recs))
    return np.minimum(before + np.cumsum(spans), after)


def _breaks(text: str) -> int:
    """Line breaks in *text*: ``\\n``, ``\\r`` and ``\\r\\n`` (one), as a text file splits lines."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _read_error(p: str, exc: BaseException, line: int) -> InputFileError:
    """The error for a file the CSV reader could not read past *line*."""
    if isinstance(exc, UnicodeDecodeError):
        return InputFileError(p, f"not UTF-8 text (after line {line})", hint="Save the CSV as UTF-8.")
    return InputFileError(p, f"not valid CSV ({exc})", line=line)


def _checked_chunk(
    rules: _Rules, recs: list[list[str]], lines: npt.NDArray[np.int64], entities: dict[str, dict[str, Any]]
) -> pd.DataFrame:
    """The chunk's validated rows (blank records left out); *entities* updated.

    Column by column first; if that finds any row at fault, row by row (:func:`_check_row`), which
    raises for the first bad line (and, should the two ever disagree, is the one that counts).
    """
    try:
        return _check_columns(rules, recs, lines, entities)
    except _BadChunk:
        pass
    rows = [r for rec, line in zip(recs, lines.tolist(), strict=True) if (r := _check_row(rules, rec, line, entities))]
    return _frame(rows) if rows else _frame([])


# -- row by row: the reference ---------------------------------------------------------------------
def _check_row(rules: _Rules, rec: list[str], line: int, entities: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """One record checked (None for a blank one), its company recorded in *entities*.

    The reference for :func:`_check_columns` (tested against it): raises
    :class:`InputFileError` for the first problem of the row, in the order written here.
    """
    from capexwatch.facts.periods import anchored_month
    from capexwatch.metrics import METRICS
    from capexwatch.universe import ROLES

    p, header, waived, known_fye = rules.path, rules.header, rules.waived, rules.known_fye
    if not any(x.strip() for x in rec):
        return None
    if len(rec) != len(header):
        raise InputFileError(
            p, f"expected {len(header)} fields, found {len(rec)}", line=line, hint="Quote fields that contain commas."
        )
    r = {h: v.strip() for h, v in zip(header, rec, strict=True)}
    for col in REQUIRED_COLUMNS:
        if not r[col]:
            raise InputFileError(p, "empty value", line=line, column=col)
    ticker = r["ticker"].upper()
    if not _TICKER.match(ticker):
        raise InputFileError(
            p,
            f"{r['ticker']!r} is not a ticker",
            line=line,
            column="ticker",
            hint="Use 1-12 letters, digits, '.' or '-'.",
        )
    metric = r["metric"]
    if metric not in METRICS:
        raise InputFileError(
            p,
            f"unknown metric {metric!r}",
            line=line,
            column="metric",
            hint="Known metrics: " + ", ".join(METRICS) + ".",
        )
    fpm = _FISCAL.match(r["fiscal_period"])
    if not fpm:
        raise InputFileError(
            p,
            f"{r['fiscal_period']!r} is not a fiscal quarter",
            line=line,
            column="fiscal_period",
            hint="Write it like FY2025Q3.",
        )
    end = _date(p, line, "period_end", r["period_end"])
    start = _date(p, line, "period_start", r["period_start"]) if r.get("period_start") else None
    if start is not None and not 0 < (end - start).days < _MAX_QUARTER_DAYS:
        raise InputFileError(p, f"period {start}..{end} is not a quarter", line=line, column="period_start")
    unit = r["unit"]
    if unit not in UNITS:
        raise InputFileError(
            p, f"unknown unit {unit!r}", line=line, column="unit", hint="Use one of: " + ", ".join(UNITS) + "."
        )
    if (unit == "percent") != (METRICS[metric].unit == "percent"):
        raise InputFileError(
            p, f"unit {unit!r} does not fit metric {metric!r} ({METRICS[metric].unit})", line=line, column="unit"
        )
    try:
        value = float(_plain_number(r["value"]))
    except ValueError:
        raise InputFileError(p, f"{r['value']!r} is not a number", line=line, column="value") from None
    value *= UNITS[unit]  # base units (USD); 1e300 billions is no longer a finite number
    if not math.isfinite(value):
        raise InputFileError(
            p, f"{r['value']!r} {unit} is not a finite number of {METRICS[metric].unit}", line=line, column="value"
        )
    row_notes: list[str] = []
    if value < 0 and metric in NON_NEGATIVE_METRICS:
        _waive(p, line, "value", "negative", _negative_problem(metric, r["value"]), waived, row_notes)
    fye = None
    if r.get("fye_month"):
        try:
            fye = _month(r["fye_month"])
        except ValueError:
            raise InputFileError(p, f"{r['fye_month']!r} is not a month 1-12", line=line, column="fye_month") from None
    if r.get("role") and r["role"] not in ROLES:
        raise InputFileError(
            p, f"unknown role {r['role']!r}", line=line, column="role", hint="Use one of: " + ", ".join(ROLES) + "."
        )
    cik = None
    if r.get("cik"):
        if not _is_cik(r["cik"]):
            raise InputFileError(p, f"{r['cik']!r} is not a CIK", line=line, column="cik")
        cik = int(r["cik"])
    q = int(fpm.group(2))
    ent = entities.setdefault(ticker, _new_entity(ticker))
    ent["name"] = r.get("name") or ent["name"]
    ent["role"] = r.get("role") or ent["role"]
    ent["cik"] = cik or ent["cik"]
    # the fiscal year ends 3*(4-q) months after this quarter's end
    first_fye = ent["fye_month"] is None and fye is None and ticker not in known_fye
    ent["fye_month"] = fye or ent["fye_month"] or _implied_fye(anchored_month(end)[1], q)
    if not first_fye:
        mismatch = _label_problem(r["fiscal_period"], end, *_fye_to_check(ticker, fye, ent, known_fye))
        if mismatch is not None:
            _waive(p, line, "fiscal_period", "label-mismatch", mismatch, waived, row_notes)
    return {
        "ticker": ticker,
        "metric": metric,
        "fiscal_period": r["fiscal_period"],
        "period_end": end,
        "period_start": start,
        "value": value,
        "unit": "percent" if unit == "percent" else "USD",
        "source_url": r["source"],
        "source_kind": r.get("source_kind") or "user",
        "note": "; ".join([r.get("note") or _default_note(rules.name, line), *row_notes]),
        "line": line,
    }


#: a quarter's period_start lies 1..139 days before its period_end
_MAX_QUARTER_DAYS: Final = 140


def _plain_number(text: str) -> str:
    """*text* without thousands separators (``31,000``, ``31_000``), for ``float``."""
    return text.replace(",", "").replace("_", "")


def _negative_problem(metric: str, text: str) -> str:
    return f"negative {metric} {text} (capex is a gross payment, reported as a positive figure)"


def _month(text: str) -> int:
    """``fye_month`` as a month 1-12 (ValueError otherwise)."""
    month = int(text)
    if not 1 <= month <= 12:
        raise ValueError(text)
    return month


def _is_cik(text: str) -> bool:
    # isdecimal, not isdigit: '²' is a digit that int() cannot read (it crashed the ingest)
    return text.isdecimal()


def _new_entity(ticker: str) -> dict[str, Any]:
    return {"ticker": ticker, "name": None, "cik": None, "role": None, "fye_month": None}


def _implied_fye(anchor_month: int, quarter: int) -> int:
    """The fiscal-year-end month implied by quarter *quarter* ending in month *anchor_month*:
    the year ends 3*(4-q) months later (the month a quarter end is anchored to: a 52/53-week
    quarter ending 1 February is January's)."""
    return ((anchor_month - 1 + 3 * (4 - quarter)) % 12) + 1


def _default_note(name: str, line: int | str) -> str:
    return f"ingested from {name} line {line}"


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    df = pd.DataFrame(rows)
    if len(df):
        df["period_start"] = pd.to_datetime(df["period_start"])
    return df


# -- column by column ------------------------------------------------------------------------------
class _BadChunk(Exception):  # noqa: N818 - a signal between two functions, never seen by a user
    """Some row of the chunk fails a check; :func:`_check_row` says which and why."""


#: what a check of one cell may raise (a date before year 2 overflows when a week is taken off)
_CELL_ERRORS: Final = (ValueError, OverflowError)


def _check_columns(
    rules: _Rules, recs: list[list[str]], lines: npt.NDArray[np.int64], entities: dict[str, dict[str, Any]]
) -> pd.DataFrame:
    """The checks of :func:`_check_row` on whole columns: the same rows, notes and *entities*.

    A check of one cell (a date, a label, a unit, a ticker) runs once per distinct value, numbers
    are read by ``float`` in C, and the fiscal-year state of each company is carried down the
    rows by a group-wise forward fill. *entities* is updated only once every check has passed.

    Raises
    ------
    _BadChunk
        where any row fails a check (*entities* unchanged)
    """
    import numpy as np
    import pandas as pd

    from capexwatch.metrics import METRICS
    from capexwatch.universe import ROLES

    cells, lines = _cells(rules.header, recs, lines)
    if not len(lines):
        return pd.DataFrame()
    _require(all(all(cells[c]) for c in REQUIRED_COLUMNS))
    ticker = list(map(str.upper, cells["ticker"]))
    _require(all(map(_TICKER.match, set(ticker))))
    metric, unit = cells["metric"], cells["unit"]
    pairs = set(zip(metric, unit, strict=True))
    _require(all(m in METRICS and u in UNITS for m, u in pairs))
    _require(all((u == "percent") == (METRICS[m].unit == "percent") for m, u in pairs))
    fp, end_text = cells["fiscal_period"], cells["period_end"]
    quarter = _each_distinct(fp, _quarter_number)
    end = _each_distinct(end_text, _iso_date)
    end_day = np.fromiter(map(dt.date.toordinal, end), dtype=np.int64, count=len(end))
    start = _period_starts(cells.get("period_start"), end_day)
    with np.errstate(over="ignore"):  # 1e300 billions: infinite, refused just below
        value = _numbers(cells["value"]) * np.array(_each_distinct(unit, UNITS.__getitem__), dtype=np.float64)
    _require(bool(np.isfinite(value).all()))
    negative = (value < 0) & np.array(_each_distinct(metric, NON_NEGATIVE_METRICS.__contains__), dtype=bool)
    _require("negative" in rules.waived or not negative.any())
    fye = _optional(cells.get("fye_month"), _month)
    _optional(cells.get("role"), ROLES.index)  # ValueError for an unknown role
    cik = _optional(cells.get("cik"), _cik_number)
    anchor = _each_distinct(end, _anchor_month)
    years = _fiscal_years(ticker, fye, anchor, quarter, entities, rules.known_fye)
    mismatch = _label_mismatches(fp, end_day, years)
    _require("label-mismatch" in rules.waived or not mismatch.any())
    note = _notes(rules.name, cells.get("note"), lines)
    for i in np.flatnonzero(negative | mismatch).tolist():  # waived: each such row says so
        extra = [_accepted("negative", _negative_problem(metric[i], cells["value"][i]))] if negative[i] else []
        if mismatch[i]:
            source = _fye_source(int(years.source[i]), ticker[i])
            extra.append(_accepted("label-mismatch", str(_label_problem(fp[i], end[i], int(years.against[i]), source))))
        note[i] = "; ".join([note[i], *extra])
    _record_entities(entities, ticker, cells, cik, years.after)
    kind = cells.get("source_kind")
    return pd.DataFrame(
        {
            "ticker": ticker,
            "metric": metric,
            "fiscal_period": fp,
            "period_end": end,
            "period_start": pd.to_datetime(pd.Series(start, dtype=object)),
            "value": value,
            "unit": ["percent" if u == "percent" else "USD" for u in unit],
            "source_url": cells["source"],
            "source_kind": [k or "user" for k in kind] if kind else ["user"] * len(lines),
            "note": note,
            "line": lines,
        }
    )


def _require(ok: bool) -> None:
    if not ok:
        raise _BadChunk


def _cells(
    header: list[str], recs: list[list[str]], lines: npt.NDArray[np.int64]
) -> tuple[dict[str, list[str]], npt.NDArray[np.int64]]:
    """The records' stripped cells by column name, blank records left out (and their lines).

    Raises
    ------
    _BadChunk
        a record that is not blank has more or fewer fields than the header
    """
    import numpy as np

    n = len(header)
    whole = np.fromiter(map(len, recs), dtype=np.int64, count=len(recs)) == n
    if not whole.all():
        _require(not any(x.strip() for i in np.flatnonzero(~whole).tolist() for x in recs[i]))
        recs, lines = list(itertools.compress(recs, whole.tolist())), lines[whole]
    if not recs:
        return {}, lines
    table = np.array(recs, dtype=object)  # (records, fields): columns without a tuple per record
    cols = [list(map(str.strip, table[:, j])) for j in range(n)]
    filled = np.ones(len(recs), dtype=bool)
    if not all(cols[header.index("ticker")]):  # some record may be blank: every field empty
        filled[:] = False
        for c in cols:  # whatever its column's name
            filled |= np.array(c, dtype=object) != ""
    if not filled.all():
        keep = filled.tolist()
        cols, lines = [list(itertools.compress(c, keep)) for c in cols], lines[filled]
    # a name given twice: the later column counts, as in a dict of the row
    return dict(zip(header, cols, strict=True)), lines


def _each_distinct(values: list[Any], fn: Callable[[Any], Any]) -> list[Any]:
    """``fn`` of each cell, called once per distinct value (a column holds few distinct dates).

    Raises
    ------
    _BadChunk
        ``fn`` refuses a value
    """
    try:
        seen = {v: fn(v) for v in set(values)}
    except _CELL_ERRORS:
        raise _BadChunk from None
    return list(map(seen.__getitem__, values))


def _optional(values: list[str] | None, fn: Callable[[str], Any]) -> list[Any]:
    """``fn`` of each filled cell of an optional column, None where empty or where there is no column."""
    if values is None:
        return []
    filled = [v for v in set(values) if v]
    try:
        seen = {v: fn(v) for v in filled}
    except _CELL_ERRORS:
        raise _BadChunk from None
    return list(map(seen.get, values))


def _quarter_number(text: str) -> int:
    """The quarter of a fiscal label ``FY2025Q3`` (ValueError for anything else)."""
    m = _FISCAL.match(text)
    if not m:
        raise ValueError(text)
    return int(m.group(2))


def _anchor_month(end: dt.date) -> int:
    from capexwatch.facts.periods import anchored_month

    return anchored_month(end)[1]


def _cik_number(text: str) -> int:
    if not _is_cik(text):
        raise ValueError(text)
    return int(text)


def _numbers(values: list[str]) -> npt.NDArray[np.float64]:
    """The cells as numbers, as ``float`` reads them once thousands separators are gone."""
    import numpy as np

    text = "".join(values)
    if "," in text or "_" in text:  # rare: only then a copy of each cell without them
        values = list(map(_plain_number, values))
    try:
        return np.fromiter(map(float, values), dtype=np.float64, count=len(values))
    except ValueError:
        raise _BadChunk from None


def _period_starts(given: list[str] | None, end_day: npt.NDArray[np.int64]) -> list[dt.date | None]:
    """The rows' period starts (None where not given), each 1-139 days before its end."""
    import numpy as np

    if not given or not any(given):
        return [None] * len(end_day)
    start = _optional(given, _iso_date)
    has = np.array([s is not None for s in start], dtype=bool)
    start_day = np.array([s.toordinal() if s is not None else 0 for s in start], dtype=np.int64)
    days = (end_day - start_day)[has]
    _require(bool(((days > 0) & (days < _MAX_QUARTER_DAYS)).all()))
    return start


def _notes(name: str, given: list[str] | None, lines: npt.NDArray[np.int64]) -> list[str]:
    """Each row's note: the file's, else where the row came from (:func:`_default_note`)."""
    prefix = _default_note(name, "")
    default = [f"{prefix}{n}" for n in lines.tolist()]
    if not given or not any(given):
        return default
    return [g or d for g, d in zip(given, default, strict=True)]


class _Years(NamedTuple):
    """Each row's fiscal-year end: the company's after the row, and what its label is checked against."""

    after: pd.Series  # the company's fye_month once the row is read (floats)
    checked: npt.NDArray[np.bool_]  # the label is checked (not a new company's first row without fye_month)
    against: npt.NDArray[np.int64]  # the month the label is checked against
    source: npt.NDArray[np.int64]  # where that month comes from: 0 the store, 1 the row, 2 the first row


def _fiscal_years(
    ticker: list[str],
    fye: list[int | None],
    anchor: list[int],
    quarter: list[int],
    entities: Mapping[str, Mapping[str, Any]],
    known: Mapping[str, int],
) -> _Years:
    """:func:`_check_row`'s fiscal-year bookkeeping for a chunk: a company's month is the last
    ``fye_month`` given so far, else the one an earlier chunk left, else the one its first row
    implies."""
    import numpy as np
    import pandas as pd

    t = pd.Series(ticker, dtype=object)
    given_month = pd.Series(fye if fye else None, index=t.index, dtype=float)
    seen = {x: entities[x]["fye_month"] for x in set(ticker) if x in entities}
    before = pd.Series(list(map(seen.get, ticker)), dtype=float)
    implied = (np.array(anchor, dtype=np.int64) - 1 + 3 * (4 - np.array(quarter, dtype=np.int64))) % 12 + 1
    first_implied = pd.Series(implied, dtype=float).groupby(t, sort=False).transform("first")
    after = given_month.groupby(t, sort=False).ffill().fillna(before).fillna(first_implied)
    in_store = np.fromiter(map(known.__contains__, ticker), dtype=bool, count=len(ticker))
    given = given_month.notna().to_numpy()
    first = ~t.duplicated().to_numpy() & before.isna().to_numpy()
    store_month = np.fromiter(map(known.get, ticker, itertools.repeat(0)), dtype=np.int64, count=len(ticker))
    against = np.where(in_store, store_month, np.where(given, given_month.fillna(0).to_numpy(), after.to_numpy()))
    source = np.where(in_store, 0, np.where(given, 1, 2))
    return _Years(after, ~(first & ~given & ~in_store), against.astype(np.int64), source.astype(np.int64))


def _label_mismatches(fiscal_period: list[str], end_day: npt.NDArray[np.int64], years: _Years) -> npt.NDArray[np.bool_]:
    """Rows whose checked label is not the fiscal quarter ending on their period end (each
    distinct (month, end) labelled once)."""
    import numpy as np

    out = np.zeros(len(fiscal_period), dtype=bool)
    rows = np.flatnonzero(years.checked)
    if not len(rows):
        return out
    key = end_day[rows] * 16 + years.against[rows]
    distinct, which = np.unique(key, return_inverse=True)
    try:
        labels = [_fiscal_label(k % 16, dt.date.fromordinal(k // 16)) for k in distinct.tolist()]
    except _CELL_ERRORS:
        raise _BadChunk from None
    out[rows] = np.asarray(labels, dtype=object)[which] != np.asarray(fiscal_period, dtype=object)[rows]
    return out


def _record_entities(
    entities: dict[str, dict[str, Any]],
    ticker: list[str],
    cells: Mapping[str, list[str]],
    cik: list[int | None],
    after: pd.Series,
) -> None:
    """Record the chunk's companies as :func:`_check_row` does: the last name, role and (non-zero)
    CIK given, the fiscal-year end after the last row; new companies in order of appearance."""
    last: dict[str, dict[str, Any]] = {"name": {}, "role": {}, "cik": {}}
    for col in ("name", "role"):
        last[col] = {t: v for t, v in zip(ticker, cells.get(col) or (), strict=False) if v}
    last["cik"] = {t: c for t, c in zip(ticker, cik, strict=False) if c}
    months = dict(zip(ticker, after.tolist(), strict=True))  # the last row of each company wins
    for t in dict.fromkeys(ticker):
        ent = entities.setdefault(t, _new_entity(t))
        ent["name"] = last["name"].get(t) or ent["name"]
        ent["role"] = last["role"].get(t) or ent["role"]
        ent["cik"] = last["cik"].get(t) or ent["cik"]
        ent["fye_month"] = int(months[t])
