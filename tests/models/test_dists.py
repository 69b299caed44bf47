"""Distributions: draws agree with closed-form moments; invalid specs name the field at fault."""

from __future__ import annotations

import math

import numpy as np
import pytest

from capexwatch.errors import DistributionError
from capexwatch.models.dists import make_distribution

N = 400_000

CASES = [
    ({"dist": "uniform", "low": 0.4, "high": 0.6}, 0.5, (0.4 - 0.6) ** 2 / 12),
    ({"dist": "triangular", "low": 1, "mode": 2, "high": 6}, 3.0, (1 + 4 + 36 - 2 - 6 - 12) / 18),
    ({"dist": "normal", "mean": 3, "sd": 2}, 3.0, 4.0),
    ({"dist": "lognormal", "mean": 0.1, "sd": 0.5}, math.exp(0.1 + 0.125), (math.exp(0.25) - 1) * math.exp(0.2 + 0.25)),
    ({"dist": "beta", "a": 2, "b": 5}, 2 / 7, 2 * 5 / (49 * 8)),
    ({"dist": "beta", "a": 2, "b": 2, "low": 10, "high": 20}, 15.0, 100 * 4 / (16 * 5)),
    # PERT(0, 1, 4): alpha = 1 + 4 * 1/4 = 2, beta = 1 + 4 * 3/4 = 4 -> mean (0 + 4 + 4) / 6
    ({"dist": "pert", "low": 0, "mode": 1, "high": 4}, 8 / 6, 16 * 2 * 4 / (36 * 7)),
]


@pytest.mark.parametrize(("spec", "mean", "var"), CASES, ids=[c[0]["dist"] for c in CASES])
def test_moments_match_closed_forms(spec: dict, mean: float, var: float) -> None:
    d = make_distribution(spec)
    x = d.sample(np.random.default_rng(1), N)
    assert d.mean == pytest.approx(mean, rel=1e-12)
    se = math.sqrt(var / N)
    assert abs(x.mean() - mean) < 5 * se
    assert x.var() == pytest.approx(var, rel=0.02)
    lo, hi = d.support
    assert x.min() >= lo and x.max() <= hi


def test_clip_truncates_and_shrinks_support() -> None:
    d = make_distribution({"dist": "normal", "mean": 0.5, "sd": 0.3, "clip": [0, 0.99]})
    x = d.sample(np.random.default_rng(2), 10_000)
    assert x.min() == 0.0 and x.max() == 0.99
    assert d.support == (0.0, 0.99)
    assert d.mean is None  # not closed-form once clipped


def test_yaml_1_1_exponent_strings_are_numbers() -> None:
    d = make_distribution({"dist": "uniform", "low": "1e9", "high": "2_000e6"})
    assert (d.low, d.high) == (1e9, 2e9)


@pytest.mark.parametrize(
    ("spec", "field", "text"),
    [
        ({"dist": "uniform", "low": 2, "high": 1}, "high", "low < high"),
        ({"dist": "uniform", "low": 1}, None, "'high' is missing"),
        ({"dist": "uniform", "lo": 1, "high": 2}, "lo", "does not take 'lo'"),
        ({"dist": "gamma", "k": 1}, "dist", "unknown distribution"),
        ({"dist": "normal", "mean": 0, "sd": -1}, "sd", "sd > 0"),
        ({"dist": "triangular", "low": 0, "mode": 5, "high": 4}, "mode", "low <= mode <= high"),
        ({"dist": "beta", "a": 0, "b": 1}, "a", "a > 0"),
        ({"dist": "pert", "low": 0, "mode": "x", "high": 1}, "mode", "must be a number"),
        ({"dist": "uniform", "low": 0, "high": 1, "clip": [1]}, "clip", "clip must be a list"),
    ],
)
def test_invalid_specs_name_the_field(spec: dict, field: str | None, text: str) -> None:
    with pytest.raises(DistributionError) as exc:
        make_distribution(spec)
    assert exc.value.field == field
    assert text in str(exc.value)
