"""NVIDIA's 10-Q filed 2025-08-27 (tests/data/ixbrl) as a store's only NVIDIA filing, and as observations.

The document does not carry its accession; the tests give it the one EDGAR lists for it
(tests/data/recorded/README.md: companyfacts facts of fy 2026 Q2, form 10-Q, filed 2025-08-27).
What the document prints about its customers (Concentration of Revenue):

* quarter ended 2025-07-27: Customer A 23%, Customer B 16% of total revenue;
* quarter ended 2024-07-28 (the comparative): four direct customers at 14%, 11%, 11% and 10%.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from tests._support.data import DATA

if TYPE_CHECKING:
    import pandas as pd

NVDA_10Q = DATA / "ixbrl" / "nvda-10-q-2025-08-27.htm"
NVDA_10Q_ACCN = "0001045810-25-000209"
NVDA_10Q_FILED = dt.date(2025, 8, 27)


def nvda_10q_observations() -> pd.DataFrame:
    """The 10-Q's mapped observations (``Store.filing_observations`` columns), parsed from the document."""
    from capexwatch.facts.dimensions import dimension_observations, filing_frame, map_facts
    from capexwatch.sources.filings import read_filing

    filing = read_filing(NVDA_10Q, accession=NVDA_10Q_ACCN, filed=NVDA_10Q_FILED)
    return dimension_observations(map_facts(filing_frame(filing), ticker="NVDA"), ticker="NVDA", fye_month=1)


def load_nvda_10q(store: Any) -> None:
    """Make the 10-Q *store*'s only NVIDIA filing: drop the bundled NVIDIA filing facts and
    observations, then ingest the document through the public API (``capexwatch.ingest``)."""
    import capexwatch

    with store.transaction() as con:
        con.execute("DELETE FROM filing_facts WHERE ticker = 'NVDA'")
        con.execute("DELETE FROM filing_observations WHERE ticker = 'NVDA'")
    capexwatch.ingest(store, NVDA_10Q, accession=NVDA_10Q_ACCN, filed=NVDA_10Q_FILED)


def drop_filing_observations(store: Any) -> None:
    """A store without filings: every filing fact and observation removed."""
    with store.transaction() as con:
        con.execute("DELETE FROM filing_facts")
        con.execute("DELETE FROM filing_observations")


def concentration_obs(
    period_end: str, filed: str, accn: str, shares: dict[str, float], fiscal_period: str = "FY2025Q2"
) -> list[dict[str, Any]]:
    """Constructed ``customer_concentration_pct`` observations of one NVIDIA quarter in one filing:
    *shares* maps a customer label (``A``, ``One``) to its percent of revenue."""
    import pandas as pd

    end = pd.Timestamp(period_end)
    return [
        {
            "ticker": "NVDA", "metric": "customer_concentration_pct", "series": f"revenue|nvda:Customer{m}Member",
            "fiscal_year": int(fiscal_period[2:6]), "fiscal_period": fiscal_period, "duration_class": "quarter",
            "period_start": end - pd.Timedelta(days=90), "period_end": end, "value": v, "unit": "percent",
            "concept": "us-gaap:ConcentrationRiskPercentage1",
            "dimensions": f"srt:MajorCustomersAxis=nvda:Customer{m}Member",
            "accn": accn, "form": "10-Q", "filed": pd.Timestamp(filed), "source_url": None, "source_kind": "sec-ixbrl",
        }
        for m, v in shares.items()
    ]  # fmt: skip
