"""``capexwatch ingest PATH``: load a file into the store, dispatching on its kind.

- ``*.csv``: a user's own figures (:mod:`capexwatch.sources.usercsv`);
- ``*.json`` (an SEC companyfacts document) and ``*.zip`` (the SEC bulk companyfacts.zip): the SEC
  path of :mod:`capexwatch.update` (issue 3).

All-or-nothing: a bad file raises :class:`~capexwatch.errors.InputFileError` and nothing is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from capexwatch.errors import InputFileError

if TYPE_CHECKING:
    from capexwatch.store.db import Store

__all__ = ["ingest_path"]


def ingest_path(store: Store, path: str | Path) -> dict[str, Any]:
    """Load *path* into *store*; returns a summary dict."""
    p = Path(path).expanduser()
    if not p.exists():
        raise InputFileError(str(p), "no such file", hint="Check the path.")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        from capexwatch.sources.usercsv import parse_user_csv

        rows, entities = parse_user_csv(p)
        out = store.write_user_figures(rows, entities, origin=str(p.resolve()))
        return {
            "kind": "user-csv",
            "path": str(p),
            **out,
            "tickers": sorted(set(rows["ticker"])),
            "metrics": sorted(set(rows["metric"])),
        }
    if suffix in (".json", ".zip"):
        try:
            from capexwatch.update import ingest_sec_path
        except ImportError as exc:  # pragma: no cover - while issue 3 lands
            raise InputFileError(str(p), "SEC companyfacts ingest is not available in this build") from exc
        result: dict[str, Any] = ingest_sec_path(store, p)
        return result
    raise InputFileError(
        str(p),
        f"unknown file type {suffix or '(none)'}",
        hint="Give a .csv of your own figures (see README), an SEC companyfacts .json, "
        "or the SEC bulk companyfacts .zip.",
    )
