"""One company's companyfacts document, from bytes to what it changes in the store.

:func:`derive_company` decodes a document and derives its quarters (both views) and fiscal years
(:mod:`capexwatch.facts`); :func:`diff_companies` asks the store what of a batch of companies is
new or revised (:mod:`capexwatch.store.diff`); :func:`write_company` writes one company's delta
through the store's public write methods, inside the caller's transaction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Final

from capexwatch.pipeline.changes import Change

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.facts.decode import FactsTable
    from capexwatch.sources.sec import TickerMap
    from capexwatch.store.db import Store

__all__ = [
    "CompanyData",
    "Delta",
    "company_summary",
    "derive_company",
    "FilerNames",
    "derive_document",
    "diff_companies",
    "document_cik",
    "entity_index",
    "known_ticker",
    "latest_filing_in",
    "new_entity_rows",
    "stored_facts",
    "write_company",
]


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
class Delta:
    """What to write for one company (only rows that differ from the store), and the changes."""

    panel: pd.DataFrame | None = None
    annual: pd.DataFrame | None = None
    facts: pd.DataFrame | None = None
    changes: list[Change] = field(default_factory=list)
    provenance_only: int = 0

    @property
    def empty(self) -> bool:
        return all(x is None or len(x) == 0 for x in (self.panel, self.annual, self.facts))


def present(v: Any) -> bool:
    """Whether *v* is a number (not None, not NaN/NA, as pandas records hold missing values)."""
    if v is None:
        return False
    try:
        return not math.isnan(float(v))
    except (TypeError, ValueError):
        return False


def as_int(v: Any) -> int | None:
    return int(v) if present(v) else None


# ------------------------------------------------------------------------------------------------
# deriving one company
# ------------------------------------------------------------------------------------------------


def _facts_for_store(ft: FactsTable, ticker: str) -> pd.DataFrame:
    from capexwatch.store.schema import FACT_COLUMNS

    df = ft.df.drop(columns=["entity_name"], errors="ignore").assign(ticker=ticker)
    return df.reindex(columns=FACT_COLUMNS)


def _with_stored(ft: FactsTable, stored: pd.DataFrame | None) -> FactsTable:
    """The document's facts together with those the store holds for the company.

    Facts filed in both are listed twice; the derivation counts a fact once (it keys facts by tag,
    period, accession and value), so no deduplication is needed here.
    """
    if stored is None or not len(stored):
        return ft
    import pandas as pd

    from capexwatch.facts.decode import FACT_COLUMNS, FactsTable

    old = stored.assign(entity_name=ft.entity_name).reindex(columns=FACT_COLUMNS)
    both = pd.concat([ft.df, old.astype({c: ft.df[c].dtype for c in _DATE_COLUMNS})], ignore_index=True)
    return FactsTable(ft.cik, ft.entity_name, both, ft.source)


#: the facts' date columns (``datetime64[s]`` when decoded; DuckDB hands back another resolution)
_DATE_COLUMNS: Final = ("period_start", "period_end", "filed")
_PERIODIC_FORMS = ("10-K", "10-Q", "20-F", "40-F", "10-K/A", "10-Q/A", "20-F/A", "40-F/A")


def latest_filing_in(facts: pd.DataFrame) -> dict[str, Any] | None:
    """The latest periodic filing the facts cite: ``{"form", "filed", "accn", "url"}``, or None.

    A companyfacts document read from a file (``ingest``, the bulk zip) comes without the
    submissions list that ``update`` reads the latest filing from; its facts name their filings.
    """
    if not len(facts) or "filed" not in facts.columns:
        return None
    periodic = facts[facts["form"].isin(_PERIODIC_FORMS) & facts["filed"].notna()]
    if not len(periodic):
        return None
    row = periodic.sort_values(["filed", "accn"]).iloc[-1]
    return {"form": row["form"], "filed": str(row["filed"])[:10], "accn": row["accn"], "url": None}


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
    stored: pd.DataFrame | None = None,
) -> CompanyData:
    """Decode one companyfacts document and derive its quarters (both views) and fiscal years.

    The derivation uses the document's facts *and* the facts the store already holds for the
    company (*stored*): the facts table is append-only, so a partial document (an excerpt, an
    older download) adds what it has and never takes a derivable quarter away.

    Parameters
    ----------
    raw : the companyfacts JSON bytes (HTTP body, file, zip member)
    ticker : the store's id for the company; None uses ``CIK##########``
    fye_month : fiscal-year-end month; None infers it from the facts' annual periods
    origin : where *raw* came from (URL or path), recorded in the store's load log
    stored : the store's facts for this company (:meth:`Store.facts <capexwatch.store.db.Store.facts>`),
        derived from together with the document's; ``facts`` of the result is the document's only

    Raises
    ------
    InputFileError : *raw* is not a companyfacts document
    DataError : the fiscal-year end cannot be inferred (no annual or year-to-date periods)
    """
    from capexwatch.facts.decode import decode_companyfacts
    from capexwatch.facts.select import derive_annual, derive_quarters, fiscal_calendar, non_usd_units

    ft = decode_companyfacts(raw, source=origin)
    tk = (ticker or f"CIK{ft.cik:010d}").upper()
    every = _with_stored(ft, stored)
    notes: list[str] = []
    if fye_month is None:
        fye_month = fiscal_calendar(every, None).fye_month
        fye_source = "inferred"
        notes.append(f"fiscal year end inferred from the filings' annual periods: month {fye_month}")
    panel = derive_quarters(every, ticker=tk, fye_month=fye_month, cik=ft.cik)
    annual = derive_annual(every, ticker=tk, fye_month=fye_month, cik=ft.cik)
    foreign = non_usd_units(ft, ticker=tk)
    if foreign:
        listed = ", ".join(f"{m} ({'/'.join(u)})" for m, u in sorted(foreign.items()))
        notes.append(
            f"also files in other currencies, kept out of the USD panel: {listed}; inspect them with "
            "capexwatch.facts.select.derive_quarters(..., currency=...)"
        )
    if not len(panel):
        notes.append("no quarterly USD facts for any canonical metric (annual-only or foreign filer?)")
    facts = _facts_for_store(ft, tk)
    return CompanyData(
        ticker=tk,
        cik=ft.cik,
        name=name or ft.entity_name,
        fye_month=fye_month,
        fye_source=fye_source,
        origin=origin,
        facts=facts,
        panel=panel,
        annual=annual,
        is_new_entity=is_new_entity,
        role=role,
        notes=notes,
        latest_filing=latest_filing_in(facts),
    )


def entity_index(store: Store) -> dict[int, dict[str, Any]]:
    """The store's entities by CIK (those that have one)."""
    ents = store.entities().to_dict(orient="records")
    return {int(r["cik"]): r for r in ents if present(r.get("cik"))}


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


@dataclass(frozen=True)
class FilerNames:
    """How a filer new to the store is named: its SEC ticker, unless the store already uses it."""

    tickers: TickerMap
    taken: frozenset[str]

    @classmethod
    def of(cls, store: Store) -> FilerNames:
        """The best ticker map at hand (:func:`capexwatch.sources.sec.ticker_map`) and the store's ids."""
        from capexwatch.sources.sec import ticker_map

        taken = frozenset(str(t).upper() for t in store.entities()["ticker"])
        return cls(ticker_map(), taken)

    def for_cik(self, cik: int | None) -> str | None:
        """The SEC's main ticker of *cik*, or None (unknown, or already another entity's id)."""
        tk = self.tickers.ticker(cik) if cik is not None else None
        return tk if tk is not None and tk not in self.taken else None


def stored_facts(store: Store, tickers: Iterable[str | None]) -> dict[str, pd.DataFrame]:
    """The facts the store holds for each of *tickers* (None entries ignored), in one query.

    What :func:`derive_company` derives from together with a new document; a ticker with no
    stored facts is absent from the result.
    """
    wanted = sorted({t.upper() for t in tickers if t})
    if not wanted:
        return {}
    return {str(t): g for t, g in store.facts(wanted).groupby("ticker", sort=False)}


def document_cik(raw: bytes, cik: int | None = None) -> int | None:
    """*cik* where the caller knows it (a bulk member's name), else the one *raw* declares."""
    return cik if cik is not None else _doc_cik(raw)


def known_ticker(cik: int | None, by_cik: dict[int, dict[str, Any]]) -> str | None:
    """The store's ticker for the filer *cik*, or None for a filer new to the store."""
    ent = by_cik.get(cik) if cik is not None else None
    return str(ent["ticker"]) if ent is not None else None


def derive_document(
    raw: bytes,
    origin: str,
    cik: int | None,
    by_cik: dict[int, dict[str, Any]],
    stored: dict[str, pd.DataFrame] | None = None,
    names: FilerNames | None = None,
) -> CompanyData:
    """Derive a document whose company is known by CIK (keeps ticker and FYE) or new (inferred).

    *cik* is the document's CIK where the caller knows it (a bulk member's name), else read from
    *raw*; *by_cik* is :func:`entity_index` of the store; *stored* is :func:`stored_facts` for the
    known companies (a known company's quarters are derived from its stored facts and the
    document's together). A new filer is named by its SEC ticker (*names*: ``AAPL``, not
    ``CIK0000320193``), else ``CIK##########``.
    """
    cik = document_cik(raw, cik)
    ent = by_cik.get(cik) if cik is not None else None
    if ent is not None:
        tk = str(ent["ticker"])
        return derive_company(
            raw, ticker=tk, fye_month=as_int(ent.get("fye_month")), origin=origin,
            fye_source="universe" if ent.get("origin") == "universe" else "store", name=ent.get("name"),
            role=ent.get("role"), stored=(stored or {}).get(tk.upper()),
        )  # fmt: skip
    ticker = names.for_cik(cik) if names is not None else None
    return derive_company(raw, ticker=ticker, fye_month=None, origin=origin, is_new_entity=True)


# ------------------------------------------------------------------------------------------------
# diffing against the store (DuckDB joins: vectorised, so the bulk path scales)
# ------------------------------------------------------------------------------------------------


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    """The non-empty *frames* stacked, or None when there are none."""
    import pandas as pd

    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else None


def _split(df: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    if df is None or not len(df):
        return {}
    return {str(t): g.reset_index(drop=True) for t, g in df.groupby("ticker", sort=False)}


def _content(g: pd.DataFrame) -> pd.DataFrame:
    """The table's columns of changed rows (without the diff's ``_is_new``/``_old_*`` columns)."""
    return g.drop(columns=[c for c in g.columns if c.startswith("_")])


def diff_companies(store: Store, batch: Sequence[CompanyData]) -> dict[str, Delta]:
    """Per company of *batch*: the rows and facts that differ from the store, and the changes.

    One query per table for the whole batch: per-company queries cost ~25 ms each in fixed overhead,
    which would dominate a bulk ingest of thousands of filers.
    """
    out = {d.ticker: Delta() for d in batch}
    panel = concat([d.panel for d in batch])
    if panel is not None:
        for t, g in _split(store.changed_panel_rows(panel)).items():
            delta = out[t]
            delta.panel = _content(g)
            for r in g[g["view"] == "latest"].to_dict(orient="records"):
                change = _classify(t, r)
                if change is None:
                    delta.provenance_only += 1
                else:
                    delta.changes.append(change)
    annual = concat([d.annual[d.annual["view"] == "latest"] if "view" in d.annual.columns else d.annual for d in batch])
    if annual is not None:
        for t, g in _split(store.changed_annual_rows(annual.assign(source="sec"))).items():
            out[t].annual = _content(g)
    facts = concat([d.facts for d in batch])
    if facts is not None:
        for t, g in _split(store.new_facts(facts)).items():
            out[t].facts = g
    return out


def _num(v: Any) -> float | None:
    return None if not present(v) else float(v)


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


def company_summary(d: CompanyData, delta: Delta) -> dict[str, Any]:
    """One company's entry of :attr:`UpdateReport.companies <capexwatch.pipeline.changes.UpdateReport>`."""
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
# writing (inside the caller's transaction)
# ------------------------------------------------------------------------------------------------


def new_entity_rows(companies: Sequence[CompanyData]) -> pd.DataFrame:
    """``entities`` rows for companies first seen in SEC data (origin ``sec``)."""
    import pandas as pd

    return pd.DataFrame([{
        "ticker": d.ticker, "name": d.name, "cik": d.cik, "role": d.role or "other",
        "fye_month": d.fye_month, "big_four": False,
        "notes": f"Added from SEC EDGAR ({d.origin}); fiscal year end from {d.fye_source}.",
        "origin": "sec",
    } for d in companies])  # fmt: skip


def write_company(store: Store, d: CompanyData, delta: Delta) -> None:
    """Write what *d* changes, through the store's public methods (they join an open transaction)."""
    if d.is_new_entity:
        store.add_entities(new_entity_rows([d]), only_missing=True)
    if delta.facts is not None and len(delta.facts):
        store.append_facts(delta.facts, origin=d.origin)
    n_panel = len(delta.panel) if delta.panel is not None else 0
    n_annual = len(delta.annual) if delta.annual is not None else 0
    if n_panel or n_annual:
        store.write_panel(delta.panel, kind="sec", origin=d.origin, annual=delta.annual)
