"""Regression (issue 14, item 4): every command opened the store for writing, so two ``info`` runs
started together failed, a notebook holding ``capexwatch.open()`` blocked the CLI, and readers
were locked out for a whole ingest.

Real processes on a real DuckDB file: a writer holds the write lock (inside a transaction, as a
commit does) while eight readers start; each must wait (saying so) and succeed, and the writer's
commit must land. Bounded in time by ``timeout`` on every process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import capexwatch

#: seconds the writer holds the write lock; the readers start inside this window
HOLD_S = 4.0
#: bound on each process (the 2-core CI machine runs several suites at once)
TIMEOUT_S = 240

_WRITER = """
import sys, time, capexwatch
s = capexwatch.open()
with s.transaction():
    s.upsert_entity(ticker="LOCKTEST", name="held", origin="user")
    print("locked", flush=True)
    time.sleep(float(sys.argv[1]))
s.close()
print("committed", flush=True)
"""

_NOTEBOOK = """
import sys, capexwatch
s = capexwatch.open()
s.entities()  # a read: the notebook's connection is open
print("open", flush=True)
sys.stdin.readline()  # hold it until the test is done
s.close()
"""


def _env() -> dict[str, str]:
    return {**os.environ, "CAPEXWATCH_LOCK_WAIT": str(TIMEOUT_S)}


def _reader(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "capexwatch.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )


def _wait_for_line(proc: subprocess.Popen[str], want: str) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line == want, f"expected {want!r}, got {line!r}; stderr: {proc.stderr.read() if proc.stderr else ''}"


def test_eight_readers_during_a_commit_all_succeed(home: Path) -> None:
    capexwatch.open().close()  # first use: create and load the snapshot
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(HOLD_S)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        _wait_for_line(writer, "locked")
        started = time.monotonic()
        readers = [_reader("info", "--json") for _ in range(8)]
        outs = [r.communicate(timeout=TIMEOUT_S) for r in readers]
        w_out, w_err = writer.communicate(timeout=TIMEOUT_S)
    finally:
        for p in [writer, *locals().get("readers", [])]:
            if p.poll() is None:
                p.kill()
    assert writer.returncode == 0, w_err
    assert "committed" in w_out
    for r, (out, err) in zip(readers, outs, strict=True):
        assert r.returncode == 0, err
        assert json.loads(out)["counts"]["entities"] > 0
    # the readers that met the lock said that they wait (the first ones start inside the window)
    if time.monotonic() - started < HOLD_S:
        assert any("in use by another process; waiting" in err for _, err in outs)
    with capexwatch.open(read_only=True) as s:
        assert s.entity("LOCKTEST")["name"] == "held"


def test_two_info_runs_started_together_and_an_idle_notebook(home: Path) -> None:
    capexwatch.open().close()
    notebook = subprocess.Popen(
        [sys.executable, "-c", _NOTEBOOK],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        _wait_for_line(notebook, "open")
        readers = [_reader("info", "--json"), _reader("info", "--json")]
        outs = [r.communicate(timeout=TIMEOUT_S) for r in readers]
        assert notebook.stdin is not None
        notebook.stdin.write("\n")
        notebook.stdin.flush()
        notebook.communicate(timeout=TIMEOUT_S)
    finally:
        if notebook.poll() is None:
            notebook.kill()
    for r, (_, err) in zip(readers, outs, strict=True):
        assert r.returncode == 0, err
    assert notebook.returncode == 0
