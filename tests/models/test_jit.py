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
    assert config.jit_requested()
    for off in ("0", "false", "OFF", " no "):
        monkeypatch.setenv("CAPEXWATCH_JIT", off)
        assert not config.jit_requested()
        assert not _jit.enabled()
    monkeypatch.setenv("CAPEXWATCH_JIT", "1")
    assert config.jit_requested()
    assert _jit.enabled() == _jit.available()


def test_compiled_kernel_gives_the_python_result() -> None:
    kernel = _jit.compile_kernel(_running_sum)
    x = np.linspace(0.0, 1.0, 1001)
    assert kernel(x) == pytest.approx(_running_sum(x), rel=1e-15)
    assert kernel.py_func is _running_sum  # type: ignore[attr-defined]
