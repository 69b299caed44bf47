"""Two-way sensitivity of ``credit.gpu_collateral``: PD against rental price x GPU life in one run.

Kept beside :mod:`capexwatch.models.credit` (which the engine imports through the registry) so
that the model module does not import the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from capexwatch.models._typing import FloatArray
from capexwatch.models.credit import simulate_facility
from capexwatch.models.engine import STREAM_BLOCK, _chunk_parameters, _context

__all__ = ["PdGrid", "pd_grid"]


@dataclass(frozen=True)
class PdGrid:
    """Probability of default (by maturity or the horizon) on a grid of rental price x GPU life.

    ``pd[i][j]`` is for ``rental_usd_per_gpu_hour[i]`` and ``economic_life_years[j]``; every cell
    uses the same draws of every other parameter (common random numbers), so differences between
    cells are the two inputs' effect, not noise.
    """

    rental_usd_per_gpu_hour: list[float]
    economic_life_years: list[float]
    pd: list[list[float]]
    expected_loss_usd: list[list[float]]
    paths: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "rental_usd_per_gpu_hour": self.rental_usd_per_gpu_hour,
            "economic_life_years": self.economic_life_years,
            "pd": self.pd,
            "expected_loss_usd": self.expected_loss_usd,
            "paths": self.paths,
        }


def pd_grid(
    scenario: Any,
    rental_usd_per_gpu_hour: Sequence[float],
    economic_life_years: Sequence[float],
    *,
    paths: int = 20_000,
    seed: int | None = None,
) -> PdGrid:
    """PD against rental price x GPU life in one run: one draw, every cell stacked as rows.

    *scenario* is a ``credit.gpu_collateral`` scenario already filled from the store. The grid
    replaces the starting rental price (and the contract price where the scenario does not set one)
    and the economic life; all other draws are shared by every cell.
    """
    s = seed if seed is not None else (scenario.seed if scenario.seed is not None else 0)
    n_blocks = -(-paths // STREAM_BLOCK)
    base, _ = _chunk_parameters(scenario, s, 0, n_blocks, paths)
    cells = [(r, life) for r in rental_usd_per_gpu_hour for life in economic_life_years]
    stacked: dict[str, FloatArray] = {}
    for key, arr in base.items():
        stacked[key] = np.concatenate([arr] * len(cells), axis=0)
    stacked["rental_usd_per_gpu_hour"] = np.repeat([float(c[0]) for c in cells], paths)
    stacked["economic_life_years"] = np.repeat([float(c[1]) for c in cells], paths)
    ctx = _context(scenario, paths * len(cells))
    c = simulate_facility(stacked, ctx, flows=False)
    did = (~np.isnan(c["default_q"])).reshape(len(cells), paths).mean(axis=1)
    loss = c["loss"].reshape(len(cells), paths).mean(axis=1)
    nr, nl = len(rental_usd_per_gpu_hour), len(economic_life_years)
    return PdGrid(
        [float(x) for x in rental_usd_per_gpu_hour],
        [float(x) for x in economic_life_years],
        did.reshape(nr, nl).tolist(),
        loss.reshape(nr, nl).tolist(),
        paths,
    )
