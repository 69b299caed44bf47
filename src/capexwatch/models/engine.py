"""The Monte Carlo engine: draw parameters, run a model over paths in blocks, aggregate (no I/O: the caller saves).

Reproducibility contract
------------------------
Paths are cut into **stream blocks** of :data:`STREAM_BLOCK` paths. Stream block ``i`` draws from
the ``i``-th child of ``numpy.random.SeedSequence(seed)`` -- ``SeedSequence(seed, spawn_key=(i,))``,
which is what ``SeedSequence(seed).spawn(n)[i]`` returns -- and within it parameter ``j`` (in the
model's declared order) from that child's ``j``-th child, ``spawn_key=(i, j)``. So every path's
draws depend only on (seed, path index), and changing one parameter's distribution leaves the
others' draws unchanged (common random numbers across scenario variants).

A **work block** (``block_size``, the memory bound; what a worker runs at once) is a whole number
of stream blocks. Models work row by row, moments are merged per stream block in stream-block
order, percentiles are exact order statistics or integer histogram counts
(:mod:`capexwatch.models._stats`). Hence a seed gives the same result, bit for bit, whatever the
work-block size, the number of workers and the executor -- in process, local processes
(``workers``), or a Dask cluster (``scheduler``) -- given the same NumPy build and CPU on every
worker (NumPy's SIMD transcendental functions may differ in the last bit between CPU families).

Memory is bounded by the work-block size times the number of blocks in flight (two per worker),
plus, in exact-percentile mode, the kept values (at most ``memory_limit`` bytes; above it the
histogram mode needs a few MB whatever the number of paths). In histogram mode a worker keeps the
output buffer it lends the model (one work block's outputs, :class:`_Buffers`) from block to
block, and the parent's share of it is freed when the run ends.

Dynamics models (state carried quarter to quarter) fit the same contract: a model receives
``quarterly`` parameters as ``(paths, quarters)`` arrays -- with ``per: quarter`` a fresh draw each
quarter, i.e. the shocks -- and may loop over quarters with :func:`run_quarters`, vectorised over
paths.
"""

from __future__ import annotations

import itertools
import math
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from capexwatch.errors import ConfigError, DataError, InvalidArgumentError, NetworkError, ScenarioError
from capexwatch.models import _stats
from capexwatch.models._spec import Context, Output, year_groups
from capexwatch.models._typing import FloatArray, Outputs
from capexwatch.models.scenario import (
    MAX_PATHS,
    Const,
    Element,
    FromStore,
    ParamEntry,
    Part,
    Random,
    Scenario,
    VectorValue,
)

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "MEMORY_LIMIT",
    "STREAM_BLOCK",
    "OutputStats",
    "SeriesStats",
    "SimulationResult",
    "describe_parameters",
    "draw_parameters",
    "run_quarters",
    "simulate",
]

STREAM_BLOCK = 4096
"""Paths per random stream (part of the reproducibility contract: changing it changes results)."""

DEFAULT_BLOCK_SIZE = 65_536
"""Paths per work block by default (16 stream blocks)."""

MEMORY_LIMIT = 200 * 2**20
"""Above this many bytes of kept values, percentiles come from the fixed-bin histogram."""

ProgressFn = Callable[[int, int], None]


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputStats:
    """Summary of one scalar output over the paths (NaN excluded; ``defined_share`` = share of
    paths where it is defined)."""

    name: str
    unit: str
    description: str
    mean: float
    sd: float
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float
    min: float
    max: float
    defined_share: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "sd": self.sd,
            "p5": self.p5,
            "p25": self.p25,
            "p50": self.p50,
            "p75": self.p75,
            "p95": self.p95,
            "min": self.min,
            "max": self.max,
            "defined_share": self.defined_share,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class SeriesStats:
    """Per-period bands of one series output: ``labels`` (quarters ``2025Q1`` or years ``2025``)
    and, per period, mean, sd and the 5/25/50/75/95th percentiles."""

    name: str
    unit: str
    description: str
    freq: str
    labels: list[str]
    mean: list[float]
    sd: list[float]
    p5: list[float]
    p25: list[float]
    p50: list[float]
    p75: list[float]
    p95: list[float]
    defined_share: list[float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "freq": self.freq,
            "unit": self.unit,
            "description": self.description,
            "labels": self.labels,
            "mean": self.mean,
            "sd": self.sd,
            "p5": self.p5,
            "p25": self.p25,
            "p50": self.p50,
            "p75": self.p75,
            "p95": self.p95,
            "defined_share": self.defined_share,
        }


@dataclass
class SimulationResult:
    """What a run produced. ``to_dict()`` is the ``--json`` shape and what the store keeps."""

    model: str
    scenario: str
    title: str
    paths: int
    seed: int
    horizon_quarters: int | None
    start_quarter: str | None
    parameters: dict[str, Any]
    outputs: dict[str, OutputStats]
    series: dict[str, SeriesStats]
    percentile_method: str
    expect: dict[str, dict[str, Any]] = field(default_factory=dict)
    elapsed_s: float = 0.0
    executor: str = "inprocess"
    workers: int = 1
    block_size: int = DEFAULT_BLOCK_SIZE
    run_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "scenario": self.scenario,
            "title": self.title,
            "paths": self.paths,
            "seed": self.seed,
            "horizon_quarters": self.horizon_quarters,
            "start_quarter": self.start_quarter,
            "parameters": self.parameters,
            "outputs": {k: v.to_dict() for k, v in self.outputs.items()},
            "series": {k: v.to_dict() for k, v in self.series.items()},
            "expect": self.expect,
            "percentile_method": self.percentile_method,
            "run_id": self.run_id,
            "elapsed_s": self.elapsed_s,
            "executor": {"kind": self.executor, "workers": self.workers, "block_size": self.block_size},
        }

    def stored_outputs(self) -> dict[str, Any]:
        """The ``outputs`` JSON kept in the store's runs table (read back by report/fan.py)."""
        return {
            "scalars": {k: v.to_dict() for k, v in self.outputs.items()},
            "series": {k: v.to_dict() for k, v in self.series.items()},
            "expect": self.expect,
            "percentile_method": self.percentile_method,
            "horizon_quarters": self.horizon_quarters,
            "start_quarter": self.start_quarter,
            "title": self.title,
        }


# --- drawing parameters --------------------------------------------------------------------------


def _rng(seed: int, block: int, j: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, j))))


def _draw_element(el: Element, rng: np.random.Generator | None, n: int) -> FloatArray | float:
    if isinstance(el, Const):
        return el.value
    assert rng is not None
    x = el.dist.sample(rng, n)
    return x * el.multiplier if el.multiplier != 1.0 else x


def _vector(v: VectorValue, rng: np.random.Generator | None, n: int, horizon: int) -> FloatArray:
    out = np.zeros((n, horizon))
    col = 0
    for part in v.parts:
        assert isinstance(part, Part)
        x = _draw_element(part.element, rng, n)
        x = x / part.divisor if part.divisor != 1.0 else x
        for _ in range(part.repeat):
            if col < horizon:
                out[:, col] = x
            col += 1
    if v.extend == "flat" and 0 < col < horizon:
        out[:, col:] = out[:, col - 1 : col]
    if v.factor is not None:
        f = _draw_element(v.factor, rng, n)
        out *= f[:, None] if isinstance(f, np.ndarray) else f
    return out


def _is_random(entry: ParamEntry) -> bool:
    v = entry.value
    if isinstance(v, Random):
        return True
    if isinstance(v, VectorValue):
        return any(isinstance(p, Part) and isinstance(p.element, Random) for p in v.parts) or isinstance(
            v.factor, Random
        )
    return False


def draw_parameters(scenario: Scenario, seed: int, block: int, n: int) -> dict[str, FloatArray]:
    """The parameter arrays of stream block ``block`` (``n`` paths): ``(n,)`` or ``(n, horizon)``."""
    spec = scenario.model
    horizon = scenario.horizon_quarters
    out: dict[str, FloatArray] = {}
    for j, p in enumerate(spec.params):
        entry = scenario.params.get(p.name)
        if entry is None:
            continue
        rng = _rng(seed, block, j) if _is_random(entry) else None
        v = entry.value
        if isinstance(v, VectorValue):
            out[p.name] = _vector(v, rng, n, horizon)
            continue
        if isinstance(v, FromStore):
            raise DataError(f"parameter {p.name} was not filled from the store before the run")
        quarterly = p.shape == "quarterly"
        if isinstance(v, Random) and v.per_quarter:
            assert rng is not None
            x = v.dist.sample(rng, (n, horizon)) * v.multiplier
        else:
            drawn = _draw_element(v, rng, n)
            x = np.full(n, drawn) if isinstance(drawn, float) else drawn
            if quarterly:
                x = np.repeat(x[:, None], horizon, axis=1)
        out[p.name] = x
    return out


def _chunk_parameters(
    scenario: Scenario, seed: int, first: int, n_blocks: int, paths: int
) -> tuple[dict[str, FloatArray], list[int]]:
    """Parameters for stream blocks ``first .. first + n_blocks - 1``, stacked; and block sizes."""
    sizes = [min(STREAM_BLOCK, paths - (first + i) * STREAM_BLOCK) for i in range(n_blocks)]
    parts = [draw_parameters(scenario, seed, first + i, sizes[i]) for i in range(n_blocks)]
    if n_blocks == 1:
        return parts[0], sizes
    return {k: np.concatenate([d[k] for d in parts], axis=0) for k in parts[0]}, sizes


# --- one work block ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _OutPlan:
    name: str
    kind: str
    length: int
    grid: _stats.Grid | None


@dataclass(frozen=True)
class _Plan:
    scenario: Scenario
    seed: int
    paths: int
    exact: bool
    outputs: tuple[_OutPlan, ...]
    lend: bool = False  # lend models a reused output buffer (_Buffers)


@dataclass(frozen=True)
class _Task:
    plan: _Plan
    first_block: int
    n_blocks: int


@dataclass
class _OutChunk:
    moments: list[_stats.Moments]
    vmin: FloatArray
    vmax: FloatArray
    values: FloatArray | None = None
    per_column: npt.NDArray[np.int32] | None = None  # histogram mode: bin counts (BlockSummary's)
    bins: npt.NDArray[np.integer] | None = None
    counts: npt.NDArray[np.integer] | None = None
    special: dict[str, tuple[FloatArray, FloatArray]] = field(default_factory=dict)


@dataclass
class _ChunkResult:
    first_block: int
    n_blocks: int
    first_path: int
    rows: int
    outputs: dict[str, _OutChunk]


def _context(
    scenario: Scenario, n: int, lend: Callable[[int], FloatArray] | None = None, run_paths: int | None = None
) -> Context:
    return Context(
        paths=n,
        horizon_quarters=scenario.horizon_quarters,
        start_quarter=scenario.start_quarter,
        options=dict(scenario.options),
        present=scenario.present,
        lend=lend,
        run_paths=run_paths,
    )


class _Buffers(threading.local):
    """Output buffers lent to models (:meth:`Context.empty`), kept per thread from one work block to
    the next: the i-th buffer a call asks for is the i-th buffer the previous call got, grown when
    too small. Lent only where the engine has consumed a call's outputs (summarised them into
    counts and moments) before the next call in the same thread: histogram mode, in this process
    or in the engine's own worker processes (not Dask, whose workers outlive the run and whose
    threads hold results until they are gathered)."""

    def __init__(self) -> None:
        self.kept: list[FloatArray] = []

    def lender(self) -> Callable[[int], FloatArray]:
        """The ``lend`` function of one model call."""
        asked = 0

        def lend(n: int) -> FloatArray:
            nonlocal asked
            i, asked = asked, asked + 1
            if i == len(self.kept):
                self.kept.append(np.empty(n))
            elif self.kept[i].size < n:
                self.kept[i] = np.empty(0)  # free the old one first: one buffer at a time in memory
                self.kept[i] = np.empty(n)
            return self.kept[i][:n]

        return lend

    def release(self) -> None:
        self.kept.clear()


_BUFFERS = _Buffers()


def _run_model(
    scenario: Scenario,
    params: dict[str, FloatArray],
    n: int,
    outs: tuple[_OutPlan, ...],
    lend: Callable[[int], FloatArray] | None = None,
    run_paths: int | None = None,
) -> Outputs:
    result = scenario.model.func(params, _context(scenario, n, lend, run_paths))
    want = {o.name for o in outs}
    if set(result) != want:
        raise RuntimeError(
            f"model {scenario.model.name} returned {sorted(result)}, declared {sorted(want)}"
        )  # pragma: no cover - a programming error in a model
    for o in outs:
        x = np.asarray(result[o.name], dtype=np.float64)
        shape = (n,) if o.kind == "scalar" else (n, o.length)
        if x.shape != shape:
            raise RuntimeError(f"model output {o.name} has shape {x.shape}, expected {shape}")  # pragma: no cover
        result[o.name] = x
    return result


def _as_2d(x: FloatArray) -> FloatArray:
    return x[:, None] if x.ndim == 1 else x


def _run_chunk(task: _Task) -> _ChunkResult:
    """Run one work block (a top-level function: pickled by reference to processes and Dask)."""
    plan = task.plan
    params, sizes = _chunk_parameters(plan.scenario, plan.seed, task.first_block, task.n_blocks, plan.paths)
    rows = sum(sizes)
    lend = _BUFFERS.lender() if plan.lend else None
    result = _run_model(plan.scenario, params, rows, plan.outputs, lend, run_paths=plan.paths)
    del params
    return _summarise_chunk(plan, task.first_block, sizes, result)


def _summarise_chunk(plan: _Plan, first_block: int, sizes: list[int], result: Outputs) -> _ChunkResult:
    """What the aggregator takes from a work block: its outputs summarised (emptied out of *result*)."""
    out: dict[str, _OutChunk] = {}
    for o in plan.outputs:
        x = _as_2d(result.pop(o.name))
        summary = _stats.summarise(x, sizes, None if plan.exact else o.grid, work=plan.paths * x.shape[1])
        oc = _OutChunk(summary.moments, summary.vmin, summary.vmax)
        if plan.exact:
            oc.values = x
        else:
            oc.per_column, oc.bins, oc.counts = summary.per_column, summary.bins, summary.counts
            oc.special = summary.special
        out[o.name] = oc
    return _ChunkResult(first_block, len(sizes), first_block * STREAM_BLOCK, sum(sizes), out)


# --- executors -----------------------------------------------------------------------------------


def _map_inprocess(tasks: Iterable[_Task]) -> Iterator[_ChunkResult]:
    for t in tasks:
        yield _run_chunk(t)


def _windowed(
    submit: Callable[[_Task], Any],
    wait_any: Callable[[set[Any]], tuple[set[Any], set[Any]]],
    result: Callable[[Any], _ChunkResult],
    tasks: Iterable[_Task],
    window: int,
) -> Iterator[_ChunkResult]:
    """Keep at most ``window`` tasks in flight (bounds memory), yield results as they finish."""
    pending: set[Any] = set()
    it = iter(tasks)
    exhausted = False
    while True:
        while not exhausted and len(pending) < window:
            try:
                pending.add(submit(next(it)))
            except StopIteration:
                exhausted = True
        if not pending:
            return
        done, pending = wait_any(pending)
        for f in done:
            yield result(f)


def _map_processes(tasks: Iterable[_Task], workers: int) -> Iterator[_ChunkResult]:
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    # fork starts workers in milliseconds with NumPy already imported, but is only safe while this
    # process runs a single thread (a lock held by another thread would stay locked in the child);
    # otherwise forkserver (or spawn) start clean interpreters
    if "fork" in methods and threading.active_count() == 1:
        method = "fork"
    else:
        method = "forkserver" if "forkserver" in methods else "spawn"
    ctx = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:

        def wait_any(p: set[Future[_ChunkResult]]) -> tuple[set[Any], set[Any]]:
            done, rest = wait(p, return_when=FIRST_COMPLETED)
            return set(done), set(rest)

        yield from _windowed(lambda t: pool.submit(_run_chunk, t), wait_any, lambda f: f.result(), tasks, 2 * workers)


_SCHEDULER_HINT = "Give the scheduler's address as tcp://host:8786 (the address `dask scheduler` prints)."


def _bad_scheduler(address: str, why: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"{address!r} is not a Dask scheduler address: {why}.", hint=_SCHEDULER_HINT)


def _scheduler_address(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of a ``tcp://`` (or bare ``host:port``) scheduler address; None for other protocols.

    Raises
    ------
    InvalidArgumentError : the address has no host or no port
    """
    import urllib.parse

    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme not in ("tcp", "tls"):
        return None  # inproc://, ucx://: left to dask
    try:
        parts = urllib.parse.urlsplit(f"//{rest}")
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise _bad_scheduler(address, str(exc)) from None
    if not host or port is None:
        raise _bad_scheduler(address, "it needs a host and a port")
    return host, port


def _reachable(hostport: tuple[str, int] | None, timeout_s: float = 5.0) -> None:
    """Fail at once when nothing listens at *hostport* (dask would retry for its whole timeout).

    Raises
    ------
    NetworkError : the host does not resolve, refuses the connection, or does not answer in *timeout_s*
    """
    import socket

    if hostport is None:
        return
    host, port = hostport
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as exc:
        raise NetworkError(
            f"Cannot connect to the Dask scheduler at {host}:{port}: {exc}",
            hint="Start one with `dask scheduler` and `dask worker ADDRESS`, or check the address (tcp://host:8786).",
        ) from None


def _dask_client(scheduler: Any) -> tuple[Any, bool]:
    try:
        from dask.distributed import Client
    except ImportError:
        raise ConfigError(
            "Running on a Dask cluster needs the `dask` extra.",
            hint='Install it: pip install "capexwatch[dask]"',
        ) from None
    if isinstance(scheduler, Client):
        return scheduler, False
    _reachable(_scheduler_address(str(scheduler)))
    try:
        return Client(str(scheduler), timeout="10s"), True  # type: ignore[no-untyped-call]
    except ValueError as exc:  # dask's own parse of an address we let through
        raise _bad_scheduler(str(scheduler), str(exc)) from None
    except (OSError, TimeoutError) as exc:
        raise NetworkError(
            f"Cannot connect to the Dask scheduler at {scheduler}: {exc}",
            hint="Start one with `dask scheduler` and `dask worker ADDRESS`, or check the address (tcp://host:8786).",
        ) from None


def _map_dask(tasks: Iterable[_Task], scheduler: Any) -> Iterator[_ChunkResult]:
    from dask.distributed import wait as dask_wait

    client, own = _dask_client(scheduler)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))

        def wait_any(p: set[Any]) -> tuple[set[Any], set[Any]]:
            res = dask_wait(list(p), return_when="FIRST_COMPLETED")  # type: ignore[no-untyped-call]
            return set(res.done), set(res.not_done)

        yield from _windowed(
            lambda t: client.submit(_run_chunk, t, pure=False), wait_any, lambda f: f.result(), tasks, 2 * n_workers
        )
    finally:
        if own:
            client.close()


# --- the run -------------------------------------------------------------------------------------


def _output_length(o: Output, scenario: Scenario) -> int:
    if o.kind == "scalar":
        return 1
    if o.freq == "Q":
        return scenario.horizon_quarters
    return len(year_groups(scenario.horizon_quarters, scenario.start_quarter)[0])


def _labels(o: Output, scenario: Scenario) -> list[str]:
    if o.freq == "Y":
        return year_groups(scenario.horizon_quarters, scenario.start_quarter)[0]
    if scenario.start_quarter is None:
        prefix = "W" if scenario.period == "week" else "Q"  # weekly models (supply_chain) label weeks
        return [f"{prefix}{t + 1}" for t in range(scenario.horizon_quarters)]
    from capexwatch.facts.periods import quarter_index, quarter_label

    q0 = quarter_index(scenario.start_quarter)
    return [quarter_label(q0 + t) for t in range(scenario.horizon_quarters)]


def _check_ready(scenario: Scenario) -> None:
    """Errors a parsed scenario can still have once store values are in: vector lengths, ranges."""
    spec = scenario.model
    if scenario.options.get("window_years") is not None and scenario.start_quarter is None:
        raise ScenarioError(
            f"{scenario.path}: options.window_years needs start_quarter (the calendar quarter of t = 0).",
            hint="Add start_quarter: 2025Q1 (say) to the scenario.",
        )
    for name, entry in scenario.params.items():
        p = spec.param(name)
        v = entry.value
        where = f"{scenario.path}, line {entry.line}: parameters.{name}"
        if isinstance(v, FromStore) or (isinstance(v, VectorValue) and any(isinstance(x, FromStore) for x in v.parts)):
            raise DataError(f"{where}: not filled from the store yet (call fill_from_store first)")
        if isinstance(v, VectorValue):
            if v.length > scenario.horizon_quarters:
                raise ScenarioError(
                    f"{where}: {v.length} quarters of values but horizon_quarters is {scenario.horizon_quarters}.",
                    hint=f"Set horizon_quarters: {v.length} (or more), or shorten the list.",
                )
            consts = [x.element.value for x in v.parts if isinstance(x, Part) and isinstance(x.element, Const)]
            bad = [c for c in consts if not p.contains(c, c)]
            if bad:
                raise DataError(f"{where}: value {bad[0]:g} is outside {p.range_text()}.")
        elif isinstance(v, Const) and not p.contains(v.value, v.value):
            raise DataError(f"{where}: value {v.value:g} (from the store) is outside {p.range_text()}.")


def simulate(
    scenario: Scenario,
    *,
    paths: int | None = None,
    seed: int | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    workers: int = 1,
    scheduler: Any = None,
    memory_limit: int = MEMORY_LIMIT,
    store: Any = None,
    progress: ProgressFn | None = None,
) -> SimulationResult:
    """Run *scenario* and summarise every output.

    Parameters
    ----------
    scenario : a parsed scenario (:func:`capexwatch.models.scenario.load_scenario`); ``from_store``
        values are filled here from *store*
    paths, seed : override the scenario's; with no seed anywhere a fresh one is drawn (and reported)
    block_size : paths per work block, rounded up to a multiple of :data:`STREAM_BLOCK`
    workers : local processes (1: in this process)
    scheduler : a Dask scheduler address (``tcp://host:8786``) or a ``dask.distributed.Client``
    memory_limit : bytes of kept values allowed for exact percentiles
    store : the store ``from_store`` values are read from (opened by the caller; needed only by
        scenarios that read it). The engine never writes: the caller saves a run with
        :func:`save_result`.
    progress : called as ``progress(paths_done, paths_total)`` after each work block
    """
    from capexwatch.models.store_fill import fill_from_store

    t0 = time.perf_counter()
    paths = scenario.paths if paths is None else int(paths)
    if not 1 <= paths <= MAX_PATHS:
        # the same bound a scenario file's `paths:` has: a flag must not ask for what a file cannot
        raise ScenarioError(f"paths must be between 1 and {MAX_PATHS:,} (got {paths:,})")
    if seed is None:
        seed = scenario.seed
    if seed is None:
        seed = secrets.randbits(63)
    if not 0 <= seed < 2**63:
        raise ScenarioError(f"seed must be between 0 and 2**63 - 1 (got {seed})")
    if workers < 1:
        raise ScenarioError(f"workers must be at least 1 (got {workers})")
    if block_size < 1:
        raise ScenarioError(f"block size must be at least 1 (got {block_size})")
    blocks_per_task = max(1, math.ceil(block_size / STREAM_BLOCK))

    resolved = fill_from_store(scenario, store)
    _check_ready(resolved)
    spec = resolved.model
    active = spec.active_outputs(resolved.present, resolved.options)
    lengths = {o.name: _output_length(o, resolved) for o in active}
    exact = paths * sum(lengths.values()) * 8 <= memory_limit

    n_stream = math.ceil(paths / STREAM_BLOCK)
    grids: dict[str, _stats.Grid | None] = {o.name: None for o in active}
    pilot: Outputs | None = None
    if not exact:
        pilot_n = min(STREAM_BLOCK, paths)
        pilot_plans = tuple(_OutPlan(o.name, o.kind, lengths[o.name], None) for o in active)
        pilot = _run_model(resolved, draw_parameters(resolved, seed, 0, pilot_n), pilot_n, pilot_plans, run_paths=paths)
        for o in active:
            k = _stats.K_SCALAR if o.kind == "scalar" else _stats.K_SERIES
            grids[o.name] = _stats.make_grid(_as_2d(pilot[o.name]), k)
    plan = _Plan(
        resolved,
        seed,
        paths,
        exact,
        tuple(_OutPlan(o.name, o.kind, lengths[o.name], grids[o.name]) for o in active),
        lend=not exact and scheduler is None,
    )
    # the pilot is stream block 0: its summary stands for that block, and the work blocks start at 1
    first = _summarise_chunk(plan, 0, [pilot_n], pilot) if pilot is not None else None
    start = 0 if first is None else 1
    tasks = (_Task(plan, b, min(blocks_per_task, n_stream - b)) for b in range(start, n_stream, blocks_per_task))
    if scheduler is not None:
        results = _map_dask(tasks, scheduler)
        executor = "dask"
    elif workers > 1:
        # forked workers inherit the compiled statistics pass (where the run is big enough to use it)
        _stats.warm_up(paths * max((o.length for o in plan.outputs), default=1))
        results = _map_processes(tasks, workers)
        executor = "processes"
    else:
        results = _map_inprocess(tasks)
        executor = "inprocess"

    agg = _Aggregator(plan, n_stream)
    done = 0
    try:
        for res in results if first is None else itertools.chain([first], results):
            agg.add(res)
            done += res.rows
            if progress is not None:
                progress(done, paths)
    finally:
        _BUFFERS.release()  # what this thread was lent (in-process runs); workers free theirs on exit
    outputs, series = agg.finish(active, resolved)

    result = SimulationResult(
        model=spec.name,
        scenario=resolved.name,
        title=resolved.title,
        paths=paths,
        seed=seed,
        horizon_quarters=resolved.horizon_quarters if spec.time_series else None,
        start_quarter=resolved.start_quarter,
        parameters=describe_parameters(resolved),
        outputs=outputs,
        series=series,
        percentile_method="exact"
        if exact
        else (f"binned (relative bin width <= 2^-{_stats.K_SCALAR} for scalars, 2^-{_stats.K_SERIES} for series)"),
        expect=_check_expect(resolved, outputs),
        executor=executor,
        workers=workers if executor == "processes" else 1,
        block_size=blocks_per_task * STREAM_BLOCK,
    )
    result.elapsed_s = time.perf_counter() - t0
    return result


def save_result(result: SimulationResult, store: Any) -> str:
    """Write *result* to *store*'s runs table (a store the caller opened for writing).

    Returns the new ``run_id``; the caller records it (``result.run_id = save_result(result, store)``).
    """
    run_id: str = store.save_run(
        model=result.model,
        scenario=result.scenario,
        paths=result.paths,
        seed=result.seed,
        parameters=result.parameters,
        outputs=result.stored_outputs(),
    )
    return run_id


def _check_expect(scenario: Scenario, outputs: Mapping[str, OutputStats]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, e in scenario.expect.items():
        got = outputs[name].p50 if name in outputs else float("nan")
        ok = math.isclose(got, e.value, rel_tol=e.rel_tol) if math.isfinite(got) else False
        out[name] = {
            "published": e.value,
            "median": got,
            "rel_tol": e.rel_tol,
            "matches": ok,
            "source": e.source,
            "note": e.note,
        }
    return out


class _Aggregator:
    """Merges work-block results: moments in stream-block order, counts by addition."""

    def __init__(self, plan: _Plan, n_stream: int) -> None:
        self.plan = plan
        self.n_stream = n_stream
        self._lengths = {o.name: o.length for o in plan.outputs}
        self._grids = {o.name: o.grid for o in plan.outputs}
        self.next_block = 0
        self.pending: dict[int, _ChunkResult] = {}
        self.moments: dict[str, _stats.Moments | None] = {o.name: None for o in plan.outputs}
        self.vmin = {o.name: np.full(o.length, np.nan) for o in plan.outputs}
        self.vmax = {o.name: np.full(o.length, np.nan) for o in plan.outputs}
        self.values: dict[str, FloatArray] = {}
        self.counts: dict[str, npt.NDArray[np.int32]] = {}
        self.special: dict[str, dict[str, tuple[FloatArray, FloatArray]]] = {o.name: {} for o in plan.outputs}
        for o in plan.outputs:
            if plan.exact:
                self.values[o.name] = np.empty((plan.paths, o.length))
            else:
                assert o.grid is not None
                # int32: a bin holds at most every path (MAX_PATHS < 2**31); half the memory the
                # merge walks through (14 series x 200 periods: 65 MB instead of 130)
                self.counts[o.name] = np.zeros(o.length * o.grid.size, dtype=np.int32)

    def add(self, res: _ChunkResult) -> None:
        for name, oc in res.outputs.items():
            with np.errstate(invalid="ignore"):
                self.vmin[name] = np.fmin(self.vmin[name], oc.vmin)
                self.vmax[name] = np.fmax(self.vmax[name], oc.vmax)
            if oc.values is not None:
                self.values[name][res.first_path : res.first_path + res.rows] = oc.values
            if oc.per_column is not None and oc.bins is not None and oc.counts is not None:
                grid = self._grids[name]
                assert grid is not None
                work = self.plan.paths * self._lengths[name]
                _stats.add_counts(self.counts[name], grid.size, oc.per_column, oc.bins, oc.counts, work=work)
            for tag, (lo, hi) in oc.special.items():
                have = self.special[name].get(tag)
                self.special[name][tag] = (lo, hi) if have is None else (np.fmin(have[0], lo), np.fmax(have[1], hi))
            oc.values = None
        # moments merge strictly in stream-block order, whatever order blocks finish in
        self.pending[res.first_block] = res
        while self.next_block in self.pending:
            r = self.pending.pop(self.next_block)
            for name, oc in r.outputs.items():
                for m in oc.moments:
                    cur = self.moments[name]
                    self.moments[name] = m if cur is None else _stats.merge_moments(cur, m)
                oc.moments = []
            self.next_block += r.n_blocks

    def _binned_percentiles(self, o: _OutPlan) -> FloatArray:
        """Percentiles of every column of *o* from its merged bin counts, (columns, 5)."""
        assert o.grid is not None
        return _stats.histogram_percentiles_table(
            o.grid, self.counts[o.name], self.special[o.name], self.vmin[o.name], self.vmax[o.name]
        )

    def _column_stats(
        self, o: _OutPlan, col: int, binned: FloatArray | None = None
    ) -> tuple[float, float, list[float], float, float, float]:
        m = self.moments[o.name]
        assert m is not None
        n = int(m.n[col])
        vmin, vmax = float(self.vmin[o.name][col]), float(self.vmax[o.name][col])
        if n == 0:
            nan = float("nan")
            return nan, nan, [nan] * len(_stats.PERCENTILES), nan, nan, 0.0
        if vmin == vmax:
            # every defined value equal: report it exactly (no rounding noise from the merges)
            return vmin, 0.0, [vmin] * len(_stats.PERCENTILES), vmin, vmax, n / self.plan.paths
        mean = float(m.mean[col])
        sd = math.sqrt(float(m.m2[col]) / (n - 1)) if n > 1 else 0.0
        if self.plan.exact:
            col_values = self.values[o.name][:, col]
            col_values = col_values[~np.isnan(col_values)]
            pct = [float(v) for v in np.percentile(col_values, _stats.PERCENTILES)]
        else:
            assert binned is not None
            pct = [float(v) for v in binned[col]]
        return mean, sd, pct, vmin, vmax, n / self.plan.paths

    def finish(
        self, active: tuple[Output, ...], scenario: Scenario
    ) -> tuple[dict[str, OutputStats], dict[str, SeriesStats]]:
        if self.next_block < self.n_stream:  # pragma: no cover - an executor lost a block
            raise RuntimeError(f"only {self.next_block} of {self.n_stream} stream blocks came back")
        outputs: dict[str, OutputStats] = {}
        series: dict[str, SeriesStats] = {}
        by_name = {o.name: o for o in active}
        for o in self.plan.outputs:
            decl = by_name[o.name]
            binned = None if self.plan.exact else self._binned_percentiles(o)
            if o.kind == "scalar":
                mean, sd, pct, vmin, vmax, share = self._column_stats(o, 0, binned)
                p5, p25, p50, p75, p95 = pct
                outputs[o.name] = OutputStats(
                    o.name, decl.unit, decl.description, mean, sd, p5, p25, p50, p75, p95, vmin, vmax, share
                )
                continue
            cols = [self._column_stats(o, c, binned) for c in range(o.length)]
            series[o.name] = SeriesStats(
                o.name,
                decl.unit,
                decl.description,
                decl.freq,
                _labels(decl, scenario),
                mean=[c[0] for c in cols],
                sd=[c[1] for c in cols],
                p5=[c[2][0] for c in cols],
                p25=[c[2][1] for c in cols],
                p50=[c[2][2] for c in cols],
                p75=[c[2][3] for c in cols],
                p95=[c[2][4] for c in cols],
                defined_share=[c[5] for c in cols],
            )
        return outputs, series


# --- parameters as recorded in the result --------------------------------------------------------


def _element_dict(el: Element) -> dict[str, Any]:
    if isinstance(el, Const):
        return {"value": el.value}
    d = el.dist.to_dict()
    if el.dist.mean is not None:
        d["dist_mean"] = el.dist.mean * el.multiplier
    if el.multiplier != 1.0:
        d["multiplier"] = el.multiplier
    if el.per_quarter:
        d["per"] = "quarter"
    return d


def describe_parameters(scenario: Scenario) -> dict[str, Any]:
    """The resolved parameters as JSON-able dicts: value or distribution, unit, citation, and the
    store rows a value came from."""
    out: dict[str, Any] = {}
    for name, entry in scenario.params.items():
        p = scenario.model.param(name)
        v = entry.value
        d: dict[str, Any]
        if isinstance(v, (Const, Random)):
            d = _element_dict(v)
        elif isinstance(v, VectorValue):
            elems = []
            for part in v.parts:
                if isinstance(part, Part):
                    e = _element_dict(part.element)
                    if part.repeat != 1:
                        e["quarters"] = part.repeat
                        e["split"] = part.divisor
                    elems.append(e)
            if all(set(e) == {"value"} for e in elems):
                d = {"values": [e["value"] for e in elems]}
            else:
                d = {"values": elems}
            d["extend"] = v.extend
        else:  # pragma: no cover - filled before
            d = {"from_store": "unresolved"}
        d["unit"] = p.unit
        if entry.source:
            d["source"] = entry.source
        if entry.note:
            d["note"] = entry.note
        if entry.default:
            d["default"] = True
            d["source"] = p.description
        if entry.provenance:
            d.update(entry.provenance)
        out[name] = d
    return out


# --- helper for dynamics models ------------------------------------------------------------------

State = dict[str, FloatArray]
StepFn = Callable[[int, State], tuple[State, Mapping[str, FloatArray]]]


def run_quarters(step: StepFn, state: State, horizon: int) -> dict[str, FloatArray]:
    """Carry ``state`` (arrays with one row per path) through ``horizon`` quarters.

    ``step(t, state)`` returns the next state and this quarter's outputs (each ``(paths,)``);
    the outputs are stacked into ``(paths, horizon)`` arrays. Everything stays vectorised over
    paths; only the quarters loop in Python. Per-quarter random shocks come in as ``quarterly``
    parameters drawn ``per: quarter``, so a step function stays pure.
    """
    collected: dict[str, list[FloatArray]] = {}
    for t in range(horizon):
        state, outs = step(t, state)
        for k, v in outs.items():
            collected.setdefault(k, []).append(np.asarray(v, dtype=np.float64))
    return {k: np.stack(v, axis=1) for k, v in collected.items()}


def default_workers() -> int:
    """CPU cores available to this process (for ``--workers 0`` = all)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1
