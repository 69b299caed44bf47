"""The signals capexwatch knows: an explicit list of the signal modules, by board order.

Each signal module defines ``SPEC`` (a :class:`~capexwatch.signals._signal.SignalSpec`) and knows
nothing of this list; adding a signal is adding its module here. Nothing registers itself on
import, so the signal modules never import their own package.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from capexwatch.errors import UnknownSignalError
from capexwatch.signals import (
    capex_vs_cloud,
    capital_intensity,
    circular_financing,
    depreciation_gap,
    energy_constraints,
    hardware_saturation,
    liquidity_drain,
    roi_gap,
)
from capexwatch.signals._signal import SignalSpec

__all__ = ["REGISTRY", "UnknownSignalError", "get_spec", "signal_names"]

_MODULES = (
    roi_gap,
    capital_intensity,
    hardware_saturation,
    liquidity_drain,
    capex_vs_cloud,
    energy_constraints,
    depreciation_gap,
    circular_financing,
)

#: name -> spec of every signal (read-only)
REGISTRY: Mapping[str, SignalSpec] = MappingProxyType({m.SPEC.name: m.SPEC for m in _MODULES})


def signal_names() -> list[str]:
    """Registered signal names in board order."""
    return [s.name for s in sorted(REGISTRY.values(), key=lambda s: (s.order, s.name))]


def get_spec(name: str) -> SignalSpec:
    """The spec called *name* (case and ``-``/``_`` ignored); raises :class:`UnknownSignalError`."""
    try:
        return REGISTRY[name.strip().lower().replace("-", "_")]
    except KeyError:
        raise UnknownSignalError(name, signal_names()) from None
