"""The models capexwatch knows, by name (``required_revenue.sequoia``, ``cohort`` ...)."""

from __future__ import annotations

import difflib
from functools import cache

from capexwatch.errors import UnknownModelError
from capexwatch.models._spec import ModelSpec

__all__ = ["ALIASES", "get_model", "model_names", "models"]

ALIASES: dict[str, str] = {
    "sequoia": "required_revenue.sequoia",
    "bain": "required_revenue.bain",
    "jpmorgan": "required_revenue.jpmorgan",
    "cohort": "required_revenue.cohort",
    "depreciation.vintage": "depreciation",
    "efficiency.demand": "efficiency",
    "valuation.reverse_dcf": "valuation",
    "credit": "credit.gpu_collateral",
    "contagion": "contagion.feedback",
    "double_ordering": "supply_chain.double_ordering",
}
"""Short names accepted in scenario files."""


@cache
def models() -> dict[str, ModelSpec]:
    """All model specs by full name (imports the model modules on first use)."""
    from capexwatch.models import contagion, credit, depreciation, efficiency, required_revenue, supply_chain, valuation

    out: dict[str, ModelSpec] = {}
    for module in (required_revenue, depreciation, efficiency, valuation, credit, contagion, supply_chain):
        for spec in module.SPECS:
            out[spec.name] = spec
    return out


def model_names() -> list[str]:
    return list(models())


def get_model(name: str) -> ModelSpec:
    """The spec called *name* (or an alias).

    Raises
    ------
    UnknownModelError
        with close matches and the known models in its message.
    """
    full = ALIASES.get(name, name)
    found = models().get(full)
    if found is None:
        close = difflib.get_close_matches(name, [*models(), *ALIASES], n=3)
        raise UnknownModelError(name, list(models()), close)
    return found
