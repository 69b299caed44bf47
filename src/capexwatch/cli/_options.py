"""Options and parameter checks that several commands share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

import click

__all__ = ["SOURCE_CHOICE", "VIEW_CHOICE", "date_opt", "json_option", "source_option", "view_option"]

VIEW_CHOICE = click.Choice(["latest", "first-filed"])
SOURCE_CHOICE = click.Choice(["all", "sec", "curated", "user"])


def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--json``: print JSON for scripts instead of tables (the parameter is ``as_json``)."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(f)


def view_option(help: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:  # noqa: A002
    """``--view latest|first-filed`` (default latest)."""
    return click.option("--view", type=VIEW_CHOICE, default="latest", show_default=True, help=help)


def source_option(help: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:  # noqa: A002
    """``--source all|sec|curated|user`` (default all)."""
    return click.option("--source", type=SOURCE_CHOICE, default="all", show_default=True, help=help)


#: the dates an option accepts (the web API accepts the same range)
DATE_MIN: Final = dt.date(1900, 1, 1)
DATE_MAX: Final = dt.date(2199, 12, 31)


def date_opt(text: str | None, param_hint: str = "--as-of") -> str | None:
    """*text* as an ISO date, or a usage error (exit 2) naming the option."""
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date; use YYYY-MM-DD.", param_hint=param_hint) from None
    if not DATE_MIN <= day <= DATE_MAX:
        # quarters are labelled with four-digit years, and no filing or series predates 1900
        raise click.BadParameter(f"{text!r} is outside {DATE_MIN} .. {DATE_MAX}.", param_hint=param_hint)
    return day.isoformat()
