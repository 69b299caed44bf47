"""What a model declares: its parameters, options, outputs, and the context it runs in.

The engine and the scenario validator read these declarations; a model module defines its pure
function and one :class:`ModelSpec` per model, collected by :mod:`capexwatch.models.registry`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from capexwatch.facts.periods import quarter_index
from capexwatch.models._typing import FloatArray, Outputs, Params

__all__ = [
    "Context",
    "Include",
    "ModelSpec",
    "Option",
    "Output",
    "Param",
    "year_groups",
]

Shape = Literal["scalar", "quarterly"]


@dataclass(frozen=True)
class Param:
    """A model parameter: one value per path (``scalar``) or one per path and quarter (``quarterly``).

    Attributes
    ----------
    name : key in the scenario's ``parameters`` (unit in the name where it has one)
    description : what it means, with the source of any default
    unit : ``USD``, ``ratio`` (0.1 = 10%), ``years``, ``USD/hour``, ``count`` ...
    shape : ``scalar`` -> array ``(paths,)``; ``quarterly`` -> ``(paths, horizon_quarters)``
    default : used when the scenario omits the parameter; ``None`` with ``optional=False`` means required
    optional : may be omitted (the outputs that need it are then not produced)
    low, high : valid range (inclusive unless ``low_open``/``high_open``); checked against every
        constant and against a distribution's support
    """

    name: str
    description: str
    unit: str
    shape: Shape = "scalar"
    default: float | None = None
    optional: bool = False
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    default_dist: tuple[tuple[str, Any], ...] | None = None
    """A distribution (scenario syntax as pairs, e.g. ``(("dist", "normal"), ("mean", 0), ("sd", 1),
    ("per", "quarter"))``) used
    when the scenario omits the parameter: how a dynamics model receives its shocks by default."""

    @property
    def required(self) -> bool:
        return self.default is None and self.default_dist is None and not self.optional

    def range_text(self) -> str:
        lo = "(" if self.low_open else "["
        hi = ")" if self.high_open else "]"
        return f"{lo}{self.low:g}, {self.high:g}{hi}"

    def contains(self, lo: float, hi: float) -> bool:
        """Whether the interval [lo, hi] of values lies inside the valid range."""
        ok_lo = lo > self.low if self.low_open else lo >= self.low
        ok_hi = hi < self.high if self.high_open else hi <= self.high
        return ok_lo and ok_hi


@dataclass(frozen=True)
class Option:
    """A non-random model setting (an integer, a year range, a choice, companies), not sampled per path.

    ``tickers``: a list of tickers drawn from ``choices`` (``[META]``) or a count ``n`` in
    ``[low, high]`` (the model picks the ``n`` companies itself, e.g. the largest).
    """

    name: str
    description: str
    kind: Literal["int", "year_range", "choice", "tickers", "bool"]
    default: Any = None
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 10_000
    in_parameters: bool = False
    """May also be given under ``parameters:`` (structural settings such as a policy or a number of
    stages, which a scenario reads more naturally beside the numbers)."""


@dataclass(frozen=True)
class Include:
    """Another model's preset taken into a scenario under a prefix: when option ``option`` names a
    preset of model ``model``, each of its parameters ``x`` (with its source) becomes this
    scenario's ``prefix + x`` and each of its options ``y`` this scenario's ``prefix + y``, unless
    the scenario gives that entry itself. Calendar-dated vectors keep their calendar quarters
    (moved by the difference of the two start quarters); durations (maturity, draw quarters) count
    from this scenario's start. How ``contagion.feedback`` runs a credit preset's facility."""

    option: str
    model: str
    prefix: str


@dataclass(frozen=True)
class Output:
    """A model output: a scalar per path or a series per path (quarterly ``Q`` or yearly ``Y``).

    ``requires`` names optional parameters that must be present for the output to exist, or
    (when a name starts with ``option:``) an option that must be set.
    """

    name: str
    description: str
    unit: str
    kind: Literal["scalar", "series"] = "scalar"
    freq: Literal["Q", "Y"] = "Q"
    requires: tuple[str, ...] = ()
    requires_any: tuple[str, ...] = ()
    min_options: tuple[tuple[str, int], ...] = ()
    """``(option, n)`` pairs: the output exists only when the option's value is at least ``n``
    (``("stages", 3)`` for a per-stage output; ``("rationing", 1)`` for a switch)."""


@dataclass(frozen=True)
class Context:
    """Everything a model needs besides its parameter arrays: pure data, no I/O.

    Attributes
    ----------
    paths : number of paths in this call (rows of every array)
    horizon_quarters : length of quarterly series
    start_quarter : calendar quarter of t = 0 (``"2025Q1"``) or ``None``
    options : the model's options, defaults filled
    present : names of the parameters the scenario gives (optional ones may be absent)
    lend : the engine's reusable output buffer, ``lend(n)`` -> float64 (n,), or ``None``; a model
        asks for it through :meth:`empty`
    run_paths : paths of the whole run this call is part of (``None``: this call's); see :attr:`work`
    """

    paths: int
    horizon_quarters: int
    start_quarter: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    present: frozenset[str] = frozenset()
    lend: Callable[[int], FloatArray] | None = None
    run_paths: int | None = None

    @property
    def work(self) -> int:
        """Path-periods of the whole run (``run_paths``, else this call's paths, x the horizon):
        what a model weighs with :func:`capexwatch.models._jit.enabled`, so that every call of a
        run takes the same kernel, the engine's pilot (one stream block) included, whatever the
        work-block size."""
        return (self.paths if self.run_paths is None else self.run_paths) * self.horizon_quarters

    def empty(self, n: int) -> FloatArray:
        """An uninitialised float64 array of *n* elements for this call's outputs (the model writes
        every element it returns).

        Where the engine lends a buffer (``lend``), it is the same memory from one work block to the
        next in a worker, already mapped: a fresh 300 MB array costs ~0.15 s of page faults (the
        kernel zeroes each page on first touch) every block. The engine lends only when it has
        consumed a call's outputs before the next call in the same thread, so outputs may be views
        of it. Otherwise (tests, direct calls): a new array."""
        return np.empty(n) if self.lend is None else self.lend(n)

    @property
    def years(self) -> int:
        """Number of yearly buckets (see :func:`year_groups`)."""
        return len(year_groups(self.horizon_quarters, self.start_quarter)[0])


ModelFunc = Callable[[Params, Context], Outputs]


@dataclass(frozen=True)
class ModelSpec:
    """A model: its pure function and declarations.

    ``one_of`` lists groups of parameters of which at most one may be given (alternative inputs);
    ``needs`` pairs a parameter with the parameters it cannot work without (given together).
    """

    name: str
    title: str
    description: str
    func: ModelFunc
    params: tuple[Param, ...]
    outputs: tuple[Output, ...]
    options: tuple[Option, ...] = ()
    time_series: bool = False
    default_horizon: int = 40
    one_of: tuple[tuple[str, ...], ...] = ()
    needs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    at_least_one_output: bool = True
    references: tuple[str, ...] = ()
    periods: tuple[str, ...] = ("quarter",)
    """Step lengths a scenario may choose with ``period:`` (the first is the default)."""
    check: Callable[[Mapping[str, Any], frozenset[str]], list[tuple[str, str]]] | None = None
    """Checks across settings: ``check(options, present)`` -> (field under parameters, message)."""
    includes: tuple[Include, ...] = ()
    """Presets of other models a scenario may take in (:class:`Include`)."""

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def active_outputs(self, present: frozenset[str], options: Mapping[str, Any]) -> tuple[Output, ...]:
        """The outputs this model produces given which parameters and options are set."""

        def has(name: str) -> bool:
            if name.startswith("option:"):
                return options.get(name[len("option:") :]) is not None
            return name in present or self.param(name).default is not None

        def enough(o: Output) -> bool:
            return all(int(options.get(name) or 0) >= n for name, n in o.min_options)

        return tuple(
            o
            for o in self.outputs
            if all(has(r) for r in o.requires)
            and (not o.requires_any or any(has(r) for r in o.requires_any))
            and enough(o)
        )


def year_groups(horizon_quarters: int, start_quarter: str | None) -> tuple[list[str], list[int]]:
    """How quarters group into years: (labels, first quarter index of each group).

    With a known start quarter the groups are calendar years (the first and last may be partial);
    without one they are consecutive four-quarter years labelled ``Y1``, ``Y2``, ...
    """
    if start_quarter is None:
        starts = list(range(0, horizon_quarters, 4))
        return [f"Y{i + 1}" for i in range(len(starts))], starts
    q0 = quarter_index(start_quarter)
    labels: list[str] = []
    starts = []
    for t in range(horizon_quarters):
        year = (q0 + t) // 4
        if not labels or labels[-1] != str(year):
            labels.append(str(year))
            starts.append(t)
    return labels, starts
