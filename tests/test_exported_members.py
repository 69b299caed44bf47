"""Pin the public API: ``capexwatch.__all__`` is exactly what the package namespace offers.

Modelled on httpx's ``tests/test_exported_members.py``: a name a user can reach without an
underscore is exported, and an exported name resolves to the thing it names.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import pkgutil
import types

import capexwatch
import capexwatch.errors

EXPECTED = {
    # verbs and nouns
    "open",
    "Store",
    "ingest",
    "update",
    "quarters",
    "signals",
    "simulate",
    "load_scenario",
    "build_report",
    "__version__",
    # every user-facing error
    *capexwatch.errors.__all__,
}

VERBS = {"open", "ingest", "update", "quarters", "simulate", "load_scenario", "build_report"}


def _resolve_all() -> None:
    for name in capexwatch.__all__:
        getattr(capexwatch, name)


def test_all_is_the_expected_api_in_sorted_order() -> None:
    assert set(capexwatch.__all__) == EXPECTED
    assert capexwatch.__all__ == sorted(capexwatch.__all__)
    assert len(capexwatch.__all__) == len(set(capexwatch.__all__))


def test_every_public_name_in_the_namespace_is_exported() -> None:
    _resolve_all()
    public = {
        name
        for name, value in vars(capexwatch).items()
        # submodules bound by the import system are reachable, but only `signals` is API
        if not name.startswith("_") and not (isinstance(value, types.ModuleType) and name not in EXPECTED)
    }
    assert public == set(capexwatch.__all__) - {"__version__"}
    assert set(capexwatch.__all__) <= set(dir(capexwatch))


def test_verbs_stay_functions_after_every_top_level_module_loads() -> None:
    # a module at the package root named like a verb must not replace the verb
    for info in pkgutil.iter_modules(capexwatch.__path__):
        if info.name in VERBS:
            importlib.import_module(f"capexwatch.{info.name}")
    for name in VERBS:
        value = getattr(capexwatch, name)
        assert callable(value) and not isinstance(value, types.ModuleType), name
        assert getattr(value, "__name__", "") != ""


def test_nouns_are_what_they_name() -> None:
    from capexwatch.store.db import Store

    assert capexwatch.Store is Store
    assert isinstance(capexwatch.signals, types.ModuleType) and callable(capexwatch.signals.run)
    for name in capexwatch.errors.__all__:
        assert getattr(capexwatch, name) is getattr(capexwatch.errors, name)


def test_version_comes_from_the_package_metadata() -> None:
    assert capexwatch.__version__ == importlib.metadata.version("capexwatch")


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        capexwatch.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("capexwatch.no_such_thing resolved")
