"""A user CSV longer than one chunk (issue 14, item 6), through ``ingest_path`` and a real store.

The file is read in chunks of ``usercsv.CHUNK_ROWS`` records; what a row needs from the rest
of the file (its company's previous quarter end) and where it is (its line, for its note and for
errors) must not depend on where a chunk ends. Expected lines are counted in the text written.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from capexwatch.errors import InputFileError
from capexwatch.pipeline.files import ingest_path
from capexwatch.sources.usercsv import CHUNK_ROWS
from capexwatch.store.db import Store

HEADER = "ticker,metric,fiscal_period,period_end,value,unit,source,note\n"
ROWS = CHUNK_ROWS + 20_000
#: a 52/53-week year's quarter ends: the day after the previous end is not three months back
ENDS = ("2025-03-28", "2025-06-27", "2025-09-26", "2025-12-26")


def _rows(bad_at: int | None = None) -> tuple[list[str], dict[int, int]]:
    """The file's lines (a quoted two-line note every 1,000 rows, a blank line every 7,000), and
    the line each row ends on, by row number. Row *bad_at* has a value too large once scaled."""
    out, line_of, line = [HEADER], {}, 1
    for i in range(ROWS):
        if i % 7_000 == 6_999:
            out.append("\n")
            line += 1
        note = '"first line\nsecond line"' if i % 1_000 == 0 else ""
        value = "1e300" if i == bad_at else f"{i % 97 + 1}"
        end = ENDS[i % 4]
        out.append(f"S{i // 4:05d},capex,FY2025Q{i % 4 + 1},{end},{value},USD_billions,s,{note}\n")
        line += out[-1].count("\n")
        line_of[i] = line
    assert line == len("".join(out).splitlines())
    return out, line_of


def test_bad_row_in_the_second_chunk_is_named_by_its_line_and_nothing_is_stored(store: Store, tmp_path: Path) -> None:
    bad = CHUNK_ROWS + 12_345
    rows, line_of = _rows(bad_at=bad)
    path = tmp_path / "big.csv"
    path.write_text("".join(rows), encoding="utf-8")
    before = store.counts()
    with pytest.raises(InputFileError) as exc:
        ingest_path(store, path)
    msg = str(exc.value)
    assert f"big.csv, line {line_of[bad]}, column 'value': '1e300' USD_billions is not a finite number" in msg
    assert line_of[bad] > bad + 2 + 100  # the two-line notes and blank lines before it count
    assert store.counts() == before


def test_rows_of_a_later_chunk_know_their_line_and_their_previous_quarter(store: Store, tmp_path: Path) -> None:
    rows, line_of = _rows()
    path = tmp_path / "big.csv"
    path.write_text("".join(rows), encoding="utf-8")
    out = ingest_path(store, path)
    assert out["rows"] == ROWS and out["new_entities"] == ROWS // 4
    # the company whose quarters straddle the first chunk's end (a chunk is CHUNK_ROWS records,
    # blank lines included): its first rows in chunk 1, the others in chunk 2
    records, first = 0, 0
    while records < CHUNK_ROWS:
        records += 1 + (first % 7_000 == 6_999)
        first += 1
    i = first - first % 4
    assert first % 4 and records == CHUNK_ROWS  # row `first` opens chunk 2, mid-company
    q = store.quarters(f"S{i // 4:05d}", "capex", source="user").set_index("fiscal_period")
    assert q["note"].tolist() == [f"ingested from big.csv line {line_of[i + k]}" for k in range(4)]
    # each quarter starts the day after the company's previous quarter end (Q2: 29 March), not
    # three months before its own end (28 March), wherever the chunks divide the file
    starts = [dt.date.fromisoformat(str(s)[:10]) for s in q["period_start"]]
    assert starts == [dt.date(2024, 12, 29), dt.date(2025, 3, 29), dt.date(2025, 6, 28), dt.date(2025, 9, 27)]
