"""SEC EDGAR endpoints: companyfacts, companyconcept, frames, submissions and the bulk zip.

Each function is one network call between a typed query and a typed (or raw) result, through the
shared :class:`~capexwatch.sources.http.HttpClient`, so tests replay them against a local server.
URLs follow the SEC's API page (https://www.sec.gov/edgar/sec-api-documentation):

* ``{base}/api/xbrl/companyfacts/CIK##########.json`` — every XBRL fact of one filer;
* ``{base}/api/xbrl/companyconcept/CIK##########/{taxonomy}/{tag}.json`` — one tag of one filer;
* ``{base}/api/xbrl/frames/{taxonomy}/{tag}/{unit}/{period}.json`` — one tag for every filer and
  one calendar period (``CY2024``, ``CY2024Q1``, ``CY2024Q1I``); frames are calendar-aligned and
  hold only the last-filed fact per filer, so capexwatch uses them as a cross-check, never as the
  source of fiscal quarters (``ecosystem-notes.md`` §2.4);
* ``{base}/submissions/CIK##########.json`` — name, tickers, fiscal-year end, filing index;
* ``https://www.sec.gov/files/company_tickers.json`` (``CAPEXWATCH_SEC_TICKERS_URL``) — every
  filer's exchange tickers and CIK, ``{"0": {"cik_str": 320193, "ticker": "AAPL", "title": ...}}``,
  a company's main ticker listed first;
* ``{archives}/companyfacts.zip`` — all filers' companyfacts, rebuilt nightly (~1 GB zipped);
  downloaded in a stream to the cache and read member by member, never extracted to disk.

``base`` is ``CAPEXWATCH_SEC_BASE_URL`` (default https://data.sec.gov) and ``archives`` is
``CAPEXWATCH_SEC_ARCHIVES_URL`` (default https://www.sec.gov/Archives/edgar/daily-index/xbrl).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from capexwatch.errors import DataError, HttpStatusError, InputFileError, NetworkError
from capexwatch.sources.http import HttpClient

__all__ = [
    "EDGAR_DATA_URL",
    "MAX_DOCUMENT_BYTES",
    "Filing",
    "Submissions",
    "TickerMap",
    "bulk_url",
    "cik10",
    "companyfacts_url",
    "count_bulk_members",
    "download_bulk",
    "fetch_companyconcept",
    "fetch_company_tickers",
    "fetch_companyfacts",
    "fetch_filing_document",
    "fetch_frame",
    "fetch_submissions",
    "filing_document_url",
    "fye_month_from_mmdd",
    "iter_bulk",
    "latest_filings",
    "read_document",
    "parse_cik",
    "parse_company_tickers",
    "parse_submissions",
    "ticker_map",
]

#: Filing documents live on www.sec.gov whatever API mirror is configured; links point there.
EDGAR_DATA_URL = "https://www.sec.gov/Archives/edgar/data"

_CIK_RE = re.compile(r"^(?:CIK)?0*(\d{1,10})$", re.IGNORECASE)
_FRAME_RE = re.compile(r"^CY\d{4}(?:Q[1-4]I?)?$")
_MEMBER_RE = re.compile(r"CIK(\d{10})\.json$", re.IGNORECASE)
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
"""Largest companyfacts document read (a zip member or a file): 256 MiB.

A guard against decompression bombs, not a data limit: NVIDIA's full companyfacts document is
4.0 MB and Alphabet's 3.1 MB (``reference/sec/``), so a real filer's stays far below it, while a
900 MB member that would take 2 GB to decode is refused before it is read.
"""
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


def parse_cik(value: int | str) -> int:
    """A CIK as an int from ``1045810``, ``"0001045810"`` or ``"CIK0001045810"``.

    Raises
    ------
    DataError : not a CIK (1 to 10 digits)
    """
    if isinstance(value, int) and 0 < value < 10**10:
        return value
    m = _CIK_RE.match(str(value).strip())
    if not m or int(m.group(1)) == 0:
        raise DataError(
            f"{value!r} is not a CIK.",
            hint="A CIK is the SEC's company number, up to 10 digits (NVIDIA: 1045810); look it up at "
            "https://www.sec.gov/cgi-bin/browse-edgar?action=getcompany.",
        )
    return int(m.group(1))


def cik10(cik: int | str) -> str:
    """The zero-padded 10-digit CIK the SEC uses in file names (``0001045810``)."""
    return f"{parse_cik(cik):010d}"


def fye_month_from_mmdd(mmdd: str | None) -> int | None:
    """Fiscal-year-end month from the submissions ``fiscalYearEnd`` (``"0126"`` -> 1).

    A 52/53-week year that ends in the first week of a month (``"0103"``) mostly falls in the
    previous month, so that month is returned (December here): the fiscal calendar is labelled
    by the month in which the year *mostly* ends, as ``universe.toml`` does.
    """
    if not mmdd or not re.fullmatch(r"\d{4}", mmdd):
        return None
    month, day = int(mmdd[:2]), int(mmdd[2:])
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    if day <= 7:
        month = 12 if month == 1 else month - 1
    return month


# ------------------------------------------------------------------------------------------------
# companyfacts, companyconcept, frames
# ------------------------------------------------------------------------------------------------


def companyfacts_url(cik: int | str, client: HttpClient) -> str:
    """The companyfacts URL of *cik* under the configured base URL."""
    return f"{client.settings.sec_base_url}/api/xbrl/companyfacts/CIK{cik10(cik)}.json"


def _not_found(exc: HttpStatusError, what: str) -> DataError:
    return DataError(
        f"The SEC has no {what} ({exc.url}).",
        hint="The company may file no XBRL financial statements (companyfacts covers 10-K, 10-Q, 20-F "
        "and 40-F filers), or the CIK is wrong.",
    )


def fetch_companyfacts(cik: int | str, *, client: HttpClient, refresh: bool = False) -> bytes:
    """The raw companyfacts JSON document of *cik* (validated JSON, from the cache when fresh).

    Raises
    ------
    DataError : the SEC has no companyfacts for this CIK (404)
    NetworkError, ConfigError : see :meth:`HttpClient.get`
    """
    try:
        return client.get(companyfacts_url(cik, client), kind="companyfacts", refresh=refresh).body
    except HttpStatusError as exc:
        if exc.status == 404:
            raise _not_found(exc, f"XBRL company facts for CIK {parse_cik(cik)}") from None
        raise


def _check_name(value: str, what: str) -> str:
    if not _NAME_RE.match(value):
        raise DataError(f"{what} {value!r} is not valid.", hint=f"Use the SEC's spelling, e.g. {what} 'us-gaap'.")
    return value


def fetch_companyconcept(cik: int | str, taxonomy: str, tag: str, *, client: HttpClient) -> dict[str, Any]:
    """One tag of one filer: ``{cik, taxonomy, tag, label, description, entityName, units}``."""
    url = (
        f"{client.settings.sec_base_url}/api/xbrl/companyconcept/CIK{cik10(cik)}/"
        f"{_check_name(taxonomy, 'taxonomy')}/{_check_name(tag, 'tag')}.json"
    )
    try:
        doc = msgspec.json.decode(client.get(url, kind="companyconcept").body)
    except HttpStatusError as exc:
        if exc.status == 404:
            raise _not_found(exc, f"{taxonomy}:{tag} for CIK {parse_cik(cik)}") from None
        raise
    return _expect_object(doc, url)


def fetch_frame(taxonomy: str, tag: str, unit: str, period: str, *, client: HttpClient) -> dict[str, Any]:
    """One tag for every filer and one calendar period (``CY2024``, ``CY2024Q1``, ``CY2024Q1I``).

    Returns ``{taxonomy, tag, ccp, uom, label, description, pts, data: [{accn, cik, entityName,
    loc, start?, end, val}]}``. Instants need the ``I`` suffix *and* a quarter (``CY2024I`` does
    not exist).
    """
    period = period.upper()
    if not _FRAME_RE.match(period):
        raise DataError(
            f"Frame period {period!r} is not valid.",
            hint="Use CY2024 (annual), CY2024Q1 (quarter) or CY2024Q1I (instant).",
        )
    url = (
        f"{client.settings.sec_base_url}/api/xbrl/frames/{_check_name(taxonomy, 'taxonomy')}/"
        f"{_check_name(tag, 'tag')}/{_check_name(unit, 'unit')}/{period}.json"
    )
    try:
        doc = msgspec.json.decode(client.get(url, kind="frames").body)
    except HttpStatusError as exc:
        if exc.status == 404:
            raise _not_found(exc, f"frame {taxonomy}:{tag} {unit} {period}") from None
        raise
    return _expect_object(doc, url)


def _expect_object(doc: Any, url: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise NetworkError(f"{url} returned JSON that is not an object.", hint="Rerun later.")
    return doc


# ------------------------------------------------------------------------------------------------
# submissions
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    """One filing of the index: accession, form, dates, and links to it on EDGAR."""

    cik: int
    accession: str
    form: str
    filed: str
    report_date: str | None
    primary_document: str | None

    @property
    def index_url(self) -> str:
        """The filing's index page on EDGAR (lists every document of the filing)."""
        return f"{EDGAR_DATA_URL}/{self.cik}/{self.accession.replace('-', '')}/{self.accession}-index.htm"

    @property
    def url(self) -> str:
        """The primary document where known, else the index page."""
        if self.primary_document:
            return f"{EDGAR_DATA_URL}/{self.cik}/{self.accession.replace('-', '')}/{self.primary_document}"
        return self.index_url


@dataclass(frozen=True)
class Submissions:
    """What ``submissions/CIK##########.json`` says about a filer.

    Attributes
    ----------
    fiscal_year_end : ``MMDD`` as the SEC gives it (``"0126"``), or None
    fye_month : month the fiscal year mostly ends in (see :func:`fye_month_from_mmdd`)
    filings : the recent filing index, newest first (the SEC lists up to ~1,000 or a year)
    older_files : names of the SEC's extra index pages for older filings (not fetched)
    """

    cik: int
    name: str
    tickers: tuple[str, ...]
    exchanges: tuple[str, ...]
    sic_description: str | None
    fiscal_year_end: str | None
    fye_month: int | None
    filings: tuple[Filing, ...] = field(default_factory=tuple)
    older_files: tuple[str, ...] = ()

    def periodic(self) -> tuple[Filing, ...]:
        """Only periodic reports (10-K, 10-Q, 20-F, 40-F and amendments)."""
        forms = ("10-K", "10-Q", "20-F", "40-F", "10-K/A", "10-Q/A", "20-F/A", "40-F/A")
        return tuple(f for f in self.filings if f.form in forms)


def parse_submissions(raw: bytes, *, source: str = "submissions") -> Submissions:
    """Parse a submissions document (the SEC's column-wise ``filings.recent`` arrays)."""
    try:
        doc = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise NetworkError(f"{source}: malformed JSON ({exc}).", hint="Rerun later.") from None
    if not isinstance(doc, dict) or "cik" not in doc:
        raise NetworkError(f"{source}: not an SEC submissions document.", hint="Check CAPEXWATCH_SEC_BASE_URL.")
    cik = parse_cik(doc["cik"])
    recent = (doc.get("filings") or {}).get("recent") or {}
    acc = list(recent.get("accessionNumber") or [])

    def col(name: str) -> list[Any]:
        values = list(recent.get(name) or [])
        return values + [None] * (len(acc) - len(values))  # ragged arrays must not shift rows

    forms, filed, report, primary = col("form"), col("filingDate"), col("reportDate"), col("primaryDocument")
    filings = tuple(
        Filing(
            cik=cik,
            accession=str(a),
            form=str(forms[i] or ""),
            filed=str(filed[i] or ""),
            report_date=str(report[i]) if report[i] else None,
            primary_document=str(primary[i]) if primary[i] else None,
        )
        for i, a in enumerate(acc)
    )
    fye = doc.get("fiscalYearEnd")
    return Submissions(
        cik=cik,
        name=str(doc.get("name") or ""),
        tickers=tuple(str(t) for t in doc.get("tickers") or ()),
        exchanges=tuple(str(e) for e in doc.get("exchanges") or () if e),
        sic_description=doc.get("sicDescription") or None,
        fiscal_year_end=str(fye) if fye else None,
        fye_month=fye_month_from_mmdd(str(fye) if fye else None),
        filings=filings,
        older_files=tuple(
            str(f.get("name")) for f in (doc.get("filings") or {}).get("files") or () if isinstance(f, dict)
        ),
    )


def fetch_submissions(cik: int | str, *, client: HttpClient, refresh: bool = False) -> Submissions:
    """Name, tickers, fiscal-year end and filing index of *cik*."""
    url = f"{client.settings.sec_base_url}/submissions/CIK{cik10(cik)}.json"
    try:
        raw = client.get(url, kind="submissions", refresh=refresh).body
    except HttpStatusError as exc:
        if exc.status == 404:
            raise _not_found(exc, f"filer with CIK {parse_cik(cik)}") from None
        raise
    return parse_submissions(raw, source=url)


def latest_filings(subs: Submissions, forms: tuple[str, ...] = ("10-K", "10-Q")) -> list[Filing]:
    """The most recent filing of each of *forms* that names a primary document, oldest first.

    Amendments (``10-K/A``) are left out: they often carry only the changed part of a report.
    """
    out: dict[str, Filing] = {}
    for f in subs.filings:  # newest first
        if f.form in forms and f.primary_document and f.form not in out:
            out[f.form] = f
    return sorted(out.values(), key=lambda f: (f.filed, f.accession))


def filing_document_url(f: Filing, client: HttpClient) -> str:
    """``{documents url}/{cik}/{accession digits}/{primary document}`` (EDGAR's archive layout)."""
    if not f.primary_document:
        raise DataError(f"The SEC lists no primary document for filing {f.accession}.", hint="Open its index page.")
    return f"{client.settings.sec_documents_url}/{f.cik}/{f.accession.replace('-', '')}/{f.primary_document}"


def fetch_filing_document(f: Filing, *, client: HttpClient, refresh: bool = False) -> bytes:
    """The bytes of a filing's primary document (iXBRL ``.htm``), from the cache when there."""
    url = filing_document_url(f, client)
    try:
        return client.get(url, kind="filing", refresh=refresh).body
    except HttpStatusError as exc:
        if exc.status == 404:
            raise DataError(
                f"EDGAR has no document {f.primary_document} in filing {f.accession} ({exc.url}).",
                hint="The submissions index may be newer than the archive; rerun later.",
            ) from None
        raise


# ------------------------------------------------------------------------------------------------
# the bulk zip
# ------------------------------------------------------------------------------------------------


def bulk_url(client: HttpClient) -> str:
    """URL of ``companyfacts.zip`` under ``CAPEXWATCH_SEC_ARCHIVES_URL``."""
    return f"{client.settings.sec_archives_url}/companyfacts.zip"


def download_bulk(
    *, client: HttpClient, refresh: bool = False, progress: Callable[[int, int | None], None] | None = None
) -> Path:
    """Download ``companyfacts.zip`` to the cache (streamed; kept 7 days) and return its path."""
    return client.download(bulk_url(client), kind="bulk", refresh=refresh, progress=progress)


def iter_bulk(path: str | Path) -> Iterator[tuple[int | None, str, bytes]]:
    """``(cik, member name, raw JSON)`` for each member of a companyfacts zip, one at a time.

    Memory holds one member at a time (the largest filers' documents are tens of MB); nothing is
    extracted to disk. Members that are not ``.json`` files are skipped.

    Raises
    ------
    InputFileError : the file is not a zip archive, a member is corrupt, or a member decompresses to
        more than :data:`MAX_DOCUMENT_BYTES`
    """
    p = Path(path)
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(
            str(p),
            f"not a readable zip archive ({exc}).",
            hint="Download companyfacts.zip again (or use --bulk).",
        ) from None
    with zf:
        for info in zf.infolist():
            if info.is_dir() or not info.filename.lower().endswith(".json"):
                continue
            m = _MEMBER_RE.search(info.filename)
            try:
                raw = _read_member(zf, info, p)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                # a damaged deflate stream surfaces as zlib.error, not BadZipFile
                raise InputFileError(
                    str(p), f"member {info.filename} is corrupt ({exc}).", hint="Download the zip again."
                ) from None
            yield (int(m.group(1)) if m else None), info.filename, raw


def _too_large(path: Path, what: str, size: int) -> InputFileError:
    return InputFileError(
        str(path),
        f"{what} is {size / 1e6:,.0f} MB or more, over the {MAX_DOCUMENT_BYTES / 1e6:,.0f} MB a companyfacts "
        "document can take (a decompression bomb, or not SEC data).",
        hint="Download companyfacts.zip from the SEC again (or use `capexwatch update --bulk`).",
    )


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    """One member's bytes, refusing one that is (or decompresses to) over :data:`MAX_DOCUMENT_BYTES`.

    The declared size is checked first (cheap); the read is bounded too, since a crafted header
    can understate it.
    """
    if info.file_size > MAX_DOCUMENT_BYTES:
        raise _too_large(path, f"member {info.filename}", info.file_size)
    with zf.open(info) as f:
        raw = f.read(MAX_DOCUMENT_BYTES + 1)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise _too_large(path, f"member {info.filename}", len(raw))
    return raw


def read_document(path: str | Path) -> bytes:
    """A companyfacts JSON file's bytes, refusing one over :data:`MAX_DOCUMENT_BYTES`."""
    p = Path(path)
    size = p.stat().st_size
    if size > MAX_DOCUMENT_BYTES:
        raise _too_large(p, "the file", size)
    return p.read_bytes()


def count_bulk_members(path: str | Path) -> int:
    """How many companyfacts members the zip holds (reads only the central directory)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return sum(1 for i in zf.infolist() if i.filename.lower().endswith(".json"))
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(str(path), f"not a readable zip archive ({exc}).") from None


# ------------------------------------------------------------------------------------------------
# the ticker <-> CIK map (company_tickers.json)
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TickerMap:
    """The SEC's ticker <-> CIK map: ``by_cik`` lists a company's tickers, its main one first."""

    by_cik: dict[int, tuple[str, ...]]
    by_ticker: dict[str, int]
    source: str

    def ticker(self, cik: int) -> str | None:
        """The main exchange ticker of *cik* (None when the map does not list it)."""
        tickers = self.by_cik.get(int(cik))
        return tickers[0] if tickers else None

    def cik(self, ticker: str) -> int | None:
        """The CIK of *ticker* (any case; None when the map does not list it)."""
        return self.by_ticker.get(ticker.strip().upper())


class _TickerRow(msgspec.Struct):
    cik_str: int | str
    ticker: str
    title: str = ""


def parse_company_tickers(raw: bytes, *, source: str = "company_tickers.json") -> TickerMap:
    """Parse ``company_tickers.json`` (``{"0": {"cik_str", "ticker", "title"}, ...}``, in its order).

    Raises
    ------
    DataError : not that document (the message names *source*)
    """
    try:
        doc = msgspec.json.decode(raw, type=dict[str, _TickerRow])
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise DataError(
            f"{source} is not the SEC's ticker map (company_tickers.json): {exc}",
            hint="Run `capexwatch update` to fetch it again, or `capexwatch cache clear` to drop a damaged copy.",
        ) from None
    by_cik: dict[int, list[str]] = {}
    by_ticker: dict[str, int] = {}
    for key in sorted(doc, key=lambda k: int(k) if k.isdigit() else 0):
        row = doc[key]
        cik, tk = parse_cik(row.cik_str), row.ticker.strip().upper()
        if not tk:
            continue
        by_cik.setdefault(cik, []).append(tk)
        by_ticker.setdefault(tk, cik)
    return TickerMap({c: tuple(t) for c, t in by_cik.items()}, by_ticker, source)


def fetch_company_tickers(*, client: HttpClient, refresh: bool = False) -> TickerMap:
    """The SEC's full ticker map, fetched (cached a day like the other SEC documents)."""
    url = client.settings.sec_tickers_url
    got = client.get(url, kind="company_tickers", refresh=refresh)
    return parse_company_tickers(got.body, source=url)


def ticker_map(settings: Any = None) -> TickerMap:
    """The best ticker map at hand, offline: the SEC's full map as ``update`` last cached it, else
    the bundled subset (:func:`capexwatch.sources.snapshot.company_tickers_bytes`)."""
    from capexwatch.config import get_settings
    from capexwatch.sources.http import cached_body
    from capexwatch.sources.snapshot import company_tickers_bytes

    settings = settings or get_settings()
    raw = cached_body(settings, settings.sec_tickers_url, "company_tickers")
    if raw is not None:
        try:
            return parse_company_tickers(raw, source=settings.sec_tickers_url)
        except DataError:
            pass  # a damaged cache entry: the bundled subset still names the companies it knows
    return parse_company_tickers(company_tickers_bytes(), source="bundled company_tickers.json (subset)")
