"""The signals commands through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

from tests._support.cli import run_cli

REQUIRED = {"name", "status", "value", "as_of", "thresholds", "evidence"}


def test_signals_json_and_board(home: Path) -> None:
    env = {"CAPEXWATCH_HOME": str(home)}
    r = run_cli("signals", "--json", env=env)
    assert r.returncode == 0, r.stderr
    board = json.loads(r.stdout)
    assert len(board) == 8 and all(set(s) >= REQUIRED for s in board)
    assert all(s["status"] in ("ok", "watch", "alert", "insufficient-data") for s in board)
    assert all(t["source"] for s in board for t in s["thresholds"].values())
    text = run_cli("signals", env={**env, "COLUMNS": "200"})
    assert text.returncode == 0
    for title in ("ROI gap", "Capital intensity", "Liquidity drain", "Energy constraints", "Potential trigger"):
        assert title in text.stdout


def test_signals_as_of_is_point_in_time(home: Path) -> None:
    r = run_cli("signals", "--as-of", "2024-06-30", "--json", env={"CAPEXWATCH_HOME": str(home)})
    assert r.returncode == 0, r.stderr
    board = json.loads(r.stdout)
    assert all(s["point_in_time"] == "2024-06-30" for s in board)
    assert all(s["as_of_date"] is None or s["as_of_date"] <= "2024-06-30" for s in board)


def test_signal_detail_history_and_errors(home: Path) -> None:
    env = {"CAPEXWATCH_HOME": str(home), "COLUMNS": "200"}
    r = run_cli("signal", "liquidity_drain", "--history", env=env)
    assert r.returncode == 0, r.stderr
    assert "History" in r.stdout and "fred.stlouisfed.org" in r.stdout and "Thresholds" in r.stdout
    bad = run_cli("signal", "roi", env=env)
    assert bad.returncode == 2 and "Unknown signal" in bad.stderr and "Traceback" not in bad.stderr
    nobody = run_cli("signal", "roi_gap", "--ticker", "ZZZZ", env=env)
    assert nobody.returncode == 2 and "Unknown ticker" in nobody.stderr
    date = run_cli("signals", "--as-of", "2024-13-01", env=env)
    assert date.returncode != 0 and "YYYY-MM-DD" in (date.stderr + date.stdout)


def test_user_thresholds_file_is_used_and_errors_are_clean(home: Path) -> None:
    env = {"CAPEXWATCH_HOME": str(home)}
    (home / "thresholds.toml").write_text("[capital_intensity]\ncapex_to_ocf_alert = 5.0\n")
    r = run_cli("signal", "capital_intensity", "--ticker", "ORCL", "--json", env=env)
    d = json.loads(r.stdout)
    assert d["thresholds"]["capex_to_ocf_alert"]["value"] == 5.0
    assert "user override" in d["thresholds"]["capex_to_ocf_alert"]["source"]
    assert d["status"] != "alert"
    (home / "thresholds.toml").write_text("[capital_intensity]\ncapex_to_ocf = 5.0\n")
    bad = run_cli("signals", env=env)
    assert bad.returncode == 3 and "Unknown threshold capital_intensity.capex_to_ocf" in bad.stderr


def test_backtest_json(home: Path) -> None:
    r = run_cli(
        "backtest",
        "--signal",
        "liquidity_drain",
        "--start",
        "2022-01-01",
        "--end",
        "2023-12-31",
        "--json",
        env={"CAPEXWATCH_HOME": str(home)},
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["signals"] == ["liquidity_drain"] and len(d["dates"]) == 8
    assert d["episodes"]["liquidity_drain"][0]["first_alert"] == "2022-06-30"
