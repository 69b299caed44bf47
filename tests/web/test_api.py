"""The JSON API answers what the CLI's --json prints, and refuses bad input with 4xx JSON."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests._support.cli import run_cli
from tests._support.data import REFERENCE


def _cli_json(env: dict[str, str], *args: str) -> Any:
    proc = run_cli(*args, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    ("url", "args"),
    [
        ("/api/v1/quarters?ticker=GOOGL&metric=capex", ("quarters", "--ticker", "GOOGL", "--metric", "capex")),
        (
            "/api/v1/quarters?ticker=MSFT&metric=capex&view=first-filed&source=curated&as_of=2024-06-30",
            (
                "quarters",
                "-t",
                "MSFT",
                "-m",
                "capex",
                "--view",
                "first-filed",
                "--source",
                "curated",
                "--as-of",
                "2024-06-30",
            ),
        ),
        ("/api/v1/quarters?cik=1652044&metric=revenue", ("quarters", "--cik", "1652044", "--metric", "revenue")),
        ("/api/v1/signals?as_of=2024-06-30", ("signals", "--as-of", "2024-06-30")),
        ("/api/v1/signal/capital_intensity?ticker=ORCL", ("signal", "capital_intensity", "--ticker", "ORCL")),
        ("/api/v1/universe", ("universe",)),
        (
            "/api/v1/backtest?signal=roi_gap&signal=capex_vs_cloud&start=2024-01-01&end=2024-12-31",
            (
                "backtest",
                "--signal",
                "roi_gap",
                "--signal",
                "capex_vs_cloud",
                "--start",
                "2024-01-01",
                "--end",
                "2024-12-31",
            ),
        ),
        ("/api/v1/metrics", ("metrics",)),
        ("/api/v1/scenarios", ("scenarios",)),
    ],
)
def test_api_answers_what_the_cli_prints(client: Any, cli_env: dict[str, str], url: str, args: tuple[str, ...]) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == _cli_json(cli_env, *args)


def test_quarters_value_is_the_filed_figure(client: Any) -> None:
    """Alphabet's quarterly capex is the figure of the curated reference file (USD millions there)."""
    with (REFERENCE / "company_quarters.csv").open(encoding="utf-8") as f:
        ref = [r for r in csv.DictReader(f) if r["ticker"] == "GOOGL" and r["metric"] == "capex_cash_purchases_ppe"]
    assert ref, "reference rows for GOOGL capex"
    want = {r["fiscal_period"]: float(r["value_usd_millions"]) * 1e6 for r in ref}
    rows = client.get("/api/v1/quarters", params={"ticker": "googl", "metric": "capex"}).json()
    got = {r["fiscal_period"]: r["value"] for r in rows}
    common = sorted(set(want) & set(got))
    assert common
    for fp in common:
        assert got[fp] == pytest.approx(want[fp]), fp
    assert all(r["source_url"] or r["accn"] for r in rows)


def test_as_of_hides_later_filings(client: Any) -> None:
    rows = client.get("/api/v1/quarters?ticker=GOOGL&metric=capex&view=first-filed&as_of=2024-06-30").json()
    assert rows and all(r["known_at"] <= "2024-06-30" for r in rows)
    assert max(r["period_end"] for r in rows) < "2024-06-30"


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("/api/v1/quarters?ticker=NOPE&metric=capex", "Unknown ticker"),
        ("/api/v1/quarters?ticker=GOOGL&metric=nope", "Unknown metric"),
        ("/api/v1/signal/nope", "Unknown signal"),
        ("/api/v1/runs/nope", "No run"),
        ("/api/v1/scenarios/nope", "Unknown preset"),
        ("/api/v1/jobs/nope", "No simulation job"),
        ("/api/v1/nowhere", "No API endpoint"),
    ],
)
def test_unknown_names_are_404_with_a_hint(client: Any, url: str, needle: str) -> None:
    r = client.get(url)
    assert r.status_code == 404
    body = r.json()
    assert needle in body["error"] and body["hint"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/quarters?ticker=GOOGL&metric=capex&as_of=2024-13-01", "as_of"),
        ("/api/v1/quarters?ticker=GOOGL&metric=capex&as_of=yesterday", "as_of"),
        ("/api/v1/quarters?ticker=GOOGL&metric=capex&view=newest", "view"),
        ("/api/v1/quarters?metric=capex", "ticker"),
        ("/api/v1/quarters?ticker=../etc&metric=capex", "ticker"),
        ("/api/v1/signals?as_of=2024-6-3", "as_of"),
        ("/api/v1/backtest?start=20240101", "start"),
        ("/api/v1/backtest?start=0550-12-31", "start"),  # (`capexwatch backtest --start 0550-12-31` fails: exit 70)
        ("/api/v1/runs?limit=-1", "limit"),
    ],
)
def test_malformed_parameters_are_422_naming_the_field(client: Any, url: str, field: str) -> None:
    r = client.get(url)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


_BOMB = "".join(
    f"{k}: &{k} [{', '.join([f'*{p}'] * 9) if p else ', '.join(['x'] * 9)}]\n"
    for p, k in zip(["", "a", "b", "c", "d", "e", "f", "g", "h"], "abcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("body", "field", "needle"),
    [
        ({"preset": "sequoia-2024", "paths": -5}, "paths", "between 1"),
        ({"preset": "sequoia-2024", "paths": 10**9}, "paths", "between 1"),
        ({"preset": "sequoia-2024", "paths": "many"}, "paths", "whole number"),
        ({"preset": "sequoia-2024", "seed": -1}, "seed", "between 0"),
        ({"preset": "../../etc/passwd"}, "preset", "unknown preset"),
        ({"preset": "sequoia-2024", "scenario": "model: sequoia"}, "preset", "exactly one"),
        ({"scenario": "model: sequoia\n" + "#" * (10 * 2**20)}, "scenario", "limit"),
        ({"scenario": "model: sequoia\nparameters: !!python/object/apply:os.system ['true']\n"}, "scenario", "line 2"),
        ({"scenario": _BOMB}, "scenario", "aliases expand"),
        ({"scenario": "model: sequoia\nparameters:\n  gpu_revenue_usd: [1\n"}, "scenario", "line"),
        ({"scenario": "model: sequoia\npaths: -3\nparameters:\n  gpu_revenue_usd: 1e9\n"}, "scenario", "line 2: paths"),
        ({"preset": "sequoia-2024", "colour": "red"}, "colour", "unknown field"),
    ],
)
def test_bad_simulate_bodies_are_422_naming_the_field(
    client: Any, body: dict[str, Any], field: str, needle: str
) -> None:
    t0 = time.perf_counter()
    r = client.post("/api/v1/simulate", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert needle in r.json()["error"]
    assert time.perf_counter() - t0 < 20  # refused before any expansion or run
    assert client.get("/api/v1/metrics").status_code == 200  # and the server keeps serving


def test_a_body_that_is_not_json_is_422(client: Any) -> None:
    r = client.post("/api/v1/simulate", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "body"


@pytest.mark.parametrize("preset", ["consensus-1t", "burry-2026"])
def test_simulate_returns_what_the_cli_prints(client: Any, cli_env: dict[str, str], preset: str) -> None:
    """Same preset, paths and seed: the same percentiles and parameters as `capexwatch simulate --json`
    (burry-2026 reads its starting figures from the store)."""
    r = client.post("/api/v1/simulate", json={"preset": preset, "paths": 5000, "seed": 11})
    assert r.status_code == 200, r.text
    api = r.json()
    cli = _cli_json(cli_env, "simulate", preset, "--paths", "5000", "--seed", "11", "--no-store")
    for key in ("model", "scenario", "paths", "seed", "parameters", "outputs", "series", "expect"):
        assert api[key] == cli[key], key
    assert api["run_id"]  # saved through the one short write ...
    listed = client.get("/api/v1/runs").json()
    assert api["run_id"] in [x["run_id"] for x in listed]  # ... and listed
    stored = client.get(f"/api/v1/runs/{api['run_id']}").json()
    assert stored["outputs"]["scalars"] == api["outputs"]
    page = client.get(f"/runs/{api['run_id']}")
    assert page.status_code == 200 and api["run_id"] in page.text


def test_a_job_reports_progress_and_can_be_cancelled(client: Any) -> None:
    before = len(client.get("/api/v1/runs?limit=1000").json())
    r = client.post("/api/v1/jobs", json={"preset": "consensus-1t", "paths": 2_000_000, "seed": 3})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["state"] == "running" and job["paths_total"] == 2_000_000
    assert client.delete(f"/api/v1/jobs/{job['job_id']}").status_code == 200
    for _ in range(400):
        state = client.get(f"/api/v1/jobs/{job['job_id']}").json()
        if state["state"] != "running":
            break
        time.sleep(0.05)
    assert state["state"] == "cancelled"
    assert state["paths_done"] < 2_000_000 and state["result"] is None
    assert len(client.get("/api/v1/runs?limit=1000").json()) == before  # nothing saved


def test_a_job_that_finishes_has_the_result_and_fan_charts(client: Any) -> None:
    job = client.post("/api/v1/jobs", json={"preset": "consensus-1t", "paths": 4096, "seed": 5, "save": False}).json()
    for _ in range(600):
        state = client.get(f"/api/v1/jobs/{job['job_id']}").json()
        if state["state"] != "running":
            break
        time.sleep(0.05)
    assert state["state"] == "done", state
    direct = client.post("/api/v1/simulate", json={"preset": "consensus-1t", "paths": 4096, "seed": 5, "save": False})
    assert state["result"]["outputs"] == direct.json()["outputs"]
    assert state["paths_done"] == 4096 and state["figures"] and state["figures"][0]["data"]


def test_set_parameter_rewrites_the_yaml_and_names_bad_fields(client: Any) -> None:
    preset = client.get("/api/v1/scenarios/consensus-1t").json()
    name = preset["parameters"][0]
    r = client.post(
        "/api/v1/scenario/parameter",
        json={"scenario": preset["yaml"], "parameter": name, "value": {"dist": "uniform", "low": 1e9, "high": 2e9}},
    )
    assert r.status_code == 200, r.text
    import yaml

    assert yaml.safe_load(r.json()["scenario"])["parameters"][name]["dist"] == "uniform"
    bad = client.post(
        "/api/v1/scenario/parameter",
        json={"scenario": preset["yaml"], "parameter": name, "value": {"dist": "uniform", "low": 2, "high": 1}},
    )
    assert bad.status_code == 422 and f"parameters.{name}" in bad.json()["error"]


def test_store_locked_by_another_process_is_503_and_the_server_recovers(
    client: Any, web_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While another process holds DuckDB's write lock (past the lock wait), reads answer 503 JSON
    with a hint, then work again."""
    monkeypatch.setenv("CAPEXWATCH_LOCK_WAIT", "1")
    hold = f"import duckdb, sys; c = duckdb.connect({str(web_store)!r}); print('locked', flush=True); sys.stdin.read()"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        r = client.get("/api/v1/quarters?ticker=AMZN&metric=revenue&as_of=2023-03-31")
        assert r.status_code == 503, r.text
        assert "in use" in r.json()["error"] and "retry" in r.json()["hint"]
        page = client.get("/company/AMZN?as_of=2023-03-31")
        assert page.status_code == 503 and "in use" in page.text and "Traceback" not in page.text
    finally:
        holder.communicate("", timeout=30)
    assert client.get("/api/v1/quarters?ticker=AMZN&metric=revenue&as_of=2023-03-31").status_code == 200


def test_every_route_is_in_the_openapi_schema(client: Any) -> None:
    from capexwatch.web.api import routes

    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for route in routes():
        assert route.path in doc["paths"], route.path
        for method in route.methods or ():
            if method != "HEAD":
                assert method.lower() in doc["paths"][route.path], (route.path, method)


def test_web_failures_are_errors_of_the_one_vocabulary() -> None:
    """The web defines no error of its own (they are in capexwatch.errors), only the internal signal
    that stops a cancelled job."""
    import inspect

    from capexwatch.web import _payloads, _simulate, _store, _validate, api, app, openapi, pages

    own = {
        f"{m.__name__}.{name}"
        for m in (_payloads, _simulate, _store, _validate, api, app, openapi, pages)
        for name, obj in vars(m).items()
        if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == m.__name__
    }
    assert own == {"capexwatch.web._simulate.Cancelled"}
