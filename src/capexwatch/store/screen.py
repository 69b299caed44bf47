"""Screening: rank every company in the store by a metric, in DuckDB SQL (``capexwatch screen``).

Ratio screens use trailing four quarters (TTM) of both operands, from the latest four *consecutive*
fiscal quarters in which both are ok; a company with a gap, or a non-positive denominator, is left
out rather than ranked on a partial year:

==========================  =================================================================
``capex_intensity``         TTM capex / TTM revenue (how much of each revenue dollar is spent
                            on property and equipment)
``capex_to_ocf``            TTM capex / TTM operating cash flow (share of cash generation
                            reinvested; > 1 means capex outruns operating cash)
``capex_to_depreciation``   TTM capex / TTM depreciation & amortization (> 1: the asset base
                            grows faster than it wears out)
==========================  =================================================================

Any canonical panel metric ranks by its latest ok quarter, or with ``ttm=True`` (duration metrics
in USD) by the sum of the latest four consecutive quarters. For each fiscal quarter the source
precedence is the store's (``sec > user > curated``, ok rows first; ``store/NOTES.md``), so the
ranking agrees with ``capexwatch quarters``. Each row says as of which quarter it is and where its
figures came from.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from capexwatch.errors import DataError, InvalidArgumentError

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.store.db import Store

__all__ = ["RATIOS", "screen", "screen_names"]

#: ratio screens: name -> (numerator metric, denominator metric, description)
RATIOS: dict[str, tuple[str, str, str]] = {
    "capex_intensity": ("capex", "revenue", "TTM capex / TTM revenue"),
    "capex_to_ocf": ("capex", "operating_cash_flow", "TTM capex / TTM operating cash flow"),
    "capex_to_depreciation": ("capex", "depreciation_amortization", "TTM capex / TTM D&A"),
}


def screen_names() -> list[str]:
    """Every name ``screen`` accepts: the ratio screens, then the canonical metrics."""
    from capexwatch.metrics import metric_names

    return [*RATIOS, *metric_names()]


def _where(view: str, source: str, as_of: str | None, metrics: list[str]) -> tuple[str, list[Any]]:
    """The panel filter (ok rows of the view; the metrics; source; known by *as_of*).

    Every value but *as_of* is validated before it gets here (a choice or a canonical metric
    name), so it is written into the SQL; *as_of* is a parameter.
    """
    quoted = ", ".join("'" + m.replace("'", "''") + "'" for m in metrics)
    where = [f"view = '{view}'", "status = 'ok'", "value IS NOT NULL", f"metric IN ({quoted})"]
    params: list[Any] = []
    if source != "all":
        where.append(f"source = '{source}'")
    if as_of is not None:
        from capexwatch.store.db import AS_OF_FILTER

        where.append(AS_OF_FILTER)
        params.extend([as_of, as_of])
    return " AND ".join(where), params


def _best(metric: str) -> str:
    """Per fiscal quarter, the row the store's source precedence picks (``sec > user > curated``).

    An ``arg_min`` aggregate rather than a ``row_number()`` window: one hash aggregation instead
    of a sort of the whole panel, which is what keeps 10,000 companies well inside a second.
    """
    from capexwatch.store.db import SOURCE_PRECEDENCE

    prec = " ".join(f"WHEN '{k}' THEN {int(v)}" for k, v in SOURCE_PRECEDENCE.items())
    m = metric.replace("'", "''")
    return (
        "arg_min(struct_pack(v := value, s := source, fp := fiscal_period, pe := period_end), "
        f"CASE source {prec} ELSE 9 END) FILTER (WHERE metric = '{m}')"
    )


def screen(
    store: Store,
    metric: str = "capex_intensity",
    *,
    top: int | None = 50,
    ascending: bool = False,
    ttm: bool = False,
    since: str | dt.date | None = None,
    view: str = "latest",
    source: str = "all",
    as_of: str | dt.date | None = None,
) -> pd.DataFrame:
    """Rank every company in the store by *metric*.

    Parameters
    ----------
    metric : a ratio screen (:data:`RATIOS`) or a canonical metric
    top : rows to return (None for all), after sorting
    ascending : smallest first (default largest first)
    ttm : for a canonical duration metric in USD, rank by the trailing-four-quarter sum
    since : leave out companies whose ranked quarter ends before this date (stale filers)
    view, source, as_of : as :meth:`Store.quarters` (``as_of`` with ``view='first-filed'`` ranks
        on what was public then)

    Returns
    -------
    pandas.DataFrame
        ``rank, ticker, name, role, value`` (ratio, or base units for a metric), ``numerator_usd``,
        ``denominator_usd`` (ratios and TTM), ``as_of_period`` (fiscal label of the latest quarter
        used), ``period_end``, ``quarters`` (how many), ``sources`` (which sources supplied them),
        ``metric``, ``unit``

    Raises
    ------
    UnknownMetricError : *metric* is neither a ratio screen nor a canonical metric
    DataError : a TTM sum asked of a metric it does not apply to
    """
    from capexwatch.metrics import get_metric

    if view not in ("latest", "first-filed"):
        raise InvalidArgumentError(f"Unknown view {view!r}.", hint="Use 'latest' or 'first-filed'.")
    if source not in ("all", "sec", "curated", "user"):
        raise InvalidArgumentError(f"Unknown source {source!r}.", hint="Use all, sec, curated or user.")
    if top is not None and top < 1:
        raise InvalidArgumentError(f"--top must be at least 1 (got {top}).")
    as_of_s = str(as_of) if as_of is not None else None
    if metric in RATIOS:
        num, den, _ = RATIOS[metric]
        where, args = _where(view, source, as_of_s, [num, den])
        sql = _ratio_sql(where, num, den)
        unit = "ratio"
    else:
        m = get_metric(metric)  # raises UnknownMetricError listing canonical names
        if ttm and (m.kind != "duration" or m.unit != "USD"):
            raise DataError(
                f"A trailing-four-quarter sum of {metric} means nothing ({m.kind}, {m.unit}).",
                hint="Drop --ttm: it applies to flows in USD (revenue, capex, cash flows).",
            )
        where, args = _where(view, source, as_of_s, [metric])
        sql = _ttm_sql(where, metric) if ttm else _latest_sql(where, metric)
        unit = m.unit
    order = "ASC" if ascending else "DESC"
    since_sql = "WHERE period_end >= CAST(? AS DATE)" if since is not None else ""
    if since is not None:
        args.append(str(since))
    limit = f"LIMIT {int(top)}" if top is not None else ""
    full = f"""
        WITH ranked AS ({sql})
        SELECT row_number() OVER (ORDER BY value {order}, r.ticker) AS rank, r.ticker, e.name, e.role,
               value, numerator_usd, denominator_usd, as_of_period, period_end, quarters, sources
        FROM ranked r LEFT JOIN entities e ON e.ticker = r.ticker
        {since_sql}
        ORDER BY value {order}, r.ticker
        {limit}
    """
    df = store.con.execute(full, args).df()
    df["metric"] = metric
    df["unit"] = unit
    return df


def _ratio_sql(where: str, num: str, den: str) -> str:
    return f"""
        WITH q AS (
            SELECT ticker, fiscal_year * 4 + fiscal_quarter AS qi, {_best(num)} AS n, {_best(den)} AS d
            FROM panel WHERE {where}
            GROUP BY ticker, fiscal_year, fiscal_quarter
        ),
        win AS (
            SELECT ticker, qi, n.fp AS fiscal_period, n.pe AS period_end,
                sum(n.v) OVER w AS num_ttm, sum(d.v) OVER w AS den_ttm, count(*) OVER w AS k,
                min(qi) OVER w AS first_qi, list(n.s) OVER w || list(d.s) OVER w AS srcs
            FROM q WHERE n IS NOT NULL AND d IS NOT NULL
            WINDOW w AS (PARTITION BY ticker ORDER BY qi ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)
        )
        SELECT ticker, num_ttm / den_ttm AS value, num_ttm AS numerator_usd, den_ttm AS denominator_usd,
               fiscal_period AS as_of_period, period_end, k AS quarters,
               array_to_string(list_sort(list_distinct(srcs)), ',') AS sources
        FROM win
        WHERE k = 4 AND qi - first_qi = 3 AND den_ttm > 0
        QUALIFY row_number() OVER (PARTITION BY ticker ORDER BY qi DESC) = 1
    """


def _ttm_sql(where: str, metric: str) -> str:
    return f"""
        WITH q AS (
            SELECT ticker, fiscal_year * 4 + fiscal_quarter AS qi, {_best(metric)} AS b
            FROM panel WHERE {where}
            GROUP BY ticker, fiscal_year, fiscal_quarter
        ),
        win AS (
            SELECT ticker, qi, b.fp AS fiscal_period, b.pe AS period_end, sum(b.v) OVER w AS ttm,
                   count(*) OVER w AS k, min(qi) OVER w AS first_qi, list(b.s) OVER w AS srcs
            FROM q
            WINDOW w AS (PARTITION BY ticker ORDER BY qi ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)
        )
        SELECT ticker, ttm AS value, ttm AS numerator_usd, CAST(NULL AS DOUBLE) AS denominator_usd,
               fiscal_period AS as_of_period, period_end, k AS quarters,
               array_to_string(list_sort(list_distinct(srcs)), ',') AS sources
        FROM win WHERE k = 4 AND qi - first_qi = 3
        QUALIFY row_number() OVER (PARTITION BY ticker ORDER BY qi DESC) = 1
    """


def _latest_sql(where: str, metric: str) -> str:
    return f"""
        WITH q AS (
            SELECT ticker, fiscal_year * 4 + fiscal_quarter AS qi, {_best(metric)} AS b
            FROM panel WHERE {where}
            GROUP BY ticker, fiscal_year, fiscal_quarter
        ),
        last AS (SELECT ticker, arg_max(b, qi) AS b FROM q GROUP BY ticker)
        SELECT ticker, b.v AS value, CAST(NULL AS DOUBLE) AS numerator_usd,
               CAST(NULL AS DOUBLE) AS denominator_usd, b.fp AS as_of_period, b.pe AS period_end,
               1 AS quarters, b.s AS sources
        FROM last
    """
