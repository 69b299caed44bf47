"""Shared fixtures: an isolated capexwatch home per test, the real reference data, a loaded store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._support.data import REFERENCE


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own CAPEXWATCH_HOME: no test touches the user's store or another test's."""
    home = tmp_path_factory.mktemp("cwhome")
    monkeypatch.setenv("CAPEXWATCH_HOME", str(home))
    monkeypatch.delenv("CAPEXWATCH_DB", raising=False)
    return home


@pytest.fixture
def home(_isolated_home: Path) -> Path:
    return _isolated_home


@pytest.fixture
def reference_dir() -> Path:
    """tests/data/reference: verbatim copies of the curated reference files (provenance in tests/data/README.md)."""
    return REFERENCE


@pytest.fixture
def store(home: Path) -> Iterator[object]:
    """A real DuckDB store in the test's home, loaded with the bundled snapshot."""
    import capexwatch

    s = capexwatch.open()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(params=["numpy", "compiled"])
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test twice: on the NumPy kernels (CAPEXWATCH_JIT=0) and on the compiled ones
    (CAPEXWATCH_JIT=1; skipped where Numba, the ``fast`` extra, is not installed)."""
    from capexwatch.models import _jit

    if request.param == "compiled" and not _jit.available():
        pytest.skip("Numba (the fast extra) is not installed")
    monkeypatch.setenv("CAPEXWATCH_JIT", "0" if request.param == "numpy" else "1")
    return str(request.param)
