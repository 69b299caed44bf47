"""Scenario files: every form parses; every mistake is reported with its field and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from capexwatch.errors import ScenarioError
from capexwatch.models.scenario import (
    Const,
    FromStore,
    Random,
    VectorValue,
    list_presets,
    load_scenario,
    parse_scenario,
)


def parse(text: str):
    return parse_scenario(textwrap.dedent(text), filename="s.yaml")


def error_of(text: str) -> str:
    with pytest.raises(ScenarioError) as exc:
        parse(text)
    return str(exc.value)


ISSUE_EXAMPLE = """
model: required_revenue.sequoia
paths: 200000
seed: 7
parameters:
  gpu_revenue_usd: 150000000000
  tco_multiplier: 2
  gross_margin: {dist: uniform, low: 0.4, high: 0.6}
  ai_revenue_usd: 100000000000
"""


def test_issue_example_parses() -> None:
    s = parse(ISSUE_EXAMPLE)
    assert s.model.name == "required_revenue.sequoia"
    assert (s.paths, s.seed) == (200_000, 7)
    assert s.params["gpu_revenue_usd"].value == Const(150e9)
    margin = s.params["gross_margin"].value
    assert isinstance(margin, Random) and margin.dist.kind == "uniform"
    assert s.params["gross_margin"].line == 8


def test_short_model_names_cited_values_and_defaults() -> None:
    s = parse(
        """
        model: sequoia
        parameters:
          gpu_revenue_usd: {value: 150e9, source: https://example.org/a, note: run-rate}
        """
    )
    entry = s.params["gpu_revenue_usd"]
    assert entry.value == Const(150e9)  # "150e9" is a string in YAML 1.1 and still a number here
    assert entry.source == "https://example.org/a"
    assert s.params["tco_multiplier"].default and s.params["tco_multiplier"].value == Const(2.0)
    assert s.seed is None and s.paths == 100_000


def test_quarterly_vector_forms() -> None:
    s = parse(
        """
        model: cohort
        horizon_quarters: 12
        parameters:
          capex_usd: {annual: [400e9, {dist: uniform, low: 600e9, high: 700e9}], extend: flat}
          useful_life_years: 5
          target_return: 0.1
          revenue_usd: {concat: [[1, 2], {quarters: [3]}, {annual: [40]}]}
        """
    )
    capex = s.params["capex_usd"].value
    assert isinstance(capex, VectorValue) and capex.extend == "flat" and capex.length == 8
    rev = s.params["revenue_usd"].value
    assert isinstance(rev, VectorValue) and rev.length == 7


def test_from_store_forms() -> None:
    s = parse(
        """
        model: sequoia
        parameters:
          gpu_revenue_usd: {from_store: nvda_data_center_run_rate}
          ai_revenue_usd:
            from_store: {ticker: NVDA, metric: data_center_revenue, agg: ttm, end: 2025Q4}
            scale: {dist: uniform, low: 0.1, high: 0.2}
        """
    )
    v = s.params["ai_revenue_usd"].value
    assert isinstance(v, FromStore) and v.query.end == "2025Q4" and isinstance(v.scale, Random)
    assert s.needs_store


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the issue's example with a typo in a distribution field: line 8 names it
        (ISSUE_EXAMPLE.replace("low: 0.4", "lo: 0.4"), ["line 8", "parameters.gross_margin.lo", "does not take 'lo'"]),
        (ISSUE_EXAMPLE.replace("high: 0.6", "high: 0.3"), ["line 8", "parameters.gross_margin.high", "low < high"]),
        (
            ISSUE_EXAMPLE.replace("gross_margin", "gross_margn"),
            ["line 8", "no parameter 'gross_margn'", "did you mean 'gross_margin'"],
        ),
        (ISSUE_EXAMPLE.replace("paths: 200000", "paths: lots"), ["line 3", "paths", "whole number"]),
        (ISSUE_EXAMPLE.replace("paths: 200000", "paths: 0"), ["line 3", "between 1"]),
        (
            ISSUE_EXAMPLE.replace("required_revenue.sequoia", "sequoya"),
            ["line 2", "unknown model 'sequoya'", "sequoia"],
        ),
        (ISSUE_EXAMPLE.replace("seed: 7", "sead: 7"), ["line 4", "unknown field", "did you mean 'seed'"]),
        (ISSUE_EXAMPLE.replace("  gpu_revenue_usd: 150000000000\n", ""), ["'gpu_revenue_usd' is missing"]),
        (
            ISSUE_EXAMPLE.replace("low: 0.4, high: 0.6", "low: 0.4, high: 1.2"),
            ["line 8", "must lie in", "uniform draws span"],
        ),
        (
            ISSUE_EXAMPLE.replace("{dist: uniform, low: 0.4, high: 0.6}", "{dist: normal, mean: 0.5, sd: 0.1}"),
            ["line 8", "add clip"],
        ),
        (
            ISSUE_EXAMPLE.replace("tco_multiplier: 2", "tco_multiplier: -2"),
            ["line 7", "tco_multiplier must lie in (0, inf]"],
        ),
        (ISSUE_EXAMPLE.replace("tco_multiplier: 2", "tco_multiplier: [2, 3]"), ["line 7", "lists are for quarterly"]),
        (ISSUE_EXAMPLE + "horizon_quarters: 8\n", ["line 10", "not a time-series model"]),
        (ISSUE_EXAMPLE + "expect: {required_revenue: 6e11}\n", ["line 10", "expect.required_revenue", "not an output"]),
        (ISSUE_EXAMPLE.replace("seed: 7", "seed: 7\nseed: 8"), ["line 5", "seed is given twice"]),
        ("model: sequoia\nparameters: {gpu_revenue_usd: 1\n", ["line", "not valid YAML"]),
    ],
)
def test_errors_name_field_and_line(text: str, expected: list[str]) -> None:
    message = error_of(text)
    assert message.startswith("Invalid scenario s.yaml") or "s.yaml" in message
    for part in expected:
        assert part in message, message


def test_all_errors_are_reported_together() -> None:
    message = error_of(
        """
        model: cohort
        parameters:
          capex_usd: [1, 2, {dist: uniform, low: 3}]
          useful_life_years: 0
          target_return: 0.1
          revenue_usd: [1]
          rental_usd_per_gpu_hour: 2
          rental_price_decline_annual: 0.2
        options: {in_service_lag_quarters: -1}
        """
    )
    assert "line 4: parameters.capex_usd[2]: uniform needs low, high" in message
    assert "line 5: parameters.useful_life_years: useful_life_years must lie in [0.25, inf]" in message
    assert (
        "line 8: parameters.rental_usd_per_gpu_hour: give only one of revenue_usd, rental_usd_per_gpu_hour" in message
    )
    assert "needs 'capex_usd_per_gpu'" in message
    assert "line 10: options.in_service_lag_quarters" in message


def test_per_quarter_only_for_quarterly_parameters() -> None:
    assert "per: quarter is only for quarterly" in error_of(
        "model: sequoia\nparameters:\n  gpu_revenue_usd: {dist: uniform, low: 1, high: 2, per: quarter}\n"
    )


def test_store_query_errors() -> None:
    assert "unknown metric 'capx'" in error_of(
        "model: sequoia\nparameters:\n  gpu_revenue_usd: {from_store: {ticker: NVDA, metric: capx}}\n"
    )
    assert "agg: quarters gives a vector" in error_of(
        "model: sequoia\nparameters:\n  gpu_revenue_usd: {from_store: big4_capex_quarters}\n"
    )
    assert "unknown shortcut" in error_of("model: sequoia\nparameters:\n  gpu_revenue_usd: {from_store: big5}\n")


def test_window_needs_start_quarter() -> None:
    message = error_of(
        """
        model: depreciation
        parameters: {capex_usd: [1], reported_life_years: 6, economic_life_years: 3}
        options: {window_years: [2026, 2028]}
        """
    )
    assert "options.window_years: needs start_quarter" in message


def test_no_outputs_is_an_error() -> None:
    assert "gives no output" in error_of("model: jpmorgan\nparameters: {required_annual_revenue_usd: 1e9}\n")


def test_load_scenario_file_and_unknown_preset(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(ISSUE_EXAMPLE)
    assert load_scenario(f).name == "mine"
    with pytest.raises(ScenarioError, match="Unknown preset 'sequoia-2025'.*did you mean"):
        load_scenario("sequoia-2025")
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "missing.yaml")
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(ScenarioError, match="empty"):
        load_scenario(tmp_path / "empty.yaml")


def test_presets_all_parse() -> None:
    names = {s.name for s in list_presets()}
    assert {"sequoia-2023", "sequoia-2024", "bain-2025", "jpmorgan-2025", "consensus-1t", "seed-bear"} <= names


def test_models_package_exports() -> None:
    import capexwatch.models as m

    assert sorted(m.__all__) == [
        "OutputStats",
        "Scenario",
        "SeriesStats",
        "SimulationResult",
        "get_model",
        "list_presets",
        "load_scenario",
        "model_names",
        "parse_scenario",
        "simulate",
    ]
    for name in m.__all__:
        assert getattr(m, name) is not None
    with pytest.raises(AttributeError):
        _ = m.nope  # type: ignore[attr-defined]
    assert set(m.model_names()) == {
        "required_revenue.sequoia",
        "required_revenue.bain",
        "required_revenue.jpmorgan",
        "required_revenue.cohort",
        "depreciation",
        "efficiency",
        "valuation",
        "credit.gpu_collateral",
        "contagion.feedback",
        "supply_chain.double_ordering",
    }
