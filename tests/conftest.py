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
