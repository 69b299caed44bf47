"""Fetch and derive many companies from SEC EDGAR in a small thread pool.

Each worker fetches one company's submissions and companyfacts through the shared
:class:`~capexwatch.sources.http.HttpClient` (whose process-wide rate limit, 8 requests/s to the
SEC, is what bounds the load; the pool only overlaps latency) and derives its quarters. The first
failure cancels what has not started and is raised, named after its company: nothing is written
before every company has been fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from capexwatch.errors import CapexwatchError, ConfigError
from capexwatch.pipeline.company import CompanyData, derive_company

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.sources.http import HttpClient
    from capexwatch.sources.sec import Submissions

__all__ = ["Target", "fetch_all"]

#: concurrent company fetches; the shared rate limit (8/s) is what bounds the load on the SEC
WORKERS: Final = 4


@dataclass(frozen=True)
class Target:
    """A company to update: from the store's entities (universe or earlier ingest) or a bare CIK."""

    ticker: str | None
    cik: int
    name: str | None = None
    fye_month: int | None = None
    role: str | None = None
    known: bool = True


def fetch_all(
    targets: Sequence[Target],
    client: HttpClient,
    taken: set[str],
    refresh: bool,
    tick: Callable[[str], None],
    stored: Mapping[str, pd.DataFrame] | None = None,
) -> list[CompanyData]:
    """Fetch and derive every target, in the order given; the first failure cancels the rest.

    Parameters
    ----------
    taken : the tickers the store already uses (a new filer must not take one of them)
    refresh : ignore fresh cache entries
    tick : ``tick(label)`` as each company is done
    stored : the store's facts per known ticker (:func:`~capexwatch.pipeline.company.stored_facts`),
        derived together with the fetched ones (read before the pool starts: the workers never
        touch the store)
    """
    stored = stored or {}
    results: dict[int, CompanyData] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(WORKERS, len(targets)))) as pool:
        futures: dict[Future[CompanyData], int] = {
            pool.submit(fetch_company, t, client, taken, refresh, stored.get(t.ticker or "")): i
            for i, t in enumerate(targets)
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
                    # a setting (the User-Agent) is nobody's company: naming whichever filer
                    # failed first would read as if that one were at fault
                    if isinstance(exc, CapexwatchError) and not isinstance(exc, ConfigError):
                        exc.message = f"{t.ticker or f'CIK {t.cik}'}: {exc.message}"
                    raise exc
                data = fut.result()
                results[futures[fut]] = data
                tick(f"SEC {data.ticker}")
    return [results[i] for i in range(len(targets))]


def fetch_company(
    target: Target, client: HttpClient, taken: set[str], refresh: bool, stored: pd.DataFrame | None = None
) -> CompanyData:
    """Fetch submissions and companyfacts for *target* and derive, with the facts the store
    already holds for it (*stored*), in a worker thread."""
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
        stored=stored,
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
