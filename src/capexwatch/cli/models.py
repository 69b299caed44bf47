"""The Monte Carlo models: ``scenarios`` (the presets), ``simulate PRESET|FILE``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from capexwatch.cli._io import console, emit_json, open_store, print_all
from capexwatch.cli._options import json_option
from capexwatch.report.records import preset_record

if TYPE_CHECKING:
    from capexwatch.models.scenario import Scenario

__all__ = ["scenarios_cmd", "simulate_cmd"]


@click.command("scenarios")
@json_option
def scenarios_cmd(as_json: bool) -> None:
    """List the scenario presets (each reproduces a published analysis or a cited view)."""
    from capexwatch.models.scenario import list_presets

    presets = list_presets()
    if as_json:
        emit_json([preset_record(s) for s in presets])
        return
    from capexwatch.report.simulation import presets_table

    console().print(presets_table(presets))


def _caps(text: str) -> list[float]:
    """``1,1.5,2`` as floats, or a usage error (exit 2) naming the option."""
    try:
        caps = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: give inflation caps as numbers, e.g. 1,1.5,2.", param_hint="--phantom-cap"
        ) from None
    if not caps:
        raise click.BadParameter("give at least one inflation cap, e.g. 1,1.5,2.", param_hint="--phantom-cap")
    return caps


def _phantom_sweep(scn: Scenario, caps: list[float], *, paths: int | None, seed: int | None, as_json: bool) -> None:
    """``simulate --phantom-cap``: the cliff per inflation cap (common random numbers; nothing stored)."""
    from capexwatch.models.calibration import phantom_sweep

    store = open_store() if scn.needs_store else None
    try:
        rows = phantom_sweep(scn, caps, paths=paths, seed=seed, store=store)
    finally:
        if store is not None:
            store.close()
    if as_json:
        emit_json({"scenario": scn.name, "model": scn.model.name, "paths": paths or scn.paths, "sweep": rows})
        return
    from capexwatch.report.cycle_tables import sweep_table

    print_all([sweep_table(scn.name, rows)])


@click.command("simulate")
@click.argument("scenario", metavar="PRESET|FILE")
@click.option("--paths", type=click.IntRange(min=1), help="Monte Carlo paths (default: the scenario's).")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), help="Random seed (default: the scenario's, else fresh).")
@click.option(
    "--workers", type=click.IntRange(min=0), default=1, show_default=True, help="Local processes (0: one per core)."
)
@click.option(
    "--scheduler", metavar="ADDR", help="Run on an existing Dask cluster, e.g. tcp://host:8786 (extra `dask`)."
)
@click.option(
    "--block-size",
    type=click.IntRange(min=1),
    default=65_536,
    show_default=True,
    help="Paths per work block (memory bound); results do not depend on it.",
)
@click.option("--no-store", is_flag=True, help="Do not save the run in the store.")
@click.option(
    "--phantom-cap",
    metavar="CAPS",
    help="Double-ordering: sweep the inflation cap (e.g. 1,1.5,2) and print the vendor revenue cliff per cap.",
)
@json_option
def simulate_cmd(
    scenario: str,
    paths: int | None,
    seed: int | None,
    workers: int,
    scheduler: str | None,
    block_size: int,
    no_store: bool,
    phantom_cap: str | None,
    as_json: bool,
) -> None:
    """Run a scenario: a preset name (see `capexwatch scenarios`) or a YAML file.

    Prints each output's mean, sd and 5/25/50/75/95th percentiles, per-year bands of the series,
    and the resolved parameters with their sources; the run is saved in the store (for the
    report's fan charts) unless --no-store.
    """
    from capexwatch.models.engine import default_workers, save_result, simulate
    from capexwatch.models.scenario import load_scenario
    from capexwatch.report.progress import simulation_progress

    scn = load_scenario(scenario)
    if phantom_cap is not None:
        _phantom_sweep(scn, _caps(phantom_cap), paths=paths, seed=seed, as_json=as_json)
        return
    store = open_store(read_only=no_store) if (scn.needs_store or not no_store) else None
    try:
        with simulation_progress(paths or scn.paths) as progress:
            result = simulate(
                scn,
                paths=paths,
                seed=seed,
                block_size=block_size,
                workers=workers or default_workers(),
                scheduler=scheduler,
                store=store,
                progress=progress,
            )
        if store is not None and not no_store:
            result.run_id = save_result(result, store)
    finally:
        if store is not None:
            store.close()
    if as_json:
        emit_json(result.to_dict())
        return
    from capexwatch.report.simulation import result_renderables

    print_all(result_renderables(result))
