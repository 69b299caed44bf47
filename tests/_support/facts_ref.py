"""The real SEC companyfacts documents and the curated quarters, for the facts tests."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from capexwatch.facts.decode import FactsTable, decode_companyfacts
from tests._support.data import REFERENCE, SEC

#: company_quarters.csv metric -> canonical metric
REFERENCE_METRICS = {
    "total_revenue": "revenue",
    "capex_cash_purchases_ppe": "capex",
    "operating_cash_flow": "operating_cash_flow",
    "depreciation_amortization": "depreciation_amortization",
    "depreciation": "depreciation",
}

#: the real documents: ticker -> (file, fiscal-year-end month from the universe)
FILERS = {
    "NVDA": ("CIK0001045810.json", 1),
    "GOOGL": ("CIK0001652044.json", 12),
    "TSM": ("CIK0001046179.json", 12),
}

_CACHE: dict[str, FactsTable] = {}


def sec_file(name: str) -> Path:
    """A real companyfacts document in tests/data/reference/sec/."""
    return SEC / name


def facts_of(ticker: str) -> FactsTable:
    """The decoded companyfacts of a reference filer (decoded once per session)."""
    if ticker not in _CACHE:
        path = sec_file(FILERS[ticker][0])
        _CACHE[ticker] = decode_companyfacts(path.read_bytes(), source=str(path))
    return _CACHE[ticker]


def reference_quarters() -> pd.DataFrame:
    """Rows of company_quarters.csv computed from SEC companyfacts (source_kind sec-xbrl), parsed."""
    df = pd.read_csv(REFERENCE / "company_quarters.csv")
    df = df[df["source_kind"] == "sec-xbrl"].copy()
    df["canonical"] = df["metric"].map(REFERENCE_METRICS)
    df["period_end"] = df["note"].str.extract(r"period_end=(\d{4}-\d{2}-\d{2})", expand=False)
    df["ref_tag"] = df["note"].str.extract(r"XBRL (\S+?);", expand=False)
    df["ref_accn"] = df["note"].str.extract(r"accn (\d{10}-\d{2}-\d{6})", expand=False)
    df["ref_method"] = df["note"].map(lambda n: "reported" if re.search(r"direct-3m", n) else "derived")
    return df
