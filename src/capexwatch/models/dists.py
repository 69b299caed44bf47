"""Parameter distributions for scenario files.

A scenario parameter is a number or one of these distributions, written in YAML as a mapping with a
``dist`` key::

    gross_margin: {dist: uniform, low: 0.4, high: 0.6}
    life_years:   {dist: pert, low: 2, mode: 3, high: 6}
    growth:       {dist: lognormal, mean: -1.2, sd: 0.3}     # mean and sd OF THE LOG
    share:        {dist: beta, a: 2, b: 5}                   # on [0, 1]; optional low/high rescale

Any distribution may carry ``clip: [low, high]`` to truncate draws (values outside are set to the
nearest bound), which is how an unbounded normal is kept inside a parameter's valid range.

Each class samples with a :class:`numpy.random.Generator` and knows its closed-form mean and its
support, which the scenario validator checks against the parameter's valid range.

References
----------
PERT: Malcolm, Roseboom, Clark & Fazar (1959), "Application of a technique for research and
development program evaluation", Operations Research 7(5): 646-669; the Beta-PERT form used here
(shape 4) is Vose (2008), *Risk Analysis: A Quantitative Guide*, 3rd ed., section 9.1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from capexwatch.errors import DistributionError
from capexwatch.models._typing import FloatArray

__all__ = [
    "DISTRIBUTIONS",
    "Beta",
    "Distribution",
    "LogNormal",
    "Normal",
    "Pert",
    "Triangular",
    "Uniform",
    "make_distribution",
]


@dataclass(frozen=True)
class Distribution:
    """Base class. Subclasses set ``kind`` and ``fields`` and implement ``_draw``/``_mean``."""

    kind: ClassVar[str] = ""
    fields: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    clip: tuple[float, float] | None = field(default=None, kw_only=True)

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> FloatArray:
        """Draw *size* values (float64)."""
        x = np.asarray(self._draw(rng, size), dtype=np.float64)
        if self.clip is not None:
            np.clip(x, self.clip[0], self.clip[1], out=x)
        return x

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> FloatArray:
        raise NotImplementedError

    def _mean(self) -> float:
        raise NotImplementedError

    def _support(self) -> tuple[float, float]:
        raise NotImplementedError

    @property
    def mean(self) -> float | None:
        """Closed-form mean; ``None`` when clipping makes it not closed-form."""
        return None if self.clip is not None else self._mean()

    @property
    def support(self) -> tuple[float, float]:
        """Smallest interval holding every draw (after clipping)."""
        lo, hi = self._support()
        if self.clip is not None:
            lo, hi = max(lo, self.clip[0]), min(hi, self.clip[1])
        return lo, hi

    def to_dict(self) -> dict[str, Any]:
        """The spec as written in a scenario file (plus ``clip`` when set)."""
        out: dict[str, Any] = {"dist": self.kind}
        for name in (*self.fields, *self.optional):
            out[name] = getattr(self, name)
        if self.clip is not None:
            out["clip"] = list(self.clip)
        return out


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on [low, high)."""

    kind: ClassVar[str] = "uniform"
    fields: ClassVar[tuple[str, ...]] = ("low", "high")
    low: float
    high: float

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise DistributionError(f"uniform needs low < high (got low={self.low}, high={self.high})", "high")

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> FloatArray:
        return rng.uniform(self.low, self.high, size)

    def _mean(self) -> float:
        return 0.5 * (self.low + self.high)

    def _support(self) -> tuple[float, float]:
        return self.low, self.high


@dataclass(frozen=True)
class Triangular(Distribution):
    """Triangular on [low, high] with the given mode."""

    kind: ClassVar[str] = "triangular"
    fields: ClassVar[tuple[str, ...]] = ("low", "mode", "high")
    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        _check_low_mode_high(self.kind, self.low, self.mode, self.high)

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> FloatArray:
        return rng.triangular(self.low, self.mode, self.high, size)

    def _mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    def _support(self) -> tuple[float, float]:
        return self.low, self.high


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal with mean and standard deviation ``sd``."""

    kind: ClassVar[str] = "normal"
    fields: ClassVar[tuple[str, ...]] = ("mean_", "sd")
    mean_: float
    sd: float

    def __post_init__(self) -> None:
        if not self.sd > 0:
            raise DistributionError(f"normal needs sd > 0 (got {self.sd})", "sd")

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> FloatArray:
        return rng.normal(self.mean_, self.sd, size)

    def _mean(self) -> float:
        return self.mean_

    def _support(self) -> tuple[float, float]:
        return -math.inf, math.inf

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["mean"] = out.pop("mean_")
        return out


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Log-normal: ``log(X) ~ Normal(mean, sd)`` (the parameters are those OF THE LOG)."""

    kind: ClassVar[str] = "lognormal"
    fields: ClassVar[tuple[str, ...]] = ("mean_", "sd")
    mean_: float
    sd: float

    def __post_init__(self) -> None:
        if not self.sd > 0:
            raise DistributionError(f"lognormal needs sd > 0 (got {self.sd})", "sd")

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> FloatArray:
        return rng.lognormal(self.mean_, self.sd, size)

    def _mean(self) -> float:
        return math.exp(self.mean_ + 0.5 * self.sd**2)

    def _support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["mean"] = out.pop("mean_")
        return out


@dataclass(frozen=True)
class Beta(Distribution):
    """Beta(a, b) on [0, 1], optionally rescaled to [low, high]."""

    kind: ClassVar[str] = "beta"
    fields: ClassVar[tuple[str, ...]] = ("a", "b")
    optional: ClassVar[tuple[str, ...]] = ("low", "high")
    a: float
    b: float
    low: float = 0.0
    high: float = 1.0

    def __post_init__(self) -> None:
        if not self.a > 0:
            raise DistributionError(f"beta needs a > 0 (got {self.a})", "a")
        if not self.b > 0:
            raise DistributionError(f"beta needs b > 0 (got {self.b})", "b")
        if not self.low < self.high:
            raise DistributionError(f"beta needs low < high (got low={self.low}, high={self.high})", "high")

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> FloatArray:
        return self.low + (self.high - self.low) * rng.beta(self.a, self.b, size)

    def _mean(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def _support(self) -> tuple[float, float]:
        return self.low, self.high


@dataclass(frozen=True)
class Pert(Distribution):
    """Beta-PERT on [low, high] with the given mode (shape 4: mean = (low + 4 mode + high) / 6)."""

    kind: ClassVar[str] = "pert"
    fields: ClassVar[tuple[str, ...]] = ("low", "mode", "high")
    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        _check_low_mode_high(self.kind, self.low, self.mode, self.high)

    @property
    def alpha(self) -> float:
        return 1.0 + 4.0 * (self.mode - self.low) / (self.high - self.low)

    @property
    def beta(self) -> float:
        return 1.0 + 4.0 * (self.high - self.mode) / (self.high - self.low)

    def _draw(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> FloatArray:
        return self.low + (self.high - self.low) * rng.beta(self.alpha, self.beta, size)

    def _mean(self) -> float:
        return (self.low + 4.0 * self.mode + self.high) / 6.0

    def _support(self) -> tuple[float, float]:
        return self.low, self.high


def _check_low_mode_high(kind: str, low: float, mode: float, high: float) -> None:
    if not low < high:
        raise DistributionError(f"{kind} needs low < high (got low={low}, high={high})", "high")
    if not low <= mode <= high:
        raise DistributionError(f"{kind} needs low <= mode <= high (got mode={mode})", "mode")


DISTRIBUTIONS: dict[str, type[Distribution]] = {
    cls.kind: cls for cls in (Uniform, Triangular, Normal, LogNormal, Beta, Pert)
}
"""Distribution name (the ``dist`` key) -> class."""


def _yaml_name(attr: str) -> str:
    return "mean" if attr == "mean_" else attr


def make_distribution(spec: Mapping[str, Any]) -> Distribution:
    """Build a distribution from a parsed YAML mapping such as ``{dist: uniform, low: 1, high: 2}``.

    Raises
    ------
    DistributionError
        naming the offending field: unknown ``dist``, a missing, extra or non-numeric field, or
        values that violate the distribution's constraints.
    """
    kind = spec.get("dist")
    cls = DISTRIBUTIONS.get(str(kind)) if isinstance(kind, str) else None
    if cls is None:
        raise DistributionError(f"unknown distribution {kind!r}; use one of: {', '.join(DISTRIBUTIONS)}", "dist")
    required = [_yaml_name(f) for f in cls.fields]
    optional = [_yaml_name(f) for f in cls.optional]
    allowed = {"dist", "clip", *required, *optional}
    for key in spec:
        if key not in allowed:
            raise DistributionError(
                f"{kind} does not take {key!r}; it takes {', '.join(required + optional)} (and clip)", str(key)
            )
    kwargs: dict[str, Any] = {}
    for attr in (*cls.fields, *cls.optional):
        name = _yaml_name(attr)
        if name not in spec:
            if name in required:
                raise DistributionError(f"{kind} needs {', '.join(required)}; {name!r} is missing")
            continue
        kwargs[attr] = _number(spec[name], name)
    clip = spec.get("clip")
    if clip is not None:
        if not isinstance(clip, (list, tuple)) or len(clip) != 2:
            raise DistributionError("clip must be a list [low, high]", "clip")
        lo, hi = _number(clip[0], "clip"), _number(clip[1], "clip")
        if not lo < hi:
            raise DistributionError(f"clip needs low < high (got {lo}, {hi})", "clip")
        kwargs["clip"] = (lo, hi)
    return cls(**kwargs)


def _number(value: Any, name: str) -> float:
    """A finite float from a YAML value (accepts ``200e9``, which YAML 1.1 reads as a string)."""
    if isinstance(value, bool):
        raise DistributionError(f"{name} must be a number, not {value!r}", name)
    if isinstance(value, (int, float)):
        x = float(value)
    elif isinstance(value, str):
        try:
            x = float(value.replace("_", ""))
        except ValueError:
            raise DistributionError(f"{name} must be a number, not {value!r}", name) from None
    else:
        raise DistributionError(f"{name} must be a number, not {value!r}", name)
    if not math.isfinite(x):
        raise DistributionError(f"{name} must be finite, not {value!r}", name)
    return x
