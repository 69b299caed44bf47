"""The engine's front end: fill ``from_store`` parameters with figures from a store.

Models never read the store (DESIGN.md): before a run, every ``{from_store: ...}`` value becomes a
plain number or quarterly vector, and the rows it came from (ticker, metric, fiscal and calendar
quarter, value, source URL, accession) are kept with the parameter so the result can show them.
The queries themselves and how they are answered live in :mod:`capexwatch.models.store_query`;
the store is always the caller's (this module never opens one).

A value with a ``fallback:`` takes the cited fallback when the store lacks the figure (a store
without filings has no customer concentration): the parameter then carries the fallback's source
and a ``fallback`` record saying why, so a result always says where each value came from
(:func:`value_origin`).
"""

from __future__ import annotations

from typing import Any

from capexwatch.errors import DataError, ScenarioError
from capexwatch.facts.periods import quarter_index, quarter_label
from capexwatch.models.scenario import (
    Const,
    Fallback,
    FromStore,
    ParamEntry,
    Part,
    Random,
    Scenario,
    VectorValue,
)
from capexwatch.models.store_query import StoreLike, query_store

__all__ = ["fill_from_store", "value_origin"]


def fill_from_store(
    scenario: Scenario, store: StoreLike | None, *, cache: dict[Any, dict[str, Any]] | None = None
) -> Scenario:
    """Return *scenario* with every ``from_store`` value replaced by *store*'s figures.

    *store* (opened by the caller, read access is enough) is read only when the scenario needs it;
    it may be None for a scenario that does not. A scenario whose vectors come from the store gets
    its ``start_quarter`` from them when it has none. ``cache``: a dict the caller keeps to answer a
    query repeated across scenarios once (the report fills pivot-1, pivot-2 and telecom-2001).

    Raises
    ------
    ScenarioError
        when the scenario reads the store and *store* is None.
    """
    if not scenario.needs_store:
        return scenario
    if store is None:
        raise ScenarioError(
            f"{scenario.path}: the scenario reads figures from the store (from_store), but no store was given.",
            hint="Open one and pass it: simulate(scenario, store=capexwatch.open()).",
        )
    params: dict[str, ParamEntry] = {}
    start = scenario.start_quarter
    for name, entry in scenario.params.items():
        new_entry, start = _fill_entry(scenario, entry, store, start, cache)
        params[name] = new_entry
    return scenario.replace(params=params, start_quarter=start)


def _where(scenario: Scenario, entry: ParamEntry) -> str:
    return f"{scenario.path}, line {entry.line}: parameters.{entry.name}"


def _query(store: StoreLike, q: Any, where: str, cache: dict[Any, dict[str, Any]] | None) -> dict[str, Any]:
    if cache is None:
        return query_store(store, q, where=where)
    if q not in cache:
        cache[q] = query_store(store, q, where=where)
    return cache[q]


def _fill_entry(
    scenario: Scenario,
    entry: ParamEntry,
    store: StoreLike,
    start: str | None,
    cache: dict[Any, dict[str, Any]] | None = None,
) -> tuple[ParamEntry, str | None]:
    v = entry.value
    if isinstance(v, FromStore):
        try:
            found = _query(store, v.query, _where(scenario, entry), cache)
        except DataError as exc:
            if v.fallback is None:
                raise
            return _fallback_entry(entry, v.fallback, exc), start
        if found["agg"] == "quarters":  # pragma: no cover - scalar params never parse to this
            raise DataError(f"{_where(scenario, entry)}: agg: quarters gives a vector")
        value: Const | Random = _scaled(float(found["value"]), v.scale)
        prov = {"from_store": found}
        return ParamEntry(entry.name, value, entry.line, entry.source, entry.note, prov), start
    if isinstance(v, VectorValue) and any(isinstance(p, FromStore) for p in v.parts):
        parts: list[Part | FromStore] = []
        segments = []
        for part in v.parts:
            if not isinstance(part, FromStore):
                parts.append(part)
                continue
            found = _query(store, part.query, _where(scenario, entry), cache)
            values: list[float] = found["values"] if found["agg"] == "quarters" else [found["value"]]
            # a macro series replays history (a liquidity scenario); it does not set t = 0
            first = found["quarters"][0] if found["agg"] == "quarters" and "series" not in found["query"] else None
            offset = sum(p.repeat for p in parts if isinstance(p, Part))
            if first is not None:
                implied = quarter_label(quarter_index(first) - offset)
                if start is None:
                    start = implied
                elif start != implied:
                    raise DataError(
                        f"{_where(scenario, entry)}: the store's quarters begin {first}, which puts t = 0 at "
                        f"{implied}, but start_quarter is {start}.",
                        hint="Set start_quarter to match, or give the query a start: quarter.",
                    )
            factor = v.factor
            if isinstance(part.scale, Random):
                # one draw per path scales the whole path (a level), not each quarter independently
                if len(v.parts) != 1:
                    raise ScenarioError(
                        f"{_where(scenario, entry)}: a random scale on a store segment inside concat is not supported.",
                        hint="Use a constant scale there, or scale the whole parameter in a separate scenario.",
                    )
                factor = part.scale
                parts.extend(Part(Const(x)) for x in values)
            else:
                parts.extend(Part(_scaled(x, part.scale)) for x in values)
            segments.append(found)
        prov_v: dict[str, Any] = {"from_store": segments[0] if len(segments) == 1 else segments}
        new = VectorValue(tuple(parts), v.extend, factor)
        return ParamEntry(entry.name, new, entry.line, entry.source, entry.note, prov_v), start
    return entry, start


def _fallback_entry(entry: ParamEntry, fb: Fallback, exc: DataError) -> ParamEntry:
    """*entry* with its cited fallback value, recording why the store's figure was not used."""
    prov = {"fallback": {"reason": exc.message, "source": fb.source}}
    return ParamEntry(entry.name, fb.element, entry.line, fb.source, fb.note, prov)


def value_origin(param: dict[str, Any]) -> dict[str, Any]:
    """Where a run's parameter (one entry of ``SimulationResult.parameters``) came from.

    Returns
    -------
    dict
        ``origin``: ``"store"`` (with ``rows``: the store rows, each with its accession where it
        has one), ``"fallback"`` (the store lacked it: ``reason``) or ``"scenario"`` (the
        scenario's own value); ``source``: the citation (a fallback's or the scenario's).
    """
    fs = param.get("from_store")
    if fs:
        segs = fs if isinstance(fs, list) else [fs]
        return {"origin": "store", "rows": [r for seg in segs for r in seg["rows"]], "source": param.get("source")}
    if "fallback" in param:
        return {"origin": "fallback", "reason": param["fallback"]["reason"], "source": param.get("source")}
    return {"origin": "scenario", "source": param.get("source")}


def _scaled(x: float, scale: Const | Random | None) -> Const | Random:
    if scale is None:
        return Const(x)
    if isinstance(scale, Const):
        return Const(x * scale.value)
    return Random(scale.dist, scale.per_quarter, scale.multiplier * x)
