"""supply_chain.double_ordering against closed forms, the beer game, its per-path reference, and its
stock-flow identities."""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np
import pytest

from capexwatch.errors import ScenarioError
from capexwatch.models import _jit
from capexwatch.models import _reference_supply_chain as ref
from capexwatch.models import supply_chain as sc
from capexwatch.models.engine import STREAM_BLOCK, _context, draw_parameters, simulate
from capexwatch.models.scenario import Scenario, load_scenario, parse_scenario
from tests._support.scenarios import core, path_params


@pytest.fixture(params=["numpy", "compiled"])
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test on the NumPy kernel and on the compiled one (CAPEXWATCH_JIT=0/1)."""
    if request.param == "compiled" and not _jit.available():
        pytest.skip("the compiled kernel needs Numba (the fast extra)")
    monkeypatch.setenv("CAPEXWATCH_JIT", "1" if request.param == "compiled" else "0")
    return str(request.param)


def chain(extra: str = "", *, stages: int = 1, horizon: int = 400, lead: int = 2, p: int = 5, **kw: Any) -> Scenario:
    """A scenario in the issue's contract shape, with extra parameter lines."""
    text = f"""
        model: supply_chain.double_ordering
        period: week
        horizon_periods: {horizon}
        paths: {kw.get("paths", 2000)}
        seed: {kw.get("seed", 1)}
        parameters:
          stages: {stages}
          policy: order-up-to
          forecast_periods: {p}
          lead_time: {lead}
          demand_process: iid
          demand_mean: 100
          demand_sd: 10
          rationing: false
    """
    given = {line.split(":")[0].strip() for line in extra.splitlines() if ":" in line}
    base = [line for line in textwrap.dedent(text).splitlines() if line.split(":")[0].strip() not in given]
    return parse_scenario("\n".join(base) + "\n" + textwrap.indent(textwrap.dedent(extra), "  "), filename="c.yaml")


def run(s: Scenario, n: int, seed: int = 1, **replace_params: float) -> dict[str, np.ndarray]:
    params = draw_parameters(s, seed, 0, n)
    for k, v in replace_params.items():
        params[k] = np.full(n, v)
    return sc.run_chain(params, _context(s, n), trace=True)


def outputs(s: Scenario, n: int, seed: int = 1) -> dict[str, np.ndarray]:
    return s.model.func(draw_parameters(s, seed, 0, n), _context(s, n))


def chen(lead: float, p: float) -> float:
    """Chen, Drezner, Ryan & Simchi-Levi (2000): Var(q)/Var(D) = 1 + 2L/p + 2L^2/p^2."""
    return 1.0 + 2.0 * lead / p + 2.0 * lead**2 / p**2


# --- Chen et al. (2000) ----------------------------------------------------------------------------


@pytest.mark.parametrize(("lead", "p", "published"), [(1, 5, 1.48), (2, 5, 2.12), (4, 4, 5.0)])
@pytest.mark.usefixtures("kernel")
def test_single_stage_bullwhip_matches_chen_closed_form(lead: int, p: int, published: float) -> None:
    assert chen(lead, p) == pytest.approx(published, abs=5e-3)  # the section 9 examples
    ratio = outputs(chain(lead=lead, p=p), 2000)["bullwhip_ratio_stage_1"]
    se = ratio.std(ddof=1) / math.sqrt(ratio.size)
    # each path's ratio is a ratio of sample variances over ~390 periods: biased by O(1/T)
    assert abs(ratio.mean() - chen(lead, p)) < 4 * se + 0.01 * chen(lead, p)


def _filter_variance(lead: int, p: int, stages: int) -> float:
    """Exact Var(orders of stage k)/Var(D) for i.i.d. demand: each stage applies the linear filter
    q_t = (1 + L/p) x_t - (L/p) x_{t-p} to its incoming orders; the variance ratio is the sum of the
    squared coefficients of the composed filter."""
    h = np.zeros(p + 1)
    h[0], h[p] = 1 + lead / p, -lead / p
    total = np.array([1.0])
    for _ in range(stages):
        total = np.convolve(total, h)
    return float((total**2).sum())


@pytest.mark.usefixtures("kernel")
def test_multi_stage_ratios_multiply_at_least() -> None:
    out = outputs(chain(stages=3), 2000)
    single = chen(2, 5)
    for k in (1, 2, 3):
        ratio = out[f"bullwhip_ratio_stage_{k}"]
        se = ratio.std(ddof=1) / math.sqrt(ratio.size)
        exact = _filter_variance(2, 5, k)
        assert abs(ratio.mean() - exact) < 4 * se + 0.015 * exact, k
        # Chen et al.: without shared demand information the stage bounds multiply
        assert ratio.mean() >= single**k * 0.99
    assert _filter_variance(2, 5, 1) == pytest.approx(2.12)


# --- Sterman's beer game ---------------------------------------------------------------------------


def _beer(beta: float) -> dict[str, np.ndarray]:
    s = load_scenario("beer-game-1989")
    params = draw_parameters(s, 1, 0, 1)
    params["beta"] = np.array([beta])
    return s.model.func(params, _context(s, 1))


@pytest.mark.usefixtures("kernel")
def test_beer_game_amplitude_grows_up_the_chain() -> None:
    out = _beer(0.34)
    ratios = [float(out[f"bullwhip_ratio_stage_{k}"][0]) for k in range(1, 5)]
    peaks = [float(out[f"order_peak_stage_{k}"][0]) for k in range(1, 5)]
    assert all(b > 1.5 * a for a, b in zip(ratios, ratios[1:], strict=False)), ratios
    assert ratios[0] > 5 and ratios[3] > 100, ratios  # retailer already amplifies; factory by two orders
    assert peaks == sorted(peaks) and peaks[3] > 5 * 8, peaks  # the factory orders > 40/week for demand 8


@pytest.mark.usefixtures("kernel")
def test_beer_game_beta_one_removes_most_of_the_overshoot() -> None:
    low, full = _beer(0.34), _beer(1.0)
    for k in range(1, 5):
        over_low = float(low[f"order_peak_stage_{k}"][0]) - 8.0
        over_full = float(full[f"order_peak_stage_{k}"][0]) - 8.0
        assert over_full < 0.4 * over_low, k  # most of the overshoot gone
    assert float(full["bullwhip_ratio_stage_4"][0]) < 0.05 * float(low["bullwhip_ratio_stage_4"][0])


@pytest.mark.usefixtures("kernel")
def test_beer_game_starts_in_equilibrium() -> None:
    s = load_scenario("beer-game-1989")
    res = run(s, 1)
    assert np.allclose(res["orders_by_stage"][:, 0, :4], 4.0)


# --- rationing, gaming, phantom orders -------------------------------------------------------------

SHORTAGE = """
rationing: true
capacity_ratio: 0.8
inflation_cap: 2
capacity_gain: 0.3
capacity_build_lag_periods: 12.5
cancellation_rate: 0.5
generation_periods: 52
"""


@pytest.mark.usefixtures("kernel")
def test_no_rationing_means_no_phantom_orders() -> None:
    res = run(chain(stages=2, horizon=200), 300)
    assert res["placed_ph"].max() == 0.0 and res["phantom_backlog_units"].max() == 0.0


@pytest.mark.usefixtures("kernel")
def test_cap_one_means_no_inflation_whatever_the_shortage() -> None:
    s = chain(SHORTAGE.replace("inflation_cap: 2", "inflation_cap: 1"), stages=2, horizon=200)
    res = run(s, 300)
    assert res["bl_true"].sum() > 0 and res["src_bl_true"].max() > 0  # there is a shortage
    assert res["placed_ph"].max() == 0.0 and res["cancelled"].max() == 0.0


@pytest.mark.usefixtures("kernel")
def test_shortage_gaming_inflates_up_to_the_cap_and_cancels() -> None:
    s = chain(SHORTAGE, stages=2, horizon=200)
    res = run(s, 300)
    true, ph = res["placed_true"], res["placed_ph"]
    assert ph.max() > 0
    assert np.all(ph <= true * (2.0 - 1.0) + 1e-9)  # orders <= cap x need
    assert res["cancelled"].sum() > 0


# --- stock-flow identities on every path and period ------------------------------------------------


@pytest.mark.parametrize("extra", ["", SHORTAGE, SHORTAGE + "order_delay: 1\nproduction_lead_time: 3\n"])
@pytest.mark.usefixtures("kernel")
def test_stock_flow_identities(extra: str) -> None:
    s = chain(extra, stages=3, horizon=150)
    res = run(s, 200)
    tol = 1e-6 * 100
    # backlog owed by stage k: previous + incoming - shipped - cancelled by the stage below
    for part, inc, ship in (("bl_true", "incoming_true", "shipped_true"), ("bl_ph", "incoming_ph", "shipped_ph")):
        bl = res[part]
        cancelled_below = np.zeros_like(bl)
        if part == "bl_ph":
            cancelled_below[:, :, 1:] = res["cancelled"][:, :, :-1]
        before = np.concatenate([np.zeros_like(bl[:, :1]), bl[:, :-1]], axis=1)
        assert np.allclose(bl, before + res[inc] - res[ship] - cancelled_below, atol=tol)
        assert bl.min() > -tol
    # ordered - cancelled = shipped + backlog change, summed over the horizon (incoming at k+1 = placed at k)
    delay = s.options["order_delay"]
    for k in range(2):
        placed = res["placed_true"][:, : 150 - delay, k] + res["placed_ph"][:, : 150 - delay, k]
        arrived = res["incoming_true"][:, delay:, k + 1] + res["incoming_ph"][:, delay:, k + 1]
        assert np.allclose(placed, arrived, atol=tol)
    # inventory: previous + received - shipped - written down, never negative
    inv, idle = res["inv"], res["idle"]
    shipped = res["shipped_true"] + res["shipped_ph"]
    wd = res["written_down"]
    wd_inv = wd.copy()
    wd_inv[:, :, 0] = 0.0  # stage 0's write-downs are of its idle stock
    assert np.allclose(inv[:, 1:], inv[:, :-1] + res["received_true"][:, 1:] - shipped[:, 1:] - wd_inv[:, 1:], atol=tol)
    assert np.allclose(idle[:, 1:, 0], idle[:, :-1, 0] + res["received_ph"][:, 1:, 0] - wd[:, 1:, 0], atol=tol)
    assert inv.min() > -tol and idle.min() > -tol
    # in transit to stage k: shipped by k+1 (or the source) minus received
    sent = np.zeros_like(inv)
    sent[:, :, :-1] = shipped[:, :, 1:]
    sent[:, :, -1] = res["src_ship_true"] + res["src_ship_ph"]
    transit = res["in_transit"]
    assert np.allclose(
        transit[:, 1:],
        transit[:, :-1] + sent[:, 1:] - res["received_true"][:, 1:] - res["received_ph"][:, 1:],
        atol=tol,
    )
    # the source: backlog change = orders in - shipped - cancelled by the top stage; capacity never shrinks
    src = res["src_bl_true"] + res["src_bl_ph"]
    src_before = np.concatenate([np.zeros_like(src[:, :1]), src[:, :-1]], axis=1)
    flows = (
        res["src_in_true"] + res["src_in_ph"] - res["src_ship_true"] - res["src_ship_ph"] - res["cancelled"][:, :, -1]
    )
    assert np.allclose(src, src_before + flows, atol=tol)
    if s.options["rationing"]:
        assert np.all(np.diff(res["capacity"], axis=1) >= 0)
        assert np.all(res["src_ship_true"] + res["src_ship_ph"] <= res["capacity"] + tol)
    # genuine supply line = placed - received (genuine), and phantom never counts in it
    sl = res["sl"]
    assert np.allclose(sl[:, 1:], sl[:, :-1] + res["placed_true"][:, 1:] - res["received_true"][:, 1:], atol=tol)
    # phantom orders = orders - genuine orders (true need)
    assert np.allclose(res["orders_units"], res["true_orders_units"] + res["phantom_orders_units"])


# --- the vectorised kernel against the per-path reference ------------------------------------------

CASES = {
    "order-up-to": ("", 3),
    "order-up-to-delay-ar1": ("order_delay: 1\nproduction_lead_time: 3\ndemand_process: ar1\ndemand_rho: 0.6\n", 2),
    "sterman": (
        "policy: sterman\nsafety_stock_periods: {dist: uniform, low: 1, high: 4}\n"
        "beta: {dist: uniform, low: 0, high: 1}\n",
        4,
    ),
    "shortage": (
        SHORTAGE.replace("12.5", "{dist: uniform, low: 1, high: 30}")
        + "fill_smoothing: {dist: uniform, low: 0.2, high: 1}\ndemand_growth: 0.002\n",
        2,
    ),
    "shortage-one-stage": (SHORTAGE + "unit_price_usd: 30000\n", 1),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.usefixtures("kernel")
def test_kernel_matches_per_path_reference(case: str) -> None:
    extra, stages = CASES[case]
    s = chain(extra, stages=stages, horizon=120)
    n = 12
    for seed in (3, 4):
        params = draw_parameters(s, seed, 0, n)
        got = s.model.func(params, _context(s, n))
        for i in range(n):
            want = ref.double_ordering(path_params(params, i), s.horizon_quarters, s.options)
            assert set(want) == set(got)
            for key, value in want.items():
                np.testing.assert_allclose(got[key][i], value, rtol=1e-9, atol=1e-7, err_msg=f"{case} {key} {i}")


@pytest.mark.parametrize("case", ["sterman", "shortage", "shortage-one-stage", "order-up-to-delay-ar1"])
def test_compiled_kernel_source_as_plain_python_stays_in_bounds(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled kernel's Python source (what runs where Numba is missing; NumPy raises on an
    index out of range, where compiled code would write past the end) gives the NumPy kernel's
    stocks and flows, on a full batch of 16 paths and a partial one."""
    from capexwatch.models import _supply_chain_kernel as kernel

    extra, stages = CASES[case]
    s = chain(extra, stages=stages, horizon=40)
    params = draw_parameters(s, 5, 0, 19)
    ctx = _context(s, 19)
    monkeypatch.setenv("CAPEXWATCH_JIT", "0")
    want = sc.run_chain(params, ctx, trace=True)
    monkeypatch.setattr(kernel, "chain_kernel", kernel.chain_kernel.py_func)  # type: ignore[attr-defined]
    got = sc._compiled(params, ctx, trace=True, keep_orders=True)[0]
    assert set(got) == set(want)
    for key, value in want.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-12, atol=1e-9, err_msg=key)


# --- the engine's reproducibility contract ---------------------------------------------------------


def test_identical_across_block_sizes_and_workers() -> None:
    # not over both kernels: a forkserver started earlier keeps the CAPEXWATCH_JIT it started with
    s = chain(SHORTAGE, stages=2, horizon=60, paths=3 * STREAM_BLOCK + 17, seed=5)
    runs = [
        core(simulate(s, block_size=STREAM_BLOCK, memory_limit=0)),
        core(simulate(s, block_size=2 * STREAM_BLOCK, memory_limit=0)),
        core(simulate(s, block_size=STREAM_BLOCK, memory_limit=0, workers=2)),
    ]
    assert runs[0] == runs[1] == runs[2]
    exact = [core(simulate(s, block_size=b)) for b in (STREAM_BLOCK, 1_000_000)]
    assert exact[0] == exact[1]


def test_weekly_series_are_labelled_in_weeks() -> None:
    r = simulate(chain(horizon=10, paths=50))
    assert r.series["orders_units"].labels[:2] == ["W1", "W2"]


# --- validation: field and line named --------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "bad", "field", "line_no"),
    [
        ("  lead_time: 2", "  lead_time: -1", "parameters.lead_time", 11),
        ("  forecast_periods: 5", "  forecast_periods: 0", "parameters.forecast_periods", 10),
        ("  policy: order-up-to", "  policy: sterman-ish", "parameters.policy", 9),
        ("  demand_process: iid", "  demand_process: garch", "parameters.demand_process", 12),
        ("  rationing: false", "  rationing: false\n  inflation_cap: 0.5", "parameters.inflation_cap", 16),
        ("  rationing: false", "  rationing: maybe", "parameters.rationing", 15),
        ("  rationing: false", "  rationing: false\n  double_ordering: true", "parameters.double_ordering", 16),
    ],
)
def test_bad_settings_name_field_and_line(line: str, bad: str, field: str, line_no: int) -> None:
    text = textwrap.dedent(
        """
        model: supply_chain.double_ordering
        period: week
        horizon_periods: 400
        paths: 2000
        seed: 1
        parameters:
          stages: 1
          policy: order-up-to
          forecast_periods: 5
          lead_time: 2
          demand_process: iid
          demand_mean: 100
          demand_sd: 10
          rationing: false
        """
    )
    assert line in text
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text.replace(line, bad), filename="bad.yaml")
    assert f"line {line_no}: {field}" in str(exc.value)


def test_step_demand_needs_its_settings() -> None:
    with pytest.raises(ScenarioError, match="demand_step_at") as exc:
        chain("demand_process: step\n")
    assert "demand_step_to" in str(exc.value)


def test_cli_simulates_the_beer_game_and_rejects_bad_settings(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    import json

    from capexwatch.cli import main

    assert main(["simulate", "beer-game-1989", "--json", "--no-store"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["model"] == "supply_chain.double_ordering"
    assert d["outputs"]["bullwhip_ratio_stage_4"]["p50"] > d["outputs"]["bullwhip_ratio_stage_1"]["p50"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: double_ordering\nparameters:\n  demand_mean: 100\n  lead_time: -2\n", encoding="utf-8")
    assert main(["simulate", str(bad), "--no-store"]) == 2
    err = capsys.readouterr().err
    assert "line 4: parameters.lead_time" in err and "Traceback" not in err
