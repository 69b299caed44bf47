"""The server keeps answers until the store changes, and never one after: writes through the real
write paths (``capexwatch ingest`` in another process, the Python API, an edited thresholds file)
show in the next answer, and a write while the server runs breaks nothing."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from tests._support.cli import run_cli
from tests._support.webserver import serving

httpx = pytest.importorskip("httpx", reason="httpx (dev extra) is not installed")

TICKER = "ZZTST"
#: one synthetic figure (test data, not a real company's): 123 USD millions of capex, FY2024 Q1
USER_CSV = (
    "ticker,name,fye_month,metric,fiscal_period,period_end,value,unit,source\n"
    f"{TICKER},Test Company,12,capex,FY2024Q1,2024-03-31,123,USD_millions,synthetic test figure\n"
)
QUARTERS = f"/api/v1/quarters?ticker={TICKER}&metric=capex"


@pytest.fixture
def store(web_store: Path, tmp_path: Path) -> Path:
    """A private copy of the session's store (these tests write to it)."""
    path = tmp_path / "capexwatch.duckdb"
    shutil.copy(web_store, path)
    return path


def _tickers(url: str) -> set[str]:
    r = httpx.get(url + "/api/v1/universe", timeout=120)
    assert r.status_code == 200, r.text
    return {row["ticker"] for row in r.json()}


def _poll(url: str, stop: threading.Event, statuses: list[int | str]) -> None:
    """Ask the server over and over (new connections) until *stop*: every answer's status, or the error."""
    while not stop.is_set():
        for path in ("/api/v1/universe", "/api/v1/signals", QUARTERS):
            try:
                statuses.append(httpx.get(url + path, timeout=120).status_code)
            except httpx.HTTPError as exc:
                statuses.append(type(exc).__name__)


@pytest.mark.parametrize("workers", [1, 2])
def test_an_ingest_while_the_server_runs_shows_in_the_next_answer(store: Path, tmp_path: Path, workers: int) -> None:
    csv = tmp_path / "figures.csv"
    csv.write_text(USER_CSV, encoding="utf-8")
    with serving(store, "--workers", str(workers)) as url:
        for _ in range(4):  # asked again: from the memo (each worker's, over new connections)
            assert httpx.get(url + QUARTERS, timeout=120).status_code == 404
            assert TICKER not in _tickers(url)
        stop, statuses = threading.Event(), []
        poller = threading.Thread(target=_poll, args=(url, stop, statuses))
        poller.start()
        try:
            ingest = run_cli("ingest", str(csv), env={"CAPEXWATCH_DB": str(store)}, timeout=300)
        finally:
            stop.set()
            poller.join(timeout=300)
        assert ingest.returncode == 0, ingest.stderr
        # during the write: answers, or 503 while the writer holds the file; never a failure
        assert statuses and set(statuses) <= {200, 404, 503}, statuses
        for _ in range(4):
            r = httpx.get(url + QUARTERS, timeout=120)
            assert r.status_code == 200, r.text
            rows = r.json()
            assert [(x["fiscal_period"], x["value"], x["source"]) for x in rows] == [("FY2024Q1", 123e6, "user")]
            assert TICKER in _tickers(url)


def test_the_memo_answers_until_the_store_changes(store: Path) -> None:
    import capexwatch
    from capexwatch.web._store import StoreAccess

    access = StoreAccess(store)
    calls: list[int] = []

    def count(s: capexwatch.Store) -> int:
        calls.append(1)
        return len(s.entities())

    before = access.read("n", count)
    assert access.read("n", count) == before and len(calls) == 1
    assert access.peek("n") == (True, before)
    with capexwatch.open(store) as st:  # the write path of the Python API
        st.upsert_entity(ticker=TICKER, name="Test Company", fye_month=12)
    assert access.peek("n") == (False, None)
    assert access.read("n", count) == before + 1 and len(calls) == 2


def test_an_edited_thresholds_file_is_a_change(store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from capexwatch.web._store import StoreAccess

    monkeypatch.setenv("CAPEXWATCH_HOME", str(tmp_path))
    access = StoreAccess(store)
    access.read("n", lambda s: 1)
    assert access.peek("n") == (True, 1)
    (tmp_path / "thresholds.toml").write_text("# no overrides\n", encoding="utf-8")
    assert access.peek("n") == (False, None)


def test_an_answer_read_while_the_store_changed_is_not_kept(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request that computed it gets it; the next one computes afresh."""
    from capexwatch.web._store import StoreAccess

    monkeypatch.setenv("CAPEXWATCH_HOME", str(tmp_path))
    access = StoreAccess(store)

    def changing(s: object) -> str:
        (tmp_path / "thresholds.toml").write_text("# changed while reading\n", encoding="utf-8")
        return "old"

    assert access.read("k", changing) == "old"
    assert access.peek("k") == (False, None)
    assert access.read("k", lambda s: "new") == "new"
