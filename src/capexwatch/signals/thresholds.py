"""Signal thresholds: the cited defaults in ``thresholds.toml`` and the user's overrides.

The defaults ship beside this module; each entry has ``value``, ``unit``, ``help`` and ``source``
(the citation). A user file at ``$CAPEXWATCH_HOME/thresholds.toml`` replaces entries key by key;
its entries may be plain values (``hike_bp = 100``) or tables with their own ``source``. An
unknown signal or key, or a value of another type than the default's, raises
:class:`~capexwatch.errors.ConfigError` naming the entry, so a typo never silently keeps a default.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from capexwatch.errors import ConfigError
from capexwatch.signals._signal import Threshold

__all__ = [
    "Thresholds",
    "default_thresholds",
    "load_thresholds",
    "max_lag",
    "th",
    "thresholds_for",
    "user_thresholds_path",
]

#: signal name (or ``general``) -> key -> :class:`Threshold`
Thresholds = dict[str, dict[str, Threshold]]


@cache
def _defaults_raw() -> dict[str, Any]:
    with resources.files("capexwatch.signals").joinpath("thresholds.toml").open("rb") as fh:
        return tomllib.load(fh)


def default_thresholds() -> Thresholds:
    """The bundled defaults, each with its citation."""
    out: Thresholds = {}
    for sig, entries in _defaults_raw().items():
        out[sig] = {
            key: Threshold(
                name=key,
                value=e["value"],
                unit=str(e.get("unit", "")),
                help=str(e.get("help", "")),
                source=str(e.get("source", "")),
            )
            for key, e in entries.items()
        }
    return out


def user_thresholds_path() -> Path:
    """Where a user's overrides live: ``$CAPEXWATCH_HOME/thresholds.toml``."""
    from capexwatch.config import home_dir

    return home_dir() / "thresholds.toml"


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, type(default))


def _kind_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list of strings"
    return "a string"


def load_thresholds(path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None) -> Thresholds:
    """Defaults merged with the user's file (default ``$CAPEXWATCH_HOME/thresholds.toml``, if it
    exists) and then with *overrides* (``{"signal": {"key": value}}``, for tests and the API).

    Raises
    ------
    ConfigError
        the file is not valid TOML, or names an unknown signal/key, or gives a value of the wrong type.
    """
    out = default_thresholds()
    p = Path(path) if path is not None else user_thresholds_path()
    if p.is_file():
        try:
            with p.open("rb") as fh:
                user = tomllib.load(fh)
        except (tomllib.TOMLDecodeError, OSError) as exc:
            raise ConfigError(
                f"Cannot read the thresholds file {p}: {exc}",
                hint="Fix the TOML (compare with `capexwatch signal NAME --json` for the keys) or delete the file "
                "to use the cited defaults.",
            ) from exc
        _merge(out, user, origin=f"user override: {p}")
    if overrides:
        _merge(out, dict(overrides), origin="override passed to the API")
    return out


def _merge(out: Thresholds, user: Mapping[str, Any], *, origin: str) -> None:
    for sig, entries in user.items():
        if sig not in out:
            raise ConfigError(
                f"Unknown signal [{sig}] in thresholds ({origin}).",
                hint="Known: " + ", ".join(sorted(out)) + ".",
            )
        if not isinstance(entries, Mapping):
            raise ConfigError(
                f"[{sig}] in thresholds ({origin}) must be a table of key = value entries.",
                hint=f"Write e.g.\n[{sig}]\n{next(iter(out[sig]))} = ...",
            )
        for key, raw in entries.items():
            if key not in out[sig]:
                raise ConfigError(
                    f"Unknown threshold {sig}.{key} ({origin}).",
                    hint=f"Keys of [{sig}]: " + ", ".join(sorted(out[sig])) + ".",
                )
            default = out[sig][key]
            source = origin
            if isinstance(raw, Mapping):
                if "value" not in raw:
                    raise ConfigError(
                        f"{sig}.{key} ({origin}) is a table without 'value'.",
                        hint=f"Write {key} = {default.value!r} or add value = ... to the table.",
                    )
                source = f"{origin} ({raw['source']})" if raw.get("source") else origin
                raw = raw["value"]
            if not _same_kind(default.value, raw):
                raise ConfigError(
                    f"{sig}.{key} ({origin}) must be {_kind_name(default.value)}, got {raw!r}.",
                    hint=f"The default is {default.value!r} ({default.unit}).",
                )
            out[sig][key] = Threshold(key, raw, default.unit, default.help, source)


def th(thresholds: Mapping[str, Threshold], key: str) -> Any:
    """The value of threshold *key* (KeyError names it if a signal asks for an unknown one)."""
    return thresholds[key].value


def max_lag(thresholds: Mapping[str, Threshold]) -> int:
    """``general.max_lag_quarters`` (the runner passes the general keys with each signal's)."""
    return int(thresholds["max_lag_quarters"].value) if "max_lag_quarters" in thresholds else 2


def thresholds_for(thresholds: Thresholds, name: str) -> dict[str, Threshold]:
    """The thresholds one signal sees: its own table plus the ``[general]`` entries."""
    out = dict(thresholds.get("general", {}))
    out.update(thresholds.get(name, {}))
    return out
