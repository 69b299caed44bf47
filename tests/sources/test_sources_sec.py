"""SEC endpoints against the loopback server replaying recorded answers."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from capexwatch.errors import DataError, InputFileError
from capexwatch.sources import sec
from capexwatch.sources.http import HttpClient
from tests._support.fakeserver import FakeServer
from tests._support.recorded import NVDA_CIK, RECORDED

CF_FILE = RECORDED / "sec" / "companyfacts" / f"CIK{NVDA_CIK:010d}.json"
SUB_FILE = RECORDED / "sec" / "submissions" / f"CIK{NVDA_CIK:010d}.json"


def test_cik_forms() -> None:
    assert sec.parse_cik("CIK0001045810") == sec.parse_cik("0001045810") == sec.parse_cik(1045810) == NVDA_CIK
    assert sec.cik10(1045810) == "0001045810"
    for bad in ("", "abc", "0", "12345678901", "CIK"):
        with pytest.raises(DataError, match="not a CIK"):
            sec.parse_cik(bad)


@pytest.mark.parametrize(
    ("mmdd", "month"),
    [("0126", 1), ("1231", 12), ("0630", 6), ("0531", 5), ("0103", 12), ("0702", 6), ("1101", 10), ("", None)],
)
def test_fye_month_from_submissions(mmdd: str, month: int | None) -> None:
    # a 52/53-week year ending in a month's first week mostly lies in the month before (JNJ, 2 July)
    assert sec.fye_month_from_mmdd(mmdd) == month


def test_companyfacts_fetch(client: HttpClient, net_env: FakeServer) -> None:
    raw = sec.fetch_companyfacts(NVDA_CIK, client=client)
    assert raw == CF_FILE.read_bytes()
    assert net_env.requests[-1].path == f"/api/xbrl/companyfacts/CIK{NVDA_CIK:010d}.json"


def test_companyfacts_unknown_cik_is_a_data_error(client: HttpClient, net_env: FakeServer) -> None:
    with pytest.raises(DataError, match="no XBRL company facts for CIK 1"):
        sec.fetch_companyfacts(1, client=client)


def test_submissions_parsed(client: HttpClient, net_env: FakeServer) -> None:
    subs = sec.fetch_submissions("CIK0001045810", client=client)
    doc = json.loads(SUB_FILE.read_text())
    recent = doc["filings"]["recent"]
    assert subs.cik == NVDA_CIK and subs.name == "NVIDIA CORP" and subs.tickers == ("NVDA",)
    assert subs.fiscal_year_end == "0126" and subs.fye_month == 1
    assert [f.accession for f in subs.filings] == recent["accessionNumber"]
    assert [f.filed for f in subs.filings] == recent["filingDate"]
    # proxy statements and prospectuses are not periodic reports
    periodic = subs.periodic()
    assert {f.form for f in periodic} <= {"10-K", "10-Q", "10-K/A", "10-Q/A"}
    assert len(periodic) == sum(1 for f in recent["form"] if f in ("10-K", "10-Q"))
    first = periodic[0]
    assert first.index_url == (
        f"https://www.sec.gov/Archives/edgar/data/{NVDA_CIK}/{first.accession.replace('-', '')}/"
        f"{first.accession}-index.htm"
    )
    assert first.url == first.index_url  # no primary document recorded: the index page


def test_submissions_ragged_arrays_do_not_shift_rows() -> None:
    doc = {"cik": "1045810", "name": "X", "filings": {"recent": {
        "accessionNumber": ["0001045810-26-000052", "0001045810-26-000036"],
        "form": ["10-Q", "10-K"], "filingDate": ["2026-05-20", "2026-02-25"], "primaryDocument": ["a.htm"],
    }}}  # fmt: skip
    subs = sec.parse_submissions(json.dumps(doc).encode())
    assert [(f.form, f.filed, f.primary_document) for f in subs.filings] == [
        ("10-Q", "2026-05-20", "a.htm"),
        ("10-K", "2026-02-25", None),
    ]


def _concept_doc() -> dict[str, object]:
    """The companyconcept answer for NVIDIA us-gaap:Revenues, built from the recorded companyfacts."""
    cf = json.loads(CF_FILE.read_text())
    c = cf["facts"]["us-gaap"]["Revenues"]
    return {"cik": cf["cik"], "taxonomy": "us-gaap", "tag": "Revenues", "label": c["label"],
            "description": c["description"], "entityName": cf["entityName"], "units": c["units"]}  # fmt: skip


def test_companyconcept(client: HttpClient, net_env: FakeServer) -> None:
    doc = _concept_doc()
    net_env.add(f"/api/xbrl/companyconcept/CIK{NVDA_CIK:010d}/us-gaap/Revenues.json", json.dumps(doc))
    got = sec.fetch_companyconcept(NVDA_CIK, "us-gaap", "Revenues", client=client)
    assert got == doc
    with pytest.raises(DataError, match="not valid"):
        sec.fetch_companyconcept(NVDA_CIK, "us-gaap", "../etc", client=client)


def test_frames(client: HttpClient, net_env: FakeServer) -> None:
    cf = json.loads(CF_FILE.read_text())
    facts = cf["facts"]["us-gaap"]["Revenues"]["units"]["USD"]
    data = [
        {"accn": f["accn"], "cik": cf["cik"], "entityName": cf["entityName"], "start": f["start"],
         "end": f["end"], "val": f["val"]}
        for f in facts if f.get("frame") == "CY2026Q1"
    ]  # fmt: skip
    assert len(data) == 1  # the SEC puts a frame label on one fact per period
    doc = {"taxonomy": "us-gaap", "tag": "Revenues", "ccp": "CY2026Q1", "uom": "USD", "pts": 1, "data": data}
    net_env.add("/api/xbrl/frames/us-gaap/Revenues/USD/CY2026Q1.json", json.dumps(doc))
    got = sec.fetch_frame("us-gaap", "Revenues", "USD", "cy2026q1", client=client)
    assert got["data"][0]["val"] == data[0]["val"]
    for bad in ("2026Q1", "CY2026I", "CY26Q1"):
        with pytest.raises(DataError, match="Frame period"):
            sec.fetch_frame("us-gaap", "Revenues", "USD", bad, client=client)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_iter_bulk_member_by_member(tmp_path: Path) -> None:
    raw = CF_FILE.read_bytes()
    p = _zip(tmp_path / "companyfacts.zip", {f"CIK{NVDA_CIK:010d}.json": raw, "README.txt": b"not a member"})
    got = list(sec.iter_bulk(p))
    assert got == [(NVDA_CIK, f"CIK{NVDA_CIK:010d}.json", raw)]
    assert sec.count_bulk_members(p) == 1
    assert not any(x.suffix == ".json" for x in tmp_path.iterdir())  # nothing extracted to disk


def test_iter_bulk_rejects_a_broken_archive(tmp_path: Path) -> None:
    p = _zip(tmp_path / "companyfacts.zip", {f"CIK{NVDA_CIK:010d}.json": CF_FILE.read_bytes()})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(p.read_bytes()[: p.stat().st_size // 2])  # an interrupted download
    with pytest.raises(InputFileError, match="not a readable zip"):
        list(sec.iter_bulk(cut))
    with pytest.raises(InputFileError):
        sec.count_bulk_members(cut)
    # a member whose bytes were damaged fails its CRC check
    data = bytearray(p.read_bytes())
    buf = io.BytesIO(bytes(data))
    with zipfile.ZipFile(buf) as zf:
        info = zf.infolist()[0]
    body_at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[body_at + 100] ^= 0xFF
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match="corrupt"):
        list(sec.iter_bulk(bad))


# -- the ticker map (company_tickers.json) ----------------------------------------------------------


def test_ticker_map_fetched_cached_and_read_offline(net_env: FakeServer, client: HttpClient) -> None:
    from tests._support.recorded import TICKERS

    assert sec.ticker_map().source.startswith("bundled")  # nothing cached yet
    m = sec.fetch_company_tickers(client=client)
    assert m.ticker(NVDA_CIK) == "NVDA" and m.cik("googl") == 1652044 and m.cik("TSM") == 1046179
    sec.fetch_company_tickers(client=client)  # a second call is served by the cache
    assert net_env.count(TICKERS) == 1
    offline = sec.ticker_map()  # what ingest uses: the cached full map, no request
    assert offline.source.endswith(TICKERS) and offline.ticker(320193) == "AAPL"
    assert net_env.count(TICKERS) == 1


def test_ticker_map_rejects_another_document() -> None:
    with pytest.raises(DataError, match="ticker map"):
        sec.parse_company_tickers(b'{"cik": 1045810, "facts": {}}', source="x.json")


def test_update_refreshes_the_ticker_map(net_env: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    from tests._support.netstore import run_json
    from tests._support.recorded import TICKERS

    out = run_json(capsys, "update", "--tickers", "NVDA")
    assert out["skipped"] == []
    assert net_env.count(TICKERS) == 1
    assert sec.ticker_map().source.endswith(TICKERS)
