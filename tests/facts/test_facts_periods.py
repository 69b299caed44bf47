"""Fiscal calendars: labels from period dates and the fiscal-year end, never from fy/fp."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capexwatch.errors import DataError
from capexwatch.facts.periods import (
    FiscalCalendar,
    anchored_month,
    build_calendar,
    calendar_quarter,
    calendar_quarter_end,
    calendar_quarter_of,
    infer_fye_month,
    nominal_fy_end,
    quarter_index,
    quarter_label,
)
from capexwatch.facts.select import fiscal_calendar
from tests._support.facts_ref import facts_of
from tests._support.facts_synth import build_filer

D = dt.date


def test_anchored_month_allows_a_week_of_drift() -> None:
    assert anchored_month(D(2025, 2, 1)) == (2025, 1)  # Saturday nearest 31 January
    assert anchored_month(D(2022, 1, 1)) == (2021, 12)
    assert anchored_month(D(2026, 1, 25)) == (2026, 1)  # last Sunday of January (NVIDIA)
    assert anchored_month(D(2023, 7, 2)) == (2023, 6)  # JNJ's Q2 2023 (edgartools#816)
    assert nominal_fy_end(2024, 2) == D(2024, 2, 29)


def test_fiscal_year_is_named_by_the_nominal_year_end() -> None:
    cal = FiscalCalendar(12)
    assert cal.fiscal_year_of(D(2022, 1, 1)) == 2021  # a 52/53-week December year ending 1 Jan
    assert cal.fiscal_year_of(D(2022, 1, 8)) == 2022
    jan = FiscalCalendar(1)
    assert jan.fiscal_year_of(D(2026, 1, 25)) == 2026
    assert jan.fiscal_year_of(D(2026, 4, 26)) == 2027  # NVIDIA FY2027 Q1
    may = FiscalCalendar(5)  # Oracle: June-August is FY Q1 of the year ending next May
    lab = may.label(D(2025, 6, 1), D(2025, 8, 31))
    assert (lab.fiscal_year, lab.fiscal_quarter, lab.duration_class) == (2026, 1, "quarter")
    assert lab.calendar_quarter == "2025Q3"


def test_observed_year_ends_win_inside_the_drift_window() -> None:
    cal = FiscalCalendar(1, True, {2026: D(2026, 1, 25)})
    assert cal.fiscal_year_of(D(2026, 1, 25)) == 2026
    assert cal.fiscal_year_of(D(2026, 1, 28)) == 2027
    assert cal.fy_start(2027) == D(2026, 1, 26)


def test_duration_classes_from_position_not_day_counts() -> None:
    # a 52-week year with a 16-week first quarter (CAVA, Red Robin: edgartools#822)
    cal = FiscalCalendar(12, True, {2023: D(2023, 12, 31), 2024: D(2024, 12, 29)})
    start = D(2024, 1, 1)
    q1 = start + dt.timedelta(weeks=16) - dt.timedelta(days=1)
    h1 = q1 + dt.timedelta(weeks=12)
    m9 = h1 + dt.timedelta(weeks=12)
    assert cal.label(start, q1).duration_class == "quarter" and cal.label(start, q1).fiscal_quarter == 1
    lab = cal.label(start, h1)
    assert (lab.duration_class, lab.fiscal_quarter, lab.ladder) == ("ytd-6m", 2, True)
    assert cal.label(start, m9).duration_class == "ytd-9m"
    assert cal.label(start, D(2024, 12, 29)).duration_class == "annual"
    q2 = cal.label(q1 + dt.timedelta(days=1), h1)
    assert (q2.duration_class, q2.fiscal_quarter, q2.ladder) == ("quarter", 2, False)
    # trailing twelve months and a second half are not placed in the ladder
    assert cal.label(D(2023, 7, 1), D(2024, 6, 30)).duration_class == "other"
    assert cal.label(h1 + dt.timedelta(days=1), D(2024, 12, 29)).duration_class == "other"


def test_calendar_quarter_midpoint_rule() -> None:
    assert calendar_quarter(D(2026, 1, 26), D(2026, 4, 26)) == "2026Q1"  # NVIDIA; SEC frame CY2026Q1
    assert calendar_quarter(D(2025, 12, 1), D(2026, 2, 28)) == "2026Q1"  # Oracle Dec-Feb
    assert calendar_quarter(None, D(2025, 9, 30)) == "2025Q3"


def test_calendar_quarter_midpoint_is_the_same_for_dates_and_timestamps() -> None:
    # the store loads curated rows as pandas Timestamps, the facts layer derives with dates
    import pandas as pd

    rng = random.Random(7)
    for _ in range(500):
        start = D(2020, 1, 1) + dt.timedelta(days=rng.randrange(2500))
        end = start + dt.timedelta(days=rng.randrange(80, 130))
        assert calendar_quarter(start, end) == calendar_quarter(pd.Timestamp(start), pd.Timestamp(end))


def test_quarter_labels_index_and_ends() -> None:
    assert quarter_index("2025Q4") + 1 == quarter_index("2026Q1") and quarter_label(quarter_index("2026Q1")) == "2026Q1"
    assert quarter_index(" 2025Q3 ") == 2025 * 4 + 2
    for bad in ("2025Q5", "2025Q0", "25Q1", "2025-Q1", ""):
        with pytest.raises(ValueError, match="not a calendar quarter"):
            quarter_index(bad)
    assert [calendar_quarter_end(f"2024Q{q}") for q in (1, 2, 3, 4)] == [
        D(2024, 3, 31), D(2024, 6, 30), D(2024, 9, 30), D(2024, 12, 31)
    ]  # fmt: skip
    assert calendar_quarter_of(D(2024, 6, 30)) == "2024Q2" and calendar_quarter_of("2024-07-01") == "2024Q3"
    assert calendar_quarter_of(dt.datetime(2025, 12, 31, 23, 59)) == "2025Q4"


def test_instants_land_on_quarter_ends_only() -> None:
    cal = build_calendar([(D(2024, 1, 1), D(2024, 3, 31)), (D(2024, 1, 1), D(2024, 6, 30))], 12)
    assert cal.label(None, D(2024, 6, 30)).fiscal_quarter == 2
    # a cover-page date ("shares outstanding as of 20 April") is not a quarter end
    assert cal.label(None, D(2024, 4, 20)).fiscal_quarter is None


def test_unknown_year_end_is_inferred_or_refused() -> None:
    assert infer_fye_month([(D(2023, 7, 1), D(2024, 6, 30))]) == 6
    assert infer_fye_month([(D(2023, 10, 1), D(2024, 3, 31))]) == 9  # from a 6-month YTD start
    with pytest.raises(DataError, match="fiscal-year end"):
        build_calendar([(D(2024, 1, 1), D(2024, 3, 31))], None)
    with pytest.raises(DataError, match="1-12"):
        FiscalCalendar(13)


@pytest.mark.parametrize(("ticker", "month", "weeks"), [("NVDA", 1, True), ("GOOGL", 12, False), ("TSM", 12, False)])
def test_real_filers_calendars_are_inferred(ticker: str, month: int, weeks: bool) -> None:
    cal = fiscal_calendar(facts_of(ticker))
    assert cal.inferred and cal.fye_month == month and cal.week_based is weeks


def test_nvidia_year_ends_from_its_filings() -> None:
    cal = fiscal_calendar(facts_of("NVDA"), 1)
    # period_end of NVIDIA's fiscal fourth quarters in company_quarters.csv notes
    assert cal.fy_ends[2023] == D(2023, 1, 29)
    assert cal.fy_ends[2024] == D(2024, 1, 28)
    assert cal.fy_ends[2025] == D(2025, 1, 26)
    assert cal.fy_ends[2026] == D(2026, 1, 25)
    assert cal.quarter_ends[(2027, 1)] == D(2026, 4, 26)


@settings(max_examples=100, deadline=None)
@given(
    month=st.integers(1, 12),
    week_based=st.booleans(),
    rule=st.sampled_from(["last", "nearest"]),
    q1_weeks=st.sampled_from([12, 13, 14, 16, 17]),
    first_year=st.integers(1995, 2030),
    given_month=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_every_generated_period_is_labelled_right(
    month: int, week_based: bool, rule: str, q1_weeks: int, first_year: int, given_month: bool, seed: int
) -> None:
    f = build_filer(random.Random(seed), fye_month=month, week_based=week_based, rule=rule,
                    first_quarter_weeks=q1_weeks if week_based else 13, first_year=first_year)  # fmt: skip
    assert f.facts is not None
    periods = list(zip(f.facts["period_start"].dt.date.where(f.facts["period_start"].notna(), None),
                       f.facts["period_end"].dt.date, strict=True))  # fmt: skip
    cal = build_calendar(periods, month if given_month else None)
    assert cal.fye_month == month
    for (fy, k), (qs, qe) in f.quarters.items():
        if fy < f.years[0] - 1:
            continue  # two years back only the annual comparatives are filed
        fs = f.fy_span[fy][0]
        lab = cal.label(fs, qe)
        assert (lab.fiscal_year, lab.fiscal_quarter, lab.ladder) == (fy, k, True)
        assert lab.duration_class == {1: "quarter", 2: "ytd-6m", 3: "ytd-9m", 4: "annual"}[k]
        lab = cal.label(qs, qe)
        assert (lab.fiscal_year, lab.fiscal_quarter, lab.duration_class) == (fy, k, "quarter")
        assert cal.label(None, qe).fiscal_quarter == k
