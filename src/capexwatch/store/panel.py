"""Read views over the quarterly panel: the numbers behind the report's tables.

Each function takes a :class:`~capexwatch.store.db.Store` and returns a pandas DataFrame (or a dict
for the headline) in base units, with the sources of the figures it used. Companies report on
different fiscal calendars, so cross-company sums are taken per *calendar quarter* (the midpoint
rule of ``calendar_quarter``), and a sum says which companies it covers: a quarter missing a
company is marked incomplete rather than silently summed short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from capexwatch.universe import BIG_FOUR

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.store.db import Store

__all__ = [
    "capex_by_quarter",
    "capex_intensity",
    "capex_vs_cloud",
    "nvidia_vs_capex",
    "sources_of",
    "wide",
]


def wide(store: Store, metric: str, tickers: list[str] | None = None, *, as_of: Any = None) -> pd.DataFrame:
    """One column per ticker, one row per calendar quarter, for an ok metric."""
    view = "first-filed" if as_of is not None else "latest"
    q = store.quarters(tickers, metric, view=view, as_of=as_of, ok_only=True)
    if q.empty:
        import pandas as pd

        return pd.DataFrame()
    # two fiscal quarters of one company can fall in one calendar quarter only through a
    # 52/53-week drift; keep the later one
    q = q.sort_values("period_end").drop_duplicates(["ticker", "calendar_quarter"], keep="last")
    return q.pivot(index="calendar_quarter", columns="ticker", values="value").sort_index()


def sources_of(store: Store, metric: str, tickers: list[str]) -> list[dict[str, str]]:
    """Distinct (ticker, source_url, source_kind) behind *metric* for *tickers*."""
    q = store.quarters(tickers, metric, ok_only=True)
    if q.empty:
        return []
    s = q[["ticker", "source_url", "source_kind"]].drop_duplicates().sort_values(["ticker", "source_url"])
    return [{k: str(v) for k, v in r.items()} for r in s.to_dict(orient="records")]


def _growth(s: pd.Series, periods: int) -> pd.Series:
    prev = s.shift(periods)
    return (s / prev - 1.0).where(prev > 0)


def capex_by_quarter(store: Store, *, as_of: Any = None) -> pd.DataFrame:
    """Capex per calendar quarter: each hyperscaler/neocloud, Big-Four total, all-company total,
    trailing four quarters and growth.

    Columns: one per ticker, ``big_four_usd`` (NaN unless all four reported), ``big_four_complete``,
    ``total_usd`` (every hyperscaler/neocloud reporting that quarter), ``total_companies``,
    ``big_four_ttm_usd`` (NaN unless four complete quarters), ``big_four_qoq_pct``,
    ``big_four_yoy_pct``.
    """
    ents = store.entities()
    spenders = ents[ents["role"].isin(["hyperscaler", "neocloud"])]["ticker"].tolist()
    w = wide(store, "capex", spenders, as_of=as_of)
    if w.empty:
        return w
    b4 = [t for t in BIG_FOUR if t in w.columns]
    out = w.copy()
    complete = w[b4].notna().all(axis=1) if len(b4) == len(BIG_FOUR) else w.index.to_series().map(lambda _: False)
    out["big_four_complete"] = complete
    out["big_four_usd"] = w[b4].sum(axis=1).where(complete)
    out["total_usd"] = w.sum(axis=1, min_count=1)
    out["total_companies"] = w.notna().sum(axis=1)
    out["big_four_ttm_usd"] = out["big_four_usd"].rolling(4, min_periods=4).sum()
    out["big_four_qoq_pct"] = _growth(out["big_four_usd"], 1) * 100
    out["big_four_yoy_pct"] = _growth(out["big_four_usd"], 4) * 100
    # only complete quarters from the first complete one on: earlier partial rows would mislead
    first = out.index[complete.to_numpy()].min() if complete.any() else None
    return out.loc[first:] if first is not None else out


def capex_vs_cloud(store: Store, *, as_of: Any = None) -> pd.DataFrame:
    """Per hyperscaler with a cloud segment and calendar quarter: capex, cloud revenue,
    capex/cloud ratio and cloud revenue growth y/y (blank across a definitional break)."""
    import pandas as pd

    from capexwatch.metrics import get_metric

    breaks = get_metric("cloud_revenue").breaks
    rows = []
    view = "first-filed" if as_of is not None else "latest"
    for t in ("MSFT", "GOOGL", "AMZN", "ORCL"):
        cap = store.quarters(t, "capex", view=view, as_of=as_of, ok_only=True)
        cl = store.quarters(t, "cloud_revenue", view=view, as_of=as_of, ok_only=True)
        if cl.empty:
            continue
        cl = cl.sort_values("period_end").reset_index(drop=True)
        # y/y growth needs the same fiscal quarter a year earlier on the same definition
        prev = cl.set_index(["fiscal_year", "fiscal_quarter"])["value"]
        prev_end = cl.set_index(["fiscal_year", "fiscal_quarter"])["period_end"]
        brk = [pd.Timestamp(b) for b in breaks.get(t, ())]
        m = cl.merge(
            cap[["fiscal_year", "fiscal_quarter", "value"]],
            on=["fiscal_year", "fiscal_quarter"],
            how="left",
            suffixes=("_cloud", "_capex"),
        )
        for _, r in m.iterrows():
            key = (r["fiscal_year"] - 1, r["fiscal_quarter"])
            yoy = None
            if key in prev.index:
                crosses = any(prev_end[key] < b <= r["period_end"] for b in brk)
                if not crosses and prev[key] > 0:
                    yoy = (r["value_cloud"] / prev[key] - 1) * 100
            rows.append(
                {
                    "ticker": t,
                    "fiscal_period": r["fiscal_period"],
                    "calendar_quarter": r["calendar_quarter"],
                    "period_end": r["period_end"],
                    "capex_usd": r["value_capex"],
                    "cloud_revenue_usd": r["value_cloud"],
                    "capex_to_cloud_ratio": (r["value_capex"] / r["value_cloud"]) if r["value_cloud"] else None,
                    "cloud_growth_yoy_pct": yoy,
                    "cloud_source_url": r["source_url"],
                }
            )
    return pd.DataFrame(rows)


def capex_intensity(store: Store, *, as_of: Any = None) -> pd.DataFrame:
    """Per company in scope (universe and event-named companies) and fiscal quarter: capex/revenue
    and capex/operating cash flow, quarterly and trailing four quarters (TTM needs four
    consecutive quarters of both operands)."""
    import pandas as pd

    view = "first-filed" if as_of is not None else "latest"
    # the report's companies only (Store.scope_tickers), filtered in the query: a bulk ingest's
    # thousands of other filers would otherwise make this table, and its cost, grow with them
    q = store.quarters(
        store.scope_tickers(), ["capex", "revenue", "operating_cash_flow"], view=view, as_of=as_of, ok_only=True
    )
    if q.empty:
        return pd.DataFrame()
    p = q.pivot_table(
        index=["ticker", "fiscal_year", "fiscal_quarter", "fiscal_period", "calendar_quarter"],
        columns="metric",
        values="value",
        aggfunc="first",
    ).reset_index()
    p = p.sort_values(["ticker", "fiscal_year", "fiscal_quarter"]).reset_index(drop=True)
    for c in ("capex", "revenue", "operating_cash_flow"):
        if c not in p:
            p[c] = float("nan")
    p = p[p["capex"].notna()]
    p["capex_to_revenue_ratio"] = p["capex"] / p["revenue"]
    p["capex_to_ocf_ratio"] = (p["capex"] / p["operating_cash_flow"]).where(p["operating_cash_flow"] > 0)
    idx = p["fiscal_year"] * 4 + p["fiscal_quarter"]
    out = []
    for _t, g in p.assign(_i=idx).groupby("ticker", sort=True):
        consecutive = g["_i"].diff(3).eq(3)
        for c in ("capex", "revenue", "operating_cash_flow"):
            g[f"{c}_ttm"] = g[c].rolling(4, min_periods=4).sum().where(consecutive)
        g["capex_to_revenue_ttm_ratio"] = g["capex_ttm"] / g["revenue_ttm"]
        g["capex_to_ocf_ttm_ratio"] = (g["capex_ttm"] / g["operating_cash_flow_ttm"]).where(
            g["operating_cash_flow_ttm"] > 0
        )
        g["fcf_after_capex_ttm_usd"] = g["operating_cash_flow_ttm"] - g["capex_ttm"]
        out.append(g.drop(columns="_i"))
    return pd.concat(out, ignore_index=True).rename(
        columns={
            "capex": "capex_usd",
            "revenue": "revenue_usd",
            "operating_cash_flow": "operating_cash_flow_usd",
            "capex_ttm": "capex_ttm_usd",
            "revenue_ttm": "revenue_ttm_usd",
            "operating_cash_flow_ttm": "operating_cash_flow_ttm_usd",
        }
    )


def nvidia_vs_capex(store: Store, *, as_of: Any = None) -> pd.DataFrame:
    """NVIDIA data-centre revenue against Big-Four capex per calendar quarter, and their ratio."""
    import pandas as pd

    dc = wide(store, "data_center_revenue", ["NVDA"], as_of=as_of)
    cap = capex_by_quarter(store, as_of=as_of)
    if dc.empty or cap.empty:
        return pd.DataFrame()
    df = pd.DataFrame({"nvda_data_center_usd": dc["NVDA"]}).join(cap[["big_four_usd"]], how="outer").sort_index()
    df["nvda_dc_to_big_four_capex_ratio"] = df["nvda_data_center_usd"] / df["big_four_usd"]
    return df
