"""A user CSV checked by DuckDB in one pass (``pipeline/usercsv_sql.py``) against the reference.

The reference is the chunked, column-wise path of ``sources/usercsv.py`` (itself tested against
the row-by-row reader in tests/sources/test_usercsv_columns.py) followed by
``store.load.row_panel_columns``: what ``ingest`` stored before the fast path. The properties:

* where the fast path accepts a file, the reference accepts it too and gives the same rows (every
  column, notes and lines included) and the same companies in the same order;
* where the reference refuses a file, the fast path declines (it never loads a bad file);
* on the files users write (quoted names, thousands separators, padded cells, notes citing
  filings, fiscal-year ends given mid-file, companies the store knows) it does not decline:
  that is where the speed comes from.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capexwatch.errors import InputFileError
from capexwatch.pipeline.usercsv_sql import OUT_COLUMNS, stage_checked_rows
from capexwatch.sources.usercsv import iter_user_csv
from capexwatch.store.load import row_panel_columns
from tests._support.synthcsv import write_synth_csv
from tests.sources.test_usercsv_columns import QUARTERS, documents

KNOWN = {"NVDA": 1}  # the store knows NVIDIA's January year end
#: NVIDIA's quarter ends (52/53-week year ending the last Sunday of January) and their labels
NVDA_QUARTERS = [("2025-01-26", "FY2025Q4"), ("2025-04-27", "FY2026Q1"), ("2025-07-27", "FY2026Q2"),
                 ("2025-10-26", "FY2026Q3"), ("2026-01-25", "FY2026Q4")]  # fmt: skip


def _frame(con: duckdb.DuckDBPyConnection, parquet: Path) -> pd.DataFrame:
    cols = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in OUT_COLUMNS.items())
    return con.execute(f"SELECT {cols} FROM read_parquet('{parquet}') ORDER BY line").df()


def reference(path: Path, known: dict[str, int], out: Path) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The chunked checks and the row columns, written to Parquet as ingest wrote them."""
    entities: dict[str, dict[str, Any]] = {}
    df = pd.concat([row_panel_columns(x) for x in iter_user_csv(path, entities, fye_months=known)])
    con = duckdb.connect()
    con.register("df", df)
    con.execute(f"COPY (SELECT * FROM df) TO '{out}' (FORMAT parquet)")
    return _frame(con, out), list(entities.values())


def fast(path: Path, known: dict[str, int], out: Path) -> tuple[pd.DataFrame, list[dict[str, Any]]] | None:
    con = duckdb.connect()
    ents = stage_checked_rows(path, con, out, known_fye=known)
    if ents is None:
        assert not out.exists()
        return None
    return _frame(con, out), ents


def compare(path: Path, known: dict[str, int] = KNOWN) -> str:
    """'declined', 'refused' (the reference refuses and the fast path declined) or 'same'."""
    got = fast(path, known, path.with_suffix(".fast.parquet"))
    try:
        want = reference(path, known, path.with_suffix(".ref.parquet"))
    except InputFileError:
        assert got is None, "the fast path loaded a file the reference refuses"
        return "refused"
    if got is None:
        return "declined"
    pd.testing.assert_frame_equal(got[0], want[0])
    assert got[1] == want[1]
    return "same"


def write(tmp: Path, rows: list[list[str]], header: list[str], *, name: str = "mine.csv", eol: str = "\n") -> Path:
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator=eol)
    w.writerow(header)
    w.writerows(rows)
    path = tmp / name
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    return path


FULL = ["ticker", "metric", "fiscal_period", "period_end", "value", "unit", "source", "period_start", "name",
        "fye_month", "role", "cik", "source_kind", "note"]  # fmt: skip


def realistic_rows() -> list[list[str]]:
    """What users write: every optional column, quoted commas, padding, citations, a year end
    given on a later row, the NVDA the store knows (January year end), percent metrics."""
    rows = []
    for i, (end, start, labels) in enumerate(QUARTERS):
        rows += [
            ["aaa", "capex", labels[12], end, f" {1_000 + i},250.5 ", "USD_millions", "https://x.org/a?b=1,2",
             start if i % 2 else "", "Alpha, Inc.", "", "hyperscaler", "320193", "", ""],
            ["AAA", "revenue", labels[12], end, "1_234", "USD", "call, Q2", "", "", "12", "", "0", "press",
             "us-gaap:Revenues 0000320193-25-000079 (10-Q filed 2025-05-01)"],
            ["B.B", "capex", labels[9], end, "2.5e3", "USD_billions", "s", "", "B\u00a0Co\u00a0", "9" if i == 2 else "",
             "", "", "", "derived: FY minus nine months; quarter = YTD difference"],
            ["NVDA", "capex", NVDA_QUARTERS[i][1], NVDA_QUARTERS[i][0], "+7", "USD_millions", "10-Q", "", "", "",
             "chip-vendor", "1045810", "", "plain note, with a comma"],
            ["c-c", "capex_net", labels[12], end, "-3", "USD", "s", "", "", "", "", "", "", ""],
            ["AAA", "azure_growth_yoy_pct", labels[12], end, "39", "percent", "s", "", "", "", "", "", "", ""],
        ]  # fmt: skip
    return rows


def test_the_synthetic_benchmark_file_is_checked_by_the_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "synth.csv"
    write_synth_csv(path, 40, quarters=8, seed=3)
    assert compare(path) == "same"


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_what_users_write_is_checked_by_the_fast_path(tmp_path: Path, eol: str) -> None:
    path = write(tmp_path, realistic_rows(), FULL, eol=eol)
    assert compare(path) == "same"
    got = fast(path, KNOWN, tmp_path / "again.parquet")
    assert got is not None
    df, ents = got
    # read from the text written above, not from either path
    aaa = df[(df["ticker"] == "AAA") & (df["metric"] == "capex")].iloc[1]
    assert aaa["value"] == 1_001_250.5e6 and aaa["line"] == 8 and aaa["note"] == "ingested from mine.csv line 8"
    rev = df[(df["ticker"] == "AAA") & (df["metric"] == "revenue")].iloc[0]
    assert (rev["tag"], rev["accn"], rev["form"]) == ("us-gaap:Revenues", "0000320193-25-000079", "10-Q")
    assert df[df["ticker"] == "B.B"]["method"].eq("derived").all()
    assert [e["ticker"] for e in ents] == ["AAA", "B.B", "NVDA", "C-C"]
    assert ents[0] == {"ticker": "AAA", "name": "Alpha, Inc.", "cik": 320193, "role": "hyperscaler", "fye_month": 12}
    assert ents[1]["name"] == "B\u00a0Co" and ents[1]["fye_month"] == 9


@pytest.mark.parametrize(
    ("why", "edit"),
    [
        ("a negative capex (waivable: the reference writes the note)", lambda r: r[0].__setitem__(4, "-5")),
        ("a label that does not fit", lambda r: r[6].__setitem__(2, "FY2031Q1")),
        ("a number float reads but the plain form does not", lambda r: r[0].__setitem__(4, "\u0661\u0662")),
        ("a value of infinity once in USD", lambda r: r[0].__setitem__(4, "1e303")),
        ("an unknown unit", lambda r: r[0].__setitem__(5, "EUR")),
        ("a quoted line break in a note", lambda r: r[0].__setitem__(13, "two\nlines")),
        ("a blank record", lambda r: r.insert(3, [])),
        ("an empty ticker", lambda r: r[2].__setitem__(0, "  ")),
    ],
)
def test_the_fast_path_declines_what_the_reference_must_judge(tmp_path: Path, why: str, edit: Any) -> None:
    rows = realistic_rows()
    edit(rows)
    assert compare(write(tmp_path, rows, FULL)) in {"declined", "refused"}, why


def test_bytes_csv_reader_and_duckdb_could_read_differently_are_declined(tmp_path: Path) -> None:
    path = write(tmp_path, realistic_rows(), FULL)
    text = path.read_bytes()
    cases = {
        "nul": text.replace(b"Alpha", b"Al\x00pha", 1),
        "lone cr": text.replace(b"plain note", b"plain\rnote", 1),
        "huge field": text.replace(b"plain note", b"x" * (csv.field_size_limit() + 1), 1),
        "quote inside a field": text.replace(b"plain note, with a comma", b'plain "note"', 1),
        "text after a closing quote": text.replace(b'"Alpha, Inc."', b'"Alpha, Inc."x', 1),
        "not utf-8": text.replace(b"Alpha", b"\xffAlpha", 1),
        "header repeats a name": text.replace(b"source_kind", b"note", 1),
    }
    for name, data in cases.items():
        assert data != text, name
        path.write_bytes(data)
        assert fast(path, KNOWN, tmp_path / "f.parquet") is None, name
        assert compare(path) in {"declined", "refused"}, name


def test_a_file_name_that_reads_as_a_citation_is_left_to_the_reference(tmp_path: Path) -> None:
    rows = [r for r in realistic_rows() if r[13] == ""]
    plain = write(tmp_path, rows, FULL, name="q3-figures.csv")  # a '-' alone cites nothing
    assert compare(plain) == "same"
    cited = write(tmp_path, rows, FULL, name="0000320193-25-000079.csv")
    assert compare(cited) == "declined"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents())
def test_never_loads_what_the_reference_refuses_and_agrees_where_both_load(doc: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mine.csv"
        path.write_bytes(doc)
        compare(path)


PADS = ["", " ", "\t", "\u00a0", "\u3000"]


@st.composite
def one_line_documents(draw: st.DrawFn) -> bytes:
    """Files of one record per line the fast path should take: good cells, padded, quoted or not."""
    header = FULL[:7] + [c for c in FULL[7:] if draw(st.booleans())]
    fyes = {t: draw(st.sampled_from([12, 9])) for t in ("AAA", "bbb", "C.C", "D-1")}  # one year end each
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        end, start, labels = draw(st.sampled_from(QUARTERS))
        ticker = draw(st.sampled_from(list(fyes)))
        fye = fyes[ticker]
        cell = {
            "ticker": ticker,
            "metric": draw(st.sampled_from(["capex", "revenue", "capex_net"])),
            "fiscal_period": labels[fye],
            "period_end": end,
            "value": draw(st.sampled_from(["1", "2.5", "31,000", "1_000", ".5", "7.", "+3", "1E3", "0.1"])),
            "unit": draw(st.sampled_from(["USD", "USD_millions", "USD_billions"])),
            "source": draw(st.sampled_from(["s", "a, b", 'say "hi"'])),
            "period_start": draw(st.sampled_from(["", start])),
            "name": draw(st.sampled_from(["", "N", "N, Inc."])),
            "fye_month": draw(st.sampled_from(["", str(fye)])),
            "role": draw(st.sampled_from(["", "neocloud"])),
            "cik": draw(st.sampled_from(["", "0", "0000320193"])),
            "source_kind": draw(st.sampled_from(["", "press"])),
            "note": draw(st.sampled_from(["", "n", "us-gaap:Capex", "derived:x"])),
        }
        rows.append([draw(st.sampled_from(PADS)) + cell[c] + draw(st.sampled_from(PADS)) for c in header])
    out = io.StringIO(newline="")
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    w = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])), quoting=quoting)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=one_line_documents())
def test_files_of_one_record_per_line_are_taken_and_agree(doc: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mine.csv"
        path.write_bytes(doc)
        assert compare(path) == "same"


def test_quoting_styles_all_read_as_csv_reader_reads_them(tmp_path: Path) -> None:
    rows = realistic_rows()
    minimal = write(tmp_path, rows, FULL, name="minimal.csv")
    assert compare(minimal) == "same"
    out = io.StringIO(newline="")
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows([FULL, *rows])
    every = tmp_path / "every.csv"
    every.write_text(out.getvalue(), encoding="utf-8", newline="")
    assert compare(every) == "same"
    # R's write.csv: text quoted, numbers not (neither form the SQL check knows: csv.reader compares)
    out = io.StringIO(newline="")
    csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(
        [FULL, *[[float(c) if j == 4 and c.isdecimal() else c for j, c in enumerate(r)] for r in rows]]
    )
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(out.getvalue(), encoding="utf-8", newline="")
    assert ",39.0," in mixed.read_text() and '"capex"' in mixed.read_text()
    assert compare(mixed) == "same"
