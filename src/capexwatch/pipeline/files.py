"""``capexwatch ingest PATH``: load a file into the store, dispatching on its kind.

- ``*.csv``: a user's own figures (:mod:`capexwatch.sources.usercsv`), streamed
  (:func:`ingest_user_csv`: validated in chunks, staged as Parquet, merged in one transaction);
- ``*.json``: an SEC companyfacts document, derived and diffed like one company of an update;
- ``*.zip``: the SEC bulk companyfacts.zip (:mod:`capexwatch.pipeline.bulk`);
- ``*.htm``/``*.xml``: a filing document, inline XBRL or an XBRL instance
  (:mod:`capexwatch.pipeline.filings`).

All-or-nothing and offline: a bad file raises :class:`~capexwatch.errors.InputFileError` and
nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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
    document_cik,
    entity_index,
    known_ticker,
    present,
    stored_facts,
    write_company,
)
from capexwatch.pipeline.filings import FILING_SUFFIXES, ingest_filing

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.pipeline.changes import ProgressFn
    from capexwatch.store.db import Store
    from capexwatch.store.stage import Stage

__all__ = ["ingest_path", "ingest_sec_path", "ingest_user_csv"]


def ingest_path(
    store: Store,
    path: str | Path,
    *,
    accession: str | None = None,
    filed: dt.date | None = None,
    allow: Iterable[str] | str = (),
) -> dict[str, Any]:
    """Load *path* into *store*; returns a summary dict.

    *accession* and *filed* (the filing's accession and date) apply to filing documents only;
    *allow* names the checks of a user CSV to waive (``negative``, ``label-mismatch``:
    :data:`capexwatch.sources.usercsv.ALLOW`) and applies to CSV files only.
    """
    from capexwatch.sources.usercsv import parse_allow

    p = Path(path).expanduser()
    waived = parse_allow(allow)
    if not p.exists():
        raise InputFileError(str(p), "no such file", hint="Check the path.")
    suffix = p.suffix.lower()
    if waived and suffix != ".csv":
        raise InputFileError(
            str(p), "--allow applies to your own CSV figures only", hint="Rerun without --allow for SEC files."
        )
    if suffix == ".csv":
        return {"kind": "user-csv", "path": str(p), **ingest_user_csv(store, p, allow=waived)}
    if suffix in (".json", ".zip"):
        return ingest_sec_path(store, p)
    if suffix in FILING_SUFFIXES:
        return ingest_filing(store, p, accession=accession, filed=filed)
    raise InputFileError(
        str(p),
        f"unknown file type {suffix or '(none)'}",
        hint="Give a .csv of your own figures (see README), an SEC companyfacts .json, "
        "the SEC bulk companyfacts .zip, or a filing document (.htm inline XBRL, .xml XBRL instance).",
    )


def _fye_months(store: Store) -> dict[str, int]:
    """Fiscal-year-end month of each ticker the store knows (a CSV's labels are checked against it)."""
    ents = store.entities()
    return {str(r["ticker"]): int(r["fye_month"]) for r in ents.to_dict(orient="records") if present(r["fye_month"])}


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
                with store.transaction(check_unchanged=True):
                    merge_bulk(store, stage, str(p), progress)
                report.written = True
        finally:
            if stage is not None:
                stage.discard()
        return {"kind": "sec-bulk", "path": str(p), **report.as_dict()}
    from capexwatch.sources.sec import read_document

    raw, by_cik = read_document(p), entity_index(store)
    # derived with the facts the store already holds for the filer: a partial document adds
    # facts and never takes a quarter away
    stored = stored_facts(store, [known_ticker(document_cik(raw), by_cik)])
    names = FilerNames.of(store)
    store.release()  # no lock held while deriving; the diff reopens, the commit checks
    data = derive_document(raw, str(p.resolve()), None, by_cik, stored, names)
    delta = diff_companies(store, [data])[data.ticker]
    if not delta.empty or data.is_new_entity:
        with store.transaction(check_unchanged=True):
            write_company(store, data, delta)
        report.written = True
    report.add_changes(delta.changes)
    report.companies.append(company_summary(data, delta))
    return {"kind": "sec-companyfacts", "path": str(p), **report.as_dict()}


def ingest_user_csv(store: Store, path: Path, *, allow: Iterable[str] = ()) -> dict[str, Any]:
    """Load a user CSV as a stream, holding the store's write lock only for the final merge.

    1. check the file with DuckDB in one pass (:func:`~capexwatch.pipeline.usercsv_sql.stage_checked_rows`)
       into a Parquet file of a stage beside the store; where that path declines (a bad row, a
       file it cannot be sure to read as ``csv.reader`` does), validate it chunk by chunk
       (:func:`~capexwatch.sources.usercsv.iter_user_csv`, the reference), complete what each row
       alone determines (:func:`~capexwatch.store.load.row_panel_columns`) and write each chunk;
    2. check duplicate keys over all chunks (DuckDB reading the Parquet files, not Python
       objects per row);
    3. stage the panel rows of the whole file with one SQL statement
       (:func:`~capexwatch.store.load.user_panel_sql`: period starts from each company's
       previous end anywhere in the file);
    4. merge entities (new tickers only) and panel rows in one transaction.

    Memory holds one chunk; a bad row anywhere raises :class:`InputFileError` before anything is
    stored. Returns ``rows``, ``panel_rows``, ``new_entities``, ``tickers``, ``metrics``.
    """
    from capexwatch.pipeline.usercsv_sql import stage_checked_rows
    from capexwatch.sources.usercsv import check_duplicates, iter_user_csv
    from capexwatch.store.load import row_panel_columns, user_entities, user_panel_sql

    origin = str(path.resolve())
    fye_months = _fye_months(store)
    stage = store.stage()
    store.release()  # no lock held while validating; the merge checks nothing changed meanwhile
    try:
        raw = [Path(stage.dir) / "csv-sql.parquet"]
        found = stage_checked_rows(path, stage.con, raw[0], known_fye={k.upper(): v for k, v in fye_months.items()})
        if found is None:  # the reference path: it loads the file or names its first bad line
            entities: dict[str, dict[str, Any]] = {}
            raw = [
                _write_parquet(stage, row_panel_columns(df), f"csv-{i:05d}")
                for i, df in enumerate(iter_user_csv(path, entities, allow=allow, fye_months=fye_months))
            ]
            found = list(entities.values())
        rows = "read_parquet([" + ", ".join(f"'{f}'" for f in raw) + "])"
        keys = "ticker, metric, fiscal_period"
        check_duplicates(
            str(path),
            stage.con.execute(
                f"SELECT {keys}, line FROM {rows} WHERE ({keys}) IN "
                f"(SELECT ({keys}) FROM {rows} GROUP BY ALL HAVING count(*) > 1)"
            ).df(),
        )
        summary = stage.con.execute(
            f"SELECT count(*), list(DISTINCT ticker ORDER BY ticker), list(DISTINCT metric ORDER BY metric) FROM {rows}"
        ).fetchall()[0]
        stage.add_sql("panel", user_panel_sql(rows, stage.types["panel"]))
        for f in raw:
            f.unlink()
        stage.add("entities", user_entities(found))
        with store.transaction(check_unchanged=True) as con:
            (row,) = con.execute(
                f"SELECT count(*) FROM read_parquet('{stage.dir}/entities-*.parquet') "
                "WHERE ticker NOT IN (SELECT ticker FROM entities)"
            ).fetchall()
            store.merge_stage(stage, origin=origin, kind="user-csv")
    finally:
        stage.discard()
    return {
        "rows": int(summary[0]),
        "panel_rows": stage.rows["panel"],
        "new_entities": int(row[0]),
        "tickers": list(summary[1]),
        "metrics": list(summary[2]),
    }


def _write_parquet(stage: Stage, df: pd.DataFrame, name: str) -> Path:
    """One validated chunk as a Parquet file in the stage's folder (not a staged table)."""
    out = Path(stage.dir) / f"{name}.parquet"
    stage.con.register("_cw_csv_chunk", df)
    try:
        stage.con.execute(f"COPY (SELECT * FROM _cw_csv_chunk) TO '{out}' (FORMAT parquet)")
    finally:
        stage.con.unregister("_cw_csv_chunk")
    return out
