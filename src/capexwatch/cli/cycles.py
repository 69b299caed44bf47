"""The boom-and-bust cycle commands: ``calibrate``, ``phantom-share``, ``analogs``."""

from __future__ import annotations

import click

from capexwatch.cli._io import emit_json, open_store, print_all
from capexwatch.cli._options import date_opt, json_option

__all__ = ["analogs_cmd", "calibrate_cmd", "phantom_share_cmd"]


@click.command("calibrate")
@click.argument("scenario", metavar="PRESET")
@click.option("--starts", type=click.IntRange(min=1), default=8, show_default=True, help="Optimiser starts.")
@click.option("--no-save", is_flag=True, help="Print the fit; do not save the fitted preset.")
@json_option
def calibrate_cmd(scenario: str, starts: int, no_save: bool, as_json: bool) -> None:
    """Fit a preset's free parameters to its published targets (e.g. chips-2021, the 2021-22 chip cycle).

    Prints, per target, the published value, the fitted value, the error and whether it is met, and
    names the targets the model cannot meet. The fitted preset is saved as PRESET.yaml in
    $CAPEXWATCH_HOME/scenarios (with the table as PRESET.calibration.json): `simulate PRESET` and the
    report use it from then on; delete the file to return to the bundled preset.
    """
    from capexwatch.config import user_scenarios_dir
    from capexwatch.models.calibration import calibrate, save_calibration, targets_for
    from capexwatch.models.scenario import preset_path

    targets, free = targets_for(scenario)  # exit 2 for a scenario without published targets
    entry = preset_path(scenario)
    if entry is None:  # pragma: no cover - every CALIBRATIONS name is a bundled preset (tested)
        raise click.BadParameter(f"{scenario!r} is not a bundled preset.", param_hint="PRESET")
    from capexwatch.models.scenario import parse_scenario

    # fit from the bundled preset, never from an earlier saved copy (the fit must not drift)
    scn = parse_scenario(entry.read_text(encoding="utf-8"), filename=entry.name, name=scenario)
    result = calibrate(scn, targets=targets, free=free, starts=starts)
    saved = None if no_save else save_calibration(scn, result, user_scenarios_dir())
    data = result.to_dict()
    if as_json:
        data["saved"] = None if saved is None else {k: str(v) for k, v in saved.items()}
        emit_json(data)
        return
    from capexwatch.report.cycle_tables import calibration_renderables

    print_all(calibration_renderables(data, None if saved is None else {k: str(v) for k, v in saved.items()}))


@click.command("phantom-share")
@click.argument("ticker", default="NVDA")
@click.option("--as-of", help="Use only what was public by this date (YYYY-MM-DD).")
@json_option
def phantom_share_cmd(ticker: str, as_of: str | None, as_json: bool) -> None:
    """The phantom share of orders a vendor's inventory + purchase-obligation growth implies.

    The inverse of the double-ordering model: stock growth beyond revenue growth over the latest four
    quarters, with its uncertainty. Needs the vendor's 10-Q/10-K figures (`capexwatch update`).
    """
    from capexwatch.models.calibration import implied_phantom_share_from_store

    with open_store() as store:
        d = implied_phantom_share_from_store(store, ticker.upper(), as_of=date_opt(as_of))
    if as_json:
        emit_json(d)
        return
    from capexwatch.report.cycle_tables import implied_share_table

    print_all([implied_share_table(d)])


@click.command("analogs")
@json_option
def analogs_cmd(as_json: bool) -> None:
    """The AI capex cycle beside the telecom 1999-2002 and chip 2021-23 cycles, aligned on peak growth."""
    from capexwatch.signals.analogs import analog_frame

    with open_store() as store:
        frame = analog_frame(store)
    if as_json:
        emit_json(frame.to_dict(orient="records"))
        return
    from capexwatch.report.cycle_tables import analogs_table

    print_all([analogs_table(frame)])
