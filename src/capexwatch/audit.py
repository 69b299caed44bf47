"""``capexwatch audit``: why each SEC-derived quarter is what it is, from the stored raw facts.

The store keeps every raw XBRL fact that ``capexwatch update`` (or ``ingest`` of a companyfacts
file) loaded, append-only. The audit re-runs the facts layer's derivation
(:func:`capexwatch.facts.select.audit`) over those stored facts, with the company's fiscal-year end
from the store, and returns per quarter: the value, the tag, accession, form and filing date it
came from, whether it was reported or derived and from which operands, and which identity checks
(derived = reported; four quarters = the fiscal year) passed or failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from capexwatch.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.store.db import Store

__all__ = ["audit_ticker", "stored_facts"]


def stored_facts(store: Store, ticker: str) -> pd.DataFrame:
    """The raw facts stored for *ticker* (the store's ``facts`` table), oldest load first."""
    return store.con.execute("SELECT * FROM facts WHERE ticker = ? ORDER BY loaded_at, filed", [ticker.upper()]).df()


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
        the columns of :data:`capexwatch.facts.select.AUDIT_COLUMNS`

    Raises
    ------
    UnknownTickerError : the ticker is not in the store
    UnknownMetricError : *metric* is not canonical
    DataError : no SEC facts are stored for the company (or none for *metric*)
    """
    from capexwatch.facts.select import audit
    from capexwatch.metrics import get_metric

    if metric is not None:
        get_metric(metric)  # UnknownMetricError lists the known names
    ent = store.entity(ticker)
    tk = str(ent["ticker"])
    facts = stored_facts(store, tk)
    if not len(facts):
        raise DataError(
            f"No SEC facts are stored for {tk}, so there is nothing to audit.",
            hint=f"Run `capexwatch update --tickers {tk}` (or `capexwatch ingest CIK##########.json`); "
            f"curated figures carry their source in `capexwatch quarters -t {tk} -m METRIC --source curated`.",
        )
    fye = ent.get("fye_month")
    df = audit(facts, ticker=tk, fye_month=int(fye) if fye is not None else None, metric=metric, view=view)
    if not len(df):
        what = f"{metric} " if metric else ""
        raise DataError(
            f"The stored SEC facts of {tk} hold no {what}quarters to audit.",
            hint="The company may not tag this metric with a standard us-gaap/ifrs-full tag "
            "(see `capexwatch metrics` for each metric's tag chain).",
        )
    return df
