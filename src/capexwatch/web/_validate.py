"""Checking what a request carries before anything runs: each failure names the field at fault.

Limits that keep one request from taking the server down (a shared, local server): at most
:data:`MAX_PATHS` Monte Carlo paths per run, scenario YAML of at most :data:`MAX_YAML_BYTES`, and
YAML whose anchors and aliases expand to at most :data:`MAX_YAML_NODES` nodes (an "alias bomb"
of nine nested lists of nine aliases would expand to 9^9 nodes while parsing). Python tags
(``!!python/object``) and other non-standard tags are refused here with their line, before the
scenario parser (which uses PyYAML's safe loader, so they could not construct anything anyway).
Every failure is a :class:`~capexwatch.errors.InvalidRequestError` naming its field (HTTP 422).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from capexwatch.errors import InvalidRequestError

__all__ = [
    "MAX_PATHS",
    "MAX_YAML_BYTES",
    "MAX_YAML_NODES",
    "check_yaml",
    "choice",
    "date_param",
    "int_param",
    "name_param",
]

MAX_PATHS = 2_000_000
"""Most paths one web run may ask for (about 5 s with one worker; the CLI has no such limit)."""
MAX_YAML_BYTES = 256 * 1024
"""Largest scenario text accepted (the bundled presets are under 8 KiB)."""
MAX_YAML_NODES = 100_000
"""Most YAML nodes a scenario may expand to, aliases counted at each use."""

_STANDARD_TAG = "tag:yaml.org,2002:"
"""Tags of plain YAML (str, int, float, bool, null, seq, map, timestamp ...); Python tags extend it."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


FIRST_YEAR, LAST_YEAR = 1900, 2199
"""Dates outside these years are refused: calendar-quarter labels need four-digit years, and no
filing predates EDGAR (1993)."""


def date_param(value: str | None, field: str) -> str | None:
    """An ISO date (``YYYY-MM-DD``, years :data:`FIRST_YEAR` to :data:`LAST_YEAR`) or None."""
    if value is None or value == "":
        return None
    try:
        day = dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        return _bad_date(value, field)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidRequestError(
            field, f"{value} is out of range", hint=f"Use a date from {FIRST_YEAR} to {LAST_YEAR}."
        )
    return day.isoformat()


def _bad_date(value: str, field: str) -> str:
    raise InvalidRequestError(field, f"{value[:40]!r} is not a date", hint="Use YYYY-MM-DD, e.g. 2024-06-30.")


def choice(value: str | None, field: str, allowed: tuple[str, ...], default: str) -> str:
    """*value* if it is one of *allowed* (default when absent)."""
    if value is None or value == "":
        return default
    if value not in allowed:
        raise InvalidRequestError(field, f"{value[:40]!r} is not one of {', '.join(allowed)}")
    return value


def int_param(value: Any, field: str, *, low: int, high: int) -> int:
    """A whole number in ``[low, high]`` (JSON number or query text; booleans refused)."""
    if isinstance(value, bool) or value is None:
        raise InvalidRequestError(field, f"must be a whole number between {low:,} and {high:,}")
    if isinstance(value, float):
        if not value.is_integer():
            raise InvalidRequestError(field, f"must be a whole number, not {value!r}")
        value = int(value)
    if isinstance(value, str):
        if not re.fullmatch(r"[+-]?\d{1,20}", value.strip()):
            raise InvalidRequestError(field, f"must be a whole number, not {value[:40]!r}")
        value = int(value)
    if not isinstance(value, int):
        raise InvalidRequestError(field, f"must be a whole number, not {type(value).__name__}")
    if not low <= value <= high:
        raise InvalidRequestError(field, f"must be between {low:,} and {high:,} (got {value:,})")
    return value


def name_param(value: Any, field: str) -> str:
    """A ticker, metric, signal or preset name: letters, digits, ``_ . -`` (never a path)."""
    if not isinstance(value, str) or not _NAME.match(value):
        shown = repr(value)[:40]
        raise InvalidRequestError(field, f"{shown} is not a name", hint="Names use letters, digits, '_', '.' and '-'.")
    return value


def check_yaml(text: Any, field: str = "scenario") -> str:
    """Scenario YAML text within the size and expansion limits (parsing proper is the model layer's)."""
    import yaml

    if not isinstance(text, str):
        raise InvalidRequestError(field, "must be YAML text (a string)")
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_YAML_BYTES:
        raise InvalidRequestError(
            field, f"is {size:,} bytes; the limit is {MAX_YAML_BYTES:,}", hint="A scenario is a short YAML file."
        )
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            _count_nodes(node, field)
    except yaml.YAMLError:
        return text  # the scenario parser reports the line and the problem
    except RecursionError:
        raise InvalidRequestError(field, "nests too deeply", hint="A scenario nests a few levels at most.") from None
    return text


def _count_nodes(root: Any, field: str) -> None:
    """Refuse YAML whose aliases expand to more than :data:`MAX_YAML_NODES` nodes, or refer to themselves."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(n: Any) -> int:
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise InvalidRequestError(
                field, f"line {n.start_mark.line + 1}: an alias refers to the node that contains it"
            )
        tag = str(n.tag or "")
        if not tag.startswith(_STANDARD_TAG) or tag.startswith(_STANDARD_TAG + "python/"):
            raise InvalidRequestError(
                field,
                f"line {n.start_mark.line + 1}: the YAML tag {tag!r} is not allowed",
                hint="A scenario holds plain numbers, strings, lists and mappings: remove the !! tag.",
            )
        active.add(key)
        total = 1
        if isinstance(n.value, list):
            for item in n.value:
                parts = item if isinstance(item, tuple) else (item,)
                for part in parts:
                    total += size(part)
                    if total > MAX_YAML_NODES:
                        raise InvalidRequestError(
                            field,
                            f"line {n.start_mark.line + 1}: anchors and aliases expand to more than "
                            f"{MAX_YAML_NODES:,} nodes",
                            hint="Write the values out; a scenario needs no nested aliases.",
                        )
        active.discard(key)
        sizes[key] = total
        return total

    size(root)


def body_fields(body: Any, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    """The JSON body as a mapping with only *allowed* keys."""
    if not isinstance(body, dict):
        raise InvalidRequestError("body", "must be a JSON object")
    for key in body:
        if key not in allowed:
            raise InvalidRequestError(str(key)[:40], f"unknown field; fields are: {', '.join(allowed)}")
    return body
