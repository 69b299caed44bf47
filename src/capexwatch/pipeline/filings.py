"""Filing documents (iXBRL ``.htm``, XBRL instance ``.xml``) into the store: parse, map, derive, write.

A filing document carries the dimensional figures the companyfacts API leaves out (segment revenue,
customer concentration, useful lives; see :mod:`capexwatch.facts.dimensions`). Ingesting one:

1. parse it (:func:`capexwatch.sources.filings.read_filing`), with the accession and filing date
   the caller knows (the submissions API lists both; a file name may give the date);
2. find the company by CIK (the universe, or entities already ingested); an unknown filer becomes
   ``CIK##########`` with origin ``sec``;
3. keep the document's facts that have dimensions or that a metric's rule reads
   (:func:`filing_facts_frame`), and derive from **all** the company's stored filing facts plus
   these — so a 10-Q ingested after a 10-K adds quarters without losing the year's;
4. quarters, fiscal years and observations (:func:`derive_filings`), diffed against the store like
   a companyfacts update, written in **one** transaction with the new facts. Any error before or
   during the write leaves the store unchanged.

Filing-derived rows are ``source='sec'``, ``source_kind='sec-ixbrl'``: by the store's precedence
(sec > user > curated) they are what ``quarters()`` returns where a secondary figure also exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capexwatch.errors import InputFileError
from capexwatch.pipeline.changes import UpdateReport
from capexwatch.pipeline.company import (
    CompanyData,
    as_int,
    company_summary,
    diff_companies,
    entity_index,
    write_company,
)

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.pipeline.changes import ProgressFn
    from capexwatch.sources.filings import Filing
    from capexwatch.sources.http import HttpClient
    from capexwatch.store.db import Store

__all__ = [
    "FILING_SUFFIXES",
    "FilingData",
    "derive_filings",
    "filing_facts_frame",
    "ingest_filing",
    "ingest_filing_document",
    "prepare_filings",
    "update_filings",
    "write_filings",
]

#: file name endings read as filing documents
FILING_SUFFIXES = (".htm", ".html", ".xhtml", ".xml")

_FILED_HINT = (
    "Pass the filing date: capexwatch ingest FILE --filed YYYY-MM-DD (and --accession "
    "0000000000-YY-NNNNNN); EDGAR's filing index and the submissions API list both."
)


@dataclass
class FilingData:
    """One company's filing-derived rows, ready to diff and write."""

    company: CompanyData  # panel/annual rows (source 'sec', kind 'sec-ixbrl'); no companyfacts facts
    new_facts: pd.DataFrame  # filing_facts rows of this document not yet stored
    observations: pd.DataFrame  # every mapped fact as reported (replaces the company's stored rows)
    accession: str | None
    form: str | None
    filed: dt.date | None


def _rule_concepts() -> set[str]:
    """Every concept an axis/member rule of ``metrics.py`` reads."""
    from capexwatch.metrics import METRICS

    return {c for m in METRICS.values() for rules in m.dimensions.values() for r in rules for c in r.concepts}


def filing_facts_frame(filing: Filing, ticker: str) -> pd.DataFrame:
    """The facts of *filing* the store keeps: dimensional ones, and those a metric rule reads.

    Undimensioned facts outside the rules are what companyfacts already serves; keeping them would
    double the table for nothing.
    """
    from capexwatch.facts.dimensions import filing_frame
    from capexwatch.store.schema import FILING_FACT_COLUMNS

    frame = filing_frame(filing)
    keep = (frame["dimensions"] != "") | frame["concept"].isin(_rule_concepts())
    return frame[keep].assign(ticker=ticker.upper()).reindex(columns=FILING_FACT_COLUMNS).reset_index(drop=True)


def _company(store: Store, filing: Filing) -> tuple[str, int | None, str, str | None, bool, str | None]:
    """(ticker, fye_month, fye_source, name, is_new, role) for the filing's CIK."""
    assert filing.cik is not None
    ent = entity_index(store).get(int(filing.cik))
    if ent is not None:
        src = "universe" if ent.get("origin") == "universe" else "store"
        return str(ent["ticker"]), as_int(ent.get("fye_month")), src, ent.get("name"), False, ent.get("role")
    fye_src = "filing" if filing.fye_month else "inferred"
    return _new_ticker(store, filing), filing.fye_month, fye_src, filing.entity_name, True, None


def _new_ticker(store: Store, filing: Filing) -> str:
    """A new filer's ticker: its first ``dei:TradingSymbol`` not already used, else ``CIK##########``.

    The symbol matters: axis/member rules are per ticker (``metrics.py``), as for companyfacts.
    """
    taken = {str(t).upper() for t in store.entities()["ticker"]}
    for f in filing.facts:
        sym = (f.text or "").strip().upper()
        if f.concept == "dei:TradingSymbol" and not f.dimensions and sym.isalnum() and sym not in taken:
            return sym
    return f"CIK{int(filing.cik or 0):010d}"


def derive_filings(
    stored: pd.DataFrame, incoming: pd.DataFrame, *, ticker: str, fye_month: int | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    """Quarters (both views), fiscal years and observations from stored + incoming filing facts.

    Parameters
    ----------
    stored, incoming : ``filing_facts`` rows (stored ones first; an incoming fact equal to a stored
        one on the table's key replaces it)
    ticker : the store's id; fye_month : fiscal-year-end month (None: inferred from the periods)

    Returns
    -------
    (panel, annual, observations, fye_month)
    """
    import pandas as pd

    from capexwatch.facts.dimensions import (
        DIM_COLUMNS,
        dimension_annual,
        dimension_observations,
        dimension_quarters,
        map_facts,
    )

    key = ["accn", "concept", "dimensions", "period_start", "period_end", "unit"]
    frames = [f.reindex(columns=DIM_COLUMNS) for f in (stored, incoming) if len(f)]
    both = pd.concat(frames, ignore_index=True) if frames else incoming.reindex(columns=DIM_COLUMNS)
    for c in ("period_start", "period_end", "filed"):
        both[c] = pd.to_datetime(both[c]).astype("datetime64[s]")
    both = both.drop_duplicates(subset=key, keep="last").reset_index(drop=True)
    mapped = map_facts(both, ticker=ticker)
    if fye_month is None:
        fye_month = _infer_fye(mapped)
    panel = dimension_quarters(mapped, ticker=ticker, fye_month=fye_month)
    annual = dimension_annual(mapped, ticker=ticker, fye_month=fye_month)
    obs = dimension_observations(mapped, ticker=ticker, fye_month=fye_month)
    return panel, annual, obs, fye_month


def _infer_fye(mapped: pd.DataFrame) -> int:
    from capexwatch.errors import DataError
    from capexwatch.facts.periods import build_calendar

    periods = sorted(
        {(s.date(), e.date()) for s, e in zip(mapped["period_start"], mapped["period_end"], strict=True) if s == s}
    )
    if not periods:
        raise DataError(
            "The filing's fiscal-year end is unknown: no dei:CurrentFiscalYearEndDate and no mapped duration facts.",
            hint="Add the company to universe.toml with its fye_month, or ingest its companyfacts first.",
        )
    return build_calendar(periods, None).fye_month


def _check_filing(filing: Filing) -> int:
    """The filing's CIK; an error naming the file when it lacks a filer or a filing date."""
    if filing.cik is None:
        raise InputFileError(
            filing.source,
            "names no filer: the document has no dei:EntityCentralIndexKey",
            hint="Give the filing's primary document (the 10-K/10-Q .htm or its *_htm.xml instance).",
        )
    if filing.filed is None:
        raise InputFileError(
            filing.source, "has no known filing date, so its quarters cannot be placed", hint=_FILED_HINT
        )
    return int(filing.cik)


def prepare_filings(store: Store, filings: list[Filing], origin: str) -> FilingData:
    """Everything the filings of one company change, derived outside any transaction.

    Quarters are derived from the company's stored filing facts and these together.
    """
    import pandas as pd

    from capexwatch.store.schema import FACT_COLUMNS

    ciks = {_check_filing(f) for f in filings}
    if len(ciks) != 1:
        raise InputFileError(origin, f"holds filings of {len(ciks)} filers; give one company's at a time")
    last = max(filings, key=lambda f: (f.filed or dt.date.min, f.accession or ""))
    ticker, fye, fye_src, name, is_new, role = _company(store, last)
    incoming = pd.concat([filing_facts_frame(f, ticker) for f in filings], ignore_index=True)
    stored = store.filing_facts(cik=ciks.pop())
    panel, annual, obs, fye = derive_filings(stored, incoming, ticker=ticker, fye_month=fye)
    company = CompanyData(
        ticker=ticker, cik=int(last.cik or 0), name=name or last.entity_name or ticker, fye_month=fye,
        fye_source=fye_src, origin=origin, facts=pd.DataFrame(columns=FACT_COLUMNS), panel=panel,
        annual=annual, is_new_entity=is_new, role=role,
        latest_filing={"accn": last.accession, "form": last.form,
                       "filed": last.filed.isoformat() if last.filed else None},
    )  # fmt: skip
    return FilingData(company, store.new_filing_facts(incoming), obs, last.accession, last.form, last.filed)


def write_filings(store: Store, batch: list[FilingData], report: UpdateReport) -> None:
    """Diff *batch* against the store and write it in one transaction (nothing when nothing changed)."""
    deltas = diff_companies(store, [d.company for d in batch])
    writes = [(d, deltas[d.company.ticker]) for d in batch]
    todo = [(d, delta, _observations_changed(store, d)) for d, delta in writes]
    todo = [t for t in todo if not t[1].empty or t[0].company.is_new_entity or len(t[0].new_facts) or t[2]]
    if todo:  # a rerun that finds nothing new opens no transaction
        with store.transaction():
            for d, delta, obs_changed in todo:
                write_company(store, d.company, delta)
                if len(d.new_facts):
                    store.append_filing_facts(d.new_facts, origin=d.company.origin)
                if obs_changed:
                    store.replace_filing_observations(d.company.ticker, d.observations, origin=d.company.origin)
        report.written = True
    for d, delta in writes:
        report.add_changes(delta.changes)
        summary = company_summary(d.company, delta)
        summary["filing_facts_new"] = len(d.new_facts)
        summary["observations"] = len(d.observations)
        report.companies.append(summary)


_OBS_KEY = ["metric", "series", "period_start", "period_end", "value", "accn"]


def _observations_changed(store: Store, d: FilingData) -> bool:
    """Whether *d*'s observations differ from the stored ones (metric, series, period, value, accession)."""
    import pandas as pd

    old = store.filing_observations(d.company.ticker)

    def norm(df: pd.DataFrame) -> set[tuple[Any, ...]]:
        df = df.reindex(columns=_OBS_KEY).astype(object)
        for c in ("period_start", "period_end"):
            df[c] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in df[c]]
        return {tuple(None if (isinstance(v, float) and v != v) else v for v in r) for r in df.itertuples(index=False)}

    return norm(old) != norm(d.observations)


def ingest_filing(
    store: Store,
    path: str | Path,
    *,
    accession: str | None = None,
    filed: dt.date | None = None,
) -> dict[str, Any]:
    """Load one filing document (iXBRL ``.htm`` or XBRL instance ``.xml``) into *store*, offline.

    Parameters
    ----------
    path : the document
    accession, filed : the filing's accession and filing date (override what the name says; a
        filing date is required: without it quarters cannot be placed)

    Returns
    -------
    dict
        ``kind`` (``sec-ixbrl``), ``path``, ``accession``, ``form``, ``filed``, and the fields of
        :meth:`UpdateReport.as_dict <capexwatch.pipeline.changes.UpdateReport.as_dict>`

    Raises
    ------
    InputFileError : unreadable, not XBRL, too large, a fact naming an undefined context or unit,
        no filing date (exit 2)
    DataError : the figures cannot be placed (no fiscal calendar; exit 5)
    """
    from capexwatch.sources.filings import read_filing

    p = Path(path).expanduser()
    if not p.is_file():
        raise InputFileError(str(p), "no such file", hint="Check the path.")
    filing = read_filing(p, accession=accession, filed=filed)
    return ingest_filing_document(store, filing, origin=str(p.resolve()), path=str(p))


def ingest_filing_document(store: Store, filing: Filing, *, origin: str, path: str | None = None) -> dict[str, Any]:
    """Ingest an already parsed filing (what ``update --filings`` fetched); see :func:`ingest_filing`."""
    report = UpdateReport()
    write_filings(store, [prepare_filings(store, [filing], origin)], report)
    return {
        "kind": "sec-ixbrl",
        "path": path or origin,
        "accession": filing.accession,
        "form": filing.form,
        "filed": filing.filed.isoformat() if filing.filed else None,
        **report.as_dict(),
    }


def update_filings(
    store: Store,
    *,
    tickers: list[str] | None = None,
    forms: tuple[str, ...] = ("10-K", "10-Q"),
    dry_run: bool = False,
    refresh: bool = False,
    client: HttpClient | None = None,
    progress: ProgressFn | None = None,
) -> UpdateReport:
    """``update --filings``: each company's latest 10-K and 10-Q primary documents, parsed and ingested.

    For every target company (default: every company in the store with a CIK): the SEC submissions
    API lists its filings; the latest of each of *forms* that names a primary document is fetched
    from ``{documents url}/{cik}/{accession digits}/{document}`` through the one HTTP client
    (User-Agent, rate limit, retries, cache kind ``filing``) and parsed with the accession and
    filing date the submissions give. Everything is fetched and parsed first, then derived and
    written in one transaction; any failure leaves the store as it was.

    Returns
    -------
    UpdateReport
        per company the filings read (``filings``: accession, form, filed, url) and what changed
    """
    from capexwatch.pipeline.update import resolve_targets
    from capexwatch.sources.filings import parse_filing
    from capexwatch.sources.http import HttpClient
    from capexwatch.sources.sec import fetch_filing_document, fetch_submissions, filing_document_url, latest_filings

    targets = resolve_targets(store, tickers or None, None)
    own = client is None
    client = client or HttpClient()
    report = UpdateReport(dry_run=dry_run)
    fetched: list[tuple[list[Filing], list[dict[str, Any]]]] = []
    try:
        for i, t in enumerate(targets, start=1):
            subs = fetch_submissions(t.cik, client=client, refresh=refresh)
            docs, listed = [], []
            for f in latest_filings(subs, forms):
                url = filing_document_url(f, client)
                raw = fetch_filing_document(f, client=client, refresh=refresh)
                docs.append(parse_filing(raw, source=url, accession=f.accession, filed=dt.date.fromisoformat(f.filed)))
                listed.append({"accession": f.accession, "form": f.form, "filed": f.filed, "url": url})
            if docs:
                fetched.append((docs, listed))
            if progress:
                progress(t.ticker or str(t.cik), i, len(targets))
    finally:
        report.requests = client.requests_sent
        if own:
            client.close()
    batch = [prepare_filings(store, docs, "; ".join(x["url"] for x in listed)) for docs, listed in fetched]
    if dry_run:
        deltas = diff_companies(store, [d.company for d in batch])
        for d in batch:
            report.add_changes(deltas[d.company.ticker].changes)
            report.companies.append(company_summary(d.company, deltas[d.company.ticker]))
    else:
        write_filings(store, batch, report)
    for summary, (_, listed) in zip(report.companies, fetched, strict=True):
        summary["filings"] = listed
    return report
