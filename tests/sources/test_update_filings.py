"""``update --filings`` against the loopback server: submissions -> latest 10-K/10-Q primary documents
-> parse with the submissions' accession and date -> the store. The documents are the real ones in
tests/data/ixbrl/; the submissions answers are in tests/data/recorded/sec/filings/ (README there)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

import capexwatch
from capexwatch.pipeline.filings import update_filings
from capexwatch.sources.http import HttpClient
from tests._support.cli import run_cli
from tests._support.data import DATA, RECORDED
from tests._support.fakeserver import FakeServer
from tests._support.recorded import UA

DOCS = "/Archives/edgar/data"
FILINGS = RECORDED / "sec" / "filings"


def _serve(server: FakeServer) -> None:
    """Submissions from sec/filings/ and each listed primary document from tests/data/ixbrl/."""
    for p in FILINGS.glob("CIK*.json"):
        server.add(f"/submissions/{p.name}", p)
        doc = json.loads(p.read_text())
        recent = doc["filings"]["recent"]
        for accn, name in zip(recent["accessionNumber"], recent["primaryDocument"], strict=True):
            ctype = "text/html" if name.endswith(".htm") else "application/xml"
            path = f"{DOCS}/{int(doc['cik'])}/{accn.replace('-', '')}/{name}"
            server.add(path, DATA / "ixbrl" / name, content_type=ctype)


@pytest.fixture
def filings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    """A loopback server with only these answers (the recorded NVIDIA submissions elsewhere list no
    primary documents), and settings pointing at it."""
    with FakeServer() as server:
        _serve(server)
        for k, v in {
            "CAPEXWATCH_SEC_USER_AGENT": UA,
            "CAPEXWATCH_SEC_BASE_URL": server.url,
            "CAPEXWATCH_SEC_DOCUMENTS_URL": server.url + DOCS,
            "CAPEXWATCH_HTTP_TIMEOUT": "0.5",
            "CAPEXWATCH_HTTP_RETRIES": "4",
            "CAPEXWATCH_HTTP_BACKOFF": "0.01",
            "CAPEXWATCH_HTTP_BACKOFF_CAP": "0.05",
        }.items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("EDGAR_IDENTITY", raising=False)
        yield server


def test_update_filings_three_companies(filings_env: FakeServer) -> None:
    """NVIDIA's 10-Q, Alphabet's and Amazon's latest 10-Ks: values from the documents' tables, with the
    accessions the submissions list; the User-Agent is sent; a second run is served from the cache."""
    with capexwatch.open() as s, HttpClient() as client:
        report = update_filings(s, tickers=["NVDA,GOOGL,AMZN"], client=client)
        assert report.written
        by = {c["ticker"]: c for c in report.companies}
        assert [f["accession"] for f in by["NVDA"]["filings"]] == ["0001045810-25-000209"]
        # Amazon lists two 10-Ks: only the latest is read
        assert [f["accession"] for f in by["AMZN"]["filings"]] == ["0001018724-25-000004"]
        dc = s.quarters("NVDA", "data_center_revenue", source="sec").set_index("fiscal_period")
        assert dc.loc["FY2026Q2", "value"] == 41_096e6 and dc.loc["FY2026Q2", "accn"] == "0001045810-25-000209"
        a = s.annual(["GOOGL", "AMZN"], "cloud_revenue")
        sec = {(r["ticker"], r["fiscal_year"]): r for r in a[a["source"] == "sec"].to_dict(orient="records")}
        assert sec[("GOOGL", 2024)]["value"] == 43_229e6 and "000165204425000014" in sec[("GOOGL", 2024)]["source_url"]
        assert sec[("AMZN", 2024)]["value"] == 107_556e6
    sent = [r for r in filings_env.requests if r.path.startswith(DOCS)]
    assert len(sent) == 3 and all("tests@example.com" in r.headers.get("user-agent", "") for r in sent)
    with capexwatch.open() as s, HttpClient() as client:
        again = update_filings(s, tickers=["NVDA,GOOGL,AMZN"], client=client)
        assert not again.written and again.requests == 0  # the cache answered; nothing new


def test_update_filings_retries_a_failed_document(filings_env: FakeServer) -> None:
    """A 503 on a document is retried (the same http layer as companyfacts)."""
    filings_env.fault(f"{DOCS}/1045810/", "503", times=2)
    with capexwatch.open() as s, HttpClient() as client:
        report = update_filings(s, tickers=["NVDA"], client=client)
    assert report.written and report.requests == 4  # submissions, 2 x 503, the document


def test_update_filings_error_page_leaves_store_unchanged(filings_env: FakeServer) -> None:
    """An HTML error page where a document was expected: a network error (exit 6), nothing written."""
    with capexwatch.open() as s:
        before = s.counts()
    filings_env.fault(f"{DOCS}/1652044/", "html", times=None)
    r = run_cli("update", "--filings", "--tickers", "NVDA,GOOGL")
    assert r.returncode == 6 and "XBRL" in r.stderr and "Traceback" not in r.stderr, r.stderr
    with capexwatch.open() as s:
        assert s.counts() == before
        assert s.filing_facts(ticker="NVDA").empty


def test_update_filings_cli_json(filings_env: FakeServer) -> None:
    r = run_cli("update", "--filings", "--tickers", "NVDA", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["written"] and out["companies"][0]["filings"][0]["form"] == "10-Q"
