"""Builders for constructed signal inputs, and readers of the real reference data.

Constructed data are DataFrames fed to the signals' pure compute functions; the same frames can
be written through a real store (``tests/signals/test_signal_store_paths.py``).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from capexwatch import signals as S
from capexwatch.signals._inputs import Inputs

_QEND = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}


def qend(year: int, q: int) -> dt.date:
    m, d = _QEND[q]
    return dt.date(year, m, d)


def cal_rows(
    ticker: str, metric: str, start: tuple[int, int], values: Iterable[float], **kw: Any
) -> list[dict[str, Any]]:
    """Rows for a calendar-year company: consecutive quarters from *start* (year, quarter)."""
    y, q = start
    out = []
    for v in values:
        out.append(
            {
                "ticker": ticker,
                "metric": metric,
                "fiscal_year": y,
                "fiscal_quarter": q,
                "period_end": pd.Timestamp(qend(y, q)),
                "calendar_quarter": f"{y}Q{q}",
                "value": v,
                "unit": kw.get("unit", "percent" if metric.endswith("_pct") else "USD"),
                "source_url": kw.get("source_url", f"https://example.org/{ticker}/{metric}/{y}Q{q}"),
                "source": kw.get("source", "curated"),
                "source_kind": "primary",
            }
        )
        q += 1
        if q == 5:
            y, q = y + 1, 1
    return out


def entities(*rows: tuple[str, str, bool]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"ticker": t, "name": t, "role": r, "big_four": b, "fye_month": 12, "origin": "test"} for t, r, b in rows]
    )


BIG4 = entities(
    ("MSFT", "hyperscaler", True),
    ("GOOGL", "hyperscaler", True),
    ("AMZN", "hyperscaler", True),
    ("META", "hyperscaler", True),
    ("ORCL", "hyperscaler", False),
    ("NVDA", "chip-vendor", False),
)


def event(kind: str, date: str, entity: str, amount: float | None = None, **kw: Any) -> dict[str, Any]:
    return {
        "event_id": kw.pop("event_id", f"{kind}-{entity}-{date}-{amount}"),
        "date": date,
        "entity": entity,
        "kind": kind,
        "amount": amount,
        "source_url": kw.pop("source_url", f"https://example.org/{kind}/{date}"),
        **kw,
    }


def inputs(
    quarters: list[dict[str, Any]] | None = None,
    *,
    events: list[dict[str, Any]] | None = None,
    series: pd.DataFrame | None = None,
    ents: pd.DataFrame | None = None,
    as_of: str | None = None,
) -> Inputs:
    return Inputs.from_frames(
        pd.DataFrame(quarters) if quarters else None,
        series,
        pd.DataFrame(events) if events else None,
        ents if ents is not None else BIG4,
        as_of=as_of,
    )


def thresholds(name: str, **overrides: Any) -> dict[str, Any]:
    """One signal's thresholds (with ``general``), optionally overridden."""
    th = S.load_thresholds(path="/nonexistent", overrides={name: overrides} if overrides else None)
    return S.thresholds_for(th, name)


def evaluate(name: str, inp: Inputs, ticker: str | None = None, **overrides: Any) -> S.Signal:
    th = S.load_thresholds(path="/nonexistent", overrides={name: overrides} if overrides else None)
    return S.evaluate(inp, name, ticker=ticker, thresholds=th)


def history_status(sig: S.Signal) -> dict[str, str]:
    return {h.quarter: h.status for h in sig.history}


# --------------------------------------------------------------------------- real data


def ref_quarters(reference_dir: Path) -> pd.DataFrame:
    """company_quarters.csv with value in USD (millions x 1e6) and the period end from the note."""
    df = pd.read_csv(reference_dir / "company_quarters.csv")
    df["value_usd"] = df["value_usd_millions"] * 1e6
    df["period_end"] = df["note"].str.extract(r"period_end=(\d{4}-\d{2}-\d{2})")[0]
    df["cq"] = pd.to_datetime(df["calendar_quarter_end"]).dt.to_period("Q").astype(str)
    return df


def ref_value(ref: pd.DataFrame, ticker: str, metric: str, fiscal_period: str) -> float:
    r = ref[(ref["ticker"] == ticker) & (ref["metric"] == metric) & (ref["fiscal_period"] == fiscal_period)]
    assert len(r) == 1, (ticker, metric, fiscal_period)
    return float(r.iloc[0]["value_usd"])


def ref_fred(reference_dir: Path, name: str) -> pd.DataFrame:
    """A raw FRED copy from reference/macro as (date, value) with blanks dropped."""
    with (reference_dir / "macro" / name).open() as fh:
        rows = list(csv.reader(fh))[1:]
    df = pd.DataFrame([(r[0], r[1]) for r in rows if r[1] not in ("", ".")], columns=["date", "value"])
    df["date"] = pd.to_datetime(df["date"])
    df["value"] = df["value"].astype(float)
    return df
