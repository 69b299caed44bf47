"""`capexwatch scenarios` and `capexwatch simulate`, through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from capexwatch.cli import main
from tests._support.cli import run_cli


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_scenarios_json_lists_the_presets(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scenarios", "--json")
    assert code == 0
    items = {d["name"]: d for d in json.loads(out)}
    assert {"sequoia-2023", "sequoia-2024", "bain-2025", "jpmorgan-2025", "consensus-1t", "seed-bear"} <= set(items)
    assert items["sequoia-2024"]["expect"]["required_revenue_usd"]["value"] == 600e9
    assert items["consensus-1t"]["model"] == "required_revenue.cohort"


def test_scenarios_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scenarios")
    assert code == 0 and "sequoia-2024" in out and "$600.0B" in out


def test_simulate_json_shape_and_no_store(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out, _ = run(capsys, "simulate", "sequoia-2024", "--json", "--no-store", "--paths", "5000", "--seed", "3")
    assert code == 0
    d = json.loads(out)
    assert {"model", "paths", "seed", "parameters", "outputs", "series"} <= set(d)
    assert (d["model"], d["paths"], d["seed"]) == ("required_revenue.sequoia", 5000, 3)
    req = d["outputs"]["required_revenue_usd"]
    assert {"mean", "sd", "p5", "p25", "p50", "p75", "p95"} <= set(req)
    assert req["p50"] == 600e9 and d["outputs"]["revenue_gap_usd"]["p50"] == 500e9
    assert d["parameters"]["gpu_revenue_usd"]["source"].startswith("https://")
    assert d["run_id"] is None
    assert not (home / "capexwatch.duckdb").exists()  # nothing needed the store, nothing written


def test_simulate_stores_run_with_series(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "simulate", "consensus-1t", "--json", "--paths", "8192")
    assert code == 0
    d = json.loads(out)
    assert d["run_id"]
    assert len(d["series"]["required_revenue_usd"]["p50"]) == 40
    assert d["series"]["required_revenue_annual_usd"]["labels"][0] == "2025"
    import capexwatch

    with capexwatch.open(read_only=True) as s:
        runs = s.runs()
    assert runs["run_id"].tolist() == [d["run_id"]]


def test_simulate_workers_and_block_size_do_not_change_results(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["simulate", "seed-bear", "--json", "--no-store", "--paths", "20000", "--seed", "5"]
    _, a, _ = run(capsys, *base)
    _, b, _ = run(capsys, *base, "--workers", "2", "--block-size", "4096")
    da, db = json.loads(a), json.loads(b)
    assert da["outputs"] == db["outputs"] and da["series"] == db["series"]
    assert db["executor"] == {"kind": "processes", "workers": 2, "block_size": 4096}


def test_simulate_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "simulate", "jpmorgan-2025", "--no-store")
    assert code == 0
    assert "$34.72 ✓" in out and "$180.00 ✓" in out and "Parameters (resolved)" in out


def test_invalid_file_exit_code_and_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(
        "model: sequoia\nparameters:\n  gpu_revenue_usd: 1e11\n  gross_margin: {dist: uniform, low: 0.7, high: 0.6}\n"
    )
    r = run_cli("simulate", str(f), "--no-store")
    assert r.returncode == 2
    assert "line 4: parameters.gross_margin.high: uniform needs low < high" in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_preset(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "simulate", "sequoia-2030")
    assert code == 2 and "Unknown preset 'sequoia-2030'" in err and "Presets:" in err
