"""Run the real ``capexwatch`` console entry point in a subprocess, as a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real ``capexwatch`` console entry point as a subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "capexwatch.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
    )


def invoke(*args: str) -> tuple[int, str, str]:
    """Run ``capexwatch ARGS`` in this process (as the console entry point does); ``(code, stdout, stderr)``.

    Much faster than :func:`run_cli` for tables of error cases; output is captured with
    :func:`contextlib.redirect_stdout` so that it needs no pytest fixture.
    """
    import contextlib
    import io

    from capexwatch.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()
