"""The risk signals: ``signals`` (the board), ``signal NAME`` (one in depth), ``backtest``."""

from __future__ import annotations

import click

from capexwatch.cli._io import console, emit_json, open_store
from capexwatch.cli._options import date_opt, json_option

__all__ = ["backtest_cmd", "signal_cmd", "signals_cmd"]


@click.command("signals")
@click.option("--as-of", help="Evaluate with only what was public by this date (YYYY-MM-DD): no look-ahead.")
@json_option
def signals_cmd(as_of: str | None, as_json: bool) -> None:
    """The risk board: one row per signal (risk factor, description, trigger, status, evidence).

    Thresholds: cited defaults, overridable in $CAPEXWATCH_HOME/thresholds.toml.
    """
    from capexwatch import signals as S

    with open_store() as store:
        sigs = S.run(store, as_of=date_opt(as_of))
    if as_json:
        emit_json([s.to_dict(history=False) for s in sigs])
        return
    from capexwatch.report.signals_section import board_renderable

    c = console()
    c.print(board_renderable(sigs))
    c.print("[dim]One signal in depth: capexwatch signal NAME [--ticker T] [--history][/dim]")


@click.command("signal")
@click.argument("name")
@click.option("--ticker", "-t", help="Evaluate for one company in the store (including ones from your CSV).")
@click.option("--history", "show_history", is_flag=True, help="Show the status per quarter.")
@click.option("--as-of", help="Evaluate with only what was public by this date (YYYY-MM-DD).")
@json_option
def signal_cmd(name: str, ticker: str | None, show_history: bool, as_of: str | None, as_json: bool) -> None:
    """One signal in depth: definition, formula, values, thresholds, evidence with sources."""
    from capexwatch import signals as S

    spec = S.get_spec(name)
    with open_store() as store:
        sig = S.run(store, names=[spec.name], ticker=ticker, as_of=date_opt(as_of))[0]
    if as_json:
        emit_json(sig.to_dict(history=True))
        return
    from capexwatch.report.signals_section import detail_renderable

    console().print(detail_renderable(sig, history=show_history))


@click.command("backtest")
@click.option("--signal", "names", multiple=True, help="Only this signal (repeatable).")
@click.option("--start", help="First evaluation date (YYYY-MM-DD); default: the first data.")
@click.option("--end", help="Last evaluation date (YYYY-MM-DD); default: the latest data.")
@json_option
def backtest_cmd(names: tuple[str, ...], start: str | None, end: str | None, as_json: bool) -> None:
    """Every signal at each quarter end, with only what was public then; shows when each fired."""
    from capexwatch import signals as S
    from capexwatch.signals.backtest import backtest, backtest_inputs, default_dates

    for n in names:
        S.get_spec(n)
    with open_store() as store:
        inputs = backtest_inputs(store)
    dates = default_dates(inputs, date_opt(start, "--start"), date_opt(end, "--end"))
    sel = [S.get_spec(n).name for n in names] or None
    if as_json:
        emit_json(backtest(inputs, dates=dates, names=sel).to_dict())
        return
    from capexwatch.report.progress import backtest_status
    from capexwatch.report.signals_section import backtest_renderable

    with backtest_status(console()) as progress:
        result = backtest(inputs, dates=dates, names=sel, progress=progress)
    console().print(backtest_renderable(result))
