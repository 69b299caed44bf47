"""``capexwatch audit`` and ``capexwatch cache`` after a real update from the loopback server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import capexwatch
from tests._support.fakeserver import FakeServer
from tests._support.netstore import reference_quarters, run, run_json
from tests._support.recorded import NVDA_CIK, RECORDED

CF_FILE = RECORDED / "sec" / "companyfacts" / f"CIK{NVDA_CIK:010d}.json"


@pytest.fixture
def updated(net_env: FakeServer, capsys: pytest.CaptureFixture[str]) -> FakeServer:
    run_json(capsys, "update", "--tickers", "NVDA")
    return net_env


def test_audit_explains_every_stored_quarter(updated: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "audit", "NVDA", "--metric", "capex")
    with capexwatch.open(read_only=True) as s:
        panel = s.quarters("NVDA", "capex", source="sec")
    stored = {r["fiscal_period"]: r for r in panel.to_dict(orient="records")}
    assert {r["fiscal_period"] for r in rows} == set(stored)
    raw = json.loads(CF_FILE.read_text())["facts"]["us-gaap"]["PaymentsToAcquireProductiveAssets"]["units"]["USD"]
    accns = {f["accn"] for f in raw}
    for r in rows:
        p = stored[r["fiscal_period"]]
        assert r["status"] == p["status"] and r["method"] == p["method"]
        if r["status"] != "ok":
            assert r["reason"] and r["value"] is None
            continue
        assert r["value"] == p["value"] and r["accn"] == p["accn"] and r["tag"] == p["tag"]
        assert r["accn"] in accns and r["form"] in ("10-K", "10-Q")
        if r["method"] == "derived":
            # the operands are real facts, and the quarter is their difference
            ops = r["derived_from"]
            assert len(ops) == 2
            assert all(any(o["value"] == f["val"] and o["accn"] == f["accn"] for f in raw) for o in ops)
            assert r["value"] == ops[0]["value"] - ops[1]["value"]
        for c in r["checks"]:
            assert (c["name"] in r["checks_passed"]) == c["passed"]
            assert (c["name"] in r["checks_failed"]) == (not c["passed"])


def test_audit_values_match_published_quarters(
    updated: FakeServer, capsys: pytest.CaptureFixture[str], reference_dir: Path
) -> None:
    rows = {(r["metric"], r["fiscal_period"]): r for r in run_json(capsys, "audit", "NVDA")}
    for x in reference_quarters(reference_dir, "NVDA"):
        assert abs(rows[(x["metric"], x["fiscal_period"])]["value"] - x["value"]) <= 0.5e6


def test_audit_text_and_errors(updated: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audit", "NVDA", "--metric", "capex")
    assert code == 0 and "FY2027Q1" in out and "derived" in out
    code, _, err = run(capsys, "audit", "MSFT")
    assert code == 5 and "update --tickers MSFT" in err
    code, _, err = run(capsys, "audit", "NOPE")
    assert code == 2 and "NVDA" in err
    code, _, err = run(capsys, "audit", "NVDA", "--metric", "nope")
    assert code == 2 and "capex" in err


def test_cache_info_and_clear(updated: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    info = run_json(capsys, "cache", "info")
    assert set(info["kinds"]) == {"companyfacts", "submissions", "company_tickers"}
    assert info["kinds"]["companyfacts"]["bytes"] == CF_FILE.stat().st_size
    code, out, _ = run(capsys, "cache", "info")
    assert code == 0 and "companyfacts" in out and "7 d" in out  # every kind listed with its TTL
    assert run_json(capsys, "cache", "clear", "--kind", "submissions") == {"entries": 1, "bytes": info[
        "kinds"]["submissions"]["bytes"]}  # fmt: skip
    assert set(run_json(capsys, "cache", "info")["kinds"]) == {"companyfacts", "company_tickers"}
    code, out, _ = run(capsys, "cache", "clear")
    assert code == 0 and "Removed 2" in out
    assert run_json(capsys, "cache", "info")["entries"] == 0
    code, _, err = run(capsys, "cache", "clear", "--kind", "nope")
    assert code == 2 and "companyfacts" in err
    # with the cache gone the next update asks the server again, and finds nothing new
    n = updated.count()
    again = run_json(capsys, "update", "--tickers", "NVDA")
    assert updated.count() == n + 3 and not again["written"]  # submissions, companyfacts, ticker map
