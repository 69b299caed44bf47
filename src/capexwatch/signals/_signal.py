"""What a risk signal returns (:class:`Signal` and its parts) and what declares one (:class:`SignalSpec`).

A signal answers one question of the analysts' risk table from the store's panel, macro series and
curated events. Its module keeps the arithmetic in pure functions of DataFrames and defines one
:class:`SignalSpec` (``SPEC``); :mod:`capexwatch.signals._registry` lists the modules.

Status semantics (shared by every signal)
-----------------------------------------
``ok``
    every check the signal needs could be evaluated and none fired.
``watch``
    an early-warning check fired (or a company in the group is in ``alert``).
``alert``
    the risk table's trigger fired.
``insufficient-data``
    a check the status depends on could not be evaluated; ``reason`` says which data are
    missing. A signal never reports ``ok`` for a check it could not evaluate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from capexwatch.signals._inputs import Inputs

__all__ = [
    "Check",
    "Compute",
    "Evidence",
    "HistoryPoint",
    "STATUSES",
    "Signal",
    "SignalSpec",
    "Status",
    "Threshold",
    "Value",
    "severity",
    "worst",
]


Status = Literal["ok", "watch", "alert", "insufficient-data"]


#: every status, from least to most severe (insufficient-data is not a severity: it is unknown)
STATUSES: tuple[Status, ...] = ("ok", "watch", "alert", "insufficient-data")


_SEVERITY: dict[str, int] = {"insufficient-data": -1, "ok": 0, "watch": 1, "alert": 2}


def severity(status: str) -> int:
    """Order statuses: insufficient-data (-1) < ok (0) < watch (1) < alert (2)."""
    return _SEVERITY[status]


def worst(statuses: Iterable[str]) -> Status:
    """The most severe of *statuses* (``insufficient-data`` only when nothing else is there)."""
    best: Status = "insufficient-data"
    for s in statuses:
        if _SEVERITY[s] > _SEVERITY[best]:
            best = s  # type: ignore[assignment]
    return best


@dataclass(frozen=True)
class Threshold:
    """One parameter of a signal, with where its value comes from.

    Attributes
    ----------
    name : key in ``thresholds.toml``
    value : number, string, boolean or list
    unit : unit of *value* (``pct``, ``bp``, ``quarters``, ``x``, ``years``, ``USD_per_gpu_hour`` ...)
    help : what the parameter does
    source : the citation of the default, or the user file that overrode it
    """

    name: str
    value: Any
    unit: str = ""
    help: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Value:
    """A computed quantity with its unit (base units: USD, not millions; percent as 12.5)."""

    value: float | str | None
    unit: str
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Evidence:
    """One number behind a status, with where it came from.

    ``source_url`` is the curated figure's citation or the FRED series page; SEC figures name the
    filing in ``filing`` (form, accession, filed date) and the XBRL ``tag``.
    """

    label: str
    value: float | str | None
    unit: str
    period: str | None = None
    ticker: str | None = None
    metric: str | None = None
    source: str | None = None
    source_kind: str | None = None
    source_url: str | None = None
    filing: str | None = None
    tag: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Check:
    """One test inside a signal: did it fire (None: could not be evaluated, and why)."""

    name: str
    fired: bool | None
    detail: str
    level: Status = "alert"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class HistoryPoint:
    """The signal's status in one calendar quarter (``quarter`` like ``2025Q3``)."""

    quarter: str
    date: dt.date
    status: Status
    value: float | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Signal:
    """What a signal returns.

    Attributes
    ----------
    name : CLI/JSON name (``roi_gap``)
    title : the risk factor, as the analysts' table names it
    question : the question the signal answers
    description : the risk in a sentence
    trigger : the potential trigger, in words
    definition : how the signal is computed, in words
    formula : the same as a formula
    status : ``ok`` | ``watch`` | ``alert`` | ``insufficient-data``
    value, unit, value_label : the headline number (None when not computable)
    values : every computed quantity, by name, with its unit
    thresholds : the parameters used, each with its source
    as_of : calendar quarter (``2026Q2``) of the data the status rests on; None if none
    as_of_date : that quarter's last day (or the observation date for daily series)
    point_in_time : the ``--as-of`` date when evaluated with only what was known then
    evidence : the numbers behind the status, each with its source
    checks : the individual tests and whether each fired
    history : status per quarter
    coverage : which companies / series / periods were used and which were missing
    reason : why the status is ``insufficient-data`` (or a note on a partial evaluation)
    scope : ``group`` or a ticker
    caveats : what a reader must know (definitional breaks, gross vs net ...)
    summary : one line of evidence for the board
    """

    name: str
    title: str
    question: str
    description: str
    trigger: str
    definition: str
    formula: str
    status: Status = "insufficient-data"
    value: float | None = None
    unit: str = ""
    value_label: str = ""
    values: dict[str, Value] = field(default_factory=dict)
    thresholds: dict[str, Threshold] = field(default_factory=dict)
    as_of: str | None = None
    as_of_date: dt.date | None = None
    point_in_time: dt.date | None = None
    evidence: list[Evidence] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    history: list[HistoryPoint] = field(default_factory=list)
    coverage: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    scope: str = "group"
    caveats: list[str] = field(default_factory=list)
    summary: str = ""

    def to_dict(self, *, history: bool = True) -> dict[str, Any]:
        """Plain JSON-ready dict (dates stay ``date`` objects; ``capexwatch._json`` writes ISO)."""
        out: dict[str, Any] = {
            "name": self.name,
            "title": self.title,
            "question": self.question,
            "description": self.description,
            "trigger": self.trigger,
            "definition": self.definition,
            "formula": self.formula,
            "status": self.status,
            "value": self.value,
            "unit": self.unit,
            "value_label": self.value_label,
            "as_of": self.as_of,
            "as_of_date": self.as_of_date,
            "point_in_time": self.point_in_time,
            "scope": self.scope,
            "reason": self.reason,
            "summary": self.summary,
            "values": {k: v.to_dict() for k, v in self.values.items()},
            "thresholds": {k: t.to_dict() for k, t in self.thresholds.items()},
            "checks": [c.to_dict() for c in self.checks],
            "evidence": [e.to_dict() for e in self.evidence],
            "coverage": self.coverage,
            "caveats": list(self.caveats),
        }
        if history:
            out["history"] = [h.to_dict() for h in self.history]
        return out


Compute = Callable[["Inputs", Mapping[str, Threshold], "str | None"], Signal]


@dataclass(frozen=True)
class SignalSpec:
    """A registered signal: its descriptive text and its compute function."""

    name: str
    title: str
    question: str
    description: str
    trigger: str
    definition: str
    formula: str
    compute: Compute
    order: int = 0

    def make(self, **kw: Any) -> Signal:
        """A :class:`Signal` carrying this spec's descriptive text plus *kw*."""
        return Signal(
            name=self.name,
            title=self.title,
            question=self.question,
            description=self.description,
            trigger=self.trigger,
            definition=self.definition,
            formula=self.formula,
            **kw,
        )
