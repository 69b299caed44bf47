"""FRED: the keyless CSV, the JSON API with a key, errors; against recorded FRED files."""

from __future__ import annotations

import csv

import pytest

from capexwatch.errors import DataError, NetworkError
from capexwatch.sources import fred
from capexwatch.sources.http import HttpClient
from tests._support.fakeserver import FakeServer
from tests._support.recorded import RECORDED


def recorded(series_id: str) -> list[tuple[str, float]]:
    """The observations of a recorded fredgraph CSV, missing values dropped."""
    with (RECORDED / "fred" / f"{series_id}.csv").open() as fh:
        rows = list(csv.reader(fh))[1:]
    return [(d, float(v)) for d, v in rows if v not in ("", ".")]


@pytest.mark.parametrize("sid", ["DFF", "FEDFUNDS", "NFCI"])
def test_keyless_csv(client: HttpClient, net_env: FakeServer, sid: str) -> None:
    s = fred.fetch_series(sid.lower(), client=client)
    assert s.via == "csv" and s.series_id == sid
    assert s.observations == recorded(sid)
    assert net_env.requests[-1].path == "/graph/fredgraph.csv"
    assert net_env.requests[-1].query["id"] == [sid]


def test_missing_observations_are_dropped_and_counted() -> None:
    path = RECORDED / "fred" / "DGS10_1980.csv"
    rows = list(csv.reader(path.open()))[1:]
    obs, missing = fred.parse_fredgraph_csv(path.read_bytes(), "DGS10")
    assert missing == sum(1 for _, v in rows if v == "") > 0
    assert len(obs) + missing == len(rows)
    assert ("1980-01-02", 10.5) in obs


def test_api_with_key(net_env: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    net_env.fred_api_key = "k" * 32
    monkeypatch.setenv("FRED_API_KEY", "k" * 32)
    with HttpClient() as c:
        s = fred.fetch_series("DGS10", client=c)
    assert s.via == "api"
    assert s.observations == recorded("DGS10")
    obs = [r for r in net_env.requests if r.path == "/fred/series/observations"]
    assert obs and obs[0].query["api_key"] == ["k" * 32] and obs[0].query["file_type"] == ["json"]
    assert "k" * 32 not in s.origin


def test_rejected_key_is_explained_without_leaking_it(net_env: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    net_env.fred_api_key = "right" * 6
    monkeypatch.setenv("FRED_API_KEY", "wrong" * 6)
    with HttpClient() as c, pytest.raises(NetworkError) as err:
        fred.fetch_series("DFF", client=c)
    msg = str(err.value)
    assert "api_key is not registered" in msg and "FRED_API_KEY" in msg
    assert "wrong" not in msg
    # nor is the key written to the cache's metadata
    from capexwatch.config import get_settings

    for meta in (get_settings().cache_dir).rglob("*.json"):
        assert "wrong" not in meta.read_text()


def test_unknown_series(client: HttpClient, net_env: FakeServer) -> None:
    with pytest.raises(DataError, match="FRED has no series 'NOSUCH'"):
        fred.fetch_series("NOSUCH", client=client)
    with pytest.raises(DataError, match="not a FRED series id"):
        fred.fetch_series("DGS10; rm -rf", client=client)


def test_csv_for_another_series_is_refused(client: HttpClient, net_env: FakeServer) -> None:
    net_env.add("/graph/fredgraph.csv", (RECORDED / "fred" / "DFF.csv").read_bytes(), content_type="text/csv",
                query={"id": "T10Y2Y"})  # fmt: skip
    with pytest.raises(NetworkError, match="not a FRED CSV for T10Y2Y"):
        fred.fetch_series("T10Y2Y", client=client)


def test_html_instead_of_csv(client: HttpClient, net_env: FakeServer) -> None:
    net_env.fault("/graph/", "html", times=None)
    with pytest.raises(NetworkError, match="HTML page"):
        fred.fetch_series("DFF", client=client)


def test_series_frames_use_snapshot_metadata(client: HttpClient, net_env: FakeServer) -> None:
    obs, meta = fred.series_frames([fred.fetch_series("DFF", client=client)])
    assert list(obs.columns) == ["series_id", "date", "value", "source"]
    assert len(obs) == len(recorded("DFF"))
    assert meta.iloc[0]["title"] == "Federal Funds Effective Rate"
    assert meta.iloc[0]["source"] == "https://fred.stlouisfed.org/series/DFF"
