"""The compiled double-ordering kernel (models/_supply_chain_kernel.py) against the NumPy kernel.

Both kernels run the same operations in the same order, so every output and every traced stock and
flow must agree to rounding (1e-12 relative) on every path: the presets, both ordering rules, every
demand process, order delays, 1 to 4 stages, rationing on and off, write-downs. (Both are also held
to the per-path reference in test_supply_chain.py, parametrised over the two kernels.)
"""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from capexwatch.models import _jit, engine
from capexwatch.models import supply_chain as sc
from capexwatch.models._spec import Context
from capexwatch.models.engine import STREAM_BLOCK, _context, draw_parameters, simulate
from capexwatch.models.scenario import Scenario, load_scenario, parse_scenario
from tests._support.scenarios import core
from tests.models.test_supply_chain import SHORTAGE, chain

pytestmark = pytest.mark.skipif(not _jit.available(), reason="the compiled kernel needs Numba (the fast extra)")

PRESETS = Path(sc.__file__).parent / "presets"


def ai_2026() -> Scenario:
    """The ai-2026 preset with its store-filled demand level replaced by an index of 100 (a test
    input: the kernels' agreement does not depend on the level)."""
    text = (PRESETS / "ai-2026.yaml").read_text(encoding="utf-8")
    lines = [
        "  demand_mean: 100" if line.startswith("  demand_mean: {from_store") else line for line in text.splitlines()
    ]
    assert "  demand_mean: 100" in lines
    return parse_scenario("\n".join(lines) + "\n", filename="ai-2026.yaml")


RANDOM = """
safety_stock_periods: {dist: uniform, low: 0, high: 3}
demand_growth: {dist: uniform, low: -0.002, high: 0.004}
"""

SCENARIOS = {
    "beer-game-1989": lambda: load_scenario("beer-game-1989"),
    "chips-2021": lambda: load_scenario("chips-2021"),
    "ai-2026": ai_2026,
    "sterman-ar1-delay": lambda: chain(
        "policy: sterman\nbeta: {dist: uniform, low: 0, high: 1}\nalpha_s: {dist: uniform, low: 0.1, high: 0.5}\n"
        "theta: {dist: uniform, low: 0, high: 1}\ndemand_process: ar1\ndemand_rho: 0.7\norder_delay: 2\n" + RANDOM,
        stages=3,
        horizon=90,
    ),
    "order-up-to-step": lambda: chain(
        "demand_process: step\ndemand_step_at: 20\ndemand_step_to: {dist: uniform, low: 90, high: 150}\n"
        "production_lead_time: 4\n" + RANDOM,
        stages=2,
        horizon=90,
        p=3,
    ),
    "shortage-delay-growth": lambda: chain(
        SHORTAGE.replace("12.5", "{dist: uniform, low: 1, high: 9}")
        + "order_delay: 1\nfill_smoothing: {dist: uniform, low: 0.2, high: 1}\n"
        + RANDOM,
        stages=4,
        horizon=120,
        lead=3,
    ),
}
for _stages in (1, 2, 3, 4):
    for _rationing in (False, True):
        _extra = SHORTAGE if _rationing else "generation_periods: 13\n"
        SCENARIOS[f"stages-{_stages}-rationing-{_rationing}"] = lambda extra=_extra, stages=_stages: chain(
            extra + RANDOM, stages=stages, horizon=80
        )


def both(s: Scenario, n: int, monkeypatch: pytest.MonkeyPatch, *, trace: bool) -> tuple[dict, dict]:
    params = draw_parameters(s, 7, 0, n)
    ctx = _context(s, n)
    got = {}
    for flag in ("0", "1"):
        monkeypatch.setenv("CAPEXWATCH_JIT", flag)
        got[flag] = sc.run_chain(params, ctx, trace=True) if trace else s.model.func(params, ctx)
    return got["0"], got["1"]


def assert_same(want: dict, got: dict, what: str) -> None:
    assert set(want) == set(got), what
    for key, value in want.items():
        w, g = np.asarray(value), np.asarray(got[key])
        assert w.shape == g.shape, f"{what} {key}"
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-9, err_msg=f"{what} {key}")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_compiled_outputs_match_numpy_kernel(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    s = SCENARIOS[name]()
    numpy_out, compiled_out = both(s, 37, monkeypatch, trace=False)
    assert_same(numpy_out, compiled_out, name)
    if s.options.get("rationing"):  # the comparison covers the gaming mechanics, not only their absence
        assert compiled_out["phantom_orders_units"].max() > 0


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_compiled_stocks_and_flows_match_numpy_kernel(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    numpy_res, compiled_res = both(SCENARIOS[name](), 11, monkeypatch, trace=True)
    assert_same(numpy_res, compiled_res, name)


def test_compiled_kernel_rows_do_not_mix(monkeypatch: pytest.MonkeyPatch) -> None:
    """A path's result does not depend on the paths batched with it (batches of 16 in the kernel)."""
    monkeypatch.setenv("CAPEXWATCH_JIT", "1")
    s = SCENARIOS["shortage-delay-growth"]()
    params = draw_parameters(s, 3, 0, 40)
    whole = s.model.func(params, _context(s, 40))
    for lo, hi in ((0, 1), (5, 22), (17, 40)):
        part = s.model.func({k: v[lo:hi] for k, v in params.items()}, _context(s, hi - lo))
        for key, value in part.items():
            np.testing.assert_array_equal(value, whole[key][lo:hi], err_msg=key)


def test_compiled_kernel_needs_no_row_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Across the NumPy kernel's row chunks (2,048 paths) the compiled kernel still agrees."""
    s = chain(textwrap.dedent(SHORTAGE), stages=2, horizon=12)
    n = sc.ROW_CHUNK + 5
    numpy_out, compiled_out = both(s, n, monkeypatch, trace=False)
    assert_same(numpy_out, compiled_out, "row chunks")


def test_lent_output_buffer_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """In histogram mode the engine lends the compiled kernel one output buffer, reused from work
    block to work block (Context.empty): the result is the one fresh arrays give, in process and in
    worker processes, and the buffer is gone when the run ends."""
    monkeypatch.setenv("CAPEXWATCH_JIT", "1")
    s = chain(textwrap.dedent(SHORTAGE), stages=2, horizon=30)
    run = {"paths": 3 * STREAM_BLOCK + 5, "seed": 4, "block_size": STREAM_BLOCK, "memory_limit": 0}
    asked: list[int] = []
    lender = engine._Buffers.lender

    def spy(self: engine._Buffers) -> Callable[[int], np.ndarray]:
        lend = lender(self)
        return lambda n: asked.append(n) or lend(n)

    monkeypatch.setattr(engine._Buffers, "lender", spy)
    lent = [core(simulate(s, **run))]
    assert len(asked) == 3  # one buffer per work block after the pilot (stream block 0), in this process
    assert not engine._BUFFERS.kept
    if threading.active_count() == 1:
        # forked workers see this CAPEXWATCH_JIT; a forkserver (threads running) keeps the setting
        # it started with, and the NumPy kernel would answer for the compiled one
        lent.append(core(simulate(s, workers=2, **run)))
    monkeypatch.setattr(engine._Buffers, "lender", lambda self: np.empty)
    fresh = core(simulate(s, **run))
    assert all(result == fresh for result in lent)


def test_buffers_lent_per_call() -> None:
    """Within a call each request gets its own memory; the next call gets the same memory again,
    grown where it asks for more."""
    buffers = engine._Buffers()
    first = buffers.lender()
    a, b = first(10), first(5)
    assert not np.shares_memory(a, b)
    second = buffers.lender()
    c, d = second(8), second(7)
    assert np.shares_memory(a, c) and c.shape == (8,)
    assert not np.shares_memory(b, d) and d.shape == (7,)
    buffers.release()
    assert not buffers.kept


def test_kernel_follows_the_run_not_the_work_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """With CAPEXWATCH_JIT unset, compiled kernels run for runs of at least MIN_WORK path-periods:
    weighed on the whole run (Context.work), so every call of a large run takes the compiled
    kernel, even a work block (or the pilot) under MIN_WORK."""
    monkeypatch.delenv("CAPEXWATCH_JIT", raising=False)
    horizon = 200
    assert STREAM_BLOCK * horizon < _jit.MIN_WORK <= 3 * STREAM_BLOCK * horizon
    s = chain(textwrap.dedent(SHORTAGE), stages=1, horizon=horizon)
    compiled: list[int] = []
    real = sc._compiled_outputs
    monkeypatch.setattr(sc, "_compiled_outputs", lambda p, ctx: compiled.append(ctx.paths) or real(p, ctx))
    simulate(s, paths=3 * STREAM_BLOCK, seed=2, block_size=STREAM_BLOCK)
    assert compiled == [STREAM_BLOCK] * 3
    assert Context(paths=10, horizon_quarters=4, run_paths=1000).work == 4000
    assert Context(paths=10, horizon_quarters=4).work == 40


@pytest.mark.parametrize("stages", [1, 2, 4])
def test_simulate_gives_the_same_numbers_with_either_kernel(stages: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # the NumPy kernel writes its series period-major, the compiled one path-major; NumPy's column
    # sums follow the layout, so the means and sds differed in their last bits until the
    # statistics summed every layout as C-ordered rows
    got = {}
    for flag in ("0", "1"):
        monkeypatch.setenv("CAPEXWATCH_JIT", flag)
        r = simulate(chain(SHORTAGE, stages=stages, horizon=30), paths=2000, workers=1)
        got[flag] = ({k: v.to_dict() for k, v in r.outputs.items()}, {k: v.to_dict() for k, v in r.series.items()})
    assert got["0"] == got["1"]
