"""``capexwatch audit``: why each SEC-derived quarter is what it is, from the stored raw facts.

The store keeps every raw XBRL fact that ``capexwatch update`` (or ``ingest`` of a companyfacts
file) loaded, append-only. The audit reads them and the company's fiscal-year end from the store
and hands them to the facts layer (:func:`capexwatch.facts.audit.audit_stored`), which re-runs the
derivation that built the panel and explains each quarter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.store.db import Store

__all__ = ["audit_ticker"]


def audit_ticker(store: Store, ticker: str, *, metric: str | None = None, view: str = "latest") -> pd.DataFrame:
    """Per metric and fiscal quarter, the provenance and checks of the SEC-derived value.

    Parameters
    ----------
    ticker : a ticker or CIK known to the store
    metric : one canonical metric (default: every metric with an XBRL tag chain)
    view : ``latest`` or ``first-filed``

    Returns
    -------
    pandas.DataFrame
        the columns of :data:`capexwatch.facts.audit.AUDIT_COLUMNS`

    Raises
    ------
    UnknownTickerError : the ticker is not in the store
    UnknownMetricError : *metric* is not canonical
    DataError : no SEC facts are stored for the company (or none for *metric*)
    """
    from capexwatch.facts.audit import audit_stored
    from capexwatch.metrics import get_metric

    if metric is not None:
        get_metric(metric)  # UnknownMetricError lists the known names
    ent = store.entity(ticker)
    tk = str(ent["ticker"])
    fye = ent.get("fye_month")
    return audit_stored(
        store.facts(tk), ticker=tk, fye_month=int(fye) if fye is not None else None, metric=metric, view=view
    )
