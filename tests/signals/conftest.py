"""Fixtures for the signal tests: the reference data directory and the real bundled data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sigdata import REFERENCE

from capexwatch.signals._inputs import Inputs


@pytest.fixture
def reference_dir() -> Path:
    if not (REFERENCE / "company_quarters.csv").is_file():
        pytest.skip(f"reference data not found at {REFERENCE}")
    return REFERENCE


@pytest.fixture(scope="module")
def real_inputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inputs]:
    """The bundled snapshot as Inputs (latest view), read once per module from a real store."""
    from capexwatch.store.db import Store

    store = Store.open(tmp_path_factory.mktemp("sigreal") / "capexwatch.duckdb")
    try:
        yield Inputs.from_store(store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def real_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real store with the bundled snapshot, created once per module (opened per test)."""
    from capexwatch.store.db import Store

    p = tmp_path_factory.mktemp("sigstore") / "capexwatch.duckdb"
    Store.open(p).close()
    return p
