"""The command line is reachable the three documented ways: the console script, ``-m capexwatch``,
``-m capexwatch.cli``."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest


def test_console_script_points_at_cli_main() -> None:
    from capexwatch.cli import main

    (ep,) = [e for e in importlib.metadata.entry_points(group="console_scripts") if e.name == "capexwatch"]
    assert ep.value == "capexwatch.cli:main"
    assert ep.load() is main


@pytest.mark.parametrize("module", ["capexwatch", "capexwatch.cli"])
def test_python_dash_m_runs_the_cli(module: str) -> None:
    r = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert importlib.metadata.version("capexwatch") in r.stdout


def test_main_maps_a_user_error_to_its_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    from capexwatch.cli import main

    assert main(["signal", "no_such_signal"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: Unknown signal: 'no_such_signal'.") and "Traceback" not in err
