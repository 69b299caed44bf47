"""Synthetic filers for property tests: what a company's companyfacts would hold, with known truth.

A filer has a fiscal calendar (any year-end month; calendar months or 52/53-week years; equal or
odd quarter lengths such as a 16-week first quarter), true quarterly values per metric, and the
periodic filings that report them the way real filings do (ecosystem-notes §2.2-2.5):

* 10-Q for quarter k: income-statement metrics (revenue) as the 3-month figure and the
  year-to-date figure, cash-flow metrics (capex, operating cash flow) as year-to-date only, the
  balance sheet (inventory) at the quarter end and at the last year end; each with the prior
  year's comparatives;
* 10-K: the full year and two comparative years; balance sheet at this and last year end;
  optionally the fourth quarter's 3-month revenue (the old unaudited quarterly note);
* restatements: from some filing on, all figures of a fiscal year are reported on a restated
  basis (each quarter changed; year-to-date and annual sums consistent with the restated quarters);
* tag switches: from some filing on, a metric moves to another tag of its chain;
* missing facts (never those of a restatement: companyfacts cannot show a restatement whose
  earlier version was never filed, see facts/NOTES.md), and noise: DEF 14A / 8-K / 424B5 facts
  for the same periods with wrong values.

The truth for each (metric, fiscal year, quarter) is the set of its vintages' values: a correct
pipeline may report either the original or a restated value, never a mix.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ONE = dt.timedelta(days=1)

CHAINS = {
    "revenue": ("us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax", "us-gaap:Revenues"),
    "capex": ("us-gaap:PaymentsToAcquirePropertyPlantAndEquipment", "us-gaap:PaymentsToAcquireProductiveAssets"),
    "operating_cash_flow": (
        "us-gaap:NetCashProvidedByUsedInOperatingActivities",
        "us-gaap:NetCashProvidedByUsedInOperatingActivitiesContinuingOperations",
    ),
    "inventory": ("us-gaap:InventoryNet", "us-gaap:InventoryGross"),
}
FLOWS = ("revenue", "capex", "operating_cash_flow")
YTD_ONLY = ("capex", "operating_cash_flow")  # cash-flow statement: year-to-date only in 10-Qs


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(d: dt.date, months: int) -> dt.date:
    """The month end *months* after the month end *d*."""
    m = d.month - 1 + months
    return month_end(d.year + m // 12, m % 12 + 1)


def week_based_end(year: int, month: int, rule: str) -> dt.date:
    """Saturday ending a 52/53-week year: 'last' Saturday of the month, or the 'nearest' one."""
    nominal = month_end(year, month)
    back = (nominal.weekday() - 5) % 7  # days back to the last Saturday
    last = nominal - dt.timedelta(days=back)
    if rule == "last":
        return last
    nxt = last + dt.timedelta(days=7)
    return last if (nominal - last) <= (nxt - nominal) else nxt


@dataclass
class Filer:
    """A synthetic filer: calendar, truth and facts."""

    cik: int
    fye_month: int
    week_based: bool
    years: list[int]  # fiscal years with filings
    quarters: dict[tuple[int, int], tuple[dt.date, dt.date]] = field(default_factory=dict)
    fy_span: dict[int, tuple[dt.date, dt.date]] = field(default_factory=dict)
    # (metric, fy, k) -> {vintage: value}; vintage 0 original, 1 restated
    truth: dict[tuple[str, int, int], dict[int, float]] = field(default_factory=dict)
    facts: pd.DataFrame | None = None
    restated_years: set[int] = field(default_factory=set)

    def truth_values(self, metric: str, fy: int, k: int) -> set[float]:
        return set(self.truth[(metric, fy, k)].values())


def build_filer(
    rng: random.Random,
    *,
    fye_month: int,
    week_based: bool,
    rule: str = "last",
    first_quarter_weeks: int = 13,
    n_years: int = 3,
    first_year: int = 2019,
    restate: bool = False,
    tag_switch: bool = False,
    drop_rate: float = 0.0,
    noise: bool = False,
    q4_in_10k: bool = False,
) -> Filer:
    """Build a filer; every random choice comes from *rng* (hypothesis drives its seed)."""
    f = Filer(cik=rng.randint(1000, 9_999_999), fye_month=fye_month, week_based=week_based,
              years=list(range(first_year, first_year + n_years)))  # fmt: skip
    all_years = list(range(first_year - 2, first_year + n_years))

    # -- calendar ------------------------------------------------------------------------------
    for y in all_years:
        if week_based:
            start = week_based_end(y - 1, fye_month, rule) + ONE
            end = week_based_end(y, fye_month, rule)
            weeks = (end - start).days // 7 + 1  # 52 or 53
            q_weeks = [first_quarter_weeks] + [(52 - first_quarter_weeks) // 3] * 3
            q_weeks[3] = weeks - sum(q_weeks[:3])  # the 53rd week lands in Q4
            e = start - ONE
            for k, w in enumerate(q_weeks, 1):
                s = e + ONE
                e = s + dt.timedelta(days=7 * w) - ONE
                f.quarters[(y, k)] = (s, e)
            assert e == end, (e, end)
        else:
            start = month_end(y - 1, fye_month) + ONE
            end = month_end(y, fye_month)
            e = start - ONE
            for k in range(1, 5):
                s = e + ONE
                e = add_months(s - ONE, 3)
                f.quarters[(y, k)] = (s, e)
        f.fy_span[y] = (start, end)

    # -- truth -----------------------------------------------------------------------------------
    ranges = {"revenue": (100, 90_000), "capex": (1, 9_000), "operating_cash_flow": (-3_000, 20_000),
              "inventory": (10, 9_000)}  # fmt: skip
    for metric, (lo, hi) in ranges.items():
        for y in all_years:
            for k in range(1, 5):
                orig = float(rng.randint(lo, hi)) * 1e6
                f.truth[(metric, y, k)] = {0: orig}
    if restate:
        f.restated_years = {y for y in all_years if rng.random() < 0.5}
        for (_metric, y, _k), vals in f.truth.items():
            if y in f.restated_years and rng.random() < 0.7:
                vals[1] = vals[0] + float(rng.choice([-1, 1]) * rng.randint(1, 500)) * 1e6

    # -- filings -------------------------------------------------------------------------------------
    filings: list[tuple[str, int, int, dt.date]] = []  # (form, fy, k, filed)
    for y in f.years:
        for k in (1, 2, 3):
            filings.append(("10-Q", y, k, f.quarters[(y, k)][1] + dt.timedelta(days=rng.randint(25, 45))))
        filings.append(("10-K", y, 4, f.fy_span[y][1] + dt.timedelta(days=rng.randint(45, 75))))
    filings.sort(key=lambda x: x[3])
    restate_from = {y: rng.randint(1, len(filings) - 1) for y in f.restated_years} if restate else {}
    switch_at = {m: rng.randint(0, len(filings)) for m in CHAINS} if tag_switch else {}

    rows: list[dict[str, object]] = []
    # (fiscal year) -> {(metric, start, end): quarters summed}, every period reported so far
    reported: dict[int, dict[tuple[str, dt.date | None, dt.date], tuple[int, ...]]] = {}

    def emit(metric: str, idx: int, accn: str, form: str, filed: dt.date, yy: int, ks: tuple[int, ...],
             start: dt.date | None, end: dt.date) -> None:  # fmt: skip
        vint = 1 if (yy in restate_from and idx >= restate_from[yy]) else 0
        val = sum(f.truth[(metric, yy, k)].get(vint, f.truth[(metric, yy, k)][0]) for k in ks)
        chain = CHAINS[metric]
        tag = chain[1] if (metric in switch_at and idx >= switch_at[metric]) else chain[0]
        tax, name = tag.split(":")
        rows.append({"taxonomy": tax, "tag": name, "unit": "USD", "period_start": start, "period_end": end,
                     "value": val, "accn": accn, "form": form, "filed": filed})  # fmt: skip
        reported.setdefault(yy, {})[(metric, start, end)] = ks

    for idx, (form, y, k, filed) in enumerate(filings):
        accn = f"{f.cik:010d}-{filed.year % 100:02d}-{idx + 1:06d}"
        # a restatement starting with this filing re-files the year's earlier figures in an
        # amendment the same day, as companies do (10-K/A, 10-Q/A): afterwards all agree
        for yy, r in restate_from.items():
            if r == idx:
                amend = f"{f.cik:010d}-{filed.year % 100:02d}-8{idx + 1:05d}"
                for (metric, s0, e0), ks in list(reported.get(yy, {}).items()):
                    emit(metric, idx, amend, form + "/A", filed, yy, ks, s0, e0)
                    rows[-1]["keep"] = True  # a restatement is filed whole (never "missing")
        for yy in (y, y - 1):  # current and prior-year comparatives
            fy_start = f.fy_span[yy][0]
            if form == "10-Q":
                qs, qe = f.quarters[(yy, k)]
                for metric in FLOWS:
                    emit(metric, idx, accn, form, filed, yy, tuple(range(1, k + 1)), fy_start, qe)
                    if metric not in YTD_ONLY and k > 1:
                        emit(metric, idx, accn, form, filed, yy, (k,), qs, qe)
            else:
                for metric in FLOWS:
                    emit(metric, idx, accn, form, filed, yy, (1, 2, 3, 4), fy_start, f.fy_span[yy][1])
                if q4_in_10k:
                    qs, qe = f.quarters[(yy, 4)]
                    emit("revenue", idx, accn, form, filed, yy, (4,), qs, qe)
        if form == "10-K":  # the third comparative year of the income and cash-flow statements
            yy = y - 2
            for metric in FLOWS:
                emit(metric, idx, accn, form, filed, yy, (1, 2, 3, 4), f.fy_span[yy][0], f.fy_span[yy][1])
        # balance sheet: this quarter's end and the last year end
        emit("inventory", idx, accn, form, filed, y, (k,), None, f.quarters[(y, k)][1])
        emit("inventory", idx, accn, form, filed, y - 1, (4,), None, f.fy_span[y - 1][1])

    if drop_rate:
        rows = [r for r in rows if r.get("keep") or rng.random() >= drop_rate]
    if noise:
        last = max(x[3] for x in filings)
        for r in list(rows):
            if rng.random() < 0.3:
                form = rng.choice(["DEF 14A", "8-K", "424B5"])
                filed = rng.choice([r["filed"], last + dt.timedelta(days=rng.randint(1, 400))])
                assert isinstance(filed, dt.date)
                rows.append({**r, "form": form, "filed": filed, "value": float(r["value"]) * 1000 + 7e6,  # type: ignore[arg-type]
                             "accn": f"{f.cik:010d}-{filed.year % 100:02d}-9{rng.randint(0, 99999):05d}"})  # fmt: skip
    f.facts = to_frame(rows, f.cik)
    return f


def to_frame(rows: list[dict[str, object]], cik: int) -> pd.DataFrame:
    """Rows to a DataFrame with the columns and dtypes of ``FactsTable.df``."""
    df = pd.DataFrame(rows, columns=["taxonomy", "tag", "unit", "period_start", "period_end", "value", "accn",
                                     "form", "filed"])  # fmt: skip

    def dates(col: str) -> np.ndarray:
        return np.array([d if d is not None else "NaT" for d in df[col]], dtype="datetime64[D]").astype("datetime64[s]")

    for c in ("period_start", "period_end", "filed"):
        df[c] = dates(c)
    df.insert(0, "cik", cik)
    df.insert(1, "entity_name", "SYNTHETIC FILER")
    df["fy"] = pd.array([None] * len(df), dtype="Int64")
    df["fp"] = None
    df["frame"] = None
    return df
