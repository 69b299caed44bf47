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
naming the file, line and column, and nothing of the file is loaded. A big file is read as a
stream (:func:`iter_user_csv`: chunks of :data:`CHUNK_ROWS` rows, never the whole text in memory);
duplicate keys are checked over the whole file at the end (:func:`check_duplicates`).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from capexwatch.errors import InputFileError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CHUNK_ROWS", "REQUIRED_COLUMNS", "UNITS", "check_duplicates", "iter_user_csv", "parse_user_csv"]

#: rows per chunk of a streamed CSV: ~25 MB of validated rows in memory at a time
CHUNK_ROWS: Final = 100_000

REQUIRED_COLUMNS = ("ticker", "metric", "fiscal_period", "period_end", "value", "unit", "source")
OPTIONAL_COLUMNS = ("period_start", "name", "fye_month", "role", "cik", "source_kind", "note")
UNITS = {"USD": 1.0, "USD_millions": 1e6, "USD_billions": 1e9, "percent": 1.0}
_FISCAL = re.compile(r"^FY(\d{4})Q([1-4])$")
_TICKER = re.compile(r"^[A-Za-z0-9.\-]{1,12}$")


def _date(path: str, line: int, col: str, text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputFileError(
            path, f"{text!r} is not an ISO date", line=line, column=col, hint="Write dates as YYYY-MM-DD."
        ) from None


def parse_user_csv(path: str | Path) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Validate a user CSV; return (curated-style rows, new-entity records).

    The whole file in one frame; :func:`iter_user_csv` streams a big one.

    Raises
    ------
    InputFileError
        naming file, line and column of the first problem
    """
    import pandas as pd

    entities: dict[str, dict[str, Any]] = {}
    df = pd.concat(list(iter_user_csv(path, entities)), ignore_index=True)
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
    path: str | Path, entities: dict[str, dict[str, Any]], *, chunk_rows: int = CHUNK_ROWS
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
    try:
        fh = Path(path).open(encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InputFileError(p, f"cannot read the file ({exc.strerror})") from exc
    with fh:
        yield from _validated_chunks(p, fh, entities, chunk_rows)


def _validated_chunks(p: str, fh: Any, entities: dict[str, dict[str, Any]], chunk_rows: int) -> Iterator[pd.DataFrame]:
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
            if not math.isfinite(value):
                raise InputFileError(p, f"{r['value']!r} is not a finite number", line=line, column="value")
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
            ent["fye_month"] = fye or ent["fye_month"] or ((end.month - 1 + 3 * (4 - q)) % 12) + 1
            rows.append(
                {
                    "ticker": ticker,
                    "metric": metric,
                    "fiscal_period": r["fiscal_period"],
                    "period_end": end,
                    "period_start": start,
                    "value": value * UNITS[unit],
                    "unit": "percent" if unit == "percent" else "USD",
                    "source_url": r["source"],
                    "source_kind": r.get("source_kind") or "user",
                    "note": r.get("note") or f"ingested from {name} line {line}",
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
