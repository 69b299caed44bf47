"""Simulation runs for the web: the CLI's ``simulate`` path, with progress, cancel and one short write.

A run is what ``capexwatch simulate PRESET|FILE --paths N --seed S --json`` does: load the scenario
(a bundled preset by name, or YAML text parsed by :func:`capexwatch.models.scenario.parse_scenario`),
fill ``from_store`` values from a read-only store, run :func:`capexwatch.models.engine.simulate` in
one process, save the result with :func:`capexwatch.models.engine.save_result` in one short write
and return ``result.to_dict()``. Results do not depend on the block size (``models/NOTES.md``), so
the web uses smaller blocks than the CLI to report progress more often.

Runs from the pages are jobs on a background thread (:class:`Jobs`): the page polls their progress
and may cancel them; a cancelled run raises inside the engine's progress callback, so nothing is
saved.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from capexwatch.errors import CapexwatchError, InvalidRequestError, NotFoundError, ScenarioError, StoreError
from capexwatch.web._validate import MAX_PATHS, body_fields, check_yaml, int_param

if TYPE_CHECKING:
    from capexwatch.models.scenario import Scenario
    from capexwatch.web._store import StoreAccess

__all__ = ["Jobs", "RunRequest", "parse_run_request", "run_simulation"]

WEB_BLOCK_SIZE = 16_384
"""Paths per work block in web runs: progress every block (the CLI's default is 65,536)."""
_MAX_JOBS = 32
"""Finished jobs kept for their pages to read (oldest dropped first)."""

_FIELDS = ("preset", "scenario", "paths", "seed", "save")


@dataclass(frozen=True)
class RunRequest:
    """A checked request: a preset name or YAML text, optional paths and seed, whether to save."""

    preset: str | None
    scenario: str | None
    paths: int | None
    seed: int | None
    save: bool = True


def parse_run_request(body: Any) -> RunRequest:
    """Check ``{"preset": NAME | "scenario": YAML, "paths": N, "seed": S, "save": bool}``."""
    data = body_fields(body, _FIELDS)
    preset, text = data.get("preset"), data.get("scenario")
    if (preset is None) == (text is None):
        raise InvalidRequestError("preset", "give exactly one of preset (a name) or scenario (YAML text)")
    if preset is not None and (not isinstance(preset, str) or not preset or len(preset) > 64):
        raise InvalidRequestError("preset", "must be a preset name", hint="List them at /api/v1/scenarios.")
    if text is not None:
        text = check_yaml(text, "scenario")
    paths = None if data.get("paths") is None else int_param(data["paths"], "paths", low=1, high=MAX_PATHS)
    seed = None if data.get("seed") is None else int_param(data["seed"], "seed", low=0, high=2**63 - 1)
    save = data.get("save", True)
    if not isinstance(save, bool):
        raise InvalidRequestError("save", "must be true or false")
    return RunRequest(preset, text, paths, seed, save)


def load_request_scenario(req: RunRequest) -> Scenario:
    """The scenario a request names: a bundled preset (never a file path) or its YAML text."""
    from capexwatch.models.scenario import list_presets, parse_scenario, preset_path

    if req.preset is not None:
        entry = preset_path(req.preset) if req.preset.replace("-", "").replace("_", "").isalnum() else None
        if entry is None:
            names = ", ".join(s.name for s in list_presets())
            raise InvalidRequestError("preset", f"unknown preset {req.preset[:64]!r}", hint=f"Presets: {names}.")
        return parse_scenario(entry.read_text(encoding="utf-8"), filename=entry.name, name=req.preset)
    assert req.scenario is not None
    return parse_scenario(req.scenario, filename="scenario")


def _scenario_paths(scn: Scenario, req: RunRequest) -> int:
    """The run's paths: the request's, else the scenario's, within the web's limit."""
    paths = req.paths if req.paths is not None else scn.paths
    if paths > MAX_PATHS:
        raise InvalidRequestError(
            "paths",
            f"the scenario asks for {paths:,} paths; the web limit is {MAX_PATHS:,}",
            hint="Pass a smaller `paths`, or run it with `capexwatch simulate` on the command line.",
        )
    return paths


class Cancelled(Exception):
    """Raised from the progress callback to stop a run the user cancelled."""


def run_simulation(
    access: StoreAccess, req: RunRequest, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """Run *req* as ``capexwatch simulate --json`` does and return its dict (``warning`` added only
    when the run could not be saved because another process holds the store)."""
    from capexwatch._json import to_jsonable
    from capexwatch.models.engine import save_result, simulate
    from capexwatch.models.store_fill import fill_from_store

    scn = load_request_scenario(req)
    paths = _scenario_paths(scn, req)
    if scn.needs_store:
        with access.reading() as store:
            scn = fill_from_store(scn, store)
    result = simulate(scn, paths=paths, seed=req.seed, block_size=WEB_BLOCK_SIZE, progress=progress)
    warning = None
    if req.save:
        try:
            with access.writing() as store:
                result.run_id = save_result(result, store)
        except StoreError as exc:
            warning = f"The run was not saved: {exc.message}"
    out: dict[str, Any] = to_jsonable(result.to_dict())
    if warning:
        out["warning"] = warning
    return out


# --------------------------------------------------------------------------- background jobs


@dataclass
class Job:
    """One run from a page: its state (``running``, ``done``, ``failed``, ``cancelled``) and progress."""

    job_id: str
    request: RunRequest
    state: str = "running"
    done: int = 0
    total: int = 0
    started: float = field(default_factory=time.monotonic)
    result: dict[str, Any] | None = None
    figures: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "state": self.state,
            "paths_done": self.done,
            "paths_total": self.total,
            "elapsed_s": round(time.monotonic() - self.started, 3),
            "result": self.result,
            "figures": self.figures,
            "error": self.error,
        }


def error_body(exc: BaseException) -> dict[str, Any]:
    """``{error, hint[, field]}`` for a failure a user can act on."""
    if isinstance(exc, InvalidRequestError):
        return {"error": exc.message, "hint": exc.hint, "field": exc.field}
    if isinstance(exc, ScenarioError):
        return {"error": exc.message, "hint": exc.hint, "field": "scenario"}
    if isinstance(exc, CapexwatchError):
        return {"error": exc.message, "hint": exc.hint}
    return {"error": f"internal error: {type(exc).__name__}", "hint": "This is a bug in capexwatch; please report it."}


def _fan_json(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The report's fan charts of *result* as Plotly JSON (the page draws them with plotly.js)."""
    import json

    from capexwatch.report.fan import fan_figures

    return [json.loads(f.to_json()) for f in fan_figures(dict(result))]


class Jobs:
    """Simulation jobs on background threads, one at a time per server (the machine is shared)."""

    def __init__(self, access: StoreAccess) -> None:
        self._access = access
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._one = threading.Semaphore(1)
        self._threads: list[threading.Thread] = []

    def start(self, req: RunRequest) -> Job:
        """Check the scenario now (errors answer the request) and run it on a thread."""
        scn = load_request_scenario(req)
        job = Job(uuid.uuid4().hex[:12], req, total=_scenario_paths(scn, req))
        with self._lock:
            self._jobs[job.job_id] = job
            while len(self._jobs) > _MAX_JOBS:
                oldest = next(iter(self._jobs))
                if self._jobs[oldest].state == "running":
                    break
                self._jobs.pop(oldest)
        thread = threading.Thread(target=self._run, args=(job,), name=f"capexwatch-job-{job.job_id}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return job

    def _run(self, job: Job) -> None:
        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total
            if job.cancel.is_set():
                raise Cancelled

        try:
            with self._one:
                if job.cancel.is_set():
                    raise Cancelled
                job.result = run_simulation(self._access, job.request, progress)
                job.figures = _fan_json(job.result)
            job.done = job.total
            job.state = "done"
        except Cancelled:
            job.state = "cancelled"
        except Exception as exc:  # noqa: BLE001 - reported to the page as {error, hint}
            job.error = error_body(exc)
            job.state = "failed"

    def get(self, job_id: str) -> Job:
        """The job *job_id*, or :class:`~capexwatch.errors.NotFoundError`."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"No simulation job {job_id[:40]!r}.", hint="Start one with POST /api/v1/jobs.")
        return job

    def cancel(self, job_id: str) -> Job:
        """Ask *job_id* to stop at its next block."""
        job = self.get(job_id)
        job.cancel.set()
        return job

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Cancel every running job and wait for their threads (at most *timeout_s* in all), so that
        none is inside the store or the engine when the server stops (or a test removes the store)."""
        with self._lock:
            jobs, threads = list(self._jobs.values()), list(self._threads)
        for job in jobs:
            job.cancel.set()
        deadline = time.monotonic() + timeout_s
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def snapshot(self) -> Mapping[str, Job]:
        with self._lock:
            return dict(self._jobs)
