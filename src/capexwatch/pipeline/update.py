"""``capexwatch update``: which companies and series, then fetch, decode, derive, diff, store.

The order is what makes a failed update harmless (DESIGN.md: "a failed update leaves the store as
it was"):

1. **fetch** every document first (companyfacts and submissions per company, FRED series), through
   the shared :class:`~capexwatch.sources.http.HttpClient` (its cache makes a rerun after a failure
   cheap: what was fetched before is not fetched again); companies in a small thread pool
   (:mod:`capexwatch.pipeline.fetch`);
2. **decode and derive** the quarters (:mod:`capexwatch.facts`), and **diff** them against the
   store (:mod:`capexwatch.store.diff`): new quarters, revisions (old -> new), provenance-only
   changes;
3. **write** only what changed, in **one** store transaction, through the store's public write
   methods (the transaction is re-entrant: each joins it, all commit or roll back together).
   Nothing is written before every fetch and derivation has succeeded; a failure (or Ctrl-C, or a
   killed process) inside the transaction rolls it back. An update with nothing new writes nothing
   at all, so rerunning is idempotent.

The bulk path (``--bulk``) derives and diffs the zip in batches and stages the changes outside
the transaction; the stage is merged inside it (:mod:`capexwatch.pipeline.bulk`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capexwatch.errors import ConfigError, UnknownTickerError
from capexwatch.pipeline.bulk import bulk_path, merge_bulk, stage_bulk
from capexwatch.pipeline.changes import Change, UpdateReport
from capexwatch.pipeline.company import (
    CompanyData,
    as_int,
    company_summary,
    derive_company,
    diff_companies,
    present,
    stored_facts,
    write_company,
)
from capexwatch.pipeline.fetch import Target, fetch_all

if TYPE_CHECKING:
    from capexwatch.pipeline.changes import ProgressFn
    from capexwatch.sources.fred import FredSeries
    from capexwatch.sources.http import HttpClient
    from capexwatch.store.db import Store

__all__ = [
    "Change",
    "CompanyData",
    "Target",
    "UpdateReport",
    "derive_company",
    "resolve_targets",
    "update",
    "validate_series",
]


# ------------------------------------------------------------------------------------------------
# targets
# ------------------------------------------------------------------------------------------------


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
    known to the store (universe or an earlier ingest) or to the SEC's ticker map (then fetched by
    its CIK as a new filer), else :class:`UnknownTickerError` lists the known ones; a known company
    without a CIK is a :class:`ConfigError` saying where to set it. A CIK may be any SEC filer; an
    unknown one is added to the store as a new entity.
    """
    from capexwatch.sources.sec import parse_cik

    ents = store.entities()
    by_ticker = {str(r["ticker"]).upper(): r for r in ents.to_dict(orient="records")}
    by_cik = {int(r["cik"]): r for r in by_ticker.values() if present(r.get("cik"))}
    tick_list = [t.upper() for t in _split_list(tickers)]
    cik_list = [parse_cik(c) for c in _split_list([str(c) for c in ciks or ()])]
    out: list[Target] = []
    if not tick_list and not cik_list:
        return [_target(r) for r in by_ticker.values() if present(r.get("cik"))]
    for t in tick_list:
        r = by_ticker.get(t)
        if r is None:
            # not in the store: a filer the SEC's ticker map lists is fetched by its CIK
            mapped = _mapped_cik(t)
            if mapped is None:
                raise UnknownTickerError(t, sorted(by_ticker))
            r = by_cik.get(mapped)
            if r is None:
                out.append(Target(None, mapped, known=False))
                continue
        if not present(r.get("cik")):
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


def _mapped_cik(ticker: str) -> int | None:
    """The CIK of *ticker* in the SEC's ticker map at hand (cached or bundled), else None."""
    from capexwatch.sources.sec import ticker_map

    return ticker_map().cik(ticker)


def _target(r: dict[str, Any]) -> Target:
    return Target(
        ticker=str(r["ticker"]).upper(),
        cik=int(r["cik"]),
        name=r.get("name") or None,
        fye_month=as_int(r.get("fye_month")),
        role=r.get("role") or None,
        known=True,
    )


def _refresh_ticker_map(client: HttpClient, refresh: bool, report: UpdateReport) -> None:
    """Cache the SEC's full ticker map, by which filers new to the store are named (issue 13).

    Not essential to the update: a failure is listed under ``skipped`` and the last cached map (or
    the bundled subset) keeps naming filers.
    """
    from capexwatch.errors import DataError, NetworkError
    from capexwatch.sources.sec import fetch_company_tickers

    try:
        fetch_company_tickers(client=client, refresh=refresh)
    except (NetworkError, DataError) as exc:
        report.skipped.append({"member": "company_tickers.json", "reason": str(exc).splitlines()[0]})


def validate_series(series_id: str) -> str:
    """A FRED series id, upper-cased (raises :class:`DataError` before anything is fetched)."""
    from capexwatch.sources.fred import validate_series_id

    return validate_series_id(series_id)


# ------------------------------------------------------------------------------------------------
# update
# ------------------------------------------------------------------------------------------------


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
        if targets or bulk is True:  # asking the SEC anyway (a local zip needs no network)
            _refresh_ticker_map(client, refresh, report)
        taken = {str(t).upper() for t in store.entities()["ticker"]}
        # a known company is derived from its stored facts and the fetched ones together
        stored = stored_facts(store, [t.ticker for t in targets if t.known]) if targets else {}
        # hold no lock on the file while fetching and deriving (minutes): readers and other
        # writers go ahead; the diff below reopens it read-only, the commit checks nothing changed
        store.release()
        companies = fetch_all(targets, client, taken, refresh, tick, stored) if targets else []
        fetched: list[FredSeries] = []
        for sid in series_ids:
            fetched.append(fetch_series(sid, client=client))
            tick(f"FRED {sid}")
        zip_path = bulk_path(bulk, client, refresh, progress) if bulk else None
        # 2. diff against the store -----------------------------------------------------------------
        deltas = diff_companies(store, companies) if companies else {}
        for d in companies:
            report.add_changes(deltas[d.ticker].changes)
            report.companies.append(company_summary(d, deltas[d.ticker]))
        obs_delta = meta_delta = None
        if fetched:
            obs, meta = series_frames(fetched)
            obs_delta, meta_delta = store.changed_series(obs), store.changed_series_meta(meta)
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
        # the bulk zip: derived, diffed and staged outside the store's transaction (pipeline/bulk.py)
        stage = stage_bulk(store, zip_path, report, progress, dry_run=dry_run) if zip_path else None
        # 3. one transaction ------------------------------------------------------------------------
        try:
            if not dry_run and (pending or (stage is not None and stage.has_rows)):
                with store.transaction(check_unchanged=True):
                    for d in companies:
                        write_company(store, d, deltas[d.ticker])
                    if obs_delta is not None and meta_delta is not None and (len(obs_delta) or len(meta_delta)):
                        origin = "; ".join(s.origin for s in fetched)
                        store.upsert_series(obs_delta.drop(columns=["is_new", "is_revised"]), meta_delta, origin=origin)
                    if stage is not None and zip_path is not None and stage.has_rows:
                        merge_bulk(store, stage, str(zip_path), progress)
                report.written = True
        finally:
            if stage is not None:
                stage.discard()
    finally:
        report.requests = client.requests_sent
        if own_client:
            client.close()
    return report
