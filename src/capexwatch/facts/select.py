"""From raw XBRL facts to discrete fiscal quarters, with provenance, in two views.

The rules (DESIGN.md "Rules that keep it honest"; the pitfalls and their sources are in
``shared/reference/ecosystem-notes.md`` §2):

* **Only periodic reports count**: 10-K, 10-Q, 20-F, 40-F and their ``/A`` amendments. Proxy
  statements (DEF 14A), 8-Ks, prospectuses (424B*), 6-Ks and transition reports (10-KT) never do; a
  DEF 14A fact once carried a value scaled by 1,000 (edgartools#796).
* **Fiscal labels from period dates and the fiscal-year end** (:mod:`capexwatch.facts.periods`),
  never from ``fy``/``fp``.
* **Latest view**: for each period (start, end) the most recently filed fact across the metric's
  whole tag chain; ties on the filing date go to the tag earlier in the chain, then to the later
  accession. **First-filed view**: the value as it could first be computed, using only facts filed
  on or before that day (each operand as known then), for backtests that must not see the future.
* **Discrete quarters**: a reported 3-month fact where there is one; otherwise the difference of two
  year-to-date facts that share the fiscal-year start (Q2 = 6M - Q1, Q3 = 9M - 6M, Q4 = FY - 9M);
  failing that, a year-to-date fact minus the reported quarters before it. Matching on the *same
  start date* rather than "the quarter that ended earlier" (edgartools#1197).
* **Cross-checks** within the rounding of the figures: a reported quarter must equal the
  year-to-date difference where both exist, and the four quarters must sum to the reported year.
* **Fail closed**: a missing operand or a failed check gives ``status='not-derivable'`` with the
  reason and a NaN value; a year-to-date or annual figure is never returned as a quarter
  (edgartools#1179/#1180); negative derived values are kept.
* **Instants** (balance-sheet metrics) by period end: the fact dated at the quarter's end.
* **Currency**: the panel is USD (``currency='USD'``, the default); facts in other currencies are
  ignored there and can be derived separately with ``currency='TWD'`` etc., each row labelled with
  its unit. USD facts filed beside another currency's for the same period in the same filing (a
  20-F's convenience translation) are noted as such. :func:`non_usd_units` says what was left out.

A row is produced for a fiscal quarter when at least one fact touches it (a 3-month fact or a
year-to-date/annual fact ending at its end); quarters about which the filings say nothing are absent
rather than listed as not-derivable.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from capexwatch.errors import DataError
from capexwatch.facts.periods import FiscalCalendar, PeriodLabel, build_calendar
from capexwatch.metrics import get_metric, metric_names, tag_chain

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.facts.decode import FactsTable

__all__ = [
    "ANNUAL_COLUMNS",
    "PANEL_COLUMNS",
    "PERIODIC_FORMS",
    "Check",
    "Operand",
    "QuarterResult",
    "derive_annual",
    "derive_quarters",
    "filing_url",
    "fiscal_calendar",
    "non_usd_units",
    "quarter_results",
]

#: forms whose facts count (DESIGN.md: "Only periodic reports count")
PERIODIC_FORMS: Final = frozenset({"10-K", "10-Q", "20-F", "40-F", "10-K/A", "10-Q/A", "20-F/A", "40-F/A"})

#: the store's panel columns, in order (store/NOTES.md "panel columns")
PANEL_COLUMNS: Final = [
    "ticker", "metric", "fiscal_year", "fiscal_quarter", "fiscal_period", "period_start",
    "period_end", "calendar_quarter", "value", "unit", "method", "status", "reason", "tag", "accn",
    "form", "filed", "known_at", "source", "source_url", "source_kind", "note", "derived_from",
    "view", "load_id",
]  # fmt: skip

#: columns of :func:`derive_annual` (the store's ``annual`` table plus provenance)
ANNUAL_COLUMNS: Final = [
    "ticker", "metric", "fiscal_year", "period_start", "period_end", "value", "unit", "source",
    "source_url", "source_kind", "note", "tag", "accn", "form", "filed", "known_at", "view",
]  # fmt: skip

VIEWS: Final = ("latest", "first-filed")

_ONE_DAY: Final = dt.timedelta(days=1)

#: what the k-th rung of the year-to-date ladder is called in messages
_RUNG: Final = {1: "3-month (Q1)", 2: "6-month year-to-date", 3: "9-month year-to-date", 4: "full-year"}

_CONVENIENCE: Final = "USD convenience translation: the same filing reports this figure in another currency"

#: non-monetary units never treated as a currency
_NON_CURRENCY: Final = frozenset({"shares", "pure", "segment", "instrument"})


def filing_url(cik: int, accn: str) -> str:
    """The EDGAR filing index folder of accession *accn*: ``.../edgar/data/{cik}/{accn digits}/``."""
    return f"https://www.sec.gov/Archives/edgar/data/{int(cik)}/{accn.replace('-', '')}/"


# -- result types ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operand:
    """One reported fact used to produce a value."""

    role: str
    tag: str
    period_start: dt.date | None
    period_end: dt.date
    value: float
    unit: str
    accn: str
    form: str
    filed: dt.date
    #: when the figure was filed in another representation too (thousands, then millions): which
    #: one this is and the other, e.g. "53,700,000 (rounded to 100,000) re-presents 53,679,000 ..."
    representation: str | None = None

    def describe(self) -> str:
        span = f"{self.period_start}..{self.period_end}" if self.period_start else f"at {self.period_end}"
        rep = f" [{self.representation}]" if self.representation else ""
        return (
            f"{self.role} {span} = {self.value:,.0f} {self.unit} "
            f"({self.tag}, {self.accn}, {self.form} filed {self.filed}){rep}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role, "tag": self.tag, "period_start": self.period_start,
            "period_end": self.period_end, "value": self.value, "unit": self.unit, "accn": self.accn,
            "form": self.form, "filed": self.filed, "representation": self.representation,
        }  # fmt: skip


@dataclass(frozen=True)
class Check:
    """One identity check: its name, whether it held, and the numbers."""

    name: str
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass(frozen=True)
class QuarterResult:
    """One metric for one fiscal quarter in one view, with everything that explains it.

    ``value`` is in base units of ``unit`` (USD, not millions); NaN when ``status`` is
    ``not-derivable``. ``operands`` are the facts used (one for a reported value), ``checks`` the
    identities tested. ``filed``/``accn``/``form``/``tag`` are those of the latest-filed operand
    (for a derived value, the filing that made it computable); ``known_at`` is that filing date.
    """

    metric: str
    view: str
    fiscal_year: int
    fiscal_quarter: int
    period_start: dt.date | None
    period_end: dt.date
    calendar_quarter: str
    value: float
    unit: str
    method: str
    status: str
    reason: str | None
    operands: tuple[Operand, ...] = ()
    checks: tuple[Check, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def fiscal_period(self) -> str:
        return f"FY{self.fiscal_year}Q{self.fiscal_quarter}"

    @property
    def source_operand(self) -> Operand | None:
        """The latest-filed operand (the first on ties, which is the main one)."""
        if not self.operands:
            return None
        return max(self.operands, key=lambda o: o.filed)

    @property
    def derived_from(self) -> str | None:
        if self.method != "derived" or not self.operands:
            return None
        return " minus ".join(o.describe() for o in self.operands)


# -- preparing facts -------------------------------------------------------------------------------


class _F(NamedTuple):
    """A fact, ready for selection."""

    tag: str
    rank: int
    start: dt.date | None
    end: dt.date
    value: float
    accn: str
    form: str
    filed: dt.date
    label: PeriodLabel

    def key(self) -> tuple[dt.date, int, str]:
        # most recently filed; then the tag earlier in the chain; then the later accession
        return (self.filed, -self.rank, self.accn)

    def operand(self, role: str, unit: str, representation: str | None = None) -> Operand:
        return Operand(role, self.tag, self.start, self.end, self.value, unit, self.accn, self.form, self.filed,
                       representation)  # fmt: skip


@dataclass
class _Prepared:
    cik: int
    calendar: FiscalCalendar
    # per (taxonomy:tag, unit): rows of periodic facts as tuples (start, end, value, accn, form, filed)
    rows: dict[tuple[str, str], list[tuple[dt.date | None, dt.date, float, str, str, dt.date]]]
    # (taxonomy:tag, start, end, accn) of facts in a currency other than USD (convenience check)
    foreign: set[tuple[str, dt.date | None, dt.date, str]] = field(default_factory=set)
    labels: dict[tuple[dt.date | None, dt.date], PeriodLabel] = field(default_factory=dict)

    def label(self, start: dt.date | None, end: dt.date) -> PeriodLabel:
        lab = self.labels.get((start, end))
        if lab is None:
            lab = self.labels[(start, end)] = self.calendar.label(start, end)
        return lab


_REQUIRED: Final = ("taxonomy", "tag", "unit", "period_start", "period_end", "value", "accn", "form", "filed")


def _frame_of(facts: FactsTable | pd.DataFrame) -> tuple[pd.DataFrame, int | None]:
    import pandas as pd

    if isinstance(facts, pd.DataFrame):
        df = facts
        cik = int(df["cik"].iloc[0]) if "cik" in df.columns and len(df) else None
    else:
        df, cik = facts.df, facts.cik
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise DataError(
            f"Facts table lacks columns {missing}.",
            hint="Pass the FactsTable from capexwatch.facts.decode.decode_companyfacts, or a DataFrame "
            "with its columns (the store's facts table has them).",
        )
    return df, cik


def _dates(series: pd.Series) -> list[dt.date | None]:
    import numpy as np

    arr = series.to_numpy(dtype="datetime64[D]") if len(series) else np.array([], dtype="datetime64[D]")
    return list(arr.astype(object))


def _prepare(facts: FactsTable | pd.DataFrame, fye_month: int | None, cik: int | None) -> _Prepared:
    df, doc_cik = _frame_of(facts)
    df = df[df["form"].isin(PERIODIC_FORMS) & df["value"].notna()]
    starts = _dates(df["period_start"])
    ends = _dates(df["period_end"])
    filed = _dates(df["filed"])
    taxes = df["taxonomy"].tolist()
    tags = df["tag"].tolist()
    units = df["unit"].tolist()
    values = df["value"].astype("float64").tolist()
    accns = df["accn"].tolist()
    forms = df["form"].tolist()
    periods = {(s, e) for s, e in zip(starts, ends, strict=True) if s is not None and e is not None}
    calendar = build_calendar(sorted(periods, key=lambda p: (p[1], p[0] or p[1])), fye_month)
    rows: dict[tuple[str, str], list[tuple[dt.date | None, dt.date, float, str, str, dt.date]]] = {}
    foreign: set[tuple[str, dt.date | None, dt.date, str]] = set()
    for i in range(len(values)):
        e, f = ends[i], filed[i]
        if e is None or f is None:
            continue
        name = f"{taxes[i]}:{tags[i]}"
        rows.setdefault((name, units[i]), []).append((starts[i], e, values[i], accns[i], forms[i], f))
        u = units[i]
        if u != "USD" and u not in _NON_CURRENCY and "/" not in u:
            foreign.add((name, starts[i], e, accns[i]))
    return _Prepared(cik if cik is not None else (doc_cik or 0), calendar, rows, foreign)


def fiscal_calendar(facts: FactsTable | pd.DataFrame, fye_month: int | None = None) -> FiscalCalendar:
    """The fiscal calendar the facts show (fiscal-year end inferred when *fye_month* is None)."""
    return _prepare(facts, fye_month, None).calendar


def _metric_facts(prep: _Prepared, chain: Sequence[str], currency: str) -> list[_F]:
    out: list[_F] = []
    seen: set[tuple[str, dt.date | None, dt.date, str, float]] = set()
    for rank, tag in enumerate(chain):
        for s, e, v, accn, form, filed in prep.rows.get((tag, currency), ()):
            k = (tag, s, e, accn, v)
            if k in seen:  # the same fact served twice
                continue
            seen.add(k)
            out.append(_F(tag, rank, s, e, v, accn, form, filed, prep.label(s, e)))
    return out


# -- tolerance ---------------------------------------------------------------------------------------


def _rounding_unit(value: float) -> float:
    """The coarsest power of ten, at most a million, that *value* is a multiple of.

    Statements are rounded to millions by large filers and to thousands by small ones (NVIDIA
    filed thousands until 2015 and millions after, so the same figure reappears as 151,022,000
    and 151,000,000); a figure is taken to be exact to within half of its unit.
    """
    if not math.isfinite(value):
        return 0.0
    if value != int(value):
        return 0.01
    iv, unit = abs(int(value)), 1_000_000
    while unit > 1 and iv % unit:
        unit //= 10
    return float(unit)


def _same_figure(a: float, b: float) -> bool:
    """Whether two filed values of one period are one figure in two representations.

    A filer that moves from thousands to millions re-presents old figures rounded: 53,679,000
    reappears as 53,700,000 (to 100,000) or 54,000,000 (to 1,000,000). A later value equal to the
    earlier one rounded to the later value's unit (:func:`_rounding_unit`) is that figure, not a
    restatement. The test used is that the two values' rounding intervals (each value +- half its
    unit) overlap, which holds for every such rounding in either direction. A truncation
    (53,679,000 shown as 53,600,000: 79,000 apart, more than half of 100,000) is *not* accepted:
    in NVIDIA's FY2015 comparatives differences of that size are reclassifications
    (cost of revenue 550,911,000 -> 552,000,000), which cannot be told from truncation.
    """
    return abs(a - b) <= _tolerance([a, b])


def _representation(used: _F, other: _F) -> str:
    """Says which of two representations of one figure a derivation used (for audit)."""
    finer = _rounding_unit(other.value) < _rounding_unit(used.value)
    how = f"rounded to {_fmt(_rounding_unit(used.value))}" if finer else "the finer representation"
    return (
        f"{_fmt(used.value)} ({used.accn}, filed {used.filed}; {how}) is used; the same figure was filed as "
        f"{_fmt(other.value)} ({other.accn}, filed {other.filed}): a re-presentation, not a restatement"
    )


def _tolerance(figures: Sequence[float]) -> float:
    """Slack for an identity over reported *figures*: the sum of their half rounding units."""
    scale = max((abs(v) for v in figures), default=0.0)
    return sum(0.5 * _rounding_unit(v) for v in figures) + 1e-9 * scale


# -- the year-to-date ladder -------------------------------------------------------------------------


@dataclass
class _Q:
    """A quarter being worked out for one fiscal year, as of one date."""

    k: int
    start: dt.date | None
    end: dt.date
    value: float
    method: str
    status: str
    reason: str | None
    operands: list[Operand]
    checks: list[Check]
    notes: list[str]


class _Chosen(NamedTuple):
    """The fact chosen for a period as of a date, and the history of its value."""

    fact: _F
    since: dt.date  # first filing of the current value (in its latest unbroken run)
    revised_in: str | None = None  # accession that introduced it, when it replaced another value
    prior_last: dt.date | None = None  # last filing of the value it replaced
    other_repr: _F | None = None  # the same figure filed in another representation (thousands)

    @property
    def revised_at(self) -> dt.date | None:
        return self.since if self.revised_in is not None else None


def _periods(facts: Iterable[_F]) -> dict[tuple[dt.date | None, dt.date], list[_F]]:
    """Facts grouped by exact period, each group sorted by filing (date, then accession)."""
    groups: dict[tuple[dt.date | None, dt.date], list[_F]] = {}
    for f in facts:
        groups.setdefault((f.start, f.end), []).append(f)
    for g in groups.values():
        g.sort(key=lambda f: (f.filed, f.accn, f.rank))
    return groups


def _choose(group: Sequence[_F], as_of: dt.date | None) -> _Chosen | None:
    """Latest fact of a period filed on or before *as_of*, with its revision date.

    Ties on the filing date go to the tag earlier in the chain, then the later accession. The
    revision date is the filing that introduced the chosen value after a different one had been
    filed for the same period (a restatement); None when the value never changed. Within one
    filing only the best-ranked tag counts, so two tags of one filing never look like a revision.
    """
    visible = [f for f in group if as_of is None or f.filed <= as_of]
    if not visible:
        return None
    chosen = max(visible, key=_F.key)
    per_filing: dict[str, _F] = {}
    for f in visible:
        cur = per_filing.get(f.accn)
        if cur is None or f.rank < cur.rank:
            per_filing[f.accn] = f
    history = sorted(per_filing.values(), key=lambda f: (f.filed, f.accn))
    run_first: _F | None = None
    prior: _F | None = None
    last_other: _F | None = None
    other_repr: _F | None = None
    for f in history:
        same = _same_figure(f.value, chosen.value)
        if same and run_first is None:
            run_first, prior, other_repr = f, last_other, None
        elif not same:
            run_first, last_other = None, f
        if same and f.value != chosen.value and other_repr is None:
            other_repr = f  # the first other representation in the current run
    assert run_first is not None  # the chosen fact itself is in the last run
    if prior is None:
        return _Chosen(chosen, run_first.filed, other_repr=other_repr)
    return _Chosen(chosen, run_first.filed, run_first.accn, prior.filed, other_repr)


def _fmt(v: float) -> str:
    return f"{v:,.0f}"


def _mixed_vintages(chosen: Sequence[_Chosen]) -> str | None:
    """Why operands of one derivation come from different vintages (None when they do not).

    After a restatement the revised figure (say the full year, re-filed in a 10-K) no longer fits
    an operand that was not re-filed since (the 9-month figure of an old 10-Q); their difference
    would silently move the whole restatement into one quarter, which the four-quarter check
    cannot see (it holds by construction when Q4 = FY - 9M).
    """
    for x in chosen:
        if x.revised_at is None or x.prior_last is None:
            continue
        for y in chosen:
            # y was last reported before x's restatement: y belongs to x's old vintage, unless y
            # was itself revised after x's old value was last filed (then both are revisions of
            # one restatement arriving through successive comparatives: consistent)
            revised_later = y.revised_at is not None and y.since > x.prior_last
            if y is not x and y.fact.filed < x.revised_at and not revised_later:
                return (
                    f"{x.fact.start}..{x.fact.end} was restated to {_fmt(x.fact.value)} in {x.revised_in} "
                    f"(filed {x.revised_at}), but {y.fact.start}..{y.fact.end} was last reported on "
                    f"{y.fact.filed} ({y.fact.accn}), before that restatement; subtracting them would "
                    "mix vintages"
                )
    return None


def _eval_year(
    groups: dict[tuple[dt.date | None, dt.date], list[_F]],
    fy: int,
    cal: FiscalCalendar,
    unit: str,
    as_of: dt.date | None,
) -> dict[int, _Q]:
    """Quarters of fiscal year *fy* from the facts filed on or before *as_of* (None: all)."""
    best: dict[tuple[dt.date | None, dt.date], _F] = {}
    revised: dict[tuple[dt.date | None, dt.date], _Chosen] = {}
    for key, group in groups.items():
        c = _choose(group, as_of)
        if c is not None:
            best[key] = c.fact
            revised[key] = c

    def op(f: _F, role: str) -> Operand:
        # the operand, saying which representation was used when the figure was filed in two
        c = revised.get((f.start, f.end))
        alt = c.other_repr if c is not None and c.fact is f else None
        return f.operand(role, unit, _representation(f, alt) if alt is not None else None)

    # the ladder: year-to-date facts grouped by their exact start (operands must share it)
    by_start: dict[dt.date, dict[int, _F]] = {}
    discrete: dict[int, list[_F]] = {}
    for f in best.values():
        lab = f.label
        k = lab.fiscal_quarter
        if k is None:
            continue
        if lab.ladder and lab.duration_class in ("quarter", "ytd-6m", "ytd-9m", "annual"):
            assert f.start is not None
            by_start.setdefault(f.start, {})[k] = f
        if lab.duration_class == "quarter":
            discrete.setdefault(k, []).append(f)
    ladder: dict[int, _F] = {}
    if by_start:
        fy_start = cal.fy_start(fy)
        main = max(by_start, key=lambda s: (4 in by_start[s], len(by_start[s]), s == fy_start))
        ladder = by_start[main]

    ends: dict[int, dt.date] = {}
    for k in range(1, 5):
        if k in ladder:
            ends[k] = ladder[k].end
        elif k in discrete:
            seen_ends = Counter(f.end for f in discrete[k])
            known = cal.quarter_ends.get((fy, k))
            ends[k] = known if known is not None and known in seen_ends else seen_ends.most_common(1)[0][0]

    out: dict[int, _Q] = {}
    reported: dict[int, _F] = {}
    # each quarter's figure as filed or computed, before checks: what the year-sum check adds up
    candidate: dict[int, float] = {}
    figures: dict[int, list[float]] = {}  # the reported figures behind each candidate
    rests_on: dict[int, list[_F]] = {}  # the facts each quarter's value is computed from
    conflicts: dict[int, tuple[float, list[_F]]] = {}  # failed own check: (YTD difference, its operands)
    for k in range(1, 5):
        if k not in ends:
            continue
        end = ends[k]
        prev_end = ends.get(k - 1)
        want_start: dt.date | None
        if k == 1:
            want_start = ladder[1].start if 1 in ladder else cal.fy_start(fy)
        else:
            want_start = prev_end + _ONE_DAY if prev_end else None
        cands = [f for f in discrete.get(k, []) if f.end == end]
        rep: _F | None = None
        if cands:
            exact = [f for f in cands if want_start is not None and f.start == want_start]
            rep = max(exact or cands, key=_F.key)
            reported[k] = rep

        derived: tuple[float, list[_F], list[str]] | None = None
        missing: str | None = None
        if k >= 2:
            a = ladder.get(k)
            b = ladder.get(k - 1)
            if a is not None and b is not None:
                derived = (a.value - b.value, [a, b], [_RUNG[k], _RUNG[k - 1]])
            elif a is not None and all(j in reported for j in range(1, k)):
                qs = [reported[j] for j in range(1, k)]
                contiguous = qs[0].start == a.start and all(
                    qs[j].start == qs[j - 1].end + _ONE_DAY for j in range(1, len(qs))
                )
                if contiguous:
                    derived = (
                        a.value - sum(q.value for q in qs),
                        [a, *qs],
                        [_RUNG[k]] + [f"Q{j} (3 months)" for j in range(1, k)],
                    )
                else:
                    missing = "the reported quarters before it do not tile the year-to-date period"
            elif a is not None:
                missing = f"no {_RUNG[k - 1]} fact (from {a.start}) to subtract from the {_RUNG[k]} {a.start}..{a.end}"
            else:
                missing = f"no {_RUNG[k]} fact ending {end}"

        checks: list[Check] = []
        notes: list[str] = []
        if rep is not None:
            q = _Q(k, rep.start, rep.end, rep.value, "reported", "ok", None,
                   [op(rep, f"Q{k} (3 months)")], checks, notes)  # fmt: skip
            rests_on[k] = [rep]
            if derived is not None:
                dval, ops, roles = derived
                tol = _tolerance([rep.value, *(o.value for o in ops)])
                diff = rep.value - dval
                passed = abs(diff) <= tol
                detail = (
                    f"reported {_fmt(rep.value)} vs {' minus '.join(roles)} = {_fmt(dval)} "
                    f"(difference {_fmt(diff)}, tolerance {_fmt(tol)})"
                )
                checks.append(Check("derived equals reported", passed, detail))
                if not passed:
                    q.status, q.value = "not-derivable", math.nan
                    q.reason = (
                        f"the reported 3-month value {_fmt(rep.value)} ({rep.accn}) and the year-to-date "
                        f"difference {_fmt(dval)} ({' minus '.join(roles)}) disagree by {_fmt(diff)}, "
                        f"more than the rounding tolerance {_fmt(tol)}"
                    )
                    q.operands += [op(o, r) for o, r in zip(ops, roles, strict=True)]
                    conflicts[k] = (dval, [rep, *ops])
        elif derived is not None:
            dval, ops, roles = derived
            start = ops[-1].end + _ONE_DAY  # the day after the last operand subtracted
            q = _Q(k, start, end, dval, "derived", "ok", None,
                   [op(o, r) for o, r in zip(ops, roles, strict=True)], checks, notes)  # fmt: skip
            rests_on[k] = list(ops)
            mixed = _mixed_vintages([revised[(o.start, o.end)] for o in ops])
            checks.append(Check("operands from one vintage", mixed is None, mixed or "no operand restated "
                                "after another was last reported"))  # fmt: skip
            if mixed is not None:
                q.status, q.value, q.reason = "not-derivable", math.nan, mixed
            elif dval < 0:
                notes.append("negative derived value kept (a reversal in the quarter, not an error)")
        else:
            a = ladder.get(k)
            q = _Q(k, prev_end + _ONE_DAY if prev_end else None, end, math.nan, "derived", "not-derivable",
                   (missing or "no operand") + "; no reported 3-month figure",
                   [op(a, _RUNG[k])] if a is not None else [], checks, notes)  # fmt: skip
        if rep is not None:
            candidate[k], figures[k] = rep.value, [rep.value]
        elif derived is not None:
            candidate[k], figures[k] = derived[0], [o.value for o in derived[1]]
        out[k] = q

    fy_fact = ladder.get(4)
    if fy_fact is not None and all(k in candidate for k in range(1, 5)):
        _check_year(out, fy_fact, candidate, figures, rests_on, conflicts)
    return out


def _check_year(
    out: dict[int, _Q],
    fy_fact: _F,
    candidate: dict[int, float],
    figures: dict[int, list[float]],
    rests_on: dict[int, list[_F]],
    conflicts: dict[int, tuple[float, list[_F]]],
) -> None:
    """The four quarters must sum to the reported year; on failure, withhold what it implicates.

    The figures added are the reported ones where filed (else derived), so that any inconsistency
    inside the year shows here. When the failure is explained by quarters whose own reported
    figure disagrees with its year-to-date difference (with those differences in their place the
    year sums), only those quarters and the quarters computed from one of the conflicting figures
    are withheld; a quarter whose own figures are not in the conflict keeps its value (Alphabet
    2015 capex: Q1 2,927 and Q2 2,515 $M reported, Q3's reported 2,383 against 9M - 6M = 2,406;
    Q4 = FY - 9M rests on the 9-month figure and is withheld) and carries the failed identity as a
    warning on the year. Otherwise which figure is wrong cannot be told: all four are withheld.
    """
    total = sum(candidate[k] for k in range(1, 5))
    tol = _tolerance([fy_fact.value, *(v for k in range(1, 5) for v in figures[k])])
    diff = total - fy_fact.value
    passed = abs(diff) <= tol
    detail = (
        f"Q1+Q2+Q3+Q4 = {_fmt(total)} vs full year {_fmt(fy_fact.value)} ({fy_fact.accn}) "
        f"(difference {_fmt(diff)}, tolerance {_fmt(tol)})"
    )
    for k in range(1, 5):
        out[k].checks.append(Check("quarters sum to year", passed, detail))
    if passed:
        return
    why = (
        f"the four quarters sum to {_fmt(total)} but the full year is {_fmt(fy_fact.value)} "
        f"({fy_fact.accn}); difference {_fmt(diff)}"
    )
    # with each conflicting quarter's year-to-date difference in place of its reported figure
    explained = sum(conflicts[k][0] if k in conflicts else candidate[k] for k in range(1, 5))
    if not conflicts or abs(explained - fy_fact.value) > tol:
        for q in out.values():
            q.reason = why if q.status == "ok" else f"{q.reason}; {why}"
            q.status, q.value = "not-derivable", math.nan
        return
    suspect = {id(f) for _, ops in conflicts.values() for f in ops}
    blamed = ", ".join(f"Q{k}" for k in sorted(conflicts))
    warning = (
        f"warning on fiscal year: {why}; explained by {blamed}, whose reported 3-month figure "
        "disagrees with its year-to-date difference"
    )
    for k in range(1, 5):
        q = out[k]
        if k in conflicts:
            q.reason = f"{q.reason}; {why}"
        if k in conflicts or q.status != "ok":
            continue
        shared = [f for f in rests_on.get(k, []) if id(f) in suspect]
        if shared:
            f = shared[0]
            q.status, q.value = "not-derivable", math.nan
            q.reason = (
                f"computed from {f.start}..{f.end} = {_fmt(f.value)} ({f.accn}), one of the figures of "
                f"{blamed}'s failed check (its reported 3-month figure disagrees with its year-to-date "
                f"difference), so it may be the wrong one; {why}"
            )
        else:
            q.notes.append(warning)


# -- results ---------------------------------------------------------------------------------------


def _result(metric: str, view: str, fy: int, q: _Q, unit: str, cal: FiscalCalendar,
            prep: _Prepared) -> QuarterResult:  # fmt: skip
    notes = list(q.notes)
    if unit == "USD" and any((o.tag, o.period_start, o.period_end, o.accn) in prep.foreign for o in q.operands):
        notes.append(_CONVENIENCE)
    if q.start is not None and q.start < q.end:
        from capexwatch.facts.periods import calendar_quarter

        cq = calendar_quarter(q.start, q.end)
    else:
        cq = cal.quarter_calendar_quarter(fy, q.k, q.end)
    return QuarterResult(
        metric, view, fy, q.k, q.start, q.end, cq, q.value, unit, q.method, q.status, q.reason,
        tuple(q.operands), tuple(q.checks), tuple(notes),
    )  # fmt: skip


def _duration_results(metric: str, facts: list[_F], prep: _Prepared, unit: str) -> list[QuarterResult]:
    cal = prep.calendar
    by_year: dict[int, list[_F]] = {}
    for f in facts:
        lab = f.label
        if lab.fiscal_quarter is None or lab.duration_class == "other":
            continue
        by_year.setdefault(lab.fiscal_year, []).append(f)
    out: list[QuarterResult] = []
    for fy in sorted(by_year):
        year = by_year[fy]
        groups = _periods(year)
        latest = _eval_year(groups, fy, cal, unit, None)
        first: dict[int, _Q] = {}
        for t in sorted({f.filed for f in year}):
            if len(first) == len(latest):
                break
            for k, q in _eval_year(groups, fy, cal, unit, t).items():
                if k not in first and q.status == "ok":
                    first[k] = q
        for k in sorted(latest):
            out.append(_result(metric, "latest", fy, latest[k], unit, cal, prep))
            out.append(_result(metric, "first-filed", fy, first.get(k, latest[k]), unit, cal, prep))
    return out


def _instant_results(metric: str, facts: list[_F], prep: _Prepared, unit: str) -> list[QuarterResult]:
    cal = prep.calendar
    slots: dict[tuple[int, int], list[_F]] = {}
    for f in facts:
        lab = f.label
        if f.start is not None or lab.fiscal_quarter is None:
            continue
        slots.setdefault((lab.fiscal_year, lab.fiscal_quarter), []).append(f)
    out: list[QuarterResult] = []
    for fy, k in sorted(slots):
        group = slots[(fy, k)]
        known = cal.quarter_ends.get((fy, k))
        seen_ends = Counter(f.end for f in group)
        end = known if known is not None and known in seen_ends else seen_ends.most_common(1)[0][0]
        group = [f for f in group if f.end == end]
        latest = max(group, key=_F.key)
        first = min(group, key=lambda f: (f.filed, f.rank, f.accn))
        for view, f in (("latest", latest), ("first-filed", first)):
            ops = [f.operand("balance at period end", unit)]
            q = _Q(k, None, end, f.value, "reported", "ok", None, ops, [], [])
            out.append(_result(metric, view, fy, q, unit, cal, prep))
    return out


def _chain(name: str, ticker: str, chains: Mapping[str, Sequence[str]] | None) -> Sequence[str]:
    """The tag chain of metric *name*: the caller's (dimensional facts name theirs) or metrics.py's."""
    if chains is not None and name in chains:
        return chains[name]
    return tag_chain(name, ticker)


def _metrics(metrics: Sequence[str] | None) -> list[str]:
    names = list(metrics) if metrics is not None else metric_names()
    for m in names:
        get_metric(m)  # raises UnknownMetricError with the known names
    return names


def quarter_results(
    facts: FactsTable | pd.DataFrame,
    *,
    ticker: str,
    fye_month: int | None,
    metrics: Sequence[str] | None = None,
    currency: str = "USD",
    cik: int | None = None,
    chains: Mapping[str, Sequence[str]] | None = None,
) -> list[QuarterResult]:
    """Every metric's fiscal quarters in both views, as :class:`QuarterResult` objects.

    The engine behind :func:`derive_quarters` and :func:`capexwatch.facts.audit.audit_quarters`; parameters as there.
    """
    prep = _prepare(facts, fye_month, cik)
    out: list[QuarterResult] = []
    for name in _metrics(metrics):
        m = get_metric(name)
        chain = _chain(name, ticker, chains)
        if m.unit != "USD" or not chain:
            continue  # percent metrics and curated-only metrics have no XBRL chain
        mf = _metric_facts(prep, chain, currency)
        if not mf:
            continue
        if m.kind == "instant":
            out += _instant_results(name, mf, prep, currency)
        else:
            out += _duration_results(name, mf, prep, currency)
    return out


def _date_col(values: Sequence[dt.date | None]) -> Any:
    import numpy as np

    return np.array([v if v is not None else "NaT" for v in values], dtype="datetime64[D]").astype("datetime64[s]")


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def derive_quarters(
    facts: FactsTable | pd.DataFrame,
    *,
    ticker: str,
    fye_month: int | None,
    metrics: list[str] | None = None,
    currency: str = "USD",
    cik: int | None = None,
    chains: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Discrete fiscal quarters of every metric, in the store's panel format, both views.

    Parameters
    ----------
    facts : a :class:`~capexwatch.facts.decode.FactsTable` or a DataFrame with its columns (the
        store's ``facts`` table will do)
    ticker : the entity's ticker (selects per-company tag-chain overrides; written in ``ticker``)
    fye_month : month the fiscal year ends in (1-12); None to infer it from the annual periods
    metrics : canonical metric names (default: every metric with an XBRL tag chain)
    currency : ``USD`` for the panel; another ISO code (``TWD``) derives that currency's facts
        instead, labelled in ``unit``, for inspection (do not write those rows to the panel)
    cik : overrides the CIK used in ``source_url`` (default: the document's)
    chains : metric -> tag chain to use instead of metrics.py's (dimensional facts, whose ``tag``
        names the concept and its axis/member: :mod:`capexwatch.facts.dimensions`)

    Returns
    -------
    pandas.DataFrame
        columns :data:`PANEL_COLUMNS`; one row per metric x fiscal quarter x view (``latest``,
        ``first-filed``); values in base units (USD, not millions); ``source='sec'``,
        ``source_kind='sec-xbrl'``, ``source_url`` the filing index of the latest-filed operand,
        ``known_at = filed``; ``load_id`` empty (the store sets it).

    Raises
    ------
    DataError
        when *fye_month* is None and cannot be inferred, or the table lacks columns.
    UnknownMetricError
        for a metric name that is not canonical.

    Notes
    -----
    The rules are in this module's docstring and ``facts/NOTES.md``; method after
    ``shared/reference/ecosystem-notes.md`` §2 ("the algorithm I recommend").
    """
    import pandas as pd

    prep_cik = cik if cik is not None else _frame_of(facts)[1]
    results = quarter_results(facts, ticker=ticker, fye_month=fye_month, metrics=metrics,
                              currency=currency, cik=cik, chains=chains)  # fmt: skip
    if not results:
        return _empty(PANEL_COLUMNS)
    tk = ticker.upper()
    rows: dict[str, list[Any]] = {c: [] for c in PANEL_COLUMNS}
    for r in results:
        src = r.source_operand
        checks = [f"{c.name}: {'passed' if c.passed else 'FAILED'}" for c in r.checks]
        note = "; ".join([*r.notes, *(["checks " + ", ".join(checks)] if checks else [])]) or None
        rows["ticker"].append(tk)
        rows["metric"].append(r.metric)
        rows["fiscal_year"].append(r.fiscal_year)
        rows["fiscal_quarter"].append(r.fiscal_quarter)
        rows["fiscal_period"].append(r.fiscal_period)
        rows["period_start"].append(r.period_start)
        rows["period_end"].append(r.period_end)
        rows["calendar_quarter"].append(r.calendar_quarter)
        rows["value"].append(r.value)
        rows["unit"].append(r.unit)
        rows["method"].append(r.method)
        rows["status"].append(r.status)
        rows["reason"].append(r.reason)
        rows["tag"].append(src.tag if src else None)
        rows["accn"].append(src.accn if src else None)
        rows["form"].append(src.form if src else None)
        rows["filed"].append(src.filed if src else None)
        rows["known_at"].append(src.filed if src else None)
        rows["source"].append("sec")
        rows["source_url"].append(filing_url(prep_cik or 0, src.accn) if src else None)
        rows["source_kind"].append("sec-xbrl")
        rows["note"].append(note)
        rows["derived_from"].append(r.derived_from)
        rows["view"].append(r.view)
        rows["load_id"].append(None)
    for c in ("period_start", "period_end", "filed", "known_at"):
        rows[c] = _date_col(rows[c])
    df = pd.DataFrame(rows, columns=PANEL_COLUMNS)
    df["fiscal_year"] = df["fiscal_year"].astype("int64")
    df["fiscal_quarter"] = df["fiscal_quarter"].astype("int64")
    df["value"] = df["value"].astype("float64")
    return df


def derive_annual(
    facts: FactsTable | pd.DataFrame,
    *,
    ticker: str,
    fye_month: int | None,
    metrics: list[str] | None = None,
    view: str = "latest",
    currency: str = "USD",
    cik: int | None = None,
    chains: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Reported fiscal-year totals of the duration metrics (for checking that quarters sum to years).

    Parameters
    ----------
    facts, ticker, fye_month, metrics, currency, cik, chains : as :func:`derive_quarters`
    view : ``latest`` (most recently filed full-year fact across the tag chain) or ``first-filed``

    Returns
    -------
    pandas.DataFrame
        columns :data:`ANNUAL_COLUMNS` (the store's ``annual`` table plus provenance), one row per
        metric and fiscal year; values in base units.
    """
    import pandas as pd

    if view not in VIEWS:
        raise DataError(f"Unknown view {view!r}.", hint="Use 'latest' or 'first-filed'.")
    prep = _prepare(facts, fye_month, cik)
    recs: list[dict[str, Any]] = []
    for name in _metrics(metrics):
        m = get_metric(name)
        chain = _chain(name, ticker, chains)
        if m.unit != "USD" or not chain or m.kind != "duration":
            continue
        by_year: dict[int, list[_F]] = {}
        for f in _metric_facts(prep, chain, currency):
            if f.label.duration_class == "annual" and f.label.ladder:
                by_year.setdefault(f.label.fiscal_year, []).append(f)
        for fy in sorted(by_year):
            group = by_year[fy]
            f = max(group, key=_F.key) if view == "latest" else min(group, key=lambda x: (x.filed, x.rank, x.accn))
            notes = []
            if currency == "USD" and (f.tag, f.start, f.end, f.accn) in prep.foreign:
                notes.append(_CONVENIENCE)
            recs.append({
                "ticker": ticker.upper(), "metric": name, "fiscal_year": fy, "period_start": f.start,
                "period_end": f.end, "value": f.value, "unit": currency, "source": "sec",
                "source_url": filing_url(prep.cik, f.accn), "source_kind": "sec-xbrl",
                "note": "; ".join(notes) or None, "tag": f.tag, "accn": f.accn, "form": f.form,
                "filed": f.filed, "known_at": f.filed, "view": view,
            })  # fmt: skip
    if not recs:
        return _empty(ANNUAL_COLUMNS)
    df = pd.DataFrame(recs, columns=ANNUAL_COLUMNS)
    for c in ("period_start", "period_end", "filed", "known_at"):
        df[c] = _date_col(list(df[c]))
    return df


def non_usd_units(
    facts: FactsTable | pd.DataFrame, *, ticker: str | None = None, metrics: list[str] | None = None
) -> dict[str, list[str]]:
    """Metric -> currencies other than USD its tag chain is filed in (periodic forms only).

    Lets a caller say what the USD panel leaves out: TSMC files revenue in ``TWD`` (with USD
    convenience translations in its 20-F); those TWD facts are not in the panel.
    """
    df, _ = _frame_of(facts)
    df = df[df["form"].isin(PERIODIC_FORMS)]
    names = (df["taxonomy"].astype(str) + ":" + df["tag"].astype(str)).tolist()
    units = df["unit"].tolist()
    present: dict[str, set[str]] = {}
    for n, u in zip(names, units, strict=True):
        if u != "USD" and u not in _NON_CURRENCY and "/" not in u:
            present.setdefault(n, set()).add(u)
    out: dict[str, list[str]] = {}
    for name in _metrics(metrics):
        m = get_metric(name)
        if m.unit != "USD" or not m.tags:
            continue
        found: set[str] = set()
        for t in tag_chain(name, ticker):
            found |= present.get(t, set())
        if found:
            out[name] = sorted(found)
    return out
