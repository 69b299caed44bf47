"""``capexwatch update`` and the SEC side of ``capexwatch ingest``: fetch, decode, derive, store.

The order is what makes a failed update harmless (DESIGN.md: "a failed update leaves the store as
it was"):

1. **fetch** every document first (companyfacts and submissions per company, FRED series), through
   the shared :class:`~capexwatch.sources.http.HttpClient` (its cache makes a rerun after a failure
   cheap: what was fetched before is not fetched again);
2. **decode and derive** the quarters (:mod:`capexwatch.facts`), and **diff** them against the
   store: new quarters, revisions (old -> new), provenance-only changes;
3. **write** only what changed, in **one** store transaction. Nothing is written before every
   fetch and derivation has succeeded; a failure (or Ctrl-C, or a killed process) inside the
   transaction rolls it back. An update with nothing new writes nothing at all, so rerunning is
   idempotent.

The bulk path (``--bulk``, ``ingest companyfacts.zip``) cannot hold all of EDGAR in memory before
writing, so it downloads the whole zip first (to the cache), then reads it member by member,
derives and diffs in batches of companies, and stages each batch's changes as Parquet files beside
the store; at the end one ``INSERT ... SELECT`` per table merges them in the same single
transaction. Memory stays bounded by a batch; a failure anywhere rolls everything back and the
scratch files are deleted (:class:`_Stage`).

Store writes use the store's public write methods inside one ``store.transaction()``: the
transaction is re-entrant, so each method joins it and all commit or roll back together; see
:class:`_Writer`. The bulk merge alone is raw SQL over the staged Parquet files (``SELECT *``: the
staged frames are written with the tables' own column order).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capexwatch.errors import CapexwatchError, ConfigError, DataError, InputFileError, UnknownTickerError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from capexwatch.facts.decode import FactsTable
    from capexwatch.sources.fred import FredSeries
    from capexwatch.sources.http import HttpClient
    from capexwatch.sources.sec import Submissions
    from capexwatch.store.db import Store

__all__ = [
    "Change",
    "CompanyData",
    "UpdateReport",
    "derive_company",
    "ingest_sec_path",
    "resolve_targets",
    "update",
]

#: (label, done, total) — called as work progresses (the CLI draws a Rich progress bar with it)
ProgressFn = Callable[[str, int, int], None]

#: the panel's key within one source
_PANEL_KEY = ["ticker", "metric", "fiscal_year", "fiscal_quarter", "view"]
#: panel columns whose change is a change of the row (load_id is bookkeeping, not content)
_PANEL_CONTENT = [
    "fiscal_period", "period_start", "period_end", "calendar_quarter", "value", "unit", "method",
    "status", "reason", "tag", "accn", "form", "filed", "known_at", "source_url", "source_kind",
    "note", "derived_from",
]  # fmt: skip
_ANNUAL_KEY = ["ticker", "metric", "fiscal_year"]
_ANNUAL_CONTENT = ["period_end", "value", "unit", "source_url", "source_kind", "note"]
_FACT_COLUMNS = [
    "ticker", "cik", "taxonomy", "tag", "unit", "period_start", "period_end", "value", "accn", "fy",
    "fp", "form", "filed", "frame",
]  # fmt: skip

#: concurrent company fetches; the shared rate limit (8/s) is what bounds the load on the SEC
_WORKERS = 4
#: companies per write batch on the bulk path (bounds memory; each holds a few thousand facts)
_BULK_BATCH = 100
#: changes listed (not counted) by a bulk ingest; all of EDGAR makes millions of new quarters
_BULK_MAX_CHANGES = 10_000
#: DuckDB's memory ceiling while merging a bulk stage; beyond it DuckDB spills to disk, which keeps
#: a whole-EDGAR merge under the 2 GB goal of issue 3 (the panel's primary-key index must fit)
_MERGE_MEMORY = "1536MB"


# ------------------------------------------------------------------------------------------------
# results
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One change an update makes (or would make) to the latest view of the SEC panel.

    ``kind``: ``new`` (a quarter not in the store, or before not derivable), ``revised`` (the value
    changed: a restatement or a corrected derivation), ``withdrawn`` (was ok, now not derivable).
    """

    kind: str
    ticker: str
    metric: str
    fiscal_period: str
    period_end: str
    old: float | None
    new: float | None
    old_accn: str | None = None
    new_accn: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "ticker": self.ticker, "metric": self.metric,
            "fiscal_period": self.fiscal_period, "period_end": self.period_end, "old": self.old,
            "new": self.new, "old_accn": self.old_accn, "new_accn": self.new_accn, "reason": self.reason,
        }  # fmt: skip


@dataclass
class CompanyData:
    """Everything derived for one company, ready to diff and write."""

    ticker: str
    cik: int
    name: str
    fye_month: int
    fye_source: str  # universe | submissions | inferred | store
    origin: str  # the URL or file the facts came from
    facts: pd.DataFrame  # store facts columns
    panel: pd.DataFrame  # panel rows, both views
    annual: pd.DataFrame  # annual rows (latest view)
    is_new_entity: bool = False
    role: str | None = None
    notes: list[str] = field(default_factory=list)
    latest_filing: dict[str, Any] | None = None

    def quarters_ok(self) -> int:
        p = self.panel
        return int(((p["view"] == "latest") & (p["status"] == "ok")).sum()) if len(p) else 0

    def quarters_not_derivable(self) -> int:
        p = self.panel
        return int(((p["view"] == "latest") & (p["status"] != "ok")).sum()) if len(p) else 0


@dataclass
class _Delta:
    """What to write for one company or series (only rows that differ from the store)."""

    panel: pd.DataFrame | None = None
    annual: pd.DataFrame | None = None
    facts: pd.DataFrame | None = None
    changes: list[Change] = field(default_factory=list)
    provenance_only: int = 0

    @property
    def empty(self) -> bool:
        return all(x is None or len(x) == 0 for x in (self.panel, self.annual, self.facts))


@dataclass
class UpdateReport:
    """What an update (or ingest) did: per company and series, and the list of changes.

    Counts are exact; the *list* of changes is capped at :attr:`max_changes` (a bulk ingest of all
    of EDGAR makes millions of "new quarter" entries; revisions and withdrawals are kept first).
    """

    dry_run: bool = False
    written: bool = False
    companies: list[dict[str, Any]] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    requests: int = 0
    source: str = "sec"
    max_changes: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    changes_omitted: int = 0

    def add_changes(self, changes: Iterable[Change]) -> None:
        for c in changes:
            self.counts[c.kind] = self.counts.get(c.kind, 0) + 1
            if self.max_changes is None or len(self.changes) < self.max_changes:
                self.changes.append(c)
            elif c.kind in ("revised", "withdrawn"):
                # a revision matters more than a new quarter: make room by dropping a "new" entry
                for i in range(len(self.changes) - 1, -1, -1):
                    if self.changes[i].kind not in ("revised", "withdrawn"):
                        del self.changes[i]
                        self.changes.append(c)
                        self.changes_omitted += 1
                        break
                else:
                    self.changes_omitted += 1
            else:
                self.changes_omitted += 1

    @property
    def new(self) -> int:
        return self.counts.get("new", 0)

    @property
    def revised(self) -> int:
        return self.counts.get("revised", 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "written": self.written,
            "new_quarters": self.new,
            "revisions": self.revised,
            "withdrawn": self.counts.get("withdrawn", 0),
            "companies": self.companies,
            "series": self.series,
            "changes": [c.as_dict() for c in self.changes],
            "changes_omitted": self.changes_omitted,
            "skipped": self.skipped,
            "requests": self.requests,
        }


# ------------------------------------------------------------------------------------------------
# targets
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A company to update: from the store's entities (universe or earlier ingest) or a bare CIK."""

    ticker: str | None
    cik: int
    name: str | None = None
    fye_month: int | None = None
    role: str | None = None
    known: bool = True


def _split_list(values: Iterable[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or ():
        out += [x.strip() for x in str(v).split(",") if x.strip()]
    return out


def resolve_targets(
    store: Store, tickers: Iterable[str] | None = None, ciks: Iterable[str | int] | None = None
) -> list[Target]:
    """The companies to update.

    With neither *tickers* nor *ciks*: every company in the store that has a CIK. A ticker must be
    known to the store (universe or an earlier ingest), else :class:`UnknownTickerError` lists the
    known ones; a known company without a CIK is a :class:`ConfigError` saying where to set it. A
    CIK may be any SEC filer; an unknown one is added to the store as a new entity.
    """
    from capexwatch.sources.sec import parse_cik

    ents = store.entities()
    by_ticker = {str(r["ticker"]).upper(): r for r in ents.to_dict(orient="records")}
    by_cik = {int(r["cik"]): r for r in by_ticker.values() if _present(r.get("cik"))}
    tick_list = [t.upper() for t in _split_list(tickers)]
    cik_list = [parse_cik(c) for c in _split_list([str(c) for c in ciks or ()])]
    out: list[Target] = []
    if not tick_list and not cik_list:
        return [_target(r) for r in by_ticker.values() if _present(r.get("cik"))]
    for t in tick_list:
        r = by_ticker.get(t)
        if r is None:
            raise UnknownTickerError(t, sorted(by_ticker))
        if not _present(r.get("cik")):
            raise ConfigError(
                f"{t} has no CIK in the store, so the SEC cannot be asked about it.",
                hint=f"Give it with `capexwatch update --cik N` (the SEC's company number), or set cik for "
                f"{t} in universe.toml.",
            )
        out.append(_target(r))
    for c in cik_list:
        r = by_cik.get(c)
        out.append(_target(r) if r is not None else Target(None, c, known=False))
    # one entry per CIK, in the order asked
    seen: set[int] = set()
    return [t for t in out if not (t.cik in seen or seen.add(t.cik))]  # type: ignore[func-returns-value]


def _present(v: Any) -> bool:
    if v is None:
        return False
    try:
        return not math.isnan(float(v))
    except (TypeError, ValueError):
        return False


def _int(v: Any) -> int | None:
    return int(v) if _present(v) else None


def _target(r: dict[str, Any]) -> Target:
    return Target(
        ticker=str(r["ticker"]).upper(),
        cik=int(r["cik"]),
        name=r.get("name") or None,
        fye_month=_int(r.get("fye_month")),
        role=r.get("role") or None,
        known=True,
    )


# ------------------------------------------------------------------------------------------------
# deriving one company
# ------------------------------------------------------------------------------------------------


def _facts_for_store(ft: FactsTable, ticker: str) -> pd.DataFrame:
    df = ft.df.drop(columns=["entity_name"], errors="ignore").assign(ticker=ticker)
    return df.reindex(columns=_FACT_COLUMNS)


def derive_company(
    raw: bytes,
    *,
    ticker: str | None,
    fye_month: int | None,
    origin: str,
    fye_source: str = "given",
    name: str | None = None,
    role: str | None = None,
    is_new_entity: bool = False,
) -> CompanyData:
    """Decode one companyfacts document and derive its quarters (both views) and fiscal years.

    Parameters
    ----------
    raw : the companyfacts JSON bytes (HTTP body, file, zip member)
    ticker : the store's id for the company; None uses ``CIK##########``
    fye_month : fiscal-year-end month; None infers it from the facts' annual periods
    origin : where *raw* came from (URL or path), recorded in the store's load log

    Raises
    ------
    InputFileError : *raw* is not a companyfacts document
    DataError : the fiscal-year end cannot be inferred (no annual or year-to-date periods)
    """
    from capexwatch.facts.decode import decode_companyfacts
    from capexwatch.facts.select import derive_annual, derive_quarters, fiscal_calendar, non_usd_units

    ft = decode_companyfacts(raw, source=origin)
    tk = (ticker or f"CIK{ft.cik:010d}").upper()
    notes: list[str] = []
    if fye_month is None:
        fye_month = fiscal_calendar(ft, None).fye_month
        fye_source = "inferred"
        notes.append(f"fiscal year end inferred from the filings' annual periods: month {fye_month}")
    panel = derive_quarters(ft, ticker=tk, fye_month=fye_month, cik=ft.cik)
    annual = derive_annual(ft, ticker=tk, fye_month=fye_month, cik=ft.cik)
    foreign = non_usd_units(ft, ticker=tk)
    if foreign:
        listed = ", ".join(f"{m} ({'/'.join(u)})" for m, u in sorted(foreign.items()))
        notes.append(
            f"also files in other currencies, kept out of the USD panel: {listed}; inspect them with "
            "capexwatch.facts.select.derive_quarters(..., currency=...)"
        )
    if not len(panel):
        notes.append("no quarterly USD facts for any canonical metric (annual-only or foreign filer?)")
    return CompanyData(
        ticker=tk,
        cik=ft.cik,
        name=name or ft.entity_name,
        fye_month=fye_month,
        fye_source=fye_source,
        origin=origin,
        facts=_facts_for_store(ft, tk),
        panel=panel,
        annual=annual,
        is_new_entity=is_new_entity,
        role=role,
        notes=notes,
    )


def _fetch_company(target: Target, client: HttpClient, taken: set[str], refresh: bool) -> CompanyData:
    """Fetch submissions and companyfacts for *target* and derive (runs in a worker thread)."""
    from capexwatch.sources.sec import companyfacts_url, fetch_companyfacts, fetch_submissions

    subs = fetch_submissions(target.cik, client=client, refresh=refresh)
    raw = fetch_companyfacts(target.cik, client=client, refresh=refresh)
    ticker, fye, fye_source, notes = _identity(target, subs, taken)
    data = derive_company(
        raw,
        ticker=ticker,
        fye_month=fye,
        origin=companyfacts_url(target.cik, client),
        fye_source=fye_source,
        name=target.name or subs.name,
        role=target.role,
        is_new_entity=not target.known,
    )
    data.notes[:0] = notes
    periodic = subs.periodic()
    if periodic:
        f = periodic[0]
        data.latest_filing = {"form": f.form, "filed": f.filed, "accn": f.accession, "url": f.url}
    return data


def _identity(target: Target, subs: Submissions, taken: set[str]) -> tuple[str, int | None, str, list[str]]:
    """Ticker and fiscal-year end for *target*, and notes on any disagreement."""
    notes: list[str] = []
    if target.ticker:
        ticker = target.ticker
    else:
        # a new filer: its first exchange ticker unless the store already uses that id
        cand = [t.upper() for t in subs.tickers if t.upper() not in taken]
        ticker = cand[0] if cand else f"CIK{target.cik:010d}"
    if target.fye_month is not None:
        fye, src = target.fye_month, "universe" if target.known else "store"
        if subs.fye_month is not None and subs.fye_month != target.fye_month:
            notes.append(
                f"the SEC lists fiscal year end {subs.fiscal_year_end} (month {subs.fye_month}) but the "
                f"store says month {target.fye_month}; the store's is used"
            )
    elif subs.fye_month is not None:
        fye, src = subs.fye_month, "submissions"
    else:
        fye, src = None, "inferred"
    return ticker, fye, src, notes


# ------------------------------------------------------------------------------------------------
# diffing against the store (DuckDB joins: vectorised, so the bulk path scales)
# ------------------------------------------------------------------------------------------------


def _types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()}


def _changed_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    incoming: pd.DataFrame,
    key: Sequence[str],
    content: Sequence[str],
    extra: Sequence[str] = (),
) -> pd.DataFrame:
    """Rows of *incoming* whose key is absent from the SEC rows of *table*, or whose content differs.

    Adds ``_is_new`` and ``_old_<c>`` for each column in *extra* (the stored values).
    """
    types = _types(con, table)
    name = f"_cw_in_{table}"
    cols = [c for c in content if c in incoming.columns]
    on = " AND ".join(f"t.{k} = CAST(i.{k} AS {types[k]})" for k in key)
    differs = " OR ".join(f"t.{c} IS DISTINCT FROM CAST(i.{c} AS {types[c]})" for c in cols)
    olds = "".join(f", t.{c} AS _old_{c}" for c in extra)
    con.register(name, incoming)
    try:
        return con.execute(
            f"""SELECT i.*, t.ticker IS NULL AS _is_new{olds}
                FROM {name} i LEFT JOIN {table} t ON t.source = 'sec' AND {on}
                WHERE t.ticker IS NULL OR {differs}"""
        ).df()
    finally:
        con.unregister(name)


def _diff_company(con: duckdb.DuckDBPyConnection, d: CompanyData) -> _Delta:
    """The panel/annual rows and facts of *d* that differ from the store, and the changes."""
    return _diff_batch(con, [d])[d.ticker]


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    import pandas as pd

    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else None


def _split(df: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    if df is None or not len(df):
        return {}
    return {str(t): g.reset_index(drop=True) for t, g in df.groupby("ticker", sort=False)}


def _diff_batch(con: duckdb.DuckDBPyConnection, batch: Sequence[CompanyData]) -> dict[str, _Delta]:
    """Per company of *batch*: the rows and facts that differ from the store, and the changes.

    One query per table for the whole batch: per-company queries cost ~25 ms each in fixed overhead,
    which would dominate a bulk ingest of thousands of filers.
    """
    out = {d.ticker: _Delta() for d in batch}
    panel = _concat([d.panel for d in batch])
    if panel is not None:
        rows = _changed_rows(con, "panel", panel, _PANEL_KEY, _PANEL_CONTENT, ("value", "status", "accn"))
        for t, g in _split(rows).items():
            delta = out[t]
            delta.panel = g.drop(columns=[c for c in g.columns if c.startswith("_")])
            for r in g[g["view"] == "latest"].to_dict(orient="records"):
                change = _classify(t, r)
                if change is None:
                    delta.provenance_only += 1
                else:
                    delta.changes.append(change)
    annual = _concat(
        [d.annual[d.annual["view"] == "latest"] if "view" in d.annual.columns else d.annual for d in batch]
    )
    if annual is not None:
        rows = _changed_rows(con, "annual", annual.assign(source="sec"), _ANNUAL_KEY, _ANNUAL_CONTENT)
        for t, g in _split(rows).items():
            out[t].annual = g.drop(columns=[c for c in g.columns if c.startswith("_")])
    facts = _concat([d.facts for d in batch])
    if facts is not None:
        for t, g in _split(_new_facts(con, facts)).items():
            out[t].facts = g
    return out


def _num(v: Any) -> float | None:
    return None if not _present(v) else float(v)


def _classify(ticker: str, r: dict[str, Any]) -> Change | None:
    fp, end = str(r["fiscal_period"]), str(r["period_end"])[:10]
    ok, was_ok = r["status"] == "ok", (not r["_is_new"]) and r["_old_status"] == "ok"
    new_v, old_v = _num(r["value"]), _num(r["_old_value"])
    accn, old_accn = r.get("accn") or None, r.get("_old_accn") or None
    if ok and not was_ok:
        return Change("new", ticker, r["metric"], fp, end, old_v, new_v, old_accn, accn)
    if not ok and r["_is_new"]:
        return Change("not-derivable", ticker, r["metric"], fp, end, None, None, None, None, r.get("reason"))
    if was_ok and not ok:
        return Change("withdrawn", ticker, r["metric"], fp, end, old_v, None, old_accn, None, r.get("reason"))
    if ok and was_ok and new_v != old_v:
        return Change("revised", ticker, r["metric"], fp, end, old_v, new_v, old_accn, accn)
    return None  # same value, other provenance (a later filing repeating it, a new check note)


def _new_facts(con: duckdb.DuckDBPyConnection, facts: pd.DataFrame) -> pd.DataFrame:
    """The facts not already in the store (the facts table is append-only: never append twice)."""
    name = "_cw_incoming_facts"
    types = _types(con, "facts")
    cols = ", ".join(_FACT_COLUMNS)
    casts = ", ".join(f"CAST({c} AS {types[c]}) AS {c}" for c in _FACT_COLUMNS)
    con.register(name, facts)
    try:
        return con.execute(
            f"SELECT {casts} FROM {name} EXCEPT SELECT {cols} FROM facts WHERE ticker IN (SELECT unnest(?))",
            [sorted(set(facts["ticker"]))],
        ).df()
    finally:
        con.unregister(name)


def _diff_series(con: duckdb.DuckDBPyConnection, obs: pd.DataFrame) -> pd.DataFrame:
    """Observations that are new or differ from the store, with ``is_new`` and ``is_revised`` (the
    value changed; a change of ``source`` alone is provenance, not a revision)."""
    name = "_cw_incoming_series"
    con.register(name, obs)
    try:
        return con.execute(
            f"""SELECT i.series_id, CAST(i.date AS DATE) AS date, i.value, i.source, s.date IS NULL AS is_new,
                       s.date IS NOT NULL AND s.value IS DISTINCT FROM i.value AS is_revised
                FROM {name} i LEFT JOIN series s ON s.series_id = i.series_id AND s.date = CAST(i.date AS DATE)
                WHERE s.date IS NULL OR s.value IS DISTINCT FROM i.value OR s.source IS DISTINCT FROM i.source"""
        ).df()
    finally:
        con.unregister(name)


def _changed_meta(con: duckdb.DuckDBPyConnection, meta: pd.DataFrame) -> pd.DataFrame:
    name = "_cw_incoming_meta"
    con.register(name, meta)
    try:
        return con.execute(
            f"""SELECT i.* FROM {name} i LEFT JOIN series_meta m ON m.series_id = i.series_id
                WHERE m.series_id IS NULL OR (m.title, m.units, m.frequency, m.source)
                      IS DISTINCT FROM (i.title, i.units, i.frequency, i.source)"""
        ).df()
    finally:
        con.unregister(name)


# ------------------------------------------------------------------------------------------------
# writing (one transaction)
# ------------------------------------------------------------------------------------------------


class _Writer:
    """Writes inside one open store transaction (the public write methods join it)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def entity(self, d: CompanyData) -> None:
        import pandas as pd

        row = pd.DataFrame([{
            "ticker": d.ticker, "name": d.name, "cik": d.cik, "role": d.role or "other",
            "fye_month": d.fye_month, "big_four": False,
            "notes": f"Added from SEC EDGAR ({d.origin}); fiscal year end from {d.fye_source}.",
            "origin": "sec",
        }])  # fmt: skip
        self.store.add_entities(row, only_missing=True)

    def company(self, d: CompanyData, delta: _Delta) -> None:
        if d.is_new_entity:
            self.entity(d)
        if delta.facts is not None and len(delta.facts):
            self.store.append_facts(delta.facts, origin=d.origin)
        n_panel = len(delta.panel) if delta.panel is not None else 0
        n_annual = len(delta.annual) if delta.annual is not None else 0
        if n_panel or n_annual:
            self.store.write_panel(delta.panel, kind="sec", origin=d.origin, annual=delta.annual)

    def series(self, obs: pd.DataFrame, meta: pd.DataFrame, origin: str) -> None:
        if len(obs) or len(meta):
            self.store.upsert_series(obs, meta, origin=origin)


# ------------------------------------------------------------------------------------------------
# update
# ------------------------------------------------------------------------------------------------


def _fetch_all(
    targets: Sequence[Target],
    client: HttpClient,
    taken: set[str],
    refresh: bool,
    tick: Callable[[str], None],
) -> list[CompanyData]:
    """Fetch and derive every target in a small thread pool; the first failure cancels the rest."""
    results: dict[int, CompanyData] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(_WORKERS, len(targets)))) as pool:
        futures: dict[Future[CompanyData], int] = {
            pool.submit(_fetch_company, t, client, taken, refresh): i for i, t in enumerate(targets)
        }
        pending: set[Future[CompanyData]] = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for fut in finished:
                exc = fut.exception()
                if exc is not None:
                    for other in pending:
                        other.cancel()
                    t = targets[futures[fut]]
                    if isinstance(exc, CapexwatchError):
                        exc.message = f"{t.ticker or f'CIK {t.cik}'}: {exc.message}"
                    raise exc
                data = fut.result()
                results[futures[fut]] = data
                tick(f"SEC {data.ticker}")
    return [results[i] for i in range(len(targets))]


def update(
    store: Store,
    *,
    tickers: Iterable[str] | None = None,
    ciks: Iterable[str | int] | None = None,
    macro: bool = False,
    series: Iterable[str] | None = None,
    bulk: str | Path | bool | None = None,
    dry_run: bool = False,
    refresh: bool = False,
    client: HttpClient | None = None,
    progress: ProgressFn | None = None,
) -> UpdateReport:
    """Refresh the store from SEC EDGAR and FRED: fetch and derive everything, then one transaction.

    Parameters
    ----------
    tickers, ciks : companies to update (comma-separated strings are split). With none of
        *tickers*, *ciks*, *macro*, *series*, *bulk*: every company in the store that has a CIK,
        and the default macro series
    macro : fetch the default FRED series (:data:`~capexwatch.sources.fred.DEFAULT_SERIES`)
    series : further FRED series ids (fetched with or without *macro*)
    bulk : True to download ``companyfacts.zip`` (to the cache); a path to read a local copy
    dry_run : fetch and derive, report what would change, write nothing
    refresh : ignore fresh cache entries and ask the servers again
    client : the HTTP client (default: a new :class:`~capexwatch.sources.http.HttpClient`)
    progress : ``progress(label, done, total)``, called as each company or series is done

    Returns
    -------
    UpdateReport
        per company and series what was found and what changed (new quarters; revisions old -> new)

    Raises
    ------
    UnknownTickerError, ConfigError, NetworkError, DataError, InputFileError
        the store is left exactly as it was
    """
    from capexwatch.sources.fred import DEFAULT_SERIES, fetch_series, series_frames
    from capexwatch.sources.http import HttpClient

    extra = [validate_series(s) for s in _split_list(series)]
    selected = bool(_split_list(tickers) or _split_list([str(c) for c in ciks or ()]))
    everything = not (selected or macro or extra or bulk)
    targets = resolve_targets(store, tickers, ciks) if (selected or everything) else []
    series_ids = list(dict.fromkeys([*(DEFAULT_SERIES if (macro or everything) else ()), *extra]))

    own_client = client is None
    client = client or HttpClient()
    report = UpdateReport(dry_run=dry_run)
    total = len(targets) + len(series_ids)
    done = 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(label, done, total)

    try:
        # 1. fetch and derive everything --------------------------------------------------------
        taken = {str(t).upper() for t in store.entities()["ticker"]}
        companies = _fetch_all(targets, client, taken, refresh, tick) if targets else []
        fetched: list[FredSeries] = []
        for sid in series_ids:
            fetched.append(fetch_series(sid, client=client))
            tick(f"FRED {sid}")
        bulk_path: Path | None = None
        if bulk:
            bulk_path = _bulk_path(bulk, client, refresh, progress)
        # 2. diff against the store -----------------------------------------------------------------
        deltas = _diff_batch(store.con, companies) if companies else {}
        for d in companies:
            report.add_changes(deltas[d.ticker].changes)
            report.companies.append(_company_summary(d, deltas[d.ticker]))
        obs_delta = meta_delta = None
        if fetched:
            obs, meta = series_frames(fetched)
            obs_delta, meta_delta = _diff_series(store.con, obs), _changed_meta(store.con, meta)
            for s in fetched:
                mine = obs_delta[obs_delta["series_id"] == s.series_id]
                n_new, n_rev = int(mine["is_new"].sum()), int(mine["is_revised"].sum())
                report.series.append({
                    "series_id": s.series_id, "via": s.via, "observations": len(s.observations),
                    "missing": s.missing, "first_date": s.observations[0][0], "last_date": s.observations[-1][0],
                    "new": n_new, "revised": n_rev, "provenance_updates": len(mine) - n_new - n_rev,
                    "source_url": s.source_url,
                })  # fmt: skip
        pending = any(not deltas[d.ticker].empty or d.is_new_entity for d in companies) or (
            obs_delta is not None and meta_delta is not None and (len(obs_delta) or len(meta_delta))
        )
        # the bulk zip: derived, diffed and staged outside the store's transaction (see _Stage)
        stage = _bulk_stage(store, bulk_path, report, progress, dry_run=dry_run) if bulk_path else None
        # 3. one transaction ------------------------------------------------------------------------
        try:
            if not dry_run and (pending or (stage is not None and stage.has_rows)):
                with store.transaction() as con:
                    w = _Writer(store)
                    for d in companies:
                        w.company(d, deltas[d.ticker])
                    if obs_delta is not None and meta_delta is not None:
                        origin = "; ".join(s.origin for s in fetched)
                        w.series(obs_delta.drop(columns=["is_new", "is_revised"]), meta_delta, origin)
                    if stage is not None and bulk_path is not None and stage.has_rows:
                        stage.merge(store, con, str(bulk_path), progress)
                report.written = True
        finally:
            if stage is not None:
                stage.discard()
    finally:
        report.requests = client.requests_sent
        if own_client:
            client.close()
    return report


def validate_series(series_id: str) -> str:
    """A FRED series id, upper-cased (raises :class:`DataError` before anything is fetched)."""
    from capexwatch.sources.fred import validate_series_id

    return validate_series_id(series_id)


def _company_summary(d: CompanyData, delta: _Delta) -> dict[str, Any]:
    return {
        "ticker": d.ticker,
        "cik": d.cik,
        "name": d.name,
        "fye_month": d.fye_month,
        "fye_source": d.fye_source,
        "quarters_ok": d.quarters_ok(),
        "quarters_not_derivable": d.quarters_not_derivable(),
        "facts_new": len(delta.facts) if delta.facts is not None else 0,
        "new": sum(1 for c in delta.changes if c.kind == "new"),
        "revised": sum(1 for c in delta.changes if c.kind == "revised"),
        "withdrawn": sum(1 for c in delta.changes if c.kind == "withdrawn"),
        "provenance_updates": delta.provenance_only,
        "new_entity": d.is_new_entity,
        "latest_filing": d.latest_filing,
        "origin": d.origin,
        "notes": d.notes,
    }


# ------------------------------------------------------------------------------------------------
# offline SEC files: a companyfacts JSON, the bulk zip
# ------------------------------------------------------------------------------------------------


def _entity_index(store: Store) -> dict[int, dict[str, Any]]:
    ents = store.entities().to_dict(orient="records")
    return {int(r["cik"]): r for r in ents if _present(r.get("cik"))}


@cache
def _cik_decoder() -> Any:
    import msgspec

    class CikOnly(msgspec.Struct):
        cik: int | str | None = None

    return msgspec.json.Decoder(CikOnly)


def _doc_cik(raw: bytes) -> int | None:
    """The ``cik`` of a companyfacts document, read without building the rest."""
    import msgspec

    try:
        cik = _cik_decoder().decode(raw).cik
        return int(cik) if cik is not None else None
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
        return None  # decode_companyfacts reports the real problem


def _derive_member(raw: bytes, origin: str, cik: int | None, by_cik: dict[int, dict[str, Any]]) -> CompanyData:
    """Derive a document whose company is known by CIK (keeps ticker and FYE) or new (inferred)."""
    if cik is None:
        cik = _doc_cik(raw)
    ent = by_cik.get(cik) if cik is not None else None
    if ent is not None:
        return derive_company(
            raw, ticker=str(ent["ticker"]), fye_month=_int(ent.get("fye_month")), origin=origin,
            fye_source="universe" if ent.get("origin") == "universe" else "store", name=ent.get("name"),
            role=ent.get("role"),
        )  # fmt: skip
    return derive_company(raw, ticker=None, fye_month=None, origin=origin, is_new_entity=True)


def ingest_sec_path(store: Store, path: str | Path, *, progress: ProgressFn | None = None) -> dict[str, Any]:
    """Load an SEC companyfacts JSON file or the bulk ``companyfacts.zip`` into *store* (offline).

    A company already in the store (by CIK) keeps its ticker and fiscal-year end; any other becomes
    a new entity ``CIK##########`` with its fiscal-year end inferred from its annual periods. One
    transaction: a bad file raises :class:`InputFileError` and nothing is stored.

    Returns
    -------
    dict
        ``kind`` (``sec-companyfacts`` or ``sec-bulk``), ``path``, and the fields of
        :meth:`UpdateReport.as_dict` (companies, changes, new_quarters, revisions, skipped).
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputFileError(str(p), "no such file", hint="Check the path.")
    report = UpdateReport()
    if p.suffix.lower() == ".zip":
        stage = _bulk_stage(store, p, report, progress, dry_run=False)
        try:
            if stage is not None and stage.has_rows:
                with store.transaction() as con:
                    stage.merge(store, con, str(p), progress)
                report.written = True
        finally:
            if stage is not None:
                stage.discard()
        return {"kind": "sec-bulk", "path": str(p), **report.as_dict()}
    data = _derive_member(p.read_bytes(), str(p.resolve()), None, _entity_index(store))
    delta = _diff_company(store.con, data)
    if not delta.empty or data.is_new_entity:
        with store.transaction():
            _Writer(store).company(data, delta)
        report.written = True
    report.add_changes(delta.changes)
    report.companies.append(_company_summary(data, delta))
    return {"kind": "sec-companyfacts", "path": str(p), **report.as_dict()}


def _bulk_path(bulk: str | Path | bool, client: HttpClient, refresh: bool, progress: ProgressFn | None) -> Path:
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


class _Stage:
    """Bulk deltas staged as Parquet files, merged into the store by set-based SQL at the end.

    Why: a long DuckDB transaction keeps its many small inserts (and the frames registered for its
    reads) in memory until it ends, so writing batch after batch inside one transaction grew memory
    with the size of the zip (+400 MB per 400 MB of JSON, measured). Staging each batch to Parquet
    outside any transaction and merging with one ``INSERT ... SELECT`` per table at the end keeps
    the store's single transaction short; DuckDB streams the files into the store.
    The scratch folder lives beside the store and is always deleted.
    """

    TABLES = ("entities", "facts", "panel", "annual")

    def __init__(self, store: Store) -> None:
        import uuid

        import duckdb

        self.dir = store.path.parent / f".capexwatch-stage-{uuid.uuid4().hex[:12]}"
        self.dir.mkdir(parents=True)
        self.types = {t: _types(store.con, t) for t in self.TABLES}
        self.rows = dict.fromkeys(self.TABLES, 0)
        self.files = 0
        self.con = duckdb.connect()  # in memory; only converts frames to Parquet

    def add(self, table: str, df: pd.DataFrame | None) -> None:
        if df is None or not len(df):
            return
        types = self.types[table]
        name = f"_cw_stage_{table}"
        self.files += 1
        out = self.dir / f"{table}-{self.files:07d}.parquet"
        self.con.register(name, df.reindex(columns=list(types)))
        try:
            casts = ", ".join(f'CAST("{c}" AS {ty}) AS "{c}"' for c, ty in types.items())
            self.con.execute(f"COPY (SELECT {casts} FROM {name}) TO '{out}' (FORMAT parquet)")
        finally:
            self.con.unregister(name)
        self.rows[table] += len(df)

    def add_batch(self, batch: Sequence[CompanyData], deltas: dict[str, _Delta]) -> int:
        """Stage what the companies of *batch* change (one file per table); returns how many had any."""
        import pandas as pd

        todo = [d for d in batch if not deltas[d.ticker].empty or d.is_new_entity]
        new = [d for d in todo if d.is_new_entity]
        if new:
            self.add("entities", pd.DataFrame([{
                "ticker": d.ticker, "name": d.name, "cik": d.cik, "role": d.role or "other",
                "fye_month": d.fye_month, "big_four": False,
                "notes": f"Added from SEC EDGAR ({d.origin}); fiscal year end from {d.fye_source}.",
                "origin": "sec",
            } for d in new]))  # fmt: skip
        self.add("facts", _concat([f for d in todo if (f := deltas[d.ticker].facts) is not None]))
        self.add("panel", _concat([f for d in todo if (f := deltas[d.ticker].panel) is not None]))
        self.add("annual", _concat([f for d in todo if (f := deltas[d.ticker].annual) is not None]))
        return len(todo)

    @property
    def has_rows(self) -> bool:
        return any(self.rows.values())

    def _src(self, table: str) -> str:
        return f"read_parquet('{self.dir}/{table}-*.parquet')"

    def merge(
        self, store: Store, con: duckdb.DuckDBPyConnection, origin: str, progress: ProgressFn | None = None
    ) -> None:
        """Inside the store's transaction *con*: upsert the staged rows, one statement per table."""
        if progress:
            n = sum(self.rows.values())
            progress(f"writing {n:,} rows to the store", n, n)
        row = con.execute("SELECT current_setting('memory_limit')").fetchone()
        previous = str(row[0]) if row else None
        con.execute(f"SET memory_limit = '{_MERGE_MEMORY}'")
        try:
            self._merge(store, con, origin)
        finally:
            if previous:
                con.execute(f"SET memory_limit = '{previous}'")

    def _merge(self, store: Store, con: duckdb.DuckDBPyConnection, origin: str) -> None:
        import datetime as dt

        if self.rows["entities"]:
            con.execute(
                f"INSERT INTO entities SELECT * FROM {self._src('entities')} s "
                "WHERE s.ticker NOT IN (SELECT ticker FROM entities)"
            )
        if self.rows["facts"]:
            load_id = store.new_load("facts", origin, self.rows["facts"])
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            con.execute(
                "INSERT INTO facts SELECT * REPLACE (CAST(? AS VARCHAR) AS load_id, "
                f"CAST(? AS TIMESTAMP) AS loaded_at) FROM {self._src('facts')}",
                [load_id, now],
            )
        n = self.rows["panel"] + self.rows["annual"]
        if not n:
            return
        load_id = store.new_load("sec", origin, n)
        keys = {
            "panel": ["ticker", "metric", "fiscal_year", "fiscal_quarter", "source", "view"],
            "annual": ["ticker", "metric", "fiscal_year", "source"],
        }
        for table, key in keys.items():
            if not self.rows[table]:
                continue
            src = self._src(table)
            on = " AND ".join(f"t.{k} = i.{k}" for k in key)
            con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM {src} i WHERE {on})")
            con.execute(f"INSERT INTO {table} SELECT * REPLACE (CAST(? AS VARCHAR) AS load_id) FROM {src}", [load_id])

    def discard(self) -> None:
        import contextlib
        import shutil

        with contextlib.suppress(Exception):
            self.con.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def _bulk_stage(
    store: Store, path: Path, report: UpdateReport, progress: ProgressFn | None, *, dry_run: bool
) -> _Stage | None:
    """Derive every member of a companyfacts zip, diff it against the store, and stage the changes.

    Runs *outside* any store transaction: DuckDB keeps what a transaction reads through registered
    frames alive until it ends, so diffing thousands of filers inside one grew memory with the
    zip (measured); here memory holds one batch of :data:`_BULK_BATCH` companies. The caller merges
    the returned stage in its transaction (:meth:`_Stage.merge`) and always calls
    :meth:`_Stage.discard`; None for a dry run. A member that cannot be derived (malformed, or no
    annual periods to infer its fiscal year from) is skipped and listed in ``report.skipped``; a
    corrupt archive raises :class:`InputFileError` (the stage is discarded, nothing is written).
    """
    from capexwatch.sources import sec

    total = sec.count_bulk_members(path)
    by_cik = _entity_index(store)
    batch: list[CompanyData] = []
    if report.max_changes is None:
        report.max_changes = _BULK_MAX_CHANGES
    stage = None if dry_run else _Stage(store)

    def flush() -> None:
        if not batch:
            return
        deltas = _diff_batch(store.con, batch)
        for d in batch:
            report.add_changes(deltas[d.ticker].changes)
            report.companies.append(_company_summary(d, deltas[d.ticker]))
        if stage is not None:
            stage.add_batch(batch, deltas)
        batch.clear()

    try:
        for done, (cik, member, raw) in enumerate(sec.iter_bulk(path), start=1):
            try:
                batch.append(_derive_member(raw, f"{path.name}:{member}", cik, by_cik))
            except (DataError, InputFileError) as exc:
                # one odd filer must not sink all of EDGAR: skipped, and listed with the reason
                report.skipped.append({"member": member, "reason": str(exc).splitlines()[0]})
            if progress:
                progress(f"bulk {member}", done, total)
            if len(batch) >= _BULK_BATCH:
                flush()
        flush()
    except BaseException:
        if stage is not None:
            stage.discard()
        raise
    return stage
