"""Historical analogs: the AI capex cycle aligned with the telecom and semiconductor busts.

The AI cycle is Big-Four capex per calendar quarter from the store; the telecom 1999-2002 and
semiconductor 2021-2023 cycles are the cited annual points of published-analyses.md sections 7-8,
bundled as ``sources/snapshot/historical_cycles.csv``. Each cycle is aligned on its **peak growth
period**: the quarter (AI: year-over-year growth of the quarter's capex) or year (the past cycles:
growth as published, else computed from the year before) with the highest growth. Every series is
then indexed to its own value in that period (index 1.0) and placed at ``offset_quarters`` from
it, so a reader sees how far past its peak growth the AI cycle stands against the two busts.

This is a query over the store and the snapshot, not a signal: it returns a DataFrame and is not
registered with the signal registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from capexwatch.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AI_TICKERS", "COLUMNS", "analog_frame", "historical_cycles"]

AI_TICKERS: tuple[str, ...] = ("MSFT", "GOOGL", "AMZN", "META")
"""Big-Four capex (``big_four = true`` in universe.toml)."""

COLUMNS = [
    "cycle",
    "series",
    "period",
    "period_end",
    "offset_quarters",
    "value_usd",
    "index",
    "growth_yoy",
    "anchor_period",
    "source",
]
"""Columns of :func:`analog_frame`, one row per point."""


def historical_cycles() -> pd.DataFrame:
    """The bundled, cited points of the past cycles, with growth filled where it can be computed."""
    from capexwatch.sources.snapshot import load_historical_cycles

    df = load_historical_cycles().sort_values(["cycle", "series", "period"]).reset_index(drop=True)
    prev = df.groupby("series")["value_usd"].shift(1)
    computed = df["value_usd"] / prev - 1.0
    df["growth_yoy"] = df["growth_yoy"].fillna(computed)
    return df


def _ai_cycle(store: Any) -> pd.DataFrame:
    """Big-Four capex per calendar quarter (quarters where all four report), with YoY growth."""
    import pandas as pd

    q = store.quarters(list(AI_TICKERS), "capex", ok_only=True)
    if q.empty:
        raise DataError("The store has no capex for the Big Four.", hint="Load the figures with `capexwatch update`.")
    by = q.groupby("calendar_quarter").agg(value_usd=("value", "sum"), n=("ticker", "nunique"))
    by = by[by["n"] == len(AI_TICKERS)].drop(columns="n")
    idx = pd.PeriodIndex(list(by.index), freq="Q")
    by = by.set_axis(idx).sort_index()
    by = by.reindex(pd.period_range(by.index.min(), by.index.max(), freq="Q"))  # gaps stay NaN
    by["growth_yoy"] = by["value_usd"] / by["value_usd"].shift(4) - 1.0
    return pd.DataFrame(
        {
            "cycle": "ai",
            "series": "big_four_capex",
            "period": [str(p) for p in by.index],
            "period_end": [p.end_time.date().isoformat() for p in by.index],
            "value_usd": by["value_usd"].to_numpy(),
            "growth_yoy": by["growth_yoy"].to_numpy(),
            "source": "store: capex of " + ", ".join(AI_TICKERS) + " (10-Q/10-K cash purchases of PP&E)",
            "quarter_no": [p.year * 4 + p.quarter - 1 for p in by.index],
        }
    ).dropna(subset=["value_usd"])


def _align(df: pd.DataFrame) -> pd.DataFrame:
    """Anchor each cycle at its peak growth period; index every series to its value there."""
    out = []
    for _, cyc in df.groupby("cycle", sort=False):
        growth = cyc["growth_yoy"]
        if growth.notna().sum() == 0:
            continue
        anchor = cyc.loc[growth.idxmax()]
        cyc = cyc.copy()
        cyc["anchor_period"] = anchor["period"]
        cyc["offset_quarters"] = cyc["quarter_no"] - anchor["quarter_no"]
        at_anchor = cyc[cyc["period"] == anchor["period"]].set_index("series")["value_usd"]
        cyc["index"] = cyc["value_usd"] / cyc["series"].map(at_anchor)
        out.append(cyc)
    import pandas as pd

    return pd.concat(out, ignore_index=True)


def analog_frame(store: Any) -> pd.DataFrame:
    """The AI capex cycle beside the telecom and semiconductor cycles, aligned on peak growth.

    Parameters
    ----------
    store : the store to read Big-Four capex from (anything with ``quarters``)

    Returns
    -------
    DataFrame with :data:`COLUMNS`: one row per point; ``offset_quarters`` counts quarters from the
    cycle's peak growth period (annual points sit at multiples of 4, dated to their year's last
    quarter); ``index`` = value / the series' value in that period (NaN where the series has
    none there); ``source`` the URL or the store rows behind each point. Values in USD.
    """
    import pandas as pd

    hist = historical_cycles()
    years = hist["period"].astype(int)
    hist = hist.assign(
        quarter_no=years * 4 + 3,
        period=years.astype(str),
        source=hist["source_url"] + " (" + hist["source_kind"] + ")",
    )
    frame = pd.concat([_ai_cycle(store), hist], ignore_index=True)
    return _align(frame)[COLUMNS].reset_index(drop=True)
