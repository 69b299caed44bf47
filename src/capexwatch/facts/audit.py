"""Why a quarter is what it is: per metric and fiscal quarter, its provenance and checks.

The derivation re-run over a company's raw facts (:func:`~capexwatch.facts.select.quarter_results`,
the same engine that builds the panel), laid out for a reader: the value, the tag, accession, form
and filing date it came from, whether it was reported or derived and from which operands, and
which identity checks (derived = reported; four quarters = the fiscal year) passed or failed.
Pure: the caller reads the facts (the store's ``facts`` table will do; see
:func:`capexwatch.pipeline.audit.audit_ticker`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from capexwatch.errors import DataError
from capexwatch.facts.select import VIEWS, _empty, _frame_of, filing_url, quarter_results

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.facts.decode import FactsTable

__all__ = ["AUDIT_COLUMNS", "audit_quarters", "audit_stored"]

#: columns of :func:`audit_quarters`
AUDIT_COLUMNS: Final = [
    "ticker", "metric", "view", "fiscal_period", "fiscal_year", "fiscal_quarter", "period_start",
    "period_end", "calendar_quarter", "value", "unit", "status", "reason", "method", "tag", "accn",
    "form", "filed", "known_at", "source_url", "derived_from", "checks", "checks_passed",
    "checks_failed",
]  # fmt: skip


def audit_quarters(
    facts: FactsTable | pd.DataFrame,
    *,
    ticker: str,
    fye_month: int | None,
    metric: str | None = None,
    view: str | None = None,
    currency: str = "USD",
    cik: int | None = None,
) -> pd.DataFrame:
    """Why each quarterly number is what it is: per metric and quarter, its provenance and checks.

    Parameters
    ----------
    facts, ticker, fye_month, currency, cik : as :func:`derive_quarters`
    metric : one canonical metric (default: all with a tag chain)
    view : ``latest``, ``first-filed``, or None for both

    Returns
    -------
    pandas.DataFrame
        columns :data:`AUDIT_COLUMNS`, sorted by metric, period end, view. ``derived_from`` is a
        list of operand dicts (role, tag, period_start, period_end, value, unit, accn, form,
        filed); ``checks`` a list of ``{name, passed, detail}``; ``checks_passed`` and
        ``checks_failed`` the names of each.
    """
    import pandas as pd

    if view is not None and view not in VIEWS:
        raise DataError(f"Unknown view {view!r}.", hint="Use 'latest' or 'first-filed'.")
    prep_cik = cik if cik is not None else _frame_of(facts)[1]
    results = quarter_results(
        facts, ticker=ticker, fye_month=fye_month, metrics=[metric] if metric else None,
        currency=currency, cik=cik,
    )  # fmt: skip
    recs: list[dict[str, Any]] = []
    for r in results:
        if view is not None and r.view != view:
            continue
        src = r.source_operand
        recs.append({
            "ticker": ticker.upper(), "metric": r.metric, "view": r.view, "fiscal_period": r.fiscal_period,
            "fiscal_year": r.fiscal_year, "fiscal_quarter": r.fiscal_quarter,
            "period_start": r.period_start, "period_end": r.period_end,
            "calendar_quarter": r.calendar_quarter, "value": r.value, "unit": r.unit,
            "status": r.status, "reason": r.reason, "method": r.method,
            "tag": src.tag if src else None, "accn": src.accn if src else None,
            "form": src.form if src else None, "filed": src.filed if src else None,
            "known_at": src.filed if src else None,
            "source_url": filing_url(prep_cik or 0, src.accn) if src else None,
            "derived_from": [o.as_dict() for o in r.operands] if len(r.operands) > 1 or r.method == "derived"
            else [],
            "checks": [c.as_dict() for c in r.checks],
            "checks_passed": [c.name for c in r.checks if c.passed],
            "checks_failed": [c.name for c in r.checks if not c.passed],
        })  # fmt: skip
    if not recs:
        return _empty(AUDIT_COLUMNS)
    df = pd.DataFrame(recs, columns=AUDIT_COLUMNS)
    return df.sort_values(["metric", "period_end", "view"], kind="stable").reset_index(drop=True)


def audit_stored(
    facts: pd.DataFrame, *, ticker: str, fye_month: int | None, metric: str | None = None, view: str = "latest"
) -> pd.DataFrame:
    """:func:`audit_quarters` of a company's stored facts, failing with a hint when there is nothing.

    Parameters
    ----------
    facts : the company's raw facts as the store keeps them (the ``facts`` table's rows)
    ticker, fye_month : the company's store id and fiscal-year-end month
    metric : one canonical metric (default: every metric with an XBRL tag chain)
    view : ``latest`` or ``first-filed``

    Raises
    ------
    DataError : no facts are stored for the company, or none that make a quarter of *metric*
    """
    if not len(facts):
        raise DataError(
            f"No SEC facts are stored for {ticker}, so there is nothing to audit.",
            hint=f"Run `capexwatch update --tickers {ticker}` (or `capexwatch ingest CIK##########.json`); "
            f"curated figures carry their source in `capexwatch quarters -t {ticker} -m METRIC --source curated`.",
        )
    df = audit_quarters(facts, ticker=ticker, fye_month=fye_month, metric=metric, view=view)
    if not len(df):
        what = f"{metric} " if metric else ""
        raise DataError(
            f"The stored SEC facts of {ticker} hold no {what}quarters to audit.",
            hint="The company may not tag this metric with a standard us-gaap/ifrs-full tag "
            "(see `capexwatch metrics` for each metric's tag chain).",
        )
    return df
