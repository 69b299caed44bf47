"""Fixtures for the facts tests (helpers live in facts_ref.py, a unique module name)."""

from __future__ import annotations

import pytest
from facts_ref import facts_of

from capexwatch.facts.decode import FactsTable


@pytest.fixture
def nvda() -> FactsTable:
    return facts_of("NVDA")


@pytest.fixture
def googl() -> FactsTable:
    return facts_of("GOOGL")


@pytest.fixture
def tsmc() -> FactsTable:
    return facts_of("TSM")
