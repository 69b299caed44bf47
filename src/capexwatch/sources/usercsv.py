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
stream (:func:`iter_user_csv`: chunks of :data:`CHUNK_ROWS` rows, never the whole text in memory);
duplicate keys are checked over the whole file at the end (:func:`check_duplicates`).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from capexwatch.errors import InputFileError

if TYPE_CHECKING:
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

#: rows per chunk of a streamed CSV: ~25 MB of validated rows in memory at a time
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
    notes.append(f"accepted with --allow {check}: {problem}")


def _fye_to_check(ticker: str, fye: int | None, ent: Mapping[str, Any], known: Mapping[str, int]) -> tuple[int, str]:
    """The fiscal-year-end month a row's label is checked against, and where it comes from."""
    if ticker in known:
        return known[ticker], "the store's"
    if fye is not None:
        return fye, "column fye_month"
    return int(ent["fye_month"]), f"implied by {ticker}'s first row"


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


def _date(path: str, line: int, col: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputFileError(
            path, f"{text!r} is not an ISO date", line=line, column=col, hint="Write dates as YYYY-MM-DD."
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
    from capexwatch.facts.periods import anchored_month
    from capexwatch.metrics import METRICS
    from capexwatch.universe import ROLES

    reader = csv.reader(fh)
    name = Path(p).name  # once: a Path per row cost a fifth of the validation (profiled)
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
    rows: list[dict[str, Any]] = []
    any_rows = False
    line = 1
    try:
        for rec in reader:
            line = reader.line_num
            if not any(x.strip() for x in rec):
                continue
            if len(rec) != len(header):
                raise InputFileError(
                    p,
                    f"expected {len(header)} fields, found {len(rec)}",
                    line=line,
                    hint="Quote fields that contain commas.",
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
            if start is not None and not 0 < (end - start).days < 140:
                raise InputFileError(p, f"period {start}..{end} is not a quarter", line=line, column="period_start")
            unit = r["unit"]
            if unit not in UNITS:
                raise InputFileError(
                    p, f"unknown unit {unit!r}", line=line, column="unit", hint="Use one of: " + ", ".join(UNITS) + "."
                )
            if (unit == "percent") != (METRICS[metric].unit == "percent"):
                raise InputFileError(
                    p,
                    f"unit {unit!r} does not fit metric {metric!r} ({METRICS[metric].unit})",
                    line=line,
                    column="unit",
                )
            try:
                value = float(r["value"].replace(",", "").replace("_", ""))
            except ValueError:
                raise InputFileError(p, f"{r['value']!r} is not a number", line=line, column="value") from None
            value *= UNITS[unit]  # base units (USD); 1e300 billions is no longer a finite number
            if not math.isfinite(value):
                raise InputFileError(
                    p, f"{r['value']!r} {unit} is not a finite number of {METRICS[metric].unit}", line=line,
                    column="value",
                )  # fmt: skip
            row_notes: list[str] = []
            if value < 0 and metric in NON_NEGATIVE_METRICS:
                problem = f"negative {metric} {r['value']} (capex is a gross payment, reported as a positive figure)"
                _waive(p, line, "value", "negative", problem, waived, row_notes)
            fye = None
            if r.get("fye_month"):
                try:
                    fye = int(r["fye_month"])
                    if not 1 <= fye <= 12:
                        raise ValueError
                except ValueError:
                    raise InputFileError(
                        p, f"{r['fye_month']!r} is not a month 1-12", line=line, column="fye_month"
                    ) from None
            if r.get("role") and r["role"] not in ROLES:
                raise InputFileError(
                    p,
                    f"unknown role {r['role']!r}",
                    line=line,
                    column="role",
                    hint="Use one of: " + ", ".join(ROLES) + ".",
                )
            cik = None
            if r.get("cik"):
                if not r["cik"].isdigit():
                    raise InputFileError(p, f"{r['cik']!r} is not a CIK", line=line, column="cik")
                cik = int(r["cik"])
            q = int(fpm.group(2))
            ent = entities.setdefault(
                ticker, {"ticker": ticker, "name": None, "cik": None, "role": None, "fye_month": None}
            )
            ent["name"] = r.get("name") or ent["name"]
            ent["role"] = r.get("role") or ent["role"]
            ent["cik"] = cik or ent["cik"]
            # the fiscal year ends 3*(4-q) months after this quarter's end
            first_fye = ent["fye_month"] is None and fye is None and ticker not in known_fye
            # (the month a quarter end is anchored to: a 52/53-week quarter ending 1 Feb is January's)
            ent["fye_month"] = fye or ent["fye_month"] or ((anchored_month(end)[1] - 1 + 3 * (4 - q)) % 12) + 1
            if not first_fye:
                mismatch = _label_problem(r["fiscal_period"], end, *_fye_to_check(ticker, fye, ent, known_fye))
                if mismatch is not None:
                    _waive(p, line, "fiscal_period", "label-mismatch", mismatch, waived, row_notes)
            rows.append(
                {
                    "ticker": ticker,
                    "metric": metric,
                    "fiscal_period": r["fiscal_period"],
                    "period_end": end,
                    "period_start": start,
                    "value": value,
                    "unit": "percent" if unit == "percent" else "USD",
                    "source_url": r["source"],
                    "source_kind": r.get("source_kind") or "user",
                    "note": "; ".join([r.get("note") or f"ingested from {name} line {line}", *row_notes]),
                    "line": line,
                }
            )
            if len(rows) >= chunk_rows:
                any_rows = True
                yield _frame(rows)
                rows = []
    except csv.Error as exc:
        raise InputFileError(p, f"not valid CSV ({exc})", line=line) from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(p, f"not UTF-8 text (after line {line})", hint="Save the CSV as UTF-8.") from exc
    if not rows and not any_rows:
        raise InputFileError(p, "no data rows", line=2, hint="Add one row per figure below the header.")
    if rows:
        yield _frame(rows)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    df = pd.DataFrame(rows)
    df["period_start"] = pd.to_datetime(df["period_start"])
    return df
