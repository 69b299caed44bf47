"""Regression (issue 13, item 4): the cohort model counted the non-GPU capex twice.

GPUs were capex x ``gpu_share_of_capex`` (Cembalest: GPUs are 50-70% of a new data centre's cost)
/ ``capex_usd_per_gpu`` ($47-52k per H100 *all-in*: the server node and network, published-analyses
§6). The all-in cost already carries the non-GPU share, so each GPU carried $47-52k / 0.5-0.7 =
$67-104k of capex. One basis now: GPUs = capex / all-in capex per GPU, so the capex behind each GPU
in service is the cited $47-52k.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from capexwatch import load_scenario
from capexwatch.errors import ScenarioError
from capexwatch.models._spec import Context
from capexwatch.models.engine import draw_parameters
from capexwatch.models.required_revenue import cohort
from capexwatch.models.scenario import parse_scenario

#: hours in a quarter, by hand: 365.25 days x 24 h / 4
HOURS_Q = 365.25 * 24 / 4
CITED_LOW, CITED_HIGH = 47_000.0, 52_000.0


def _implied_capex_per_gpu(preset: str) -> np.ndarray:
    """Capex of the first vintage / GPUs it puts in service, per path, from the model's revenue.

    The first vintage (quarter 0) is the only one in service in quarter 1 and rents at its entry
    price there, so GPUs = revenue_1 / (price x utilisation x hours)."""
    sc = load_scenario(preset)
    n = 4096
    p = draw_parameters(sc, seed=7, block=0, n=n)
    ctx = Context(paths=n, horizon_quarters=sc.horizon_quarters, start_quarter=sc.start_quarter, present=sc.present)
    out = cohort(p, ctx)
    gpus = out["revenue_usd"][:, 1] / (p["rental_usd_per_gpu_hour"] * p["utilisation"] * HOURS_Q)
    implied: np.ndarray = p["capex_usd"][:, 0] / gpus
    return implied


def test_cited_range_is_in_the_reference(reference_dir: Path) -> None:
    text = (reference_dir / "published-analyses.md").read_text()
    assert "$47–52k per H100 by cluster size" in text


@pytest.mark.parametrize("preset", ["consensus-1t", "seed-bear"])
def test_implied_capex_per_gpu_is_within_the_cited_all_in_range(preset: str) -> None:
    implied = _implied_capex_per_gpu(preset)
    # before the fix: 47k/0.7 = 67k at the least, 104k at the most
    assert implied.min() >= CITED_LOW * (1 - 1e-12)
    assert implied.max() <= CITED_HIGH * (1 + 1e-12)


def test_gpu_count_by_hand_one_vintage() -> None:
    # $52M of capex at $52k all-in per GPU = 1,000 GPUs; at $2/h, fully sold, in quarter 1:
    # 1,000 x 2 x 2,191.5 h = $4.383M
    capex = np.zeros((1, 8))
    capex[0, 0] = 52e6
    p = {
        "capex_usd": capex,
        "useful_life_years": np.array([1.0]),
        "target_return": np.array([0.0]),
        "rental_usd_per_gpu_hour": np.array([2.0]),
        "capex_usd_per_gpu": np.array([52_000.0]),
        "pue": np.array([1.0]),
    }
    out = cohort(p, Context(paths=1, horizon_quarters=8))
    assert out["revenue_usd"][0, :6] == pytest.approx([0, 4.383e6, 4.383e6, 4.383e6, 4.383e6, 0])


def test_a_gpu_share_on_top_of_the_all_in_cost_is_refused() -> None:
    text = """
        model: required_revenue.cohort
        horizon_quarters: 8
        parameters:
          capex_usd: {quarters: [1e9], extend: zero}
          useful_life_years: 5
          target_return: 0.1
          rental_usd_per_gpu_hour: 2.0
          capex_usd_per_gpu: 50000
          gpu_share_of_capex: 0.6
    """
    with pytest.raises(ScenarioError, match="gpu_share_of_capex"):
        parse_scenario(text)
