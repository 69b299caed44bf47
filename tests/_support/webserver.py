"""`capexwatch serve --port 0` through the real entry point, as a context manager yielding its URL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def serving(store: Path, *args: str) -> Iterator[str]:
    """Run ``capexwatch serve --port 0 ARGS`` on *store* (loopback); yield its base URL, stop it after."""
    env = {**os.environ, "CAPEXWATCH_DB": str(store)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "capexwatch.cli", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "serving" not in line:
        proc.kill()
        err = proc.stderr.read() if proc.stderr else ""
        raise AssertionError(f"capexwatch serve did not start: {line}{err}")
    try:
        yield line.split("serving ", 1)[1].split(" ", 1)[0].rstrip("/")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
