"""The pipeline: the one orchestrator of sources -> facts -> store.

* :mod:`~capexwatch.pipeline.update` — ``capexwatch update``: which companies and series, then
  fetch, derive, diff and write in one transaction.
* :mod:`~capexwatch.pipeline.fetch` — companies fetched and derived in a small thread pool.
* :mod:`~capexwatch.pipeline.bulk` — the SEC bulk companyfacts.zip, in batches through a stage.
* :mod:`~capexwatch.pipeline.files` — ``capexwatch ingest PATH``: a user CSV, a companyfacts JSON,
  the bulk zip.
* :mod:`~capexwatch.pipeline.usercsv_sql` — a user CSV checked by DuckDB in one pass (the fast
  path; the chunked checks of :mod:`capexwatch.sources.usercsv` are the reference).
* :mod:`~capexwatch.pipeline.company` — one company's document: derive, diff, write.
* :mod:`~capexwatch.pipeline.changes` — what an update did (:class:`UpdateReport`, :class:`Change`).
* :mod:`~capexwatch.pipeline.audit` — ``capexwatch audit``: stored facts handed to the facts layer.

Design notes: ``pipeline/NOTES.md``.
"""

from __future__ import annotations

from capexwatch.pipeline.audit import audit_ticker
from capexwatch.pipeline.changes import Change, UpdateReport
from capexwatch.pipeline.company import CompanyData, derive_company
from capexwatch.pipeline.files import ingest_path, ingest_sec_path
from capexwatch.pipeline.update import resolve_targets, update

__all__ = [
    "Change",
    "CompanyData",
    "UpdateReport",
    "audit_ticker",
    "derive_company",
    "ingest_path",
    "ingest_sec_path",
    "resolve_targets",
    "update",
]
