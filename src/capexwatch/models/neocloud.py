"""The neoclouds' credit in ``contagion.feedback``, decided by ``credit.gpu_collateral``.

Vendor earnings sentiment ``s(t)`` feeds the neoclouds' cost of debt (issue 9: "it feeds back ...
into the neoclouds' cost of debt"): a neocloud facility, with the GPU-collateral credit model's
parameters under the prefix :data:`PREFIX` (``neocloud_facility_usd``, ``neocloud_spread_annual``,
...; usually taken in from a credit preset with the option ``neocloud_facility``), pays per path
and quarter::

    rate(t) = base(t) + spread_annual x exp(-beta s(t)) (+ spread shock(t))

(``beta`` = ``neocloud_spread_sensitivity``) instead of its own base + spread, and
:func:`capexwatch.models.credit.default_flags` decides, quarter by quarter, whether it breaches
and defaults on that path. At ``s = 0`` (or ``beta = 0``) the rate is the facility's own, so the
neocloud's default flags are exactly those ``credit.gpu_collateral`` gives on the same draws
(tested). Per path the "probability" is then a 0/1 flag; its mean over paths is the probability
of default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from capexwatch.models import credit
from capexwatch.models._spec import Context, Option, Param
from capexwatch.models._typing import FloatArray, Params

__all__ = [
    "FACILITY_PRESETS",
    "PREFIX",
    "check",
    "facility_inputs",
    "facility_needs",
    "facility_options",
    "facility_params",
    "gpu_collateral_pd",
]

PREFIX = "neocloud_"
"""Prefix of the neocloud facility's parameters and options in ``contagion.feedback``."""

FACILITY_PRESETS: tuple[str, ...] = (
    "credit-coreweave-ddtl2",
    "credit-coreweave-ddtl4",
    "credit-lambda-abs",
    "credit-xai-spv",
    "credit-seed-bear",
)
"""The bundled ``credit.gpu_collateral`` presets a contagion scenario can take the facility from."""

_CREDIT = credit.GPU_COLLATERAL
_NOT_TAKEN = ("cash_flows",)  # the contagion model returns default flags only


def facility_params() -> tuple[Param, ...]:
    """Every ``credit.gpu_collateral`` parameter as an optional ``neocloud_`` parameter (the
    credit model's defaults are applied by :func:`facility_inputs`, so a contagion scenario
    without a facility draws and records nothing for them)."""
    return tuple(
        dataclasses.replace(
            p,
            name=PREFIX + p.name,
            description=f"neocloud facility (neocloud_pd: gpu-collateral): {p.description}",
            default=None,
            default_dist=None,
            optional=True,
        )
        for p in _CREDIT.params
    )


def facility_options() -> tuple[Option, ...]:
    """The credit model's options (terms of the facility) as ``neocloud_`` options, unset by default."""
    return tuple(
        dataclasses.replace(o, name=PREFIX + o.name, description=f"neocloud facility: {o.description}", default=None)
        for o in _CREDIT.options
        if o.name not in _NOT_TAKEN
    )


def facility_needs() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The credit model's ``needs`` pairs, prefixed."""
    return tuple((PREFIX + name, tuple(PREFIX + x for x in needed)) for name, needed in _CREDIT.needs)


def facility_inputs(p: Params, ctx: Context) -> tuple[dict[str, FloatArray], Context]:
    """The facility's parameter arrays and context as ``credit.gpu_collateral`` takes them:
    prefix removed, the credit model's defaults filled in, its options from the ``neocloud_``
    options."""
    n, h = ctx.paths, ctx.horizon_quarters
    out: dict[str, FloatArray] = {}
    for q in _CREDIT.params:
        if PREFIX + q.name in p:
            out[q.name] = p[PREFIX + q.name]
        elif q.default is not None:
            out[q.name] = np.full((n, h) if q.shape == "quarterly" else n, q.default)
    options = {o.name: ctx.options.get(PREFIX + o.name) for o in _CREDIT.options if o.name not in _NOT_TAKEN}
    return out, Context(n, h, ctx.start_quarter, options, frozenset(out), run_paths=ctx.run_paths)


def gpu_collateral_pd(sentiment: FloatArray, p: Params, ctx: Context) -> tuple[FloatArray, FloatArray]:
    """Spread path and default flags by quarter (``(paths, T)`` each) of the neocloud facility
    whose cost of debt follows *sentiment* (see the module docstring)."""
    fp, fctx = facility_inputs(p, ctx)
    spread = fp["spread_annual"][:, None] * np.exp(-p["neocloud_spread_sensitivity"][:, None] * sentiment)
    rate = fp["base_rate_annual"] + spread
    if "spread_shock_annual" in fp:
        rate = rate + fp["spread_shock_annual"]
    return spread, credit.default_flags(fp, fctx, rate)


def check(options: Mapping[str, Any], present: frozenset[str]) -> list[tuple[str, str]]:
    """Cross-field errors of the neocloud settings: what each ``neocloud_pd`` needs and refuses."""
    facility = [PREFIX + q.name for q in _CREDIT.params if q.required]
    given = [PREFIX + q.name for q in _CREDIT.params if PREFIX + q.name in present]
    if options.get("neocloud_pd") != "gpu-collateral":
        if given:
            return [(given[0], "is a neocloud facility term: set options.neocloud_pd: gpu-collateral")]
        triangle = ("neocloud_spread_sensitivity", "neocloud_spread_ratio", "neocloud_lgd_ratio")
        missing = [k for k in triangle if k not in present]
        if len(missing) == 1 and missing[0] != "neocloud_spread_sensitivity":
            return [(missing[0], "the credit triangle needs it beside the other neocloud_ parameters")]
        return []
    errors: list[tuple[str, str]] = []
    missing = [k for k in ("neocloud_spread_sensitivity", *facility) if k not in present]
    if missing:
        errors.append(
            (
                missing[0],
                "neocloud_pd: gpu-collateral needs the neocloud facility: set options.neocloud_facility to a "
                f"credit preset ({', '.join(FACILITY_PRESETS)}) or give {', '.join(missing)}",
            )
        )
    errors += [
        (k, "is for neocloud_pd: credit-triangle; gpu-collateral takes the facility's terms")
        for k in ("neocloud_spread_ratio", "neocloud_lgd_ratio")
        if k in present
    ]
    return errors
