"""Where a filing-derived quarter and a secondary (curated or user) figure for the same company,
metric and fiscal quarter both exist: both values and their difference, in one query.

The panel keeps every source's row (its key includes ``source``); reads pick one by precedence
(sec > user > curated), so a filing's figure replaces a secondary one without erasing it. This is
what ``capexwatch audit`` shows beside the derivation, so a disagreement is visible, not silently won.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

__all__ = ["COMPARE_COLUMNS", "compare_sources"]

COMPARE_COLUMNS: Final = [
    "ticker", "metric", "fiscal_period", "period_end", "sec_value", "sec_kind", "accn", "other_source",
    "other_value", "other_kind", "other_url", "difference", "difference_pct", "agree",
]  # fmt: skip

#: figures in USD are compared to the coarser rounding of the two (secondary figures are in
#: millions): within half a million they agree
_USD_TOLERANCE: Final = 0.5e6


def compare_sources(
    con: duckdb.DuckDBPyConnection, ticker: str, metric: str | None = None, *, kind: str | None = "sec-ixbrl"
) -> pd.DataFrame:
    """SEC rows (of *kind*, latest view, ok) beside the curated/user rows for the same quarter.

    Returns
    -------
    pandas.DataFrame
        :data:`COMPARE_COLUMNS`; ``difference`` = sec - other (base units), ``agree`` within
        half a million USD (or exactly, for other units)
    """
    where = ["s.ticker = ?"]
    params: list[object] = [ticker.upper()]
    if metric is not None:
        where.append("s.metric = ?")
        params.append(metric)
    if kind is not None:
        where.append("s.source_kind = ?")
        params.append(kind)
    sql = f"""
        SELECT s.ticker, s.metric, s.fiscal_period, s.period_end, s.value AS sec_value,
               s.source_kind AS sec_kind, s.accn, o.source AS other_source, o.value AS other_value,
               o.source_kind AS other_kind, o.source_url AS other_url,
               s.value - o.value AS difference,
               CASE WHEN o.value <> 0 THEN 100.0 * (s.value - o.value) / abs(o.value) END AS difference_pct,
               abs(s.value - o.value) <= CASE WHEN s.unit = 'USD' THEN {_USD_TOLERANCE} ELSE 0 END AS agree
        FROM panel s JOIN panel o
          ON o.ticker = s.ticker AND o.metric = s.metric AND o.fiscal_year = s.fiscal_year
         AND o.fiscal_quarter = s.fiscal_quarter AND o.view = s.view AND o.source IN ('curated', 'user')
        WHERE s.source = 'sec' AND s.view = 'latest' AND s.status = 'ok' AND o.status = 'ok'
          AND {" AND ".join(where)}
        ORDER BY s.metric, s.period_end, o.source
    """
    return con.execute(sql, params).df().reindex(columns=COMPARE_COLUMNS)
