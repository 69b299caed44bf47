"""The optional compiled-kernel switch (models/_jit.py, the ``fast`` extra)."""

from __future__ import annotations

import numpy as np
import pytest

from capexwatch import config
from capexwatch.models import _jit


def _running_sum(x: np.ndarray) -> float:
    total = 0.0
    for v in x:
        total += v
    return total


def test_jit_env_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAPEXWATCH_JIT", raising=False)
    assert config.jit_mode() == "auto"
    big, small = _jit.MIN_WORK, _jit.MIN_WORK - 1
    assert _jit.enabled(big) == _jit.available()
    assert not _jit.enabled(small)  # small runs stay on NumPy unless asked
    for off in ("0", "false", "OFF", " no "):
        monkeypatch.setenv("CAPEXWATCH_JIT", off)
        assert config.jit_mode() == "off"
        assert not _jit.enabled(big)
    monkeypatch.setenv("CAPEXWATCH_JIT", "1")
    assert config.jit_mode() == "on"
    assert _jit.enabled(small) == _jit.available()


def test_compiled_kernel_gives_the_python_result() -> None:
    kernel = _jit.compile_kernel(_running_sum)
    x = np.linspace(0.0, 1.0, 1001)
    assert kernel(x) == pytest.approx(_running_sum(x), rel=1e-15)
    assert kernel.py_func is _running_sum  # type: ignore[attr-defined]


def test_first_calls_from_many_threads_compile_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    calls: list[object] = []

    def slow_compile(fn: object) -> object:
        calls.append(fn)
        time.sleep(0.05)  # long enough for every thread to arrive while the first compiles
        return fn

    monkeypatch.setattr(_jit, "_compile", slow_compile)
    monkeypatch.setattr(_jit, "available", lambda: True)
    kernel = _jit.compile_kernel(_running_sum)
    x = np.arange(5.0)
    results: list[float] = []
    threads = [threading.Thread(target=lambda: results.append(kernel(x))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [10.0] * 8
    assert len(calls) == 1


def test_a_small_run_never_imports_numba() -> None:
    # the report's simulations (a few thousand paths) stay on NumPy and must not pay Numba's
    # import either: enabled() asked whether Numba was installed before looking at the size
    import os
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from capexwatch.models.engine import simulate\n"
        "from capexwatch.models.scenario import load_scenario\n"
        "simulate(load_scenario('chips-2021'), paths=500)\n"
        "print('numba' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CAPEXWATCH_JIT"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"
