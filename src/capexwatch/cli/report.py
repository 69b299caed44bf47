"""The AI-capex picture: ``report`` (terminal dashboard and the self-contained HTML report)."""

from __future__ import annotations

import click

from capexwatch.cli._io import console, emit_json, open_store
from capexwatch.cli._options import date_opt, json_option

__all__ = ["report"]


@click.command()
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    default="capexwatch-report.html",
    show_default=True,
    help="Where to write the self-contained HTML report.",
)
@click.option("--as-of", help="Evaluate with only what was public by this date (YYYY-MM-DD).")
@click.option("--no-html", is_flag=True, help="Only the terminal dashboard.")
@json_option
def report(out: str, as_of: str | None, no_html: bool, as_json: bool) -> None:
    """The AI-capex picture: terminal dashboard and a self-contained HTML report."""
    from capexwatch.report.build import build_report
    from capexwatch.report.html import check_writable

    if not no_html:
        check_writable(out)  # before the build, which takes a while
    with open_store() as store:
        rep = build_report(store, as_of=date_opt(as_of))
    path = None
    if not no_html:
        from capexwatch.report.html import write_html

        path = write_html(rep.data, out, extra_sections=rep.sections)
        rep.data["html_path"] = str(path)
    if as_json:
        emit_json(rep.data)
        return
    from capexwatch.report.terminal import render_dashboard

    render_dashboard(rep.data, console(), html_path=str(path) if path else None, extras=rep.renderables)
