"""Fan charts from a simulation result and from a run read back from the store."""

from __future__ import annotations

import pytest

from capexwatch.models.engine import save_result, simulate
from capexwatch.models.scenario import load_scenario
from capexwatch.report.fan import fan_figures, fan_section, recent_runs


def test_fan_figures_from_a_stored_run(store) -> None:
    r = simulate(load_scenario("consensus-1t"), paths=8192, store=store)
    r.run_id = save_result(r, store)
    figs = fan_figures(store.run(r.run_id))
    assert len(figs) == len(r.series)
    by_name = {f.layout.meta["output"]: f for f in figs}
    assert set(by_name) == set(r.series)
    fig = by_name["required_revenue_annual_usd"]
    bands = r.series["required_revenue_annual_usd"]
    upper, lower = fig.data[0], fig.data[1]
    assert list(upper.x) == bands.labels
    assert list(upper.y) == pytest.approx([v / 1e9 for v in bands.p95])
    assert list(lower.y) == pytest.approx([v / 1e9 for v in bands.p5])
    assert list(fig.data[4].y) == pytest.approx([v / 1e9 for v in bands.p50])
    assert fig.layout.yaxis.title.text == "USD billions"


def test_fan_section_for_the_report(store) -> None:
    assert "No stored simulation runs" in fan_section(recent_runs(store))["html"]
    save_result(simulate(load_scenario("burry-2026"), paths=4096, store=store), store)
    save_result(simulate(load_scenario("sequoia-2024"), paths=100, store=store), store)  # no series: skipped
    runs = recent_runs(store)
    assert [r["scenario"] for r in runs] == ["burry-2026"]
    sec = fan_section(runs)
    assert sec["id"] == "simulations" and sec["html"].count("plotly-graph-div") == 3
    assert "<script src=" not in sec["html"]  # plotly.js is inlined once by the report


def test_fan_figures_accept_result_objects() -> None:
    r = simulate(load_scenario("seed-bear"), paths=4096)
    figs = fan_figures(r)
    assert len(figs) == len(r.series) and figs[0].layout.title.text.startswith("Seed bear")
