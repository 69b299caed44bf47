"""Monte Carlo economics models and the engine that runs them.

>>> from capexwatch.models import load_scenario, simulate
>>> result = simulate(load_scenario("sequoia-2024"))
>>> result.outputs["required_revenue_usd"].p50
600000000000.0

See ``NOTES.md`` beside this file for the engine's design.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from capexwatch.models.engine import OutputStats, SeriesStats, SimulationResult, simulate
    from capexwatch.models.registry import get_model, model_names
    from capexwatch.models.scenario import Scenario, list_presets, load_scenario, parse_scenario

__all__ = [
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

_WHERE = {
    "OutputStats": "engine",
    "SeriesStats": "engine",
    "SimulationResult": "engine",
    "simulate": "engine",
    "get_model": "registry",
    "model_names": "registry",
    "Scenario": "scenario",
    "list_presets": "scenario",
    "load_scenario": "scenario",
    "parse_scenario": "scenario",
}


def __getattr__(name: str) -> Any:
    # lazy: `import capexwatch.models` stays cheap (NumPy and YAML load on first use)
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'capexwatch.models' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"capexwatch.models.{module}"), name)
