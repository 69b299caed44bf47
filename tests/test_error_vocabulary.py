"""One error vocabulary and one reader of the environment.

Every user-facing error is defined in ``capexwatch.errors``; a name that is not known is also a
``LookupError``; only ``capexwatch.config`` reads environment variables.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import capexwatch
from capexwatch import errors
from capexwatch.errors import (
    CapexwatchError,
    DistributionError,
    HttpStatusError,
    NetworkError,
    ScenarioError,
    UnknownMetricError,
    UnknownModelError,
    UnknownSignalError,
    UnknownTickerError,
)

SRC = Path(capexwatch.__file__).parent


def _all_subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_all_subclasses(sub)}
    return out


def test_every_capexwatch_error_is_defined_in_errors() -> None:
    for info in pkgutil.walk_packages(capexwatch.__path__, prefix="capexwatch."):
        if info.name.endswith("__main__"):
            continue  # running it would run the CLI
        try:
            importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed (dask, starlette)
            continue
    strays = sorted(f"{c.__module__}.{c.__qualname__}" for c in _all_subclasses(CapexwatchError)
                    if c.__module__ != "capexwatch.errors")  # fmt: skip
    assert strays == []
    defined = {c.__name__ for c in _all_subclasses(CapexwatchError)} | {"CapexwatchError"}
    assert defined == set(errors.__all__)


@pytest.mark.parametrize("cls", [UnknownTickerError, UnknownMetricError, UnknownSignalError, UnknownModelError])
def test_lookup_errors_are_lookup_errors_with_exit_code_2(cls: type[CapexwatchError]) -> None:
    assert issubclass(cls, LookupError) and issubclass(cls, CapexwatchError)
    assert cls.exit_code == 2


def test_kinds_keep_their_exit_codes() -> None:
    assert issubclass(HttpStatusError, NetworkError) and HttpStatusError.exit_code == 6
    assert issubclass(DistributionError, ScenarioError) and issubclass(DistributionError, ValueError)
    assert DistributionError.exit_code == 2
    err = DistributionError("normal needs sd > 0 (got -1)", "sd")
    assert err.field == "sd" and str(err) == "normal needs sd > 0 (got -1)"


def test_unknown_model_names_close_matches() -> None:
    from capexwatch.models.registry import get_model

    with pytest.raises(UnknownModelError) as info:
        get_model("sequoya")
    assert "unknown model 'sequoya'." in str(info.value)
    assert "Did you mean sequoia?" in str(info.value)
    assert "required_revenue.sequoia" in str(info.value)


def test_unknown_signal_is_raised_by_get_spec() -> None:
    from capexwatch import signals

    with pytest.raises(LookupError, match="Known signals"):
        signals.get_spec("no_such_signal")


def test_only_config_reads_the_environment() -> None:
    reads = re.compile(r"os\.environ|os\.getenv|getenv\(")
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if p.name != "config.py" and reads.search(p.read_text(encoding="utf-8"))]  # fmt: skip
    assert offenders == []
