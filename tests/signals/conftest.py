"""Fixtures for the signal tests: the real bundled data, as Inputs and as a store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from capexwatch.signals._inputs import Inputs


@pytest.fixture(scope="module")
def real_inputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inputs]:
    """The bundled snapshot as Inputs (latest view), read once per module from a real store."""
    import capexwatch

    store = capexwatch.open(tmp_path_factory.mktemp("sigreal") / "capexwatch.duckdb")
    try:
        yield Inputs.from_store(store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def real_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real store with the bundled snapshot, created once per module (opened per test)."""
    import capexwatch

    p = tmp_path_factory.mktemp("sigstore") / "capexwatch.duckdb"
    capexwatch.open(p).close()
    return p
