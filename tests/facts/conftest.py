"""Fixtures for the facts tests: the real companyfacts documents, decoded once per session."""

from __future__ import annotations

import pytest

from capexwatch.facts.decode import FactsTable
from tests._support.facts_ref import facts_of


@pytest.fixture
def nvda() -> FactsTable:
    return facts_of("NVDA")


@pytest.fixture
def googl() -> FactsTable:
    return facts_of("GOOGL")


@pytest.fixture
def tsmc() -> FactsTable:
    return facts_of("TSM")
