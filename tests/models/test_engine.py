"""The engine's contract: seeded streams per block, identical results whatever the chunking,
workers or executor, convergence to closed forms, bounded memory."""

from __future__ import annotations

import math
import textwrap
import time
import tracemalloc

import numpy as np
import pytest

from capexwatch.models import engine
from capexwatch.models.dists import Uniform
from capexwatch.models.engine import STREAM_BLOCK, draw_parameters, run_quarters, simulate
from capexwatch.models.scenario import parse_scenario
from tests._support.scenarios import SCENARIOS, core, scenario

ISSUE = """
model: required_revenue.sequoia
paths: 200000
seed: 7
parameters:
  gpu_revenue_usd: 150000000000
  tco_multiplier: 2
  gross_margin: {dist: uniform, low: 0.4, high: 0.6}
  ai_revenue_usd: 100000000000
"""


def issue_scenario(**replace: str):
    text = ISSUE
    for k, v in replace.items():
        text = text.replace(k, v)
    return parse_scenario(textwrap.dedent(text), filename="issue.yaml")


def test_closed_form_mean_and_median() -> None:
    # E[1 / (1 - m)] for m ~ U(0.4, 0.6) is 5 ln 1.5, so E[required] = 150e9 x 2 x 5 ln 1.5; the
    # requirement rises with m, so its median is at m = 0.5: 150e9 x 2 x 2 = 600e9
    r = simulate(issue_scenario())
    out = r.outputs["required_revenue_usd"]
    closed_mean = 150e9 * 2 * 5 * math.log(1.5)
    se = out.sd / math.sqrt(r.paths)
    assert abs(out.mean - closed_mean) < 4 * se
    # sd of 1/(1-m): E[1/(1-m)^2] = 5 (1/0.4 - 1/0.6) = 25/6
    closed_sd = 300e9 * math.sqrt(25 / 6 - (5 * math.log(1.5)) ** 2)
    assert out.sd == pytest.approx(closed_sd, rel=0.01)
    # median: sampling error of the median of m is ~ 0.2 / (2 sqrt(n)); x 1/(1-m)^2 = 4 at m = 0.5
    assert abs(out.p50 - 600e9) < 600e9 * 4 * 4 * 0.1 / math.sqrt(r.paths)
    # percentiles map through the monotone transform: p5 of m is 0.41
    assert out.p5 == pytest.approx(300e9 / (1 - 0.41), rel=2e-3)
    assert r.outputs["revenue_gap_usd"].mean == pytest.approx(out.mean - 100e9, rel=1e-12)


def test_binned_percentiles_close_to_exact() -> None:
    s = issue_scenario()
    exact = simulate(s, paths=100_000)
    binned = simulate(s, paths=100_000, memory_limit=0)
    assert exact.percentile_method == "exact" and binned.percentile_method.startswith("binned")
    for name, o in exact.outputs.items():
        b = binned.outputs[name]
        assert b.mean == o.mean and b.sd == o.sd  # moments do not depend on the mode
        for q in ("p5", "p25", "p50", "p75", "p95"):
            assert getattr(b, q) == pytest.approx(getattr(o, q), rel=2.5e-4)


def test_stream_contract() -> None:
    # block i draws from SeedSequence(seed).spawn(...)[i]; parameter j from that child's j-th child
    s = issue_scenario()
    j = s.model.param_names.index("gross_margin")
    for block in (0, 3):
        child = np.random.SeedSequence(7).spawn(block + 1)[block]
        grandchild = child.spawn(j + 1)[j]
        expected = Uniform(0.4, 0.6).sample(np.random.Generator(np.random.PCG64(grandchild)), 100)
        assert np.array_equal(draw_parameters(s, 7, block, 100)["gross_margin"], expected)


def test_common_random_numbers_across_variants() -> None:
    a = issue_scenario()
    b = issue_scenario(**{"ai_revenue_usd: 100000000000": "ai_revenue_usd: {dist: uniform, low: 5e10, high: 1.5e11}"})
    pa, pb = draw_parameters(a, 7, 2, 1000), draw_parameters(b, 7, 2, 1000)
    assert np.array_equal(pa["gross_margin"], pb["gross_margin"])
    assert not np.array_equal(pa["ai_revenue_usd"], pb["ai_revenue_usd"])


@pytest.mark.parametrize("name", sorted(SCENARIOS))
@pytest.mark.parametrize("memory_limit", [engine.MEMORY_LIMIT, 0], ids=["exact", "binned"])
def test_identical_across_block_sizes(name: str, memory_limit: int) -> None:
    paths = 5 * STREAM_BLOCK + 123  # a ragged last block
    s = scenario(name, paths=paths, seed=42)
    results = [
        core(simulate(s, block_size=b, memory_limit=memory_limit)) for b in (STREAM_BLOCK, 3 * STREAM_BLOCK, 1_000_000)
    ]
    assert results[0] == results[1] == results[2]
    assert results[0]["paths"] == paths


@pytest.mark.parametrize("name", ["cohort_rental", "credit"])
def test_pilot_stands_for_stream_block_zero(name: str) -> None:
    """In binned mode the pilot (stream block 0, run first to set the bins) is that block's
    summary and the work blocks start at block 1: every block counted once, so mean, sd, min and
    max are exact mode's bit for bit (they do not depend on the mode)."""
    s = scenario(name, paths=3 * STREAM_BLOCK + 11, seed=5)
    exact = simulate(s, block_size=STREAM_BLOCK).to_dict()
    binned = simulate(s, block_size=2 * STREAM_BLOCK, memory_limit=0).to_dict()
    assert binned["percentile_method"].startswith("binned")
    for kind in ("outputs", "series"):
        for out, stats in exact[kind].items():
            for key in ("mean", "sd", "min", "max", "defined_share"):
                if key in stats:
                    assert binned[kind][out][key] == stats[key], (out, key)


def test_block_size_rounds_up_to_stream_blocks() -> None:
    r = simulate(issue_scenario(), paths=10_000, block_size=5000)
    assert r.block_size == 2 * STREAM_BLOCK


def test_identical_with_local_processes() -> None:
    s = scenario("cohort_rental", paths=6 * STREAM_BLOCK + 7, seed=3)
    one = simulate(s, block_size=STREAM_BLOCK, memory_limit=0)
    two = simulate(s, block_size=STREAM_BLOCK, memory_limit=0, workers=2)
    assert two.executor == "processes"
    assert core(one) == core(two)


def test_identical_on_dask_local_cluster() -> None:
    distributed = pytest.importorskip("dask.distributed")
    s = scenario("depreciation", paths=5 * STREAM_BLOCK + 1, seed=9)
    local = simulate(s, block_size=STREAM_BLOCK)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = simulate(s, block_size=STREAM_BLOCK, scheduler=client)
    assert remote.executor == "dask"
    assert core(local) == core(remote)


def test_seed_recorded_and_reproducible() -> None:
    s = issue_scenario(**{"seed: 7\n": ""})
    first = simulate(s, paths=5000)
    again = simulate(s, paths=5000, seed=first.seed)
    assert core(first) == core(again)
    other = simulate(s, paths=5000, seed=first.seed + 1)
    assert other.outputs["required_revenue_usd"].mean != first.outputs["required_revenue_usd"].mean


def test_undefined_values_are_excluded_and_counted() -> None:
    s = scenario("cohort_rental", paths=20_000, seed=4, horizon_quarters=16)
    r = simulate(s)
    payback = r.outputs["payback_years"]
    flag = r.outputs["paid_back_flag"]
    assert 0 < payback.defined_share < 1
    assert flag.defined_share == 1.0
    # the flag's mean is the share of paths where payback is defined
    assert flag.mean == pytest.approx(payback.defined_share, abs=1e-12)
    assert payback.min > 0 and payback.max <= 4.0


def test_run_quarters_carries_state() -> None:
    rng = np.random.default_rng(0)
    shocks = rng.normal(size=(50, 12))

    def step(t: int, state: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        level = state["level"] * (1 + 0.01 * shocks[:, t])
        return {"level": level}, {"level": level}

    out = run_quarters(step, {"level": np.ones(50)}, 12)
    np.testing.assert_allclose(out["level"], np.cumprod(1 + 0.01 * shocks, axis=1))


@pytest.mark.slow
def test_memory_bounded_at_ten_million_paths() -> None:
    # 10M paths x 4 outputs x 8 bytes = 320 MB if kept; the engine switches to fixed bins and its
    # peak stays near what one work block needs, whatever the number of paths
    s = issue_scenario()
    peaks = {}
    for paths, limit in ((1_000_000, 0), (10_000_000, engine.MEMORY_LIMIT)):
        tracemalloc.start()
        t0 = time.perf_counter()
        r = simulate(s, paths=paths, memory_limit=limit)
        elapsed = time.perf_counter() - t0
        peaks[paths] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert r.percentile_method.startswith("binned")
    assert peaks[10_000_000] < 24 * 2**20, peaks
    assert peaks[10_000_000] < 1.5 * peaks[1_000_000] + 4 * 2**20, peaks
    out = r.outputs["required_revenue_usd"]
    assert out.mean == pytest.approx(150e9 * 2 * 5 * math.log(1.5), rel=1e-3)
    assert elapsed < 120


def test_scheduler_address_string() -> None:
    distributed = pytest.importorskip("dask.distributed")
    s = scenario("valuation", paths=2 * STREAM_BLOCK + 5, seed=1)
    local = simulate(s, block_size=STREAM_BLOCK)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        remote = simulate(s, block_size=STREAM_BLOCK, scheduler=cluster.scheduler_address)
    assert cluster.scheduler_address.startswith("tcp://")
    assert core(local) == core(remote)
