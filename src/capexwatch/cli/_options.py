"""Options and parameter checks that several commands share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

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


def date_opt(text: str | None, param_hint: str = "--as-of") -> str | None:
    """*text* as an ISO date, or a usage error (exit 2) naming the option."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date; use YYYY-MM-DD.", param_hint=param_hint) from None
