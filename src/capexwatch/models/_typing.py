"""Array aliases shared by the engine and the models (one place, as in ``arch``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["BoolArray", "FloatArray", "IntArray", "Outputs", "Params"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
"""Float64 array: shape ``(paths,)`` for a scalar per path, ``(paths, k)`` for a series per path."""

IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

Params: TypeAlias = Mapping[str, FloatArray]
"""What a model receives: parameter name -> array with one row per Monte Carlo path."""

Outputs: TypeAlias = dict[str, FloatArray]
"""What a model returns: output name (unit in the name) -> array with one row per path."""
