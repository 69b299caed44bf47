"""The SEC bulk ``companyfacts.zip``: every filer, derived and diffed in batches, merged at once.

All of EDGAR cannot be held in memory before writing, so the zip is downloaded whole first (to the
cache), then read member by member; each batch of :data:`BULK_BATCH` companies is derived, diffed
against the store and its changes staged as Parquet files beside the store
(:class:`~capexwatch.store.stage.Stage`). At the end one ``INSERT ... SELECT`` per table merges
the stage in the caller's single transaction. Memory stays bounded by a batch; a failure anywhere
rolls everything back and the scratch files are deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from capexwatch.errors import DataError, InputFileError
from capexwatch.pipeline.company import (
    CompanyData,
    Delta,
    FilerNames,
    company_summary,
    concat,
    derive_document,
    diff_companies,
    document_cik,
    entity_index,
    known_ticker,
    new_entity_rows,
    stored_facts,
)

if TYPE_CHECKING:
    from capexwatch.pipeline.changes import ProgressFn, UpdateReport
    from capexwatch.sources.http import HttpClient
    from capexwatch.store.db import Store
    from capexwatch.store.stage import Stage

__all__ = ["BULK_BATCH", "BULK_MAX_CHANGES", "BULK_PENDING_BYTES", "bulk_path", "merge_bulk", "stage_bulk"]

#: companies per write batch on the bulk path (bounds memory; each holds a few thousand facts)
BULK_BATCH: Final = 100
#: JSON bytes of members held before their batch is derived (one stored-facts query per batch);
#: bounds memory when a run of large filers comes by
BULK_PENDING_BYTES: Final = 64 * 2**20
#: changes listed (not counted) by a bulk ingest; all of EDGAR makes millions of new quarters
BULK_MAX_CHANGES: Final = 10_000


def bulk_path(bulk: str | Path | bool, client: HttpClient, refresh: bool, progress: ProgressFn | None) -> Path:
    """The local companyfacts.zip: the path given, or downloaded (streamed) to the cache."""
    from capexwatch.sources import sec

    if bulk is not True:
        p = Path(str(bulk)).expanduser()
        if not p.is_file():
            raise InputFileError(str(p), "no such file", hint="Give the path of a downloaded companyfacts.zip.")
        return p

    def shown(n: int, total: int | None) -> None:
        if progress:
            progress(f"companyfacts.zip {n / 1e6:,.0f} MB", n, total or 0)

    return sec.download_bulk(client=client, refresh=refresh, progress=shown)


def _stage_batch(stage: Stage, batch: Sequence[CompanyData], deltas: dict[str, Delta]) -> int:
    """Stage what the companies of *batch* change (one file per table); returns how many had any."""
    todo = [d for d in batch if not deltas[d.ticker].empty or d.is_new_entity]
    new = [d for d in todo if d.is_new_entity]
    if new:
        stage.add("entities", new_entity_rows(new))
    stage.add("facts", concat([f for d in todo if (f := deltas[d.ticker].facts) is not None]))
    stage.add("panel", concat([f for d in todo if (f := deltas[d.ticker].panel) is not None]))
    stage.add("annual", concat([f for d in todo if (f := deltas[d.ticker].annual) is not None]))
    return len(todo)


def stage_bulk(
    store: Store, path: Path, report: UpdateReport, progress: ProgressFn | None, *, dry_run: bool
) -> Stage | None:
    """Derive every member of a companyfacts zip, diff it against the store, and stage the changes.

    Runs *outside* any store transaction: DuckDB keeps what a transaction reads through registered
    frames alive until it ends, so diffing thousands of filers inside one grew memory with the
    zip (measured); here memory holds one batch of :data:`BULK_BATCH` companies. The caller merges
    the returned stage in its transaction (:func:`merge_bulk`) and always discards it
    (:meth:`Stage.discard <capexwatch.store.stage.Stage.discard>`); None for a dry run. A member
    that cannot be derived (malformed, or no annual periods to infer its fiscal year from) is
    skipped and listed in ``report.skipped``; a corrupt archive raises :class:`InputFileError`
    (the stage is discarded, nothing is written).
    """
    from capexwatch.sources import sec

    total = sec.count_bulk_members(path)
    if total == 0:
        # exiting 0 with "Nothing changed" would tell a script the store is up to date
        raise InputFileError(
            str(path),
            "holds no companyfacts documents (no .json members, e.g. CIK0001045810.json).",
            hint="Give the SEC's companyfacts.zip (https://www.sec.gov/Archives/edgar/daily-index/xbrl/"
            "companyfacts.zip), or use `capexwatch update --bulk` to download it.",
        )
    by_cik = entity_index(store)
    names = FilerNames.of(store)
    batch: list[CompanyData] = []
    if report.max_changes is None:
        report.max_changes = BULK_MAX_CHANGES
    stage = None if dry_run else store.stage()

    def flush() -> None:
        if not batch:
            return
        deltas = diff_companies(store, batch)
        for d in batch:
            report.add_changes(deltas[d.ticker].changes)
            report.companies.append(company_summary(d, deltas[d.ticker]))
        if stage is not None:
            _stage_batch(stage, batch, deltas)
        batch.clear()

    def derive(members: list[tuple[int | None, str, bytes]]) -> None:
        # one query for the stored facts of the batch's known filers (derived with the new ones)
        stored = stored_facts(store, [known_ticker(document_cik(raw, cik), by_cik) for cik, _, raw in members])
        for cik, member, raw in members:
            try:
                batch.append(derive_document(raw, f"{path.name}:{member}", cik, by_cik, stored, names))
            except (DataError, InputFileError) as exc:
                # one odd filer must not sink all of EDGAR: skipped, and listed with the reason
                report.skipped.append({"member": member, "reason": str(exc).splitlines()[0]})
        members.clear()
        flush()

    pending: list[tuple[int | None, str, bytes]] = []
    held = 0  # bytes of the pending members' JSON
    try:
        for done, (cik, member, raw) in enumerate(sec.iter_bulk(path), start=1):
            pending.append((cik, member, raw))
            held += len(raw)
            if progress:
                progress(f"bulk {member}", done, total)
            if len(pending) >= BULK_BATCH or held >= BULK_PENDING_BYTES:
                derive(pending)
                held = 0
        derive(pending)
    except BaseException:
        if stage is not None:
            stage.discard()
        raise
    return stage


def merge_bulk(store: Store, stage: Stage, origin: str, progress: ProgressFn | None = None) -> None:
    """Merge a bulk stage into *store* (in its open transaction, if any), saying so first."""
    if progress:
        n = sum(stage.rows.values())
        progress(f"writing {n:,} rows to the store", n, n)
    store.merge_stage(stage, origin=origin)
