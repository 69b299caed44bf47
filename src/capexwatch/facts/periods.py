"""Fiscal calendars: which fiscal year and quarter a reported period belongs to.

Everything here is derived from period *dates* and the company's fiscal-year end, never from the
``fy``/``fp`` fields of companyfacts, which describe the filing a fact came from, not the fact's own
period (a 10-K stamps its two comparative years with the current ``fy``; see
``shared/reference/ecosystem-notes.md`` §2.2, Equibles#979, edgartools#309, #1269).

Rules, with the pitfalls they answer (ecosystem-notes §2.7-2.8):

* A fiscal year is named by the calendar year of its *nominal* end, the last day of the fiscal-year
  -end month: NVIDIA's year ending 2026-01-25 is FY2026; a 52/53-week year ending 2022-01-01 that is
  anchored to December is FY2021. Actual ends may drift up to :data:`DRIFT_DAYS` either side of the
  nominal month end (JNJ's quarter ending 2 July, edgartools#816).
* Where the facts show the actual fiscal-year boundaries (annual facts, or the shared start of the
  year-to-date ladder in 10-Qs) they are used; elsewhere the nominal month end stands in.
* A period's place in its year comes from its *position* (elapsed share of the fiscal year at its
  end, in quarters) and whether it starts at the fiscal-year start, not from fixed day counts, so a
  16-week first quarter (CAVA, Red Robin, edgartools#822) or a 14-week fourth quarter in a 53-week
  year still lands in the right bucket.
* The calendar quarter of a period is the calendar quarter holding its midpoint (the convention of
  ``shared/reference/README.md`` §1; it agrees with the SEC ``frame`` for NVIDIA FY2027 Q1 = CY2026Q1).
  This module is the one home of calendar-quarter arithmetic: labels like ``'2025Q3'``, their running
  index (consecutive quarters differ by one), the quarter holding a date and a quarter's last day.
  The store, the signals and the models all call these functions.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from capexwatch.errors import DataError

__all__ = [
    "ANNUAL_DAYS",
    "DRIFT_DAYS",
    "DurationClass",
    "FiscalCalendar",
    "PeriodLabel",
    "anchored_month",
    "build_calendar",
    "calendar_quarter",
    "calendar_quarter_end",
    "calendar_quarter_of",
    "infer_fye_month",
    "nominal_fy_end",
    "quarter_index",
    "quarter_label",
]

#: days an actual fiscal-year or quarter end may sit from the nominal month end (52/53-week years)
DRIFT_DAYS: Final = 7

#: lengths in days (inclusive) that count as a full fiscal year: 52 weeks (364), 53 weeks (371),
#: 365/366 calendar days, with room for a few days of drift
ANNUAL_DAYS: Final = (350, 380)

#: how far (in quarters) a period end may sit from a whole quarter of its fiscal year and still be
#: bucketed there; 0.4 of a quarter is ~5 weeks, enough for a 16-week Q1 (position 1.23) and far
#: from the half-way point between two quarter ends
_POSITION_TOLERANCE: Final = 0.4

#: the same for instants (balance-sheet dates) when no duration fact shows the quarter's end;
#: tighter, so cover-page dates (shares outstanding "as of" a mid-quarter day) are not bucketed
_INSTANT_TOLERANCE: Final = 0.15

#: a discrete quarter is 0.6-1.45 quarters long: 12 weeks (0.92) to 16-17 weeks (1.23-1.31)
_QUARTER_LENGTH: Final = (0.6, 1.45)

DurationClass = Literal["quarter", "ytd-6m", "ytd-9m", "annual", "instant", "other"]

_LADDER_CLASS: Final[dict[int, DurationClass]] = {1: "quarter", 2: "ytd-6m", 3: "ytd-9m", 4: "annual"}

_ONE_DAY: Final = dt.timedelta(days=1)


def nominal_fy_end(year: int, fye_month: int) -> dt.date:
    """The last day of *fye_month* in *year*: the nominal end of fiscal year *year*."""
    return dt.date(year, fye_month, _cal.monthrange(year, fye_month)[1])


def anchored_month(d: dt.date) -> tuple[int, int]:
    """The (year, month) whose month end *d* is anchored to, allowing :data:`DRIFT_DAYS` of drift.

    A date in the first week of a month belongs to the previous month's end (a 52/53-week year
    ending on Saturday 1 February 2025 is a January year end); any later date to its own month.
    """
    if d.day <= DRIFT_DAYS:
        prev = d.replace(day=1) - _ONE_DAY
        return prev.year, prev.month
    return d.year, d.month


def calendar_quarter(start: dt.date | None, end: dt.date) -> str:
    """Calendar quarter holding the period's midpoint, as ``'2025Q3'`` (instants: their date).

    *start* and *end* are dates of one type: :class:`datetime.date` or :class:`datetime.datetime`
    (``pandas.Timestamp`` is one). For whole-day periods the two agree: a half day added to a
    midnight never changes the date's month.
    """
    mid = end if start is None else start + (end - start) / 2
    return f"{mid.year}Q{(mid.month - 1) // 3 + 1}"


_QUARTER_LABEL: Final = re.compile(r"^(\d{4})Q([1-4])$")


@functools.lru_cache(maxsize=4096)
def quarter_index(label: str) -> int:
    """``'2025Q3'`` -> a running quarter number, ``year * 4 + quarter - 1``.

    Consecutive calendar quarters differ by one, so ``quarter_index(b) - quarter_index(a)`` is the
    number of quarters from *a* to *b*. Memoised: the signals convert the same few labels often.

    Raises
    ------
    ValueError
        when *label* is not a calendar quarter like ``2025Q3`` (surrounding blanks are allowed).
    """
    m = _QUARTER_LABEL.match(label.strip())
    if not m:
        raise ValueError(f"not a calendar quarter like 2025Q3: {label!r}")
    return int(m.group(1)) * 4 + int(m.group(2)) - 1


def quarter_label(index: int) -> str:
    """Inverse of :func:`quarter_index`: ``8102`` -> ``'2025Q3'``."""
    return f"{index // 4}Q{index % 4 + 1}"


def calendar_quarter_of(when: Any) -> str:
    """The calendar quarter holding a date (a ``date``, ``datetime``, ``Timestamp`` or ISO string)."""
    if not isinstance(when, dt.date):
        when = dt.date.fromisoformat(str(when)[:10])
    return f"{when.year}Q{(when.month - 1) // 3 + 1}"


def calendar_quarter_end(label: str) -> dt.date:
    """The last day of a calendar quarter: ``'2025Q3'`` -> 2025-09-30."""
    i = quarter_index(label)
    year, month = i // 4, 3 * (i % 4 + 1)
    return dt.date(year, month, _cal.monthrange(year, month)[1])


@dataclass(frozen=True)
class PeriodLabel:
    """Where a period sits in the fiscal calendar.

    Attributes
    ----------
    fiscal_year : named by the calendar year of the nominal fiscal-year end
    fiscal_quarter : the fiscal quarter (1-4) in which the period *ends*; None for ``other``
    duration_class : ``quarter`` (a discrete quarter), ``ytd-6m``/``ytd-9m``/``annual`` (the
        year-to-date ladder sharing the fiscal-year start), ``instant`` or ``other`` (anything that
        cannot be placed: stubs, trailing twelve months, halves not starting at the year start)
    ladder : True when the period starts at the fiscal-year start (a year-to-date figure; a first
        quarter is both ``quarter`` and on the ladder)
    calendar_quarter : midpoint rule, e.g. ``'2026Q1'``
    """

    fiscal_year: int
    fiscal_quarter: int | None
    duration_class: DurationClass
    ladder: bool
    calendar_quarter: str

    @property
    def fiscal_period(self) -> str | None:
        """``'FY2026Q3'``, or None when the period has no quarter."""
        if self.fiscal_quarter is None:
            return None
        return f"FY{self.fiscal_year}Q{self.fiscal_quarter}"


@dataclass(frozen=True)
class FiscalCalendar:
    """A company's fiscal calendar.

    Attributes
    ----------
    fye_month : month (1-12) the fiscal year is anchored to
    week_based : True for 52/53-week years (ends that are not month ends, or 364/371-day years)
    fy_ends : observed fiscal-year end dates, by fiscal year
    quarter_ends : observed quarter end dates, by (fiscal year, quarter), from duration facts
    inferred : True when ``fye_month`` was inferred from the facts rather than given
    """

    fye_month: int
    week_based: bool = False
    fy_ends: Mapping[int, dt.date] = field(default_factory=dict)
    quarter_ends: Mapping[tuple[int, int], dt.date] = field(default_factory=dict)
    inferred: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.fye_month <= 12:
            raise DataError(
                f"Fiscal-year-end month must be 1-12, got {self.fye_month!r}.",
                hint="Give the month in which the company's fiscal year ends (e.g. 1 for NVIDIA).",
            )

    # -- fiscal years ---------------------------------------------------------------------------
    def fy_end(self, fiscal_year: int) -> dt.date:
        """Observed end of *fiscal_year*, else the nominal month end."""
        return self.fy_ends.get(fiscal_year) or nominal_fy_end(fiscal_year, self.fye_month)

    def fy_start(self, fiscal_year: int) -> dt.date:
        """Day after the previous fiscal year's (observed or nominal) end."""
        return self.fy_end(fiscal_year - 1) + _ONE_DAY

    def fiscal_year_of(self, d: dt.date) -> int:
        """The fiscal year a period ending on *d* belongs to."""
        # nominal first: the first year whose nominal end + drift is on or after d ...
        y = d.year - 1
        while d > nominal_fy_end(y, self.fye_month) + dt.timedelta(days=DRIFT_DAYS):
            y += 1
        # ... then observed boundaries win inside the drift window
        if y in self.fy_ends and d > self.fy_ends[y]:
            y += 1
        elif (y - 1) in self.fy_ends and d <= self.fy_ends[y - 1]:
            y -= 1
        return y

    def position(self, d: dt.date, fiscal_year: int) -> float:
        """Elapsed share of *fiscal_year* at the end of day *d*, in quarters (0-4)."""
        start, end = self.fy_start(fiscal_year), self.fy_end(fiscal_year)
        length = (end - start).days + 1
        return 4.0 * ((d - start).days + 1) / length

    # -- labelling ------------------------------------------------------------------------------
    def label(self, start: dt.date | None, end: dt.date) -> PeriodLabel:
        """Label the period ``start..end`` (``start`` None for an instant); see :class:`PeriodLabel`."""
        fy = self.fiscal_year_of(end)
        if start is None:
            return self._label_instant(fy, end)
        pos = self.position(end, fy)
        k = round(pos)
        near = 1 <= k <= 4 and abs(pos - k) <= _POSITION_TOLERANCE
        fy_start = self.fy_start(fy)
        on_ladder = abs((start - fy_start).days) <= DRIFT_DAYS
        if on_ladder:
            if near:
                cq = calendar_quarter(start, end)
                return PeriodLabel(fy, k, _LADDER_CLASS[k], True, cq)
            return PeriodLabel(fy, None, "other", True, calendar_quarter(start, end))
        year_len = (self.fy_end(fy) - fy_start).days + 1
        q_len = 4.0 * ((end - start).days + 1) / year_len
        if near and _QUARTER_LENGTH[0] <= q_len <= _QUARTER_LENGTH[1] and start > fy_start:
            return PeriodLabel(fy, k, "quarter", False, calendar_quarter(start, end))
        return PeriodLabel(fy, None, "other", False, calendar_quarter(start, end))

    def _label_instant(self, fy: int, end: dt.date) -> PeriodLabel:
        pos = self.position(end, fy)
        k = round(pos)
        if 1 <= k <= 4:
            known = self.quarter_ends.get((fy, k))
            ok = abs((end - known).days) <= DRIFT_DAYS if known is not None else abs(pos - k) <= _INSTANT_TOLERANCE
            if ok:
                return PeriodLabel(fy, k, "instant", False, self.quarter_calendar_quarter(fy, k, end))
        return PeriodLabel(fy, None, "instant", False, calendar_quarter(None, end))

    def quarter_span(self, fiscal_year: int, fiscal_quarter: int) -> tuple[dt.date | None, dt.date | None]:
        """(start, end) of a fiscal quarter where the calendar knows them, else None for either."""
        end = self.quarter_ends.get((fiscal_year, fiscal_quarter))
        if fiscal_quarter == 4 and end is None and fiscal_year in self.fy_ends:
            end = self.fy_ends[fiscal_year]
        if fiscal_quarter == 1:
            start: dt.date | None = self.fy_start(fiscal_year)
        else:
            prev = self.quarter_ends.get((fiscal_year, fiscal_quarter - 1))
            start = prev + _ONE_DAY if prev is not None else None
        return start, end

    def quarter_calendar_quarter(self, fiscal_year: int, fiscal_quarter: int, end: dt.date) -> str:
        """Calendar quarter of a fiscal quarter ending *end* (midpoint of its span where known).

        Balance-sheet values use this so that an instant and the flows of the same fiscal quarter
        share one calendar quarter (NVIDIA's quarter ending 26 April is CY Q1 for both).
        """
        start, _ = self.quarter_span(fiscal_year, fiscal_quarter)
        if start is None or start >= end:
            start = end - dt.timedelta(days=90)
        return calendar_quarter(start, end)


# -- building a calendar from facts ---------------------------------------------------------------


def _length(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


def infer_fye_month(periods: Iterable[tuple[dt.date | None, dt.date]]) -> int | None:
    """Infer the fiscal-year-end month from periods (``(start, end)``; instants have start None).

    Uses the ends of full-year periods (:data:`ANNUAL_DAYS`), each anchored to the month end it sits
    within a week of (:func:`anchored_month`); the most frequent month wins, and among equals the one
    seen most recently (a company that changed its year end keeps its current one). Falls back to
    the starts of year-to-date periods (6-9 months: their start is a fiscal-year start). Returns None
    when neither kind of period is present.
    """
    annual: Counter[int] = Counter()
    latest: dict[int, dt.date] = {}
    ytd: Counter[int] = Counter()
    for start, end in periods:
        if start is None:
            continue
        n = _length(start, end)
        if ANNUAL_DAYS[0] <= n <= ANNUAL_DAYS[1]:
            _, m = anchored_month(end)
            annual[m] += 1
            latest[m] = max(latest.get(m, end), end)
        elif 150 <= n <= 300:
            _, m = anchored_month(start - _ONE_DAY)
            ytd[m] += 1
            latest[m] = max(latest.get(m, end), end)
    counts = annual or ytd
    if not counts:
        return None
    return max(counts, key=lambda m: (counts[m], latest[m]))


def build_calendar(
    periods: Iterable[tuple[dt.date | None, dt.date]],
    fye_month: int | None = None,
) -> FiscalCalendar:
    """Build a :class:`FiscalCalendar` from a company's reported periods.

    Parameters
    ----------
    periods : ``(start, end)`` pairs of the company's facts from periodic reports (instants, with
        start None, are ignored); pass every tag's periods, the more the better
    fye_month : fiscal-year-end month when known (universe, submissions); inferred when None

    Returns
    -------
    FiscalCalendar
        with the fiscal-year boundaries the facts show (ends of full-year periods and the day
        before each year-to-date ladder's start) and the quarter ends they show.

    Raises
    ------
    DataError
        when *fye_month* is None and no full-year or year-to-date period allows inferring it.
    """
    pairs = [(s, e) for s, e in periods if s is not None]
    inferred = False
    if fye_month is None:
        fye_month = infer_fye_month(pairs)
        inferred = True
        if fye_month is None:
            raise DataError(
                "Cannot infer the fiscal-year end: the facts hold no full-year or year-to-date period.",
                hint="Pass the fiscal-year-end month (fye_month=1..12) from the company's 10-K cover page.",
            )
    drift = dt.timedelta(days=DRIFT_DAYS)

    # Candidate year boundaries: ends of full years, and the day before any full-year or
    # year-to-date period starts. Each votes for the fiscal year whose nominal end it sits near.
    votes: dict[int, Counter[dt.date]] = {}
    week_based = False
    for start, end in pairs:
        n = _length(start, end)
        cands: list[dt.date] = []
        if ANNUAL_DAYS[0] <= n <= ANNUAL_DAYS[1]:
            cands = [end, start - _ONE_DAY]
            if n in (364, 371):
                week_based = True
        elif 150 <= n <= 300:
            cands = [start - _ONE_DAY]
        for c in cands:
            y, m = anchored_month(c)
            if m != fye_month:
                continue
            if abs(c - nominal_fy_end(y, fye_month)) <= drift:
                votes.setdefault(y, Counter())[c] += 1
    fy_ends = {y: c.most_common(1)[0][0] for y, c in votes.items()}
    if any(d != nominal_fy_end(y, fye_month) for y, d in fy_ends.items()):
        week_based = True

    cal = FiscalCalendar(fye_month, week_based, fy_ends, {}, inferred)

    # Quarter ends: the most common end of ladder periods / discrete quarters per (year, quarter).
    qvotes: dict[tuple[int, int], Counter[dt.date]] = {}
    for start, end in pairs:
        lab = cal.label(start, end)
        if lab.fiscal_quarter is not None and lab.duration_class != "other":
            qvotes.setdefault((lab.fiscal_year, lab.fiscal_quarter), Counter())[end] += 1
    quarter_ends = {k: c.most_common(1)[0][0] for k, c in qvotes.items()}
    for y, d in fy_ends.items():
        quarter_ends.setdefault((y, 4), d)
    return FiscalCalendar(fye_month, week_based, fy_ends, quarter_ends, inferred)
