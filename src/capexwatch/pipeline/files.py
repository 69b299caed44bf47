"""``capexwatch ingest PATH``: load a file into the store, dispatching on its kind.

- ``*.csv``: a user's own figures (:mod:`capexwatch.sources.usercsv`, loaded by
  :func:`capexwatch.store.load.write_user_figures`);
- ``*.json``: an SEC companyfacts document, derived and diffed like one company of an update;
- ``*.zip``: the SEC bulk companyfacts.zip (:mod:`capexwatch.pipeline.bulk`).

All-or-nothing and offline: a bad file raises :class:`~capexwatch.errors.InputFileError` and
nothing is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from capexwatch.errors import InputFileError
from capexwatch.pipeline.bulk import merge_bulk, stage_bulk
from capexwatch.pipeline.changes import UpdateReport
from capexwatch.pipeline.company import (
    FilerNames,
    company_summary,
    derive_document,
    diff_companies,
    entity_index,
    write_company,
)

if TYPE_CHECKING:
    from capexwatch.pipeline.changes import ProgressFn
    from capexwatch.store.db import Store

__all__ = ["ingest_path", "ingest_sec_path"]


def ingest_path(store: Store, path: str | Path) -> dict[str, Any]:
    """Load *path* into *store*; returns a summary dict."""
    p = Path(path).expanduser()
    if not p.exists():
        raise InputFileError(str(p), "no such file", hint="Check the path.")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        from capexwatch.sources.usercsv import parse_user_csv
        from capexwatch.store.load import write_user_figures

        rows, entities = parse_user_csv(p)
        out = write_user_figures(store, rows, entities, origin=str(p.resolve()))
        return {
            "kind": "user-csv",
            "path": str(p),
            **out,
            "tickers": sorted(set(rows["ticker"])),
            "metrics": sorted(set(rows["metric"])),
        }
    if suffix in (".json", ".zip"):
        return ingest_sec_path(store, p)
    raise InputFileError(
        str(p),
        f"unknown file type {suffix or '(none)'}",
        hint="Give a .csv of your own figures (see README), an SEC companyfacts .json, "
        "or the SEC bulk companyfacts .zip.",
    )


def ingest_sec_path(store: Store, path: str | Path, *, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Load an SEC companyfacts JSON file or the bulk ``companyfacts.zip`` into *store* (offline).

    A company already in the store (by CIK) keeps its ticker and fiscal-year end; any other becomes
    a new entity named by its SEC ticker (``ticker_map``; ``CIK##########`` when the map does not
    list it) with its fiscal-year end inferred from its annual periods. One
    transaction: a bad file raises :class:`InputFileError` and nothing is stored.

    Returns
    -------
    dict
        ``kind`` (``sec-companyfacts`` or ``sec-bulk``), ``path``, and the fields of
        :meth:`UpdateReport.as_dict <capexwatch.pipeline.changes.UpdateReport.as_dict>` (companies,
        changes, new_quarters, revisions, skipped).
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputFileError(str(p), "no such file", hint="Check the path.")
    report = UpdateReport()
    if p.suffix.lower() == ".zip":
        stage = stage_bulk(store, p, report, progress, dry_run=False)
        try:
            if stage is not None and stage.has_rows:
                with store.transaction():
                    merge_bulk(store, stage, str(p), progress)
                report.written = True
        finally:
            if stage is not None:
                stage.discard()
        return {"kind": "sec-bulk", "path": str(p), **report.as_dict()}
    data = derive_document(p.read_bytes(), str(p.resolve()), None, entity_index(store), FilerNames.of(store))
    delta = diff_companies(store, [data])[data.ticker]
    if not delta.empty or data.is_new_entity:
        with store.transaction():
            write_company(store, data, delta)
        report.written = True
    report.add_changes(delta.changes)
    report.companies.append(company_summary(data, delta))
    return {"kind": "sec-companyfacts", "path": str(p), **report.as_dict()}
