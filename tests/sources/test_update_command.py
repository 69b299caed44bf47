"""``capexwatch update`` end to end against the loopback server: results, faults, atomicity."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import capexwatch
from tests._support.fakeserver import FakeServer
from tests._support.netstore import dump, reference_quarters, run, run_json
from tests._support.recorded import ARCHIVES, NVDA_CIK, RECORDED, load_routes

CF_PATH = f"/api/xbrl/companyfacts/CIK{NVDA_CIK:010d}.json"
CF_FILE = RECORDED / "sec" / "companyfacts" / f"CIK{NVDA_CIK:010d}.json"


def sec_rows(ticker: str = "NVDA", view: str = "latest") -> dict[tuple[str, str], dict[str, Any]]:
    with capexwatch.open(read_only=True) as s:
        q = s.quarters(ticker, view=view, source="sec")
    return {(r["metric"], r["fiscal_period"]): r for r in q.to_dict(orient="records")}


def _max_in_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


# -- the real thing, as a user runs it --------------------------------------------------------------


def test_update_nvda_subprocess_matches_published_quarters(net_env: FakeServer, reference_dir: Path) -> None:
    """`capexwatch update --tickers NVDA` (a real process) derives NVIDIA's published quarters."""
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "capexwatch.cli", "update", "--tickers", "NVDA", "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["written"] and out["companies"][0]["ticker"] == "NVDA"
    assert out["companies"][0]["fye_month"] == 1
    assert out["new_quarters"] > 0 and out["revisions"] == 0

    rows = sec_rows()
    ref = reference_quarters(reference_dir, "NVDA")
    assert len(ref) >= 60
    checked = 0
    for x in ref:
        got = rows.get((x["metric"], x["fiscal_period"]))
        assert got is not None and got["status"] == "ok", x
        # the reference is in USD millions; our figures are exact USD
        assert abs(got["value"] - x["value"]) <= 0.5e6, (x, got["value"])
        checked += 1
    assert checked == len(ref)
    # every SEC row carries its provenance
    for r_ in rows.values():
        if r_["status"] == "ok":
            assert r_["tag"] and r_["accn"] and r_["form"] in ("10-K", "10-Q") and r_["source_url"]
    assert _max_in_window(net_env.times()) <= 8

    # rerunning changes nothing and touches nothing
    before = dump()
    r2 = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert r2.returncode == 0, r2.stderr
    again = json.loads(r2.stdout)
    assert not again["written"] and again["new_quarters"] == 0 and again["requests"] == 0  # all cached
    assert dump() == before


def test_sec_value_wins_over_curated_in_quarters(net_env: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    run_json(capsys, "update", "--tickers", "NVDA")
    with capexwatch.open(read_only=True) as s:
        q = s.quarters("NVDA", "capex", source="all")
    last = q.iloc[-1]
    assert last["source"] == "sec" and last["source_kind"] == "sec-xbrl"


# -- faults: every run completes correctly or fails clearly, and a failure stores nothing --------------


@pytest.mark.parametrize(
    ("prefix", "fault", "words"),
    [
        (CF_PATH, "503", "HTTP 503"),
        (CF_PATH, "stall", "timeout"),
        (CF_PATH, "truncate", "truncated"),
        (CF_PATH, "truncate-json", "incomplete JSON"),
        (CF_PATH, "html", "HTML page"),
        (CF_PATH, "content-type", "not JSON"),
        (CF_PATH, "invalid-json", "malformed JSON"),
        (CF_PATH, "403", "User-Agent"),
        ("/submissions/", "503", "HTTP 503"),
        ("/graph/", "503", "HTTP 503"),
    ],
)
def test_failed_update_leaves_store_unchanged_and_rerun_completes(
    net_env: FakeServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    prefix: str,
    fault: str,
    words: str,
) -> None:
    monkeypatch.setenv("CAPEXWATCH_HTTP_RETRIES", "2")
    before = dump()
    net_env.fault(prefix, fault, times=None, seconds=2)
    code, out, err = run(capsys, "update", "--tickers", "NVDA", "--series", "DFF")
    assert code == 6, (out, err)
    assert words in err and "Traceback" not in err
    assert dump() == before
    if fault != "503":
        return  # (the rerun is the same for every fault; once per failing endpoint is enough)
    # the network comes back: rerunning completes the update
    net_env.clear_faults()
    code, out, err = run(capsys, "update", "--tickers", "NVDA", "--series", "DFF")
    assert code == 0, err
    assert len(sec_rows()) > 0


def test_transient_faults_give_the_same_result_as_a_clean_run(
    net_env: FakeServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_json(capsys, "update", "--tickers", "NVDA")
    clean = sec_rows()
    # a second, independent home; the same update through a 429, two 503s and a truncated body
    monkeypatch.setenv("CAPEXWATCH_HOME", str(tmp_path / "other"))
    net_env.fault(CF_PATH, "429", times=1, retry_after=1)
    net_env.fault(CF_PATH, "503", times=2)
    net_env.fault("/submissions/", "truncate", times=1)
    out = run_json(capsys, "update", "--tickers", "NVDA")
    assert out["written"]
    faulty = sec_rows()
    assert faulty.keys() == clean.keys()
    for k in clean:
        a, b = clean[k], faulty[k]
        assert (a["status"], a["accn"]) == (b["status"], b["accn"])
        assert a["value"] == b["value"] or (a["value"] != a["value"] and b["value"] != b["value"])  # NaN


def test_no_user_agent(
    net_env: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CAPEXWATCH_SEC_USER_AGENT")
    before = dump()
    code, _, err = run(capsys, "update", "--tickers", "NVDA")
    assert code == 3 and "CAPEXWATCH_SEC_USER_AGENT" in err
    assert net_env.count() == 0 and dump() == before


def test_unknown_ticker_lists_the_known_ones(net_env: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "update", "--tickers", "NVDA,NOPE")
    assert code == 2 and "'NOPE'" in err and "NVDA" in err and "MSFT" in err
    assert net_env.count() == 0


def test_company_without_cik(net_env: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "update", "--tickers", "SPCX")
    assert code == 3 and "--cik" in err


def test_exception_inside_the_transaction_rolls_everything_back(
    net_env: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from capexwatch.store.db import Store

    before = dump()

    def boom(self: Store, con: Any, df: Any, load_id: str) -> int:
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(Store, "_write_panel", boom)  # facts are appended before the panel: both go
    code, _, err = run(capsys, "update", "--tickers", "NVDA", "--series", "DFF")
    assert code == 70 and "disk full" in err
    assert dump() == before


def test_killed_process_mid_transaction_leaves_store_unchanged(net_env: FakeServer) -> None:
    """SIGKILL while the update's transaction is open: DuckDB never commits it."""
    before = dump()
    script = textwrap.dedent(
        """
        import os, signal, sys
        from capexwatch.store.db import Store
        real = Store._write_panel
        def write_then_die(self, con, df, load_id):
            real(self, con, df, load_id)  # rows are in the open transaction...
            os.kill(os.getpid(), signal.SIGKILL)  # ...and the process dies before COMMIT
        Store._write_panel = write_then_die
        from capexwatch.cli import main
        sys.exit(main(["update", "--tickers", "NVDA"]))
        """
    )
    r = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ), timeout=120
    )
    assert r.returncode == -9, r.stderr
    assert dump() == before  # (that a rerun completes an update is tested above)


# -- what changed ---------------------------------------------------------------------------------------


def _as_of(doc: dict[str, Any], cutoff: str) -> dict[str, Any]:
    """The companyfacts document as it stood on *cutoff*: only facts filed by then (real values)."""
    out = {k: v for k, v in doc.items() if k != "facts"}
    out["facts"] = {}
    for tax, tags in doc["facts"].items():
        for tag, concept in tags.items():
            units = {u: [f for f in fs if f["filed"] <= cutoff] for u, fs in concept["units"].items()}
            units = {u: fs for u, fs in units.items() if fs}
            if units:
                out["facts"].setdefault(tax, {})[tag] = {**concept, "units": units}
    return out


def test_revisions_old_to_new(net_env: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(CF_FILE.read_text())
    cutoff = "2016-12-31"
    net_env.routes[CF_PATH] = []
    net_env.add(CF_PATH, json.dumps(_as_of(doc, cutoff)))
    first = run_json(capsys, "update", "--tickers", "NVDA")
    assert first["written"]

    net_env.routes[CF_PATH] = []
    net_env.add(CF_PATH, CF_FILE)
    second = run_json(capsys, "update", "--tickers", "NVDA", "--refresh")
    revised = {(c["metric"], c["fiscal_period"]): c for c in second["changes"] if c["kind"] == "revised"}
    # NVIDIA restated operating cash flow of the quarter ended 2016-05-01 in its 10-Q of 2017-05-23
    ocf = [f for f in doc["facts"]["us-gaap"]["NetCashProvidedByUsedInOperatingActivities"]["units"]["USD"]
           if f.get("start") == "2016-02-01" and f["end"] == "2016-05-01"]  # fmt: skip
    known_then = max((f for f in ocf if f["filed"] <= cutoff), key=lambda f: f["filed"])
    known_now = max(ocf, key=lambda f: f["filed"])
    assert known_then["val"] != known_now["val"]
    c = revised[("operating_cash_flow", "FY2017Q1")]
    assert (c["old"], c["new"]) == (known_then["val"], known_now["val"])
    assert (c["old_accn"], c["new_accn"]) == (known_then["accn"], known_now["accn"])
    # quarters filed after the cutoff are new; nothing filed after it was known before
    new = [c for c in second["changes"] if c["kind"] == "new"]
    assert new and all(c["fiscal_period"] >= "FY2017" for c in new)
    # the first-filed view still holds what was known at the cutoff
    ff = sec_rows(view="first-filed")[("operating_cash_flow", "FY2017Q1")]
    assert ff["value"] == ocf[0]["val"] and str(ff["filed"])[:10] == ocf[0]["filed"]


def test_dry_run_reports_but_writes_nothing(net_env: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    before = dump()
    dry = run_json(capsys, "update", "--tickers", "NVDA", "--dry-run")
    assert dry["dry_run"] and not dry["written"] and dry["new_quarters"] > 0
    assert dump() == before
    real = run_json(capsys, "update", "--tickers", "NVDA")
    assert real["new_quarters"] == dry["new_quarters"]
    assert real["changes"] == dry["changes"]


def test_text_summary(net_env: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "update", "--tickers", "NVDA")
    assert code == 0 and "Stored" in out and "NVDA" in out
    code, out, _ = run(capsys, "update", "--tickers", "NVDA")
    assert code == 0 and "Nothing changed" in out


# -- new filers, macro series, bulk ------------------------------------------------------------------


def test_cik_of_a_filer_not_in_the_store(net_env: FakeServer, tmp_path: Path) -> None:
    """An empty store (no universe): --cik adds the filer with its ticker and FYE from submissions."""
    from capexwatch.pipeline.update import update
    from capexwatch.store.db import Store

    store = Store.open(tmp_path / "empty.duckdb")
    try:
        rep = update(store, ciks=[str(NVDA_CIK)])
        ent = store.entity("NVDA")
        assert ent["cik"] == NVDA_CIK and ent["fye_month"] == 1 and ent["origin"] == "sec"
        assert rep.companies[0]["fye_source"] == "submissions" and rep.companies[0]["new_entity"]
        assert len(store.quarters("NVDA", source="sec")) > 0
    finally:
        store.close()


def test_macro_keyless_and_with_key(
    net_env: FakeServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv

    out = run_json(capsys, "update", "--macro")
    assert [s["series_id"] for s in out["series"]] == ["DFF", "FEDFUNDS", "DGS10", "BAMLH0A0HYM2", "NFCI"]
    assert {s["via"] for s in out["series"]} == {"csv"}
    with capexwatch.open(read_only=True) as s:
        got = s.series("FEDFUNDS")
    rows = list(csv.reader((RECORDED / "fred" / "FEDFUNDS.csv").open()))[1:]
    stored = {str(d)[:10]: v for d, v in zip(got["date"], got["value"], strict=True)}
    assert all(stored[d] == float(v) for d, v in rows)
    assert set(got[got["date"] >= rows[0][0]]["source"]) == {"https://fred.stlouisfed.org/series/FEDFUNDS"}
    # the same observations through the API are not a change
    net_env.fred_api_key = "a" * 32
    monkeypatch.setenv("FRED_API_KEY", "a" * 32)
    again = run_json(capsys, "update", "--series", "FEDFUNDS")
    assert again["series"][0]["via"] == "api" and again["series"][0]["new"] == 0
    assert again["series"][0]["revised"] == 0 and not again["written"]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_bulk_local_zip(net_env: FakeServer, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                        reference_dir: Path) -> None:  # fmt: skip
    googl = reference_dir / "sec" / "CIK0001652044.json"
    members = {
        f"CIK{NVDA_CIK:010d}.json": CF_FILE.read_bytes(),
        "CIK0001652044.json": googl.read_bytes(),
        # a member the SEC replaced by its rate-limit page: skipped with a reason, not fatal
        "CIK0000000001.json": b"<html><title>Request Rate Threshold Exceeded</title></html>",
    }
    z = _zip(tmp_path / "companyfacts.zip", members)
    out = run_json(capsys, "update", "--bulk", str(z))
    assert out["written"]
    assert {c["ticker"] for c in out["companies"]} == {"NVDA", "GOOGL"}
    assert [s["member"] for s in out["skipped"]] == ["CIK0000000001.json"]
    assert net_env.count() == 0  # a local zip needs no network
    ref = reference_quarters(reference_dir, "GOOGL")
    rows = sec_rows("GOOGL")
    assert ref
    for x in ref:
        got = rows[(x["metric"], x["fiscal_period"])]
        assert abs(got["value"] - x["value"]) <= 0.5e6, x
    before = dump()
    assert not run_json(capsys, "update", "--bulk", str(z))["written"]
    assert dump() == before


def test_bulk_download_and_corrupt_zip(net_env: FakeServer, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    z = _zip(tmp_path / "companyfacts.zip", {f"CIK{NVDA_CIK:010d}.json": CF_FILE.read_bytes()})
    net_env.add(ARCHIVES + "/companyfacts.zip", z.read_bytes(), content_type="application/zip")
    out = run_json(capsys, "update", "--bulk")
    assert [c["ticker"] for c in out["companies"]] == ["NVDA"]
    info = run_json(capsys, "cache", "info")
    assert info["kinds"]["bulk"]["entries"] == 1
    # an interrupted download saved by hand: refused clearly, store untouched
    cut = tmp_path / "cut.zip"
    cut.write_bytes(z.read_bytes()[:500])
    before = dump()
    code, _, err = run(capsys, "update", "--bulk", str(cut))
    assert code == 2 and "not a readable zip" in err
    assert dump() == before


def test_ingest_companyfacts_file(net_env: FakeServer, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The offline path: `capexwatch ingest CIK##########.json` (the lead's command calls ours)."""
    from capexwatch.pipeline.files import ingest_sec_path

    with capexwatch.open() as s:
        out = ingest_sec_path(s, CF_FILE)
    assert out["kind"] == "sec-companyfacts" and out["companies"][0]["ticker"] == "NVDA"
    assert out["new_quarters"] > 0
    broken = tmp_path / "CIK0001045810.json"
    broken.write_bytes(CF_FILE.read_bytes()[:1000])
    before = dump()
    code, _, err = run(capsys, "ingest", str(broken))
    assert code == 2 and "truncated" in err
    assert dump() == before


def test_loopback_routes_cover_every_recorded_file() -> None:
    s = FakeServer()
    load_routes(s)
    assert CF_PATH in s.routes and "/graph/fredgraph.csv" in s.routes


def test_bulk_failure_midway_rolls_back_and_cleans_up(
    net_env: FakeServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, home: Path
) -> None:
    """A member corrupt on disk (bad CRC) after good ones: nothing stored, no scratch files left."""
    import zipfile

    good = CF_FILE.read_bytes()
    z = _zip(tmp_path / "companyfacts.zip", {f"CIK{NVDA_CIK:010d}.json": good, "CIK0000000002.json": good})
    data = bytearray(z.read_bytes())
    with zipfile.ZipFile(z) as zf:
        info = zf.infolist()[1]
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 50
    data[at] ^= 0xFF
    z.write_bytes(bytes(data))
    before = dump()
    code, _, err = run(capsys, "update", "--bulk", str(z))
    assert code == 2 and "corrupt" in err
    assert dump() == before
    assert not list(home.glob(".capexwatch-stage-*"))
