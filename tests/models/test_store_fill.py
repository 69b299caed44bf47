"""Store-filled parameters and stored runs, on a real DuckDB store loaded with the bundled
snapshot, checked against tests/data/reference/company_quarters.csv read independently."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import pytest

from capexwatch.errors import DataError, ScenarioError
from capexwatch.models.engine import save_result, simulate
from capexwatch.models.scenario import load_scenario, parse_scenario
from capexwatch.models.store_fill import fill_from_store

BIG4 = ("MSFT", "GOOGL", "AMZN", "META")
METRIC = {"capex": "capex_cash_purchases_ppe", "data_center_revenue": "nvidia_data_center_revenue"}


def reference_rows(reference_dir: Path, ticker: str, metric: str) -> dict[str, dict[str, str]]:
    """calendar quarter -> row, from the reference CSV."""
    out = {}
    with (reference_dir / "company_quarters.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["ticker"] == ticker and row["metric"] == METRIC[metric]:
                y, m = int(row["calendar_quarter_end"][:4]), int(row["calendar_quarter_end"][5:7])
                out[f"{y}Q{(m - 1) // 3 + 1}"] = row
    return out


def parse(text: str):
    return parse_scenario(textwrap.dedent(text), filename="s.yaml")


def test_sequoia_on_nvidia_run_rate(store, reference_dir) -> None:
    rows = reference_rows(reference_dir, "NVDA", "data_center_revenue")
    latest = max(rows, key=lambda q: (int(q[:4]), q[-1]))
    quarter = float(rows[latest]["value_usd_millions"]) * 1e6
    s = parse(
        """
        model: sequoia
        paths: 1000
        parameters:
          gpu_revenue_usd: {from_store: nvda_data_center_run_rate}
        """
    )
    r = simulate(s, store=store)
    # Sequoia chain on the latest quarter: G = 4q, required = 2 x 2 x G
    assert r.outputs["required_revenue_usd"].p50 == pytest.approx(16 * quarter, rel=1e-12)
    fs = r.parameters["gpu_revenue_usd"]["from_store"]
    assert fs["quarters"] == [latest]
    assert fs["rows"][0]["source_url"] == rows[latest]["source_url"]
    assert r.parameters["gpu_revenue_usd"]["value"] == pytest.approx(4 * quarter)


def test_sequoia_derived_table_q3_fy26(store) -> None:
    # published-analyses.md section 1, derived table: Q3 FY26 DC revenue $51.2B -> R_required $819.2B
    s = parse(
        """
        model: sequoia
        paths: 100
        parameters:
          gpu_revenue_usd:
            from_store: {ticker: NVDA, metric: data_center_revenue, agg: run_rate, fiscal_period: FY2026Q3}
        """
    )
    r = simulate(s, store=store)
    assert r.outputs["required_revenue_usd"].p50 == pytest.approx(819.2e9, rel=1e-3)


def test_big_four_ttm_capex(store, reference_dir) -> None:
    ref = {t: reference_rows(reference_dir, t, "capex") for t in BIG4}
    complete = sorted(set.intersection(*(set(r) for r in ref.values())), key=lambda q: (int(q[:4]), q[-1]))
    last4 = complete[-4:]
    expected = sum(float(ref[t][q]["value_usd_millions"]) * 1e6 for t in BIG4 for q in last4)
    s = parse(
        """
        model: bain
        paths: 100
        parameters:
          capex_usd: {from_store: big4_capex_ttm}
          capex_to_revenue_ratio: 0.25
        """
    )
    r = simulate(s, store=store)
    assert r.parameters["capex_usd"]["value"] == pytest.approx(expected, rel=1e-12)
    assert r.parameters["capex_usd"]["from_store"]["quarters"] == last4
    assert len(r.parameters["capex_usd"]["from_store"]["rows"]) == 16
    assert r.outputs["required_revenue_usd"].p50 == pytest.approx(expected / 0.25, rel=1e-12)


def test_depreciation_on_real_capex_against_a_plain_loop(store, reference_dir) -> None:
    ref = {t: reference_rows(reference_dir, t, "capex") for t in BIG4}
    quarters = [f"{y}Q{q}" for y in (2022, 2023, 2024, 2025) for q in (1, 2, 3, 4)]
    capex = [sum(float(ref[t][q]["value_usd_millions"]) * 1e6 for t in BIG4) for q in quarters]
    s = parse(
        """
        model: depreciation
        paths: 100
        horizon_quarters: 24
        parameters:
          capex_usd: {from_store: {ticker: big4, metric: capex, agg: quarters, start: 2022Q1, end: 2025Q4}}
          reported_life_years: 6
          economic_life_years: 3
        options: {window_years: [2026, 2027]}
        """
    )
    r = simulate(s, store=store)
    assert r.start_quarter == "2022Q1"  # taken from the store's first quarter

    def dep(life_q: int, t: int) -> float:  # straight line, same-quarter start, zero salvage
        return sum(c / life_q for v, c in enumerate(capex) if 0 <= t - v < life_q)

    under = [dep(12, t) - dep(24, t) for t in range(24)]
    series = r.series["understated_depreciation_usd"]
    assert series.labels == ["2022", "2023", "2024", "2025", "2026", "2027"]
    for i in range(6):
        assert series.p50[i] == pytest.approx(sum(under[4 * i : 4 * i + 4]), rel=1e-12)
    assert r.outputs["understated_depreciation_window_usd"].p50 == pytest.approx(sum(under[16:24]), rel=1e-12)


def test_start_quarter_mismatch_and_missing_data_are_clear(store) -> None:
    s = parse(
        """
        model: depreciation
        start_quarter: 2023Q1
        parameters:
          capex_usd: {from_store: {ticker: big4, metric: capex, agg: quarters, start: 2022Q1, end: 2022Q4}}
          reported_life_years: 6
          economic_life_years: 3
        """
    )
    with pytest.raises(
        DataError, match=r"s.yaml, line 5: parameters.capex_usd: .* begin 2022Q1, .* but start_quarter is 2023Q1"
    ):
        fill_from_store(s, store)
    s = parse(
        """
        model: sequoia
        parameters:
          gpu_revenue_usd: {from_store: {ticker: NVDA, metric: data_center_revenue, agg: run_rate, end: 2031Q1}}
        """
    )
    with pytest.raises(
        DataError, match=r"line 4: parameters.gpu_revenue_usd: no data_center_revenue for NVDA in 2031Q1"
    ):
        fill_from_store(s, store)
    s = parse(
        """
        model: sequoia
        parameters:
          gpu_revenue_usd: {from_store: {ticker: NVDA, metric: inventory, agg: latest}}
        """
    )
    with pytest.raises(DataError, match="the store has no inventory for NVDA"):
        fill_from_store(s, store)


def test_random_scale_on_a_store_vector_is_one_level_per_path(store) -> None:
    s = parse(
        """
        model: depreciation
        paths: 20000
        seed: 11
        horizon_quarters: 8
        parameters:
          capex_usd:
            from_store: {ticker: big4, metric: capex, agg: quarters, start: 2024Q1, end: 2025Q4}
            scale: {dist: uniform, low: 0.5, high: 1.5}
          reported_life_years: 6
          economic_life_years: 3
        """
    )
    r = simulate(s, store=store)
    ratio = r.series["reported_depreciation_usd"]
    # every quarter shares one draw: the two years' percentiles keep the same ratio p95/p5 = 1.45/0.55
    for i in range(2):
        assert ratio.p95[i] / ratio.p5[i] == pytest.approx(1.45 / 0.55, rel=0.02)


def test_save_run_round_trip(store) -> None:
    r = simulate(load_scenario("burry-2026"), paths=5000, store=store)
    r.run_id = save_result(r, store)
    assert r.run_id
    stored = store.run(r.run_id)
    assert stored["model"] == "depreciation" and stored["scenario"] == "burry-2026"
    assert stored["paths"] == 5000 and stored["seed"] == r.seed
    assert stored["outputs"]["scalars"]["understated_depreciation_window_usd"]["p50"] == pytest.approx(
        r.outputs["understated_depreciation_window_usd"].p50
    )
    bands = stored["outputs"]["series"]["understated_depreciation_usd"]
    assert bands["labels"][0] == "2022" and len(bands["p95"]) == 7
    rows = stored["parameters"]["capex_usd"]["from_store"]["rows"]
    assert len(rows) == 64 and all(row.get("source_url") for row in rows)


def test_yoy_is_the_end_quarter_over_the_same_quarter_a_year_earlier(store) -> None:  # type: ignore[no-untyped-def]
    from capexwatch.models.scenario import StoreQuery
    from capexwatch.models.store_query import query_store

    found = query_store(store, StoreQuery(("GOOGL",), "cloud_revenue", "yoy", end="2026Q1"))
    assert found["quarters"] == ["2025Q1", "2026Q1"]
    before, after = (r["value"] for r in found["rows"])
    assert found["value"] == pytest.approx(after / before - 1.0)


def test_a_scenario_that_reads_the_store_needs_one_from_the_caller() -> None:
    # lower layers never open the store themselves: the caller passes it
    with pytest.raises(ScenarioError, match="no store was given"):
        fill_from_store(load_scenario("burry-2026"), None)
