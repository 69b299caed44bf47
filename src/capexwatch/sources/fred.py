"""FRED macro series: the JSON API with ``FRED_API_KEY``, the keyless CSV download otherwise.

* API: ``{CAPEXWATCH_FRED_BASE_URL}/fred/series/observations?series_id=ID&api_key=KEY&file_type=json``
  (https://fred.stlouisfed.org/docs/api/fred/series_observations.html); missing observations are
  ``"."``; at most 100,000 observations per page, so longer series are paged with ``offset``.
  Series metadata (title, units, frequency) from ``/fred/series``.
* Keyless: ``{CAPEXWATCH_FRED_CSV_URL}?id=ID`` (the ``fredgraph.csv`` behind the chart's download
  button; header ``observation_date,ID``, older files ``DATE,ID``; missing values empty or ``"."``).
  It has no vintages, which is why the API is preferred when a key is set.

Observations go to the store's ``series`` table as (series_id, date, value, source), missing
observations dropped; ``source`` is the series' public FRED page.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from capexwatch.errors import DataError, HttpStatusError, NetworkError
from capexwatch.sources.http import HttpClient

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_SERIES",
    "FredSeries",
    "fetch_series",
    "parse_fredgraph_csv",
    "parse_observations_json",
    "series_frames",
    "validate_series_id",
]

#: Rates and credit conditions the signals read: effective fed funds (daily and monthly), 10-year
#: Treasury, high-yield option-adjusted spread, Chicago Fed NFCI.
DEFAULT_SERIES: tuple[str, ...] = ("DFF", "FEDFUNDS", "DGS10", "BAMLH0A0HYM2", "NFCI")

_ID_RE = re.compile(r"^[A-Z0-9_]{1,40}$")
_PAGE = 100_000


@dataclass(frozen=True)
class FredSeries:
    """One series as fetched: observations (date ISO string, value float) and metadata."""

    series_id: str
    observations: list[tuple[str, float]]
    title: str | None = None
    units: str | None = None
    frequency: str | None = None
    via: str = "api"  # "api" or "csv"
    origin: str = ""  # the URL asked, without the key
    missing: int = 0  # observations FRED lists without a value (holidays, not yet published)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def source_url(self) -> str:
        return f"https://fred.stlouisfed.org/series/{self.series_id}"


def validate_series_id(series_id: str) -> str:
    """Upper-cased FRED series id; raises :class:`DataError` for anything that cannot be one."""
    sid = series_id.strip().upper()
    if not _ID_RE.match(sid):
        raise DataError(
            f"{series_id!r} is not a FRED series id.",
            hint="FRED ids are letters, digits and underscores, e.g. DGS10 or BAMLH0A0HYM2; search "
            "https://fred.stlouisfed.org.",
        )
    return sid


def _value(text: str) -> float | None:
    text = text.strip()
    if text in ("", "."):
        return None
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def parse_fredgraph_csv(
    raw: bytes, series_id: str, *, url: str = "fredgraph.csv"
) -> tuple[list[tuple[str, float]], int]:
    """Observations and the count of missing ones from a ``fredgraph.csv`` download.

    Raises
    ------
    NetworkError : the body is not a FRED CSV for *series_id*
    """
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if (
        not header
        or len(header) < 2
        or header[0].strip().lower() not in ("observation_date", "date")
        or header[1].strip().upper() != series_id
    ):
        raise NetworkError(
            f"{url} is not a FRED CSV for {series_id} (header {header!r}).",
            hint="FRED may not know this series, or CAPEXWATCH_FRED_CSV_URL points elsewhere.",
        )
    out: list[tuple[str, float]] = []
    missing = 0
    for lineno, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) < 2 or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[0].strip()):
            raise NetworkError(f"{url}, line {lineno}: not a dated observation ({row!r}).", hint="Rerun later.")
        v = _value(row[1])
        if v is None:
            missing += 1
        else:
            out.append((row[0].strip(), v))
    return out, missing


def parse_observations_json(raw: bytes, *, url: str = "observations") -> tuple[list[tuple[str, float]], int, int]:
    """Observations, missing count and FRED's total ``count`` from one API page."""
    try:
        doc = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise NetworkError(f"{url}: malformed JSON ({exc}).", hint="Rerun later.") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("observations"), list):
        raise NetworkError(f"{url}: not a FRED observations answer.", hint="Check CAPEXWATCH_FRED_BASE_URL.")
    out: list[tuple[str, float]] = []
    missing = 0
    for o in doc["observations"]:
        v = _value(str(o.get("value", "")))
        if v is None:
            missing += 1
        else:
            out.append((str(o["date"]), v))
    return out, missing, int(doc.get("count", len(doc["observations"])))


def _fetch_api(sid: str, client: HttpClient, key: str) -> FredSeries:
    base = client.settings.fred_base_url
    url = f"{base}/fred/series/observations"
    obs: list[tuple[str, float]] = []
    missing = 0
    offset = 0
    while True:
        params = {
            "series_id": sid,
            "api_key": key,
            "file_type": "json",
            "limit": str(_PAGE),
            "offset": str(offset),
        }
        got = client.get(url, kind="fred", params=params)
        page, miss, count = parse_observations_json(got.body, url=got.url)
        obs.extend(page)
        missing += miss
        offset += _PAGE
        if offset >= count or not (page or miss):
            break
    meta_url = f"{base}/fred/series"
    meta: dict[str, Any] = {}
    try:
        m = client.get(meta_url, kind="fred", params={"series_id": sid, "api_key": key, "file_type": "json"})
        doc = msgspec.json.decode(m.body)
        if isinstance(doc, dict) and doc.get("seriess"):
            meta = dict(doc["seriess"][0])
    except (HttpStatusError, msgspec.DecodeError):
        meta = {}  # metadata is a nicety; the observations are what matter
    return FredSeries(
        sid,
        obs,
        title=meta.get("title"),
        units=meta.get("units"),
        frequency=meta.get("frequency"),
        via="api",
        origin=_public(url, sid),
        missing=missing,
        meta=meta,
    )


def _public(url: str, sid: str) -> str:
    return f"{url}?series_id={sid}"


def _fetch_csv(sid: str, client: HttpClient) -> FredSeries:
    url = client.settings.fred_csv_url
    got = client.get(url, kind="fred-csv", params={"id": sid})
    obs, missing = parse_fredgraph_csv(got.body, sid, url=got.url)
    return FredSeries(sid, obs, via="csv", origin=got.url, missing=missing)


def fetch_series(series_id: str, *, client: HttpClient) -> FredSeries:
    """Fetch one FRED series: the JSON API when ``FRED_API_KEY`` is set, else the keyless CSV.

    Raises
    ------
    DataError : FRED has no such series (404, or the API's "series does not exist")
    ConfigError, NetworkError : see :meth:`HttpClient.get`; a rejected key says to check it
    """
    sid = validate_series_id(series_id)
    key = client.settings.fred_api_key
    try:
        series = _fetch_api(sid, client, key) if key else _fetch_csv(sid, client)
    except HttpStatusError as exc:
        if exc.status == 404 or (exc.status == 400 and "does not exist" in str(exc)):
            raise DataError(
                f"FRED has no series {sid!r}.", hint="Check the id at https://fred.stlouisfed.org."
            ) from None
        raise
    if not series.observations:
        raise DataError(f"FRED returned no observations for {sid}.", hint="Check the series id.")
    return series


def series_frames(fetched: list[FredSeries]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows for the store's ``series`` and ``series_meta`` tables.

    Metadata known from the bundled snapshot (the default series) fills in what the keyless
    download lacks.
    """
    import pandas as pd

    from capexwatch.sources.snapshot import series_meta

    known = series_meta()
    rows = []
    metas = []
    for s in fetched:
        df = pd.DataFrame(s.observations, columns=["date", "value"])
        df["date"] = pd.to_datetime(df["date"])
        df["series_id"] = s.series_id
        df["source"] = s.source_url
        rows.append(df[["series_id", "date", "value", "source"]])
        k = known.get(s.series_id, {})
        metas.append(
            {
                "series_id": s.series_id,
                "title": s.title or k.get("title") or s.series_id,
                "units": s.units or k.get("units"),
                "frequency": s.frequency or k.get("frequency"),
                "source": s.source_url,
            }
        )
    obs = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["series_id", "date", "value", "source"])
    return obs, pd.DataFrame(metas, columns=["series_id", "title", "units", "frequency", "source"])
