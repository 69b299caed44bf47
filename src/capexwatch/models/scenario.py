"""Scenario files: parse, validate (naming the field and line at fault), and list the presets.

A scenario is YAML::

    model: required_revenue.sequoia        # or a short name: sequoia, bain, jpmorgan, cohort, ...
    paths: 200000                          # Monte Carlo paths (the CLI's --paths overrides)
    seed: 7                                # omit for fresh entropy (the result records the seed used)
    horizon_quarters: 40                   # time-series models only
    start_quarter: 2025Q1                  # calendar quarter of t = 0 (labels, calendar-year windows)
    parameters:
      gpu_revenue_usd: 150e9                       # a number
      gross_margin: {dist: uniform, low: 0.4, high: 0.6, source: https://...}   # a distribution
      tco_multiplier: {value: 2, source: https://...}                          # a cited constant
      ai_revenue_usd: {from_store: nvda_data_center_run_rate, scale: 0.5}      # filled from the store
      share: {from_store: {...}, fallback: {value: 0.3, source: https://...}}  # store, else a cited value
      capex_usd: {annual: [410e9, {dist: uniform, low: 630e9, high: 725e9}]}   # per year -> quarters
      growth: {dist: normal, mean: 0.3, sd: 0.1, per: quarter}                 # a fresh draw each quarter
    options: {window_years: [2026, 2028]}
    expect:                                # published figures the scenario reproduces (checked in tests)
      required_revenue_usd: {value: 600e9, source: https://...}

Quarterly parameters take a number or distribution (one level per path, or ``per: quarter``), a
list (one entry per quarter), ``{quarters: [...]}``, ``{annual: [...]}`` (each year's amount split
evenly over its four quarters), ``{concat: [part, part, ...]}`` and ``{from_store: ...}`` with
``agg: quarters``; ``extend: zero | flat`` fills the quarters after the last value (default zero).

A single ``from_store`` value may name a ``fallback:`` (a number or distribution with its own
``source:``): the value used, and cited, when the store lacks the figure (a store without filings
has no customer concentration); the result records which of the two a run used.

Every problem found is reported at once, each as ``line N: parameters.x.low: what is wrong``, in
one :class:`capexwatch.errors.ScenarioError`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from capexwatch.errors import DistributionError, ScenarioError, UnknownModelError
from capexwatch.facts.concentration import CONCENTRATION_METRIC
from capexwatch.facts.periods import quarter_index
from capexwatch.models._spec import Include, ModelSpec, Option, Param
from capexwatch.models.dists import Distribution, make_distribution
from capexwatch.models.store_query import CONCENTRATION_AGG, SHORTCUTS, StoreQuery

__all__ = [
    "Const",
    "Expectation",
    "Fallback",
    "FromStore",
    "ParamEntry",
    "Part",
    "Random",
    "Scenario",
    "VectorValue",
    "list_presets",
    "load_scenario",
    "parse_scenario",
    "preset_path",
]

MAX_PATHS = 2_000_000_000
MAX_SCENARIO_BYTES = 1_000_000
"""Largest scenario file read: 1 MB (the largest bundled preset is about 7 kB)."""
MAX_SCENARIO_NODES = 50_000
"""Most YAML values a scenario may expand to, aliases counted each time they are used.

A scenario has tens to hundreds of values; a "billion laughs" file of 700 bytes nests aliases nine
deep to expand to 9**9 values (28 s and 2.5 GB before this limit): it is refused after this many.
"""
DEFAULT_PATHS = 100_000
_META = ("source", "note")


# --- values --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Const:
    """A number, the same on every path."""

    value: float


@dataclass(frozen=True)
class Random:
    """A distribution: one draw per path (``per_quarter``: one per path and quarter), times ``multiplier``."""

    dist: Distribution
    per_quarter: bool = False
    multiplier: float = 1.0


Element = Const | Random


@dataclass(frozen=True)
class Part:
    """One entry of a quarterly vector: ``repeat`` quarters each holding ``element / divisor``."""

    element: Element
    repeat: int = 1
    divisor: float = 1.0


@dataclass(frozen=True)
class Fallback:
    """What a ``from_store`` value becomes when the store lacks the figure: a cited number or
    distribution (in the parameter's unit, not scaled)."""

    element: Element
    source: str
    note: str | None = None


@dataclass(frozen=True)
class FromStore:
    """A value to be filled from the store, optionally times ``scale`` (a number or distribution),
    and the cited ``fallback`` used when the store lacks it (None: a missing figure is an error)."""

    query: StoreQuery
    scale: Element | None = None
    fallback: Fallback | None = None


@dataclass(frozen=True)
class VectorValue:
    """A quarterly vector: parts in order (store segments are resolved to parts before a run)."""

    parts: tuple[Part | FromStore, ...]
    extend: Literal["zero", "flat"] = "zero"
    factor: Element | None = None

    @property
    def length(self) -> int:
        return sum(p.repeat for p in self.parts if isinstance(p, Part))


Value = Const | Random | VectorValue | FromStore


@dataclass(frozen=True)
class ParamEntry:
    """A parameter as the scenario gives it, with its citation and line; ``provenance`` holds the
    store rows used once a ``from_store`` value is resolved."""

    name: str
    value: Value
    line: int
    source: str | None = None
    note: str | None = None
    provenance: Mapping[str, Any] | None = None
    default: bool = False


@dataclass(frozen=True)
class Expectation:
    """A published figure the scenario should reproduce (median of the output)."""

    output: str
    value: float
    source: str | None = None
    note: str | None = None
    rel_tol: float = 1e-3


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. ``params`` holds every model parameter that has a value (given or
    default), in the model's declared order."""

    name: str
    path: str
    model: ModelSpec
    paths: int
    seed: int | None
    horizon_quarters: int
    params: Mapping[str, ParamEntry]
    title: str = ""
    description: str = ""
    start_quarter: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    expect: Mapping[str, Expectation] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    period: str = "quarter"
    """Step length of time-series models that offer a choice (``week`` or ``quarter``); series of a
    ``week`` model hold one value per week although the field names say quarters."""

    @property
    def present(self) -> frozenset[str]:
        return frozenset(self.params)

    def replace(self, **changes: Any) -> Scenario:
        return dataclasses.replace(self, **changes)

    @property
    def needs_store(self) -> bool:
        for entry in self.params.values():
            v = entry.value
            if isinstance(v, FromStore) or (
                isinstance(v, VectorValue) and any(isinstance(p, FromStore) for p in v.parts)
            ):
                return True
        return False


# --- YAML with line numbers ----------------------------------------------------------------------

Path_ = tuple[str | int, ...]


class _Errors:
    """Collects (line, field path, message) and raises them together."""

    def __init__(self, filename: str, lines: dict[Path_, int]) -> None:
        self.filename = filename
        self.lines = lines
        self.items: list[tuple[int, str, str]] = []
        self.moved: dict[Path_, Path_] = {}  # options given under parameters: report where they were

    def _where(self, path: Path_) -> Path_:
        for old, new in self.moved.items():
            if path[: len(old)] == old:
                return new + path[len(old) :]
        return path

    def line(self, path: Path_) -> int:
        path = self._where(path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def add(self, path: Path_, message: str) -> None:
        self.items.append((self.line(path), _dotted(self._where(path)), message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        self.items.sort(key=lambda item: item[0])
        body = "\n".join(
            f"  line {line}: {where}: {msg}" if where else f"  line {line}: {msg}" for line, where, msg in self.items
        )
        raise ScenarioError(
            f"Invalid scenario {self.filename}:\n{body}",
            hint="Fix the fields named above; `capexwatch scenarios` lists the presets to copy from.",
        )


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _compose(text: str, filename: str) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML into plain data plus a map from field path to line number (1-based)."""
    try:
        # libyaml's parser when the build has it (~10x faster; the same nodes and line marks)
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark else ""
        raise ScenarioError(
            f"{filename}{line}: not valid YAML: {exc.problem or exc}",
            hint="Check indentation and that every mapping entry is `key: value`.",
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{filename}: not valid YAML: {exc}") from None
    if node is None:
        raise ScenarioError(
            f"{filename}: the scenario file is empty", hint="Start from a preset: `capexwatch scenarios`."
        )
    lines: dict[Path_, int] = {}
    constructor = yaml.constructor.SafeConstructor()
    duplicates: list[tuple[int, str]] = []
    budget = [MAX_SCENARIO_NODES]

    def walk(n: yaml.Node, path: Path_) -> Any:
        lines[path] = n.start_mark.line + 1
        budget[0] -= 1  # an alias shares its node: expanding it walks the node again, and counts
        if budget[0] < 0:
            raise ScenarioError(
                f"{filename}, line {n.start_mark.line + 1}: the scenario expands to more than "
                f"{MAX_SCENARIO_NODES:,} values (YAML aliases nested too deep?); not read further",
                hint="Write the values out, or use fewer nested aliases (&name / *name).",
            )
        if isinstance(n, yaml.MappingNode):
            out: dict[str, Any] = {}
            for k_node, v_node in n.value:
                if not isinstance(k_node, yaml.ScalarNode):
                    raise ScenarioError(
                        f"{filename}, line {k_node.start_mark.line + 1}: a key must be a plain name, "
                        "not a list or mapping",
                        hint="Write `key: value`.",
                    )
                key = str(constructor.construct_object(k_node, deep=True))
                if key in out:
                    duplicates.append((k_node.start_mark.line + 1, _dotted((*path, key))))
                out[key] = walk(v_node, (*path, key))
                lines[(*path, key)] = k_node.start_mark.line + 1
            return out
        if isinstance(n, yaml.SequenceNode):
            return [walk(v, (*path, i)) for i, v in enumerate(n.value)]
        return constructor.construct_object(n, deep=True)

    data = walk(node, ())
    if duplicates:
        dup_line, dup_where = duplicates[0]
        raise ScenarioError(f"{filename}, line {dup_line}: {dup_where} is given twice", hint="Keep one of them.")
    return data, lines


# --- parsing -------------------------------------------------------------------------------------

_TOP = (
    "model",
    "name",
    "title",
    "description",
    "paths",
    "seed",
    "horizon_quarters",
    "horizon_periods",
    "period",
    "start_quarter",
    "parameters",
    "options",
    "expect",
    "sources",
    "notes",
)


def parse_scenario(text: str, *, filename: str = "<scenario>", name: str | None = None) -> Scenario:
    """Parse and validate scenario YAML text; raises ScenarioError naming every field at fault."""
    from capexwatch.models.registry import get_model

    if len(text) > MAX_SCENARIO_BYTES:
        raise _too_large(filename, len(text))
    data, lines = _compose(text, filename)
    err = _Errors(filename, lines)
    if not isinstance(data, dict):
        err.add((), "a scenario is a mapping with at least `model:` and `parameters:`")
        err.raise_if_any()
    for key in data:
        if key not in _TOP:
            err.add((key,), f"unknown field{_suggest(key, _TOP)}; fields are: {', '.join(_TOP)}")

    model_name = data.get("model")
    spec: ModelSpec | None = None
    if model_name is None:
        err.add((), "`model:` is missing")
    else:
        try:
            spec = get_model(str(model_name))
        except UnknownModelError as exc:
            err.add(("model",), exc.message)
    if spec is None:
        err.raise_if_any()
    assert spec is not None

    paths = _int_field(data, "paths", err, low=1, high=MAX_PATHS, default=DEFAULT_PATHS)
    seed_raw = data.get("seed")
    seed = None if seed_raw is None else _int_field(data, "seed", err, low=0, high=2**63 - 1, default=0)
    period = _period_field(data, spec, err)
    if spec.time_series:
        horizon = _int_field(data, _horizon_key(data, err), err, low=1, high=400, default=spec.default_horizon)
    else:
        horizon = 1
        for key in ("horizon_quarters", "horizon_periods"):
            if key in data:
                err.add((key,), f"{spec.name} is not a time-series model; remove {key}")
    start = data.get("start_quarter")
    if start is not None and period != "quarter":
        err.add(("start_quarter",), f"start_quarter labels quarters; remove it or set period: quarter (not {period})")
    if start is not None:
        try:
            quarter_index(str(start))
            start = str(start)
        except ValueError:
            err.add(("start_quarter",), f"must be a calendar quarter like 2025Q1, not {start!r}")
            start = None

    raw_params, raw_options = _split_structural(data.get("parameters"), data.get("options"), spec, err)
    params = _parse_params(raw_params, spec, err)
    options = _parse_options(raw_options, spec, err)
    for include in spec.includes:
        _include_preset(include, spec, params, options, raw_options, start, err)
    store_vectors = any(
        isinstance(e.value, VectorValue) and any(isinstance(x, FromStore) for x in e.value.parts)
        for e in params.values()
    )
    if options.get("window_years") is not None and start is None and not store_vectors:
        # (a vector from the store sets start_quarter when it is filled)
        err.add(("options", "window_years"), "needs start_quarter (the calendar quarter of t = 0)")
    for p in spec.params:
        if p.name not in params and p.default is not None:
            params[p.name] = ParamEntry(p.name, Const(p.default), lines.get(("parameters",), 1), default=True)
        elif p.name not in params and p.default_dist is not None:
            shock = _random(p, dict(p.default_dist), ("parameters",), err, allow_per=p.shape == "quarterly")
            if shock is not None:
                params[p.name] = ParamEntry(p.name, shock, lines.get(("parameters",), 1), default=True)
    ordered = {p.name: params[p.name] for p in spec.params if p.name in params}

    present = frozenset(ordered)
    if spec.check is not None:
        for where, message in spec.check(options, present):
            err.add(("parameters", where), message)
    active = spec.active_outputs(present, options)
    if spec.at_least_one_output and not active:
        needed = sorted({r for o in spec.outputs for r in (*o.requires, *o.requires_any)})
        err.add(("parameters",), f"gives no output; set at least one of: {', '.join(needed)}")
    expect = _parse_expect(data.get("expect"), {o.name for o in active}, err)
    sources = data.get("sources") or ()
    if isinstance(sources, str):
        sources = (sources,)
    elif isinstance(sources, dict):
        sources = tuple(f"{k}: {v}" for k, v in sources.items())
    else:
        sources = tuple(str(s) for s in sources) if isinstance(sources, list) else ()
    err.raise_if_any()
    return Scenario(
        name=name or str(data.get("name") or Path(filename).stem),
        path=filename,
        model=spec,
        paths=paths,
        seed=seed,
        horizon_quarters=horizon,
        params=ordered,
        title=str(data.get("title") or ""),
        description=str(data.get("description") or "").strip(),
        start_quarter=start,
        options=options,
        expect=expect,
        sources=sources,
        period=period,
    )


# --- another model's preset taken in under a prefix (ModelSpec.includes) ---------------------------


def _include_preset(
    include: Include,
    spec: ModelSpec,
    params: dict[str, ParamEntry],
    options: dict[str, Any],
    raw_options: Any,
    start: str | None,
    err: _Errors,
) -> None:
    """Add the entries of the bundled preset that option ``include.option`` names, prefixed, where
    the scenario does not give them (see :class:`~capexwatch.models._spec.Include`)."""
    name = options.get(include.option)
    if name is None:
        return
    where: Path_ = ("options", include.option)
    entry = preset_path(str(name))
    if entry is None:
        err.add(where, f"{name!r} is not a bundled preset")
        return
    other = parse_scenario(entry.read_text(encoding="utf-8"), filename=entry.name, name=str(name))
    if other.model.name != include.model:
        err.add(where, f"{name} is a {other.model.name} preset; name a {include.model} preset")
        return
    shift = 0
    if start is not None and other.start_quarter is not None:
        shift = quarter_index(start) - quarter_index(other.start_quarter)
    given = set(raw_options) if isinstance(raw_options, dict) else set()
    for key, value in other.options.items():
        mine = include.prefix + key
        if value is not None and mine in options and mine not in given:
            options[mine] = value
    for p in other.params.values():
        mine = include.prefix + p.name
        if p.default or mine in params or mine not in spec.param_names:
            continue  # the model's own defaults apply; an entry the scenario gives wins
        value = _calendar_shift(p.value, shift)
        if value is None:
            err.add(where, f"{name}: {p.name} cannot be moved {shift} quarters to this scenario's start_quarter")
            continue
        note = f"from preset {name}" + (f"; {p.note}" if p.note else "")
        params[mine] = dataclasses.replace(p, name=mine, value=value, note=note)


def _calendar_shift(value: Value, quarters: int) -> Value | None:
    """A quarterly vector re-indexed to a start *quarters* later (its first quarters dropped) or
    earlier (its first quarter repeated); other values as they are; None where that cannot be done
    here (a vector from the store, a drawn first quarter repeated)."""
    if quarters == 0 or not isinstance(value, VectorValue):
        return value
    parts = [p for p in value.parts if isinstance(p, Part)]
    if len(parts) != len(value.parts) or not parts:
        return None
    if quarters < 0:
        first = parts[0]
        if isinstance(first.element, Random):
            return None
        return dataclasses.replace(value, parts=(dataclasses.replace(first, repeat=-quarters), *parts))
    kept: list[Part] = []
    drop = quarters
    for p in parts:
        if drop >= p.repeat:
            drop -= p.repeat
            continue
        kept.append(dataclasses.replace(p, repeat=p.repeat - drop))
        drop = 0
    if not kept and value.extend == "flat":
        kept = [dataclasses.replace(parts[-1], repeat=1)]
    return dataclasses.replace(value, parts=tuple(kept))


# --- period, horizon_periods and structural settings under parameters (time-series models that
# --- step in weeks; see models/supply_chain.py) ---------------------------------------------------


def _period_field(data: dict[str, Any], spec: ModelSpec, err: _Errors) -> str:
    raw = data.get("period")
    if raw is None:
        return spec.periods[0]
    if str(raw) not in spec.periods:
        err.add(("period",), f"{spec.name} steps in {' or '.join(spec.periods)}, not {raw!r}")
        return spec.periods[0]
    return str(raw)


def _horizon_key(data: dict[str, Any], err: _Errors) -> str:
    if "horizon_periods" in data and "horizon_quarters" in data:
        err.add(("horizon_periods",), "give horizon_periods or horizon_quarters, not both")
    return "horizon_periods" if "horizon_periods" in data else "horizon_quarters"


def _split_structural(raw_params: Any, raw_options: Any, spec: ModelSpec, err: _Errors) -> tuple[Any, Any]:
    """Move options declared ``in_parameters`` from ``parameters:`` to the options (field paths, and
    so the lines in messages, stay those of ``parameters:``)."""
    structural = {o.name for o in spec.options if o.in_parameters}
    if not structural or not isinstance(raw_params, dict):
        return raw_params, raw_options
    moved = {k: v for k, v in raw_params.items() if k in structural}
    if not moved:
        return raw_params, raw_options
    options = dict(raw_options) if isinstance(raw_options, dict) else {}
    for key in moved:
        if key in options:
            err.add(("parameters", key), f"{key} is given under both parameters and options; keep one")
    # a cited setting ({value: 4, source: ...}) counts by its value
    options.update({k: v["value"] if isinstance(v, dict) and "value" in v else v for k, v in moved.items()})
    err.moved.update({("options", k): ("parameters", k) for k in moved})
    return {k: v for k, v in raw_params.items() if k not in structural}, options


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _int_field(data: dict[str, Any], key: str, err: _Errors, *, low: int, high: int, default: int) -> int:
    if key not in data or data[key] is None:
        return default
    raw = data[key]
    try:
        value = _as_number(raw)
    except ValueError:
        err.add((key,), f"must be a whole number, not {raw!r}")
        return default
    if value != int(value):
        err.add((key,), f"must be a whole number, not {raw!r}")
        return default
    if not low <= value <= high:
        err.add((key,), f"must be between {low:,} and {high:,} (got {int(value):,})")
        return default
    return int(value)


def _as_number(raw: Any) -> float:
    """YAML scalar -> finite float; accepts strings such as ``200e9`` (a string in YAML 1.1)."""
    if isinstance(raw, bool) or raw is None:
        raise ValueError(raw)
    if isinstance(raw, (int, float)):
        x = float(raw)
    elif isinstance(raw, str):
        x = float(raw.replace("_", "").strip())
    else:
        raise ValueError(raw)
    if not math.isfinite(x):
        raise ValueError(raw)
    return x


def _parse_params(raw: Any, spec: ModelSpec, err: _Errors) -> dict[str, ParamEntry]:
    out: dict[str, ParamEntry] = {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        err.add(("parameters",), "must be a mapping of parameter name to value")
        return out
    names = spec.param_names
    for key, value in raw.items():
        path: Path_ = ("parameters", key)
        if key not in names:
            err.add(path, f"{spec.name} has no parameter {key!r}{_suggest(key, names)}; it takes: {', '.join(names)}")
            continue
        entry = _parse_param(spec.param(key), value, path, err)
        if entry is not None:
            out[key] = entry
    for p in spec.params:
        if p.required and p.name not in raw:
            err.add(("parameters",), f"{p.name!r} is missing ({p.description})")
    given = set(raw)
    for group in spec.one_of:
        hit = [g for g in group if g in given]
        if len(hit) > 1:
            err.add(("parameters", hit[1]), f"give only one of {', '.join(group)}")
    for name, needed in spec.needs:
        if name in given:
            for other in needed:
                if other not in given and spec.param(other).default is None:
                    err.add(("parameters", name), f"needs {other!r} too")
    return out


def _parse_param(p: Param, raw: Any, path: Path_, err: _Errors) -> ParamEntry | None:
    line = err.line(path)
    source = note = None
    if isinstance(raw, dict):
        source = _meta(raw, "source", path, err)
        note = _meta(raw, "note", path, err)
        if "value" in raw:
            extra = [k for k in raw if k not in ("value", *_META)]
            if extra:
                err.add((*path, extra[0]), "a `value:` entry takes only `source:` and `note:` beside it")
            raw = raw["value"]
            path = (*path, "value")
    value = _parse_value(p, raw, path, err)
    if value is None:
        return None
    return ParamEntry(p.name, value, line, source=source, note=note)


def _meta(raw: dict[str, Any], key: str, path: Path_, err: _Errors) -> str | None:
    if key not in raw:
        return None
    v = raw[key]
    if not isinstance(v, str) or not v.strip():
        err.add((*path, key), f"{key} must be text (a URL for source)")
        return None
    return v.strip()


def _parse_value(p: Param, raw: Any, path: Path_, err: _Errors) -> Value | None:
    quarterly = p.shape == "quarterly"
    if isinstance(raw, list):
        if not quarterly:
            err.add(path, f"{p.name} takes one value per path; lists are for quarterly parameters")
            return None
        return _vector(p, [(raw, path, 1, 1.0)], "zero", path, err)
    if isinstance(raw, dict):
        if "dist" in raw:
            return _random(p, raw, path, err, allow_per=quarterly)
        if "from_store" in raw:
            fs = _from_store(p, raw, path, err)
            if fs is None:
                return None
            if fs.query.agg == "quarters":
                if fs.fallback is not None:
                    err.add((*path, "fallback"), "fallback is for a single value, not a vector (agg: quarters)")
                    return None
                extend = str(raw.get("extend", "zero"))
                return _vector(p, [(fs, path, 1, 1.0)], extend, path, err)
            if "extend" in raw:
                err.add((*path, "extend"), "extend is for vectors (agg: quarters)")
                return None
            return fs
        if any(k in raw for k in ("quarters", "annual", "concat")):
            if not quarterly:
                err.add(path, f"{p.name} takes one value per path; quarters/annual/concat are for quarterly parameters")
                return None
            return _vector_mapping(p, raw, path, err)
        err.add(path, "expected a number, a distribution {dist: ...}, {value: ...} or {from_store: ...}")
        return None
    try:
        x = _as_number(raw)
    except ValueError:
        err.add(path, f"must be a number, not {raw!r}")
        return None
    _check_range(p, x, x, path, err)
    return Const(x)


def _check_range(p: Param, lo: float, hi: float, path: Path_, err: _Errors, *, what: str = "") -> None:
    if not p.contains(lo, hi):
        shown = f"{lo:g}" if lo == hi else f"[{lo:g}, {hi:g}]"
        hint = " (add clip: [low, high] to truncate it)" if what else ""
        err.add(path, f"{p.name} must lie in {p.range_text()}; {what or 'got'} {shown}{hint}")


def _random(p: Param, raw: dict[str, Any], path: Path_, err: _Errors, *, allow_per: bool) -> Random | None:
    spec = {k: v for k, v in raw.items() if k not in (*_META, "per")}
    per = raw.get("per")
    if per is not None and (not allow_per or per != "quarter"):
        if not allow_per:
            err.add((*path, "per"), f"per: quarter is only for quarterly parameters; {p.name} is one value per path")
        else:
            err.add((*path, "per"), f"per must be 'quarter', not {per!r}")
        return None
    try:
        dist = make_distribution(spec)
    except DistributionError as exc:
        err.add((*path, exc.field) if exc.field and exc.field in raw else path, str(exc))
        return None
    lo, hi = dist.support
    _check_range(p, lo, hi, path, err, what=f"{dist.kind} draws span")
    return Random(dist, per_quarter=per == "quarter")


def _element(p: Param, raw: Any, path: Path_, err: _Errors) -> Element | None:
    if isinstance(raw, dict) and "value" in raw:
        raw = raw["value"]
    if isinstance(raw, dict):
        if "dist" not in raw:
            err.add(path, "an entry is a number or a distribution {dist: ...}")
            return None
        return _random(p, raw, path, err, allow_per=False)
    try:
        x = _as_number(raw)
    except ValueError:
        err.add(path, f"must be a number, not {raw!r}")
        return None
    _check_range(p, x, x, path, err)
    return Const(x)


def _vector(
    p: Param,
    segments: list[tuple[Any, Path_, int, float]],
    extend: str,
    path: Path_,
    err: _Errors,
) -> VectorValue | None:
    parts: list[Part | FromStore] = []
    ok = True
    for items, seg_path, repeat, divisor in segments:
        if isinstance(items, FromStore):
            parts.append(items)
            continue
        if not isinstance(items, list) or not items:
            err.add(seg_path, "must be a non-empty list")
            ok = False
            continue
        for i, item in enumerate(items):
            el = _element(p, item, (*seg_path, i), err)
            if el is None:
                ok = False
            else:
                parts.append(Part(el, repeat, divisor))
    if extend not in ("zero", "flat"):
        err.add((*path, "extend"), f"extend must be 'zero' or 'flat', not {extend!r}")
        return None
    if not ok:
        return None
    return VectorValue(tuple(parts), "flat" if extend == "flat" else "zero")


def _vector_mapping(p: Param, raw: dict[str, Any], path: Path_, err: _Errors) -> VectorValue | None:
    allowed = {"quarters", "annual", "concat", "extend", *_META}
    for k in raw:
        if k not in allowed:
            err.add((*path, k), "unknown key; a quarterly vector takes quarters, annual or concat, and extend")
            return None
    kinds = [k for k in ("quarters", "annual", "concat") if k in raw]
    if len(kinds) > 1:
        err.add(path, "give one of quarters, annual or concat (concat joins several)")
        return None
    extend = str(raw.get("extend", "zero"))
    kind = kinds[0]
    if kind != "concat":
        repeat, divisor = (1, 1.0) if kind == "quarters" else (4, 4.0)
        return _vector(p, [(raw[kind], (*path, kind), repeat, divisor)], extend, path, err)
    segs_raw = raw["concat"]
    if not isinstance(segs_raw, list) or not segs_raw:
        err.add(
            (*path, "concat"), "concat is a list of segments ({quarters: [...]}, {annual: [...]}, {from_store: ...})"
        )
        return None
    segments: list[tuple[Any, Path_, int, float]] = []
    for i, seg in enumerate(segs_raw):
        seg_path = (*path, "concat", i)
        if isinstance(seg, list):
            segments.append((seg, seg_path, 1, 1.0))
        elif isinstance(seg, dict) and "from_store" in seg:
            fs = _from_store(p, seg, seg_path, err)
            if fs is None:
                return None
            segments.append((fs, seg_path, 1, 1.0))
        elif isinstance(seg, dict) and ("quarters" in seg or "annual" in seg) and len(seg) == 1:
            k = "quarters" if "quarters" in seg else "annual"
            segments.append((seg[k], (*seg_path, k), 1 if k == "quarters" else 4, 1.0 if k == "quarters" else 4.0))
        else:
            err.add(seg_path, "a concat segment is a list, {quarters: [...]}, {annual: [...]} or {from_store: ...}")
            return None
    return _vector(p, segments, extend, path, err)


_AGGS = ("latest", "run_rate", "ttm", "sum", "quarters", "yoy", CONCENTRATION_AGG)


def _from_store(p: Param, raw: dict[str, Any], path: Path_, err: _Errors) -> FromStore | None:
    allowed = {"from_store", "scale", "extend", "fallback", *_META}
    for k in raw:
        if k not in allowed:
            err.add(
                (*path, k),
                "from_store takes scale (a number or distribution), fallback and, beside it, source and note",
            )
            return None
    q_raw = raw["from_store"]
    q_path = (*path, "from_store")
    query: StoreQuery | None
    if isinstance(q_raw, str):
        query = SHORTCUTS.get(q_raw)
        if query is None:
            err.add(
                q_path, f"unknown shortcut {q_raw!r}{_suggest(q_raw, SHORTCUTS)}; shortcuts: {', '.join(SHORTCUTS)}"
            )
            return None
    elif isinstance(q_raw, dict):
        query = _store_query(q_raw, q_path, err)
        if query is None:
            return None
    else:
        err.add(q_path, "from_store is a shortcut name or {ticker: ..., metric: ..., agg: ...}")
        return None
    if query.agg == "quarters" and p.shape != "quarterly":
        err.add(
            q_path,
            f"agg: quarters gives a vector; {p.name} takes one value per path (use latest, run_rate, ttm or sum)",
        )
        return None
    scale: Element | None = None
    if "scale" in raw:
        scale = _element(Param("scale", "multiplier", "ratio"), raw["scale"], (*path, "scale"), err)
        if scale is None:
            return None
    fallback: Fallback | None = None
    if "fallback" in raw:
        fallback = _fallback(p, raw["fallback"], (*path, "fallback"), err)
        if fallback is None:
            return None
    return FromStore(query, scale, fallback)


def _fallback(p: Param, raw: Any, path: Path_, err: _Errors) -> Fallback | None:
    """``fallback: {value: x | dist: ..., source: ..., note: ...}``: the cited value used when the
    store lacks the figure; its citation is required (every number cites its source)."""
    if not isinstance(raw, dict) or "source" not in raw:
        err.add(path, "fallback is {value: x, source: ...} or {dist: ..., source: ...}: a cited value")
        return None
    source = _meta(raw, "source", path, err)
    note = _meta(raw, "note", path, err)
    el = _element(p, raw, path, err)
    if el is None or source is None:
        return None
    return Fallback(el, source, note)


_SERIES_AGGS = ("latest", "quarters", "change")


def _quarters_valid(raw: dict[str, Any], path: Path_, err: _Errors) -> bool:
    """Whether ``end:`` and ``start:`` of a store query, where given, are calendar quarters (errors added)."""
    for key in ("end", "start"):
        if raw.get(key) is not None:
            try:
                quarter_index(str(raw[key]))
            except ValueError:
                err.add((*path, key), f"must be a calendar quarter like 2025Q4, not {raw[key]!r}")
                return False
    return True


def _series_query(raw: dict[str, Any], path: Path_, err: _Errors) -> StoreQuery | None:
    """``{series: DFF, agg: latest | quarters | change, start:, end:}``: a macro series (FRED)."""
    allowed = ("series", "agg", "start", "end")
    for k in raw:
        if k not in allowed:
            err.add((*path, k), f"unknown key{_suggest(k, allowed)}; a series query takes: {', '.join(allowed)}")
            return None
    agg = str(raw.get("agg", "latest"))
    if agg not in _SERIES_AGGS:
        err.add((*path, "agg"), f"agg for a series must be one of {', '.join(_SERIES_AGGS)}, not {agg!r}")
        return None
    if not _quarters_valid(raw, path, err):
        return None
    if agg in ("quarters", "change") and raw.get("start") is None:
        err.add(path, f"agg: {agg} needs start: (the first calendar quarter)")
        return None
    return StoreQuery(
        tickers=(),
        metric="",
        agg="quarters" if agg == "change" else agg,
        end=None if raw.get("end") is None else str(raw["end"]),
        start=None if raw.get("start") is None else str(raw["start"]),
        series=str(raw["series"]).upper(),
        view=agg,
    )


def _store_query(raw: dict[str, Any], path: Path_, err: _Errors) -> StoreQuery | None:
    if "series" in raw:
        return _series_query(raw, path, err)
    allowed = ("ticker", "tickers", "metric", "agg", "end", "start", "fiscal_period", "quarters", "view", "as_of")
    for k in raw:
        if k not in allowed:
            err.add((*path, k), f"unknown key{_suggest(k, allowed)}; from_store takes: {', '.join(allowed)}")
            return None
    tick = raw.get("tickers", raw.get("ticker"))
    if tick is None:
        err.add(path, "needs ticker (a ticker, a list of tickers, or big4)")
        return None
    tickers = tuple(str(t).upper() for t in (tick if isinstance(tick, list) else [tick]))
    metric = raw.get("metric")
    if not isinstance(metric, str):
        err.add(path, "needs metric (a canonical metric name; see `capexwatch metrics`)")
        return None
    from capexwatch.metrics import METRICS

    if metric not in METRICS:
        err.add((*path, "metric"), f"unknown metric {metric!r}{_suggest(metric, METRICS)}")
        return None
    agg = str(raw.get("agg", "latest"))
    if agg not in _AGGS:
        err.add((*path, "agg"), f"agg must be one of {', '.join(_AGGS)}, not {agg!r}")
        return None
    if not _quarters_valid(raw, path, err) or not _concentration_valid(metric, agg, tickers, path, err):
        return None
    n_q = raw.get("quarters")
    if n_q is not None and (isinstance(n_q, bool) or not isinstance(n_q, int) or n_q < 1):
        err.add((*path, "quarters"), "must be a whole number >= 1")
        return None
    if agg == "sum" and n_q is None:
        err.add(path, "agg: sum needs quarters: N (how many quarters to the end)")
        return None
    fp = raw.get("fiscal_period")
    if fp is not None and len(tickers) != 1:
        err.add(
            (*path, "fiscal_period"),
            "fiscal_period picks one company's quarter; use end: (a calendar quarter) for several",
        )
        return None
    view = str(raw.get("view", "latest"))
    if view not in ("latest", "first-filed"):
        err.add((*path, "view"), "view must be latest or first-filed")
        return None
    as_of = raw.get("as_of")
    return StoreQuery(
        tickers=tickers,
        metric=metric,
        agg=agg,
        end=None if raw.get("end") is None else str(raw["end"]),
        start=None if raw.get("start") is None else str(raw["start"]),
        fiscal_period=None if fp is None else str(fp),
        quarters=n_q,
        view=view,
        as_of=None if as_of is None else str(as_of),
    )


def _concentration_valid(metric: str, agg: str, tickers: tuple[str, ...], path: Path_, err: _Errors) -> bool:
    """``customer_concentration_pct`` (shares as a filing reports them) is read only with
    ``agg: named_customers``, for one company, and that agg reads nothing else."""
    if (metric == CONCENTRATION_METRIC) != (agg == CONCENTRATION_AGG):
        err.add(
            (*path, "agg"),
            f"{CONCENTRATION_METRIC} is read with agg: {CONCENTRATION_AGG} (the named customers' combined "
            "share of revenue in the latest filed period), and that agg reads only that metric",
        )
        return False
    if agg == CONCENTRATION_AGG and len(tickers) != 1:
        err.add(path, f"agg: {CONCENTRATION_AGG} reads one company's filings; give one ticker")
        return False
    return True


def _parse_options(raw: Any, spec: ModelSpec, err: _Errors) -> dict[str, Any]:
    out: dict[str, Any] = {o.name: o.default for o in spec.options}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        err.add(("options",), "must be a mapping")
        return out
    known = {o.name: o for o in spec.options}
    for key, value in raw.items():
        path: Path_ = ("options", key)
        opt = known.get(key)
        if opt is None:
            names = ", ".join(known) or "none"
            err.add(path, f"{spec.name} has no option {key!r}{_suggest(key, known)}; options: {names}")
            continue
        parsed = _parse_option(opt, value, path, err)
        if parsed is not None:
            out[key] = parsed
    return out


def _parse_option(opt: Option, value: Any, path: Path_, err: _Errors) -> Any:
    if opt.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not opt.low <= value <= opt.high:
            err.add(path, f"must be a whole number between {opt.low} and {opt.high}")
            return None
        return value
    if opt.kind == "year_range":
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            or value[0] > value[1]
        ):
            err.add(path, "must be [first_year, last_year], e.g. [2026, 2028]")
            return None
        return (int(value[0]), int(value[1]))
    if opt.kind == "tickers":
        return _parse_tickers(opt, value, path, err)
    if opt.kind == "bool":
        if not isinstance(value, bool):
            err.add(path, f"must be true or false, not {value!r}")
            return None
        return value
    if str(value) not in opt.choices:
        err.add(path, f"must be one of {', '.join(opt.choices)}")
        return None
    return str(value)


def _parse_tickers(opt: Option, value: Any, path: Path_, err: _Errors) -> int | tuple[str, ...] | None:
    """A list of tickers among ``opt.choices`` or a count in ``[opt.low, opt.high]``."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not opt.low <= value <= opt.high:
            err.add(
                path, f"a count must be between {opt.low} and {opt.high}, or name tickers ({', '.join(opt.choices)})"
            )
            return None
        return value
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(t, str) for t in items):
        err.add(path, f"must be a list of tickers ({', '.join(opt.choices)}) or a count such as 2")
        return None
    tickers = tuple(t.strip().upper() for t in items)
    for i, t in enumerate(tickers):
        if t not in opt.choices:
            where = path if isinstance(value, str) else (*path, i)
            err.add(
                where,
                f"{t!r} is not a company this model follows in the store{_suggest(t, opt.choices)}; "
                f"name one of {', '.join(opt.choices)} or give a count (2 = the two largest by capex)",
            )
            return None
    if len(set(tickers)) != len(tickers):
        err.add(path, "names a company twice")
        return None
    return tickers


def _parse_expect(raw: Any, outputs: set[str], err: _Errors) -> dict[str, Expectation]:
    out: dict[str, Expectation] = {}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        err.add(("expect",), "must map output names to published figures")
        return out
    for key, value in raw.items():
        path: Path_ = ("expect", key)
        if key not in outputs:
            err.add(
                path, f"not an output of this scenario{_suggest(key, outputs)}; outputs: {', '.join(sorted(outputs))}"
            )
            continue
        source = note = None
        rel_tol = 1e-3
        if isinstance(value, dict):
            source = _meta(value, "source", path, err)
            note = _meta(value, "note", path, err)
            if "rel_tol" in value:
                try:
                    rel_tol = _as_number(value["rel_tol"])
                except ValueError:
                    err.add((*path, "rel_tol"), "must be a number")
            value = value.get("value")
        try:
            x = _as_number(value)
        except ValueError:
            err.add(path, f"expected a number (or {{value: ..., source: ...}}), not {value!r}")
            continue
        out[key] = Expectation(key, x, source, note, rel_tol)
    return out


# --- files and presets ---------------------------------------------------------------------------


def _presets_dir() -> Any:
    return resources.files("capexwatch.models").joinpath("presets")


def list_presets() -> list[Scenario]:
    """Every bundled preset, parsed (sorted by name)."""
    out = []
    for entry in sorted(_presets_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            out.append(parse_scenario(entry.read_text(encoding="utf-8"), filename=entry.name, name=entry.name[:-5]))
    return out


def preset_path(name: str) -> Any:
    """The bundled file of preset *name* (a Traversable), or None."""
    entry = _presets_dir().joinpath(f"{name}.yaml")
    return entry if entry.is_file() else None


def _too_large(filename: str, size: int) -> ScenarioError:
    return ScenarioError(
        f"{filename}: {size:,} bytes, over the {MAX_SCENARIO_BYTES:,} a scenario file may have",
        hint="A scenario is a short YAML file; start from a preset (`capexwatch scenarios`).",
    )


def _user_preset(name: str) -> Path | None:
    """``NAME.yaml`` in the user's scenarios folder (:func:`capexwatch.config.user_scenarios_dir`), if any."""
    from capexwatch.config import user_scenarios_dir

    path = user_scenarios_dir() / f"{name}.yaml"
    return path if path.is_file() else None


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A scenario from a preset name (``sequoia-2024``) or a YAML file path.

    A name is looked up in the user's scenarios folder first (``$CAPEXWATCH_HOME/scenarios``, where
    ``capexwatch calibrate`` saves fitted presets), then among the bundled presets.
    """
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ScenarioError(
                f"Scenario file not found: {path}",
                hint="Give a preset name (see `capexwatch scenarios`) or the path of a YAML file.",
            )
        try:
            if (size := path.stat().st_size) > MAX_SCENARIO_BYTES:
                raise _too_large(str(path), size)
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"Cannot read scenario file {path}: {exc}") from None
        return parse_scenario(text, filename=str(path))
    user = _user_preset(str(name_or_path))
    if user is not None:  # a calibrated copy (`capexwatch calibrate NAME`) shadows the bundled preset
        return parse_scenario(user.read_text(encoding="utf-8"), filename=str(user), name=str(name_or_path))
    entry = preset_path(str(name_or_path))
    if entry is None:
        names = [s.name for s in list_presets()]
        raise ScenarioError(
            f"Unknown preset {str(name_or_path)!r}{_suggest(str(name_or_path), names)}.",
            hint=f"Presets: {', '.join(names)}. Or give the path of a scenario YAML file.",
        )
    return parse_scenario(entry.read_text(encoding="utf-8"), filename=entry.name, name=str(name_or_path))
