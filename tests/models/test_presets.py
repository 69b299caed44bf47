"""Presets reproduce the published numbers (published-analyses.md); every assumption is cited."""

from __future__ import annotations

import re

import pytest

from capexwatch.models.engine import simulate
from capexwatch.models.scenario import list_presets, load_scenario, preset_path

# the published figures, as printed in tests/data/reference/published-analyses.md sections 1-3
PUBLISHED = {
    "sequoia-2023": {"required_revenue_usd": 200e9, "revenue_gap_usd": 125e9},
    "sequoia-2024": {"required_revenue_usd": 600e9, "revenue_gap_usd": 500e9},
    "bain-2025": {"required_revenue_usd": 2000e9, "revenue_gap_usd": 800e9},
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_presets_reproduce_published_figures_exactly(name: str) -> None:
    r = simulate(load_scenario(name))
    for output, value in PUBLISHED[name].items():
        o = r.outputs[output]
        assert o.p50 == value and o.mean == value and o.sd == 0.0


def test_jpmorgan_per_user_figures() -> None:
    r = simulate(load_scenario("jpmorgan-2025"))
    assert round(r.outputs["monthly_per_iphone_user_usd"].p50, 2) == 34.72
    assert round(r.outputs["monthly_per_netflix_subscriber_usd"].p50) == 180
    # 10% x $5T = $500B of profit = 77% of $650B (the consistency check in section 3)
    assert r.outputs["perpetuity_profit_usd"].p50 == pytest.approx(500e9)
    assert round(r.outputs["implied_profit_margin_ratio"].p50, 2) == 0.77


@pytest.mark.parametrize("preset", [s.name for s in list_presets() if s.expect])
def test_every_expectation_in_a_preset_holds(preset: str) -> None:
    r = simulate(load_scenario(preset))
    assert r.expect and all(e["matches"] for e in r.expect.values()), r.expect


def _urls(text: str) -> list[str]:
    return [u.rstrip(".,;)") for u in re.findall(r"https?://\S+", text)]


@pytest.mark.parametrize("preset", [s.name for s in list_presets()])
def test_every_assumption_is_cited_from_the_reference(preset: str, reference_dir) -> None:
    doc = (reference_dir / "published-analyses.md").read_text(encoding="utf-8")
    s = load_scenario(preset)
    for name, entry in s.params.items():
        if entry.default:
            continue
        assert entry.source, f"{preset}: {name} has no source"
    text = preset_path(preset).read_text(encoding="utf-8")
    urls = _urls(text)
    assert urls
    for url in urls:
        assert url in doc, f"{preset}: {url} is not in published-analyses.md"


def test_consensus_capex_path_is_the_cited_1t() -> None:
    r = simulate(load_scenario("consensus-1t"), paths=20_000)
    y2025, y2026 = r.parameters["capex_usd"]["values"]  # annual amounts, each split over 4 quarters
    assert (y2025["value"], y2025["quarters"], y2025["split"]) == (410e9, 4, 4.0)  # 2025: ~$410B
    assert (y2026["dist"], y2026["low"], y2026["high"]) == ("uniform", 630e9, 725e9)  # 2026 guidance
    # the build-out's revenue requirement over the horizon is at least its capex (return >= 0)
    total = r.outputs["required_revenue_total_usd"]
    assert total.p5 > 410e9 + 630e9


def test_bear_case_is_worse_than_consensus() -> None:
    bear = simulate(load_scenario("seed-bear"), paths=20_000)
    base = simulate(load_scenario("consensus-1t"), paths=20_000)
    assert bear.outputs["npv_usd"].p95 < base.outputs["npv_usd"].p50
    assert bear.outputs["irr_ratio"].p50 < base.outputs["irr_ratio"].p50
