"""``ingest`` of filing documents (iXBRL .htm, XBRL .xml): values read from the documents' own
tables, provenance, precedence over secondary figures, idempotence, and bad input leaving the store
unchanged. Expected values were read from the printed tables of the documents in tests/data/ixbrl/
(see tests/data/README.md), never from the parser's output."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

import capexwatch
from capexwatch.errors import InputFileError
from capexwatch.pipeline.files import ingest_path
from capexwatch.store.db import Store
from tests._support.cli import run_cli
from tests._support.data import DATA

IXBRL = DATA / "ixbrl"
NVDA_Q = IXBRL / "nvda-10-q-2025-08-27.htm"
GOOGL_K = IXBRL / "googl-10-k-2025-02-05.htm"
AMZN_K22 = IXBRL / "amzn-20221231_htm.xml"
#: accessions from the SEC's companyfacts of each filer (tests/data/recorded/README.md, sec/filings)
NVDA_ACCN = "0001045810-25-000209"
GOOGL_ACCN = "0001652044-25-000014"
AMZN_22_ACCN = "0001018724-23-000004"


def _tables(store: Store) -> dict[str, int]:
    tables = ("entities", "facts", "panel", "annual", "loads", "filing_facts", "filing_observations")
    return {t: int(store.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}  # type: ignore[index]


def test_nvidia_10q_data_center_quarters_from_the_filing() -> None:
    """NVIDIA's 10-Q: Data Center revenue $41,096M for the quarter to 2025-07-27 and $26,272M for the
    comparative quarter to 2024-07-28 ("Data Center | $ | 41,096 | $ | 26,272"), each with the
    filing's accession and source_kind sec-ixbrl."""
    with capexwatch.open() as s:
        out = ingest_path(s, NVDA_Q, accession=NVDA_ACCN)
        assert out["kind"] == "sec-ixbrl" and out["accession"] == NVDA_ACCN and out["filed"] == "2025-08-27"
        q = s.quarters("NVDA", "data_center_revenue", source="sec")
        rows = {r["fiscal_period"]: r for r in q.to_dict(orient="records") if r["status"] == "ok"}
        assert rows["FY2026Q2"]["value"] == 41_096e6 and rows["FY2026Q2"]["method"] == "reported"
        assert rows["FY2025Q2"]["value"] == 26_272e6 and rows["FY2025Q2"]["method"] == "reported"
        for r in rows.values():
            assert r["accn"] == NVDA_ACCN and r["source_kind"] == "sec-ixbrl" and r["source"] == "sec"
            assert NVDA_ACCN.replace("-", "") in r["source_url"]
        # precedence: the filing's quarter is what `all` returns where the snapshot has a secondary one
        best = s.quarters("NVDA", "data_center_revenue").set_index("fiscal_period")
        assert best.loc["FY2026Q2", "source_kind"] == "sec-ixbrl"
        assert best.loc["FY2023Q1", "source_kind"] == "secondary"  # not covered by the filing


def test_customer_concentration_observations_and_dimensions_table() -> None:
    """The 10-Q's customer shares are stored as observations (percent) and listed by `dimensions`."""
    with capexwatch.open() as s:
        ingest_path(s, NVDA_Q, accession=NVDA_ACCN)
        obs = s.filing_observations("NVDA", "customer_concentration_pct")
        assert len(obs) and set(obs["unit"]) == {"percent"} and set(obs["accn"]) == {NVDA_ACCN}
        facts = s.filing_facts(ticker="NVDA", concept="us-gaap:Revenues", dimensional_only=True)
        assert (facts["dimensions"] == "srt:ProductOrServiceAxis=nvda:DataCenterMember").any()
        assert facts["dimensions"].str.len().gt(0).all()


def test_google_cloud_years_from_the_10k() -> None:
    """Alphabet's 10-K: Google Cloud revenue 26,280 / 33,088 / 43,229 ($M) for 2022 / 2023 / 2024."""
    with capexwatch.open() as s:
        ingest_path(s, GOOGL_K, accession=GOOGL_ACCN)
        a = s.annual("GOOGL", "cloud_revenue")
        sec = a[a["source"] == "sec"].set_index("fiscal_year")
        assert sec.loc[2022, "value"] == 26_280e6
        assert sec.loc[2023, "value"] == 33_088e6
        assert sec.loc[2024, "value"] == 43_229e6
        assert set(sec["source_kind"]) == {"sec-ixbrl"}


def test_classic_instance_amazon_2022(tmp_path: Path) -> None:
    """Amazon's FY2022 XBRL instance into an empty store: the filer takes its trading symbol, and AWS
    is $80,096M in 2022 ("AWS | 62,202 | 80,096")."""
    store = Store.open(tmp_path / "s.duckdb")
    try:
        out = ingest_path(store, AMZN_K22, accession=AMZN_22_ACCN, filed=dt.date(2023, 2, 3))
        c = out["companies"][0]
        assert c["ticker"] == "AMZN" and c["new_entity"] and c["fye_month"] == 12
        a = store.annual(c["ticker"], "cloud_revenue").set_index("fiscal_year")
        assert a.loc[2022, "value"] == 80_096e6
    finally:
        store.close()


def test_second_ingest_writes_nothing_and_later_filing_keeps_quarters(tmp_path: Path) -> None:
    """The same document twice adds nothing; quarters are derived from every stored filing fact."""
    store = Store.open(tmp_path / "s.duckdb")
    try:
        first = ingest_path(store, NVDA_Q, accession=NVDA_ACCN)
        assert first["written"] and first["new_quarters"] > 0
        before = _tables(store)
        again = ingest_path(store, NVDA_Q, accession=NVDA_ACCN)
        assert not again["written"] and again["new_quarters"] == 0
        assert _tables(store) == before
    finally:
        store.close()


def test_missing_filed_date_fails_clearly(tmp_path: Path) -> None:
    """A document whose name does not give the filing date, without --filed: exit 2, named, nothing stored."""
    doc = tmp_path / "nvda-20250727.htm"
    doc.write_bytes(NVDA_Q.read_bytes())
    with capexwatch.open() as s:
        before = _tables(s)
        with pytest.raises(InputFileError, match="filing date") as err:
            ingest_path(s, doc)
        assert str(doc) in str(err.value)
        assert _tables(s) == before


# -- the command line: bad input, exit codes, the store unchanged ----------------------------------------


def _store_counts() -> dict[str, int]:
    with capexwatch.open() as s:
        return _tables(s)


def _bad(tmp_path: Path, name: str, body: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(body)
    return p


_HEAD = NVDA_Q.read_bytes()


@pytest.mark.parametrize(
    ("name", "body", "words"),
    [
        ("cut-10-q-2025-08-27.htm", _HEAD[: len(_HEAD) // 2], "cut short"),
        ("plain-10-q-2025-08-27.htm", b"<html><body><p>Quarterly report</p></body></html>", "not an xbrl document"),
        (
            "noctx-10-q-2025-08-27.xml",
            b'<xbrli:xbrl xmlns:xbrli="http://www.xbrl.org/2003/instance" xmlns:us-gaap="http://fasb.org/us-gaap/2024">'
            b'<xbrli:unit id="usd"><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>'
            b'<us-gaap:Revenues contextRef="missing" unitRef="usd" decimals="-6">1000000</us-gaap:Revenues>'
            b"</xbrli:xbrl>",
            "context",
        ),
        (
            "nounit-10-q-2025-08-27.xml",
            b'<xbrli:xbrl xmlns:xbrli="http://www.xbrl.org/2003/instance" xmlns:us-gaap="http://fasb.org/us-gaap/2024">'
            b'<xbrli:context id="c"><xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0001045810'
            b"</xbrli:identifier></xbrli:entity><xbrli:period><xbrli:instant>2025-07-27</xbrli:instant>"
            b"</xbrli:period></xbrli:context>"
            b'<us-gaap:Revenues contextRef="c" unitRef="nounit" decimals="-6">1000000</us-gaap:Revenues>'
            b"</xbrli:xbrl>",
            "unit",
        ),
    ],
)
def test_cli_bad_documents_exit_2_store_unchanged(tmp_path: Path, name: str, body: bytes, words: str) -> None:
    before = _store_counts()
    doc = _bad(tmp_path, name, body)
    r = run_cli("ingest", str(doc))
    assert r.returncode == 2, r.stderr
    assert name in r.stderr and words in r.stderr.lower() and "Traceback" not in r.stderr
    assert _store_counts() == before


def test_cli_oversized_document_exit_2(tmp_path: Path) -> None:
    """A 200 MB .htm is refused by its size before it is read: exit 2, the store unchanged."""
    before = _store_counts()
    doc = tmp_path / "huge-10-q-2025-08-27.htm"
    with doc.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: no 200 MB written to disk
    r = run_cli("ingest", str(doc))
    assert r.returncode == 2 and "huge-10-q-2025-08-27.htm" in r.stderr and "MB" in r.stderr, r.stderr
    assert _store_counts() == before


def test_cli_ingest_then_dimensions_json(tmp_path: Path) -> None:
    """`ingest --accession` then `dimensions --ticker NVDA --concept us-gaap:Revenues --json`."""
    r = run_cli("ingest", str(NVDA_Q), "--accession", NVDA_ACCN, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["accession"] == NVDA_ACCN
    r = run_cli("dimensions", "--ticker", "NVDA", "--concept", "us-gaap:Revenues", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    dc = [x for x in rows if x["member"] == "nvda:DataCenterMember" and x["period_start"] == "2025-04-28"]
    assert len(dc) == 1 and dc[0]["value"] == 41_096e6 and dc[0]["accn"] == NVDA_ACCN
    assert dc[0]["axis"] == "srt:ProductOrServiceAxis" and dc[0]["period_end"] == "2025-07-27"
    r = run_cli("dimensions", "--ticker", "NVDA")
    assert r.returncode == 0 and "DataCenterMember" in r.stdout
    r = run_cli("quarters", "--ticker", "NVDA", "--metric", "data_center_revenue", "--source", "sec", "--json")
    assert r.returncode == 0, r.stderr


def test_cli_bad_filed_option_exit_2() -> None:
    r = run_cli("ingest", str(NVDA_Q), "--filed", "27/08/2025")
    assert r.returncode == 2 and "--filed" in r.stderr


def test_audit_shows_filing_and_secondary_side_by_side() -> None:
    """The snapshot's NVIDIA Data Center quarters (a third-party repository) and the 10-Q's: both kept,
    the filing's wins, and `audit` lists both with the difference (they agree: 41,096 and 26,272)."""
    r = run_cli("ingest", str(NVDA_Q), "--accession", NVDA_ACCN)
    assert r.returncode == 0, r.stderr
    with capexwatch.open() as s:
        cmp = s.compare_sources("NVDA", "data_center_revenue").set_index("fiscal_period")
        assert cmp.loc["FY2026Q2", "sec_value"] == 41_096e6 and cmp.loc["FY2026Q2", "other_source"] == "curated"
        assert cmp.loc["FY2026Q2", "difference"] == 0 and bool(cmp.loc["FY2026Q2", "agree"])
    r = run_cli("audit", "NVDA", "--metric", "data_center_revenue")
    assert r.returncode == 0, r.stderr
    assert "replace secondary figures" in r.stdout and "41,096" in r.stdout


def test_disagreeing_secondary_figure_shows_the_difference(tmp_path: Path) -> None:
    """A user's figure 1,000 M off the filing's: both rows kept, the difference shown, the filing's read."""
    csv = tmp_path / "mine.csv"
    csv.write_text(
        "ticker,metric,fiscal_period,period_end,value,unit,source\n"
        "NVDA,data_center_revenue,FY2026Q2,2025-07-27,40096,USD_millions,my notes\n"
    )
    with capexwatch.open() as s:
        ingest_path(s, csv)
        ingest_path(s, NVDA_Q, accession=NVDA_ACCN)
        cmp = s.compare_sources("NVDA", "data_center_revenue")
        user = cmp[cmp["other_source"] == "user"].iloc[0]
        assert user["difference"] == 1_000e6 and not user["agree"]
        best = s.quarters("NVDA", "data_center_revenue").set_index("fiscal_period")
        assert best.loc["FY2026Q2", "source"] == "sec" and best.loc["FY2026Q2", "value"] == 41_096e6
