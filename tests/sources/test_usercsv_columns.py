"""A user CSV checked column by column, chunk by chunk (issue 14, item 6).

The reference is the row-by-row reader the column-wise checks replaced: ``csv.reader`` over the
file, each record checked in order by ``usercsv._check_row`` (the original loop body), the line of
a record being ``reader.line_num`` after it. Whatever the chunk size, the streamed reader must
give the same rows (notes and line numbers included), the same companies in the same order, and,
for a bad file, the same error; and a good chunk must never need the row-by-row fallback (that
is where the speed comes from). Expected line numbers in the fixed cases are counted from the
text written (``str.splitlines``), not from the reader.
"""

from __future__ import annotations

import csv
import functools
import io
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from unittest import mock

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capexwatch.errors import InputFileError
from capexwatch.sources import usercsv as U

REQUIRED = ["ticker", "metric", "fiscal_period", "period_end", "value", "unit", "source"]
OPTIONAL = ["period_start", "name", "fye_month", "role", "cik", "source_kind", "note"]
CHECK_ROW = U._check_row  # the reference, kept before any test wraps it

#: calendar quarters: (period end, period start, fiscal label by fiscal-year-end month)
QUARTERS = [
    ("2024-12-31", "2024-10-01", {12: "FY2024Q4", 9: "FY2025Q1", 1: "FY2025Q4"}),
    ("2025-03-31", "2025-01-01", {12: "FY2025Q1", 9: "FY2025Q2", 1: "FY2026Q1"}),
    ("2025-06-30", "2025-04-01", {12: "FY2025Q2", 9: "FY2025Q3", 1: "FY2026Q2"}),
    ("2025-09-30", "2025-07-01", {12: "FY2025Q3", 9: "FY2025Q4", 1: "FY2026Q3"}),
    ("2025-12-31", "2025-10-01", {12: "FY2025Q4", 9: "FY2026Q1", 1: "FY2026Q4"}),
]
#: good cells, drawn for a clean row
GOOD: dict[str, list[str]] = {
    "ticker": ["AAA", "aaa", "C.D", "NVDA"],  # NVIDIA's calendar-quarter labels need --allow label-mismatch
    "metric": ["capex", "revenue", "capex_net"],
    "value": ["1", "2.5", "31,000", "1_000", "-5"],  # a negative capex needs --allow negative
    "unit": ["USD", "USD_millions", "USD_billions"],
    "source": ["https://example.org/a", "call, Q2"],
    "name": ["", "Alpha Co", "Beta, Inc."],
    "role": ["", "hyperscaler", "neocloud"],
    "cik": ["", "320193", "0", "0001045810"],
    "source_kind": ["", "press"],
    "note": ["", "mine", "two\nlines", "three\r\nlines\n", "us-gaap:Capex 0000320193-25-000079"],
}
#: cells that may replace any cell of a dirty row: bad ones, and good ones in the wrong place
BAD = [
    "",
    " ",
    "bad ticker",
    "capexx",
    "azure_growth_yoy_pct",
    "percent",
    "EUR",
    "2025Q1",
    "FY2025Q5",
    "FY2026Q1",
    "2025-06-31",
    "2025-02-01",
    "2024-01-01",
    "1e300",
    "abc",
    "nan",
    "-inf",
    "13",
    "x",
    "1",
    "9",
    "bogus",
    "x1",
    "\u00b2",
    "12",
]


def reference(path: Path, allow: Iterable[str], known: dict[str, int]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The row-by-row reader (the code before issue 14's column-wise checks, unchanged in substance)."""
    p = str(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        rules = U._Rules(p, path.name, U._read_header(p, reader), U.parse_allow(allow), known)
        entities: dict[str, Any] = {}
        rows = []
        line = 1
        try:
            for rec in reader:
                line = reader.line_num
                row = CHECK_ROW(rules, rec, line, entities)
                if row is not None:
                    rows.append(row)
        except csv.Error as exc:
            raise InputFileError(p, f"not valid CSV ({exc})", line=line) from exc
        except UnicodeDecodeError as exc:
            raise InputFileError(p, f"not UTF-8 text (after line {line})", hint="Save the CSV as UTF-8.") from exc
    if not rows:
        raise InputFileError(p, "no data rows", line=2, hint="Add one row per figure below the header.")
    return U._frame(rows), entities


def streamed(
    path: Path, allow: Iterable[str], known: dict[str, int], chunk_rows: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    entities: dict[str, Any] = {}
    frames = list(U.iter_user_csv(path, entities, chunk_rows=chunk_rows, allow=allow, fye_months=known))
    return pd.concat(frames, ignore_index=True), entities


def outcome(run: Any) -> tuple[str, Any, Any]:
    try:
        df, entities = run()
    except InputFileError as exc:
        return "error", str(exc), exc.hint
    return "ok", df, entities


def assert_same(got: tuple[str, Any, Any], want: tuple[str, Any, Any]) -> None:
    assert got[0] == want[0], (got, want)
    if want[0] == "error":
        assert got[1:] == want[1:]
        return
    pd.testing.assert_frame_equal(got[1], want[1])
    assert got[2] == want[2] and list(got[2]) == list(want[2])  # same companies, found in the same order


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """A CSV of 1-25 records, with blank lines, ragged rows and quoted line breaks: each row a
    coherent quarter of good cells; in a dirty file, a cell in eight replaced by :data:`BAD`."""
    header = REQUIRED + [c for c in OPTIONAL if c == "fye_month" or draw(st.booleans())]
    dirty = draw(st.integers(0, 2)) == 0
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    w.writerow(header)
    for _ in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(["row"] * 12 + ["blank", "spaces"] + ["ragged"] * dirty))
        if kind == "blank":
            w.writerow([])
            continue
        if kind == "spaces":
            w.writerow([" "] * len(header))
            continue
        end, start, labels = draw(st.sampled_from(QUARTERS))
        fye = draw(st.sampled_from([12, 12, 9, 1]))  # a company may change its year end in the file
        row = {c: draw(st.sampled_from(v)) for c, v in GOOD.items()}
        row |= {"fiscal_period": labels[fye], "period_end": end, "period_start": draw(st.sampled_from(["", start]))}
        row["fye_month"] = draw(st.sampled_from(["", "", str(fye)]))
        cells = [draw(st.sampled_from(BAD)) if dirty and draw(st.integers(0, 7)) == 0 else row[c] for c in header]
        w.writerow(cells[:-1] if kind == "ragged" else cells)
    return out.getvalue().encode("utf-8")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=documents(),
    chunk_rows=st.integers(1, 8),
    allow=st.sampled_from([(), ("negative",), ("label-mismatch",), ("negative", "label-mismatch")]),
)
def test_streamed_columns_agree_with_the_row_by_row_reference(
    doc: bytes, chunk_rows: int, allow: tuple[str, ...]
) -> None:
    known = {"NVDA": 1}  # the store knows NVIDIA's January year end
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mine.csv"
        path.write_bytes(doc)
        want = outcome(lambda: reference(path, allow, known))
        with mock.patch.object(U, "_check_row", wraps=CHECK_ROW) as by_row:
            got = outcome(lambda: streamed(path, allow, known, chunk_rows))
    assert_same(got, want)
    if want[0] == "ok":
        assert by_row.call_count == 0  # a good file never falls back to the row-by-row checks


def write_lines(path: Path, lines: list[str]) -> str:
    text = "".join(lines)
    path.write_bytes(text.encode("utf-8"))
    return text


def good(i: int, note: str = "") -> str:
    q = i % 4 + 1
    end = ["03-31", "06-30", "09-30", "12-31"][q - 1]
    return f"T{i // 4},capex,FY2025Q{q},2025-{end},{i + 1},USD_millions,src,{note}\n"


HEADER = "ticker,metric,fiscal_period,period_end,value,unit,source,note\n"


def test_error_line_is_right_across_chunks_quoted_line_breaks_and_blank_lines(tmp_path: Path) -> None:
    rows = [HEADER]
    for i in range(60):
        if i % 9 == 4:
            rows.append("\n")  # blank line
        note = '"spans\nthree\r\nlines"' if i % 7 == 3 else ""
        rows.append(good(i, note))
    before = "".join(rows)
    rows.append("T99,capex,FY2025Q1,2025-03-31,oops,USD,src,\n")
    rows += [good(i) for i in range(60, 70)]
    path = tmp_path / "mine.csv"
    write_lines(path, rows)
    bad_line = len(before.splitlines()) + 1
    for chunk_rows in (1, 7, 16, 1000):
        with pytest.raises(InputFileError) as exc:
            streamed(path, (), {}, chunk_rows)
        assert f"mine.csv, line {bad_line}, column 'value': 'oops' is not a number" in str(exc.value)
    assert bad_line > 62 + 3  # blank lines and quoted breaks put it well past its row number


def test_default_notes_name_the_true_line_in_every_chunk(tmp_path: Path) -> None:
    rows = [HEADER]
    for i in range(40):
        if i % 5 == 2:
            rows.append("\n")
        rows.append(good(i, '"a\nb"' if i % 6 == 0 else ""))
    path = tmp_path / "mine.csv"
    text = write_lines(path, rows)
    # each row's note: its own, else the line the record ends on, counted in the text
    want, seen = [], 0
    for r in rows:
        seen += len(r.splitlines())
        if r.strip() and r != HEADER:
            want.append("a\nb" if '"a' in r else f"ingested from mine.csv line {seen}")
    assert seen == len(text.splitlines()) and len(want) == 40
    for chunk_rows in (3, 10, 100):
        df, _ = streamed(path, (), {}, chunk_rows)
        assert df["note"].tolist() == want


def test_bad_row_before_an_encoding_error_in_a_later_chunk_is_named_first(tmp_path: Path) -> None:
    # 300 rows of ~340 bytes: the bad byte lies far beyond the first block the reader decodes
    body = [HEADER] + [good(i, "x" * 300) for i in range(300)]
    body[5] = "T1,capex,FY2025Q1,2025-03-31,1,EUR,src,\n"  # line 6
    path = tmp_path / "mine.csv"
    path.write_bytes("".join(body).encode() + b"T9,capex,FY2025Q1,2025-03-31,\xff,USD,src,\n")
    for chunk_rows in (4, 100_000):
        with pytest.raises(InputFileError, match=r"line 6, column 'unit': unknown unit 'EUR'"):
            streamed(path, (), {}, chunk_rows)
    body[5] = good(4)
    path.write_bytes("".join(body).encode() + b"T9,capex,FY2025Q1,2025-03-31,\xff,USD,src,\n")
    with pytest.raises(InputFileError, match=r"not UTF-8 text \(after line 2\d\d\)"):
        streamed(path, (), {}, 4)


@pytest.mark.parametrize("chunk_rows", [2, 50, 100_000])
def test_encoding_error_and_truncated_files_as_the_row_by_row_reader(tmp_path: Path, chunk_rows: int) -> None:
    body = "".join([HEADER] + [good(i, "x" * 300) for i in range(100)]).encode()
    cases = {
        "bad byte": body + b"T9,capex,FY2025Q1,2025-03-31,1,USD,src,\xfe\xff\n",
        "cut mid-character": body + "T9,capex,FY2025Q1,2025-03-31,1,USD,src,caf\u00e9".encode()[:-1],
        "cut mid-row": body + b"T9,capex,FY2025Q1,2025-0",
        "cut in an open quote": body + b'T9,capex,FY2025Q1,2025-03-31,1,USD,src,"unfinished',
        # a quote left open at the end, after a line break, in a chunk with a two-line record
        "cut after a line break in an open quote": body
        + b'T8,capex,FY2025Q2,2025-06-30,1,USD,src,"two\nlines"\nT9,capex,FY2025Q1,2025-03-31,1,USD,src,"unfinished\n',
    }
    for name, data in cases.items():
        path = tmp_path / "mine.csv"
        path.write_bytes(data)
        want = outcome(functools.partial(reference, path, (), {}))
        assert_same(outcome(functools.partial(streamed, path, (), {}, chunk_rows)), want)
        if "open quote" not in name:
            assert want[0] == "error", name


def test_cik_that_is_a_digit_but_not_a_number_is_bad_input(tmp_path: Path) -> None:
    # '²' is a Unicode digit that int() cannot read: it used to end the ingest with a traceback
    path = tmp_path / "mine.csv"
    path.write_text(
        "ticker,metric,fiscal_period,period_end,value,unit,source,cik\nX,capex,FY2025Q1,2025-03-31,1,USD,s,\u00b2\n"
    )
    with pytest.raises(InputFileError, match=r"line 2, column 'cik': '\u00b2' is not a CIK"):
        streamed(path, (), {}, 10)


def test_waived_rows_keep_their_notes_in_every_chunk(tmp_path: Path) -> None:
    rows = [HEADER] + [good(i).replace(f",{i + 1},", f",-{i + 1},") for i in range(25)]
    path = tmp_path / "mine.csv"
    write_lines(path, rows)
    with pytest.raises(InputFileError, match=r"(?s)line 2, column 'value': negative capex -1 .*--allow negative"):
        streamed(path, (), {}, 4)
    df, _ = streamed(path, ("negative",), {}, 4)
    assert len(df) == 25 and (df["value"] < 0).all()
    assert all(n.endswith("(capex is a gross payment, reported as a positive figure)") for n in df["note"])
    assert df["note"].iloc[-1].startswith("ingested from mine.csv line 26; accepted with --allow negative: negative")


def test_fiscal_year_end_is_carried_across_chunks_as_row_by_row(tmp_path: Path) -> None:
    # NEWCO's first row implies a December year end (line 3 is checked against it); line 4 gives
    # September in fye_month, which line 5 (none given) is then checked against; NVDA is checked
    # against the store's January whatever its row says
    rows = [
        "ticker,metric,fiscal_period,period_end,value,unit,source,fye_month\n",
        "NEWCO,capex,FY2025Q1,2025-03-31,1,USD,s,\n",
        "NEWCO,capex,FY2025Q3,2025-06-30,1,USD,s,\n",
        "NEWCO,revenue,FY2025Q3,2025-06-30,1,USD,s,9\n",
        "NEWCO,revenue,FY2025Q4,2025-12-31,1,USD,s,\n",
        "NVDA,capex,FY2025Q4,2024-10-27,1,USD,s,12\n",
    ]
    path = tmp_path / "mine.csv"
    write_lines(path, rows)
    allow = ("label-mismatch",)
    want = outcome(functools.partial(reference, path, allow, {"NVDA": 1}))
    assert want[0] == "ok"
    notes = want[1]["note"].tolist()
    assert notes[0] == "ingested from mine.csv line 2" and notes[2] == "ingested from mine.csv line 4"
    assert "month 12 (implied by NEWCO's first row), a quarter ending 2025-06-30 is FY2025Q2" in notes[1]
    assert "month 9 (implied by NEWCO's first row), a quarter ending 2025-12-31 is FY2026Q1" in notes[3]
    assert "month 1 (the store's), a quarter ending 2024-10-27 is FY2025Q3" in notes[4]
    assert want[2]["NEWCO"]["fye_month"] == 9 and want[2]["NVDA"]["fye_month"] == 12
    for chunk_rows in (1, 2, 3, 10):
        assert_same(outcome(functools.partial(streamed, path, allow, {"NVDA": 1}, chunk_rows)), want)
