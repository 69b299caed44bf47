"""The bundled snapshot: curated, cited figures that let capexwatch run offline.

Files (all CSV, UTF-8, one header row; see MANIFEST.toml for the version and checksums):

- ``company_quarters.csv``: quarterly company figures from ``shared/reference/company_quarters.csv``,
  reference metrics mapped to canonical names, values in USD (the reference value and unit kept
  beside them), built by ``scripts/build_snapshot.py``.
- ``macro_series.csv``: FRED series (DFF, FEDFUNDS, DGS10, BAMLH0A0HYM2, NFCI, NFCI_Q, ANFCI) as
  stored in public repositories; ``source`` names the repository and commit.
- ``events.csv``: dated events (AI revenue run-rates, useful-life changes, capex guidance, circular
  deals, moratoria, GPU-backed debt, H100 rental prices, ...) each with a source URL. A date known
  only to the month, a range of months or a quarter is the *last* day of that period (the
  description says so: "month only, month end used"), so that point-in-time reads never see an
  event before it could have been public (issue 13).
- ``published_figures.csv``: published fiscal-year totals and single figures (SpaceX S-1, annual
  capex actuals) with their source URL.
- ``company_tickers.json``: a cited subset of the SEC's ticker <-> CIK map (the offline fallback
  for naming filers ingested from companyfacts; ``capexwatch update`` caches the full map).
- ``historical_cycles.csv``: the telecom (1999-2002) and semiconductor (2021-2023) cycles' annual
  points from published-analyses.md sections 7-8, each with its source (the analog view).

This module only reads the files; the store loads them.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "company_tickers_bytes",
    "load_company_quarters",
    "load_events",
    "load_historical_cycles",
    "load_macro",
    "load_published_figures",
    "manifest",
    "series_meta",
    "snapshot_version",
]

EVENT_COLUMNS = [
    "event_id",
    "date",
    "entity",
    "counterparty",
    "kind",
    "metric",
    "amount",
    "amount_high",
    "unit",
    "old_value",
    "new_value",
    "jurisdiction",
    "scope",
    "description",
    "source_url",
    "source_kind",
    "confidence",
]


def _path(name: str) -> Any:
    return resources.files(__name__).joinpath(name)


@cache
def manifest() -> dict[str, Any]:
    """The parsed MANIFEST.toml."""
    with _path("MANIFEST.toml").open("rb") as fh:
        return tomllib.load(fh)


def snapshot_version() -> str:
    """The snapshot's version string (e.g. ``2026.11.21``)."""
    return str(manifest()["version"])


def series_meta() -> dict[str, dict[str, str]]:
    """Per FRED series: title, units, frequency."""
    return dict(manifest().get("series", {}))


def _read(name: str, **kw: Any) -> pd.DataFrame:
    import pandas as pd

    with _path(name).open("rb") as fh:
        return pd.read_csv(fh, keep_default_na=False, na_values=[""], **kw)


def load_company_quarters() -> pd.DataFrame:
    """Curated quarterly company figures (values in base units)."""
    return _read("company_quarters.csv", dtype={"fiscal_year": "int64", "fiscal_quarter": "int64"})


def load_macro() -> pd.DataFrame:
    """Macro series observations: series_id, date, value, source."""
    df = _read("macro_series.csv", dtype={"value": "float64"})
    return df


def load_events() -> pd.DataFrame:
    """Curated dated events (see module docstring); empty frame with the columns if absent."""
    import pandas as pd

    if not _path("events.csv").is_file():
        return pd.DataFrame(columns=EVENT_COLUMNS)
    return _read("events.csv")


def company_tickers_bytes() -> bytes:
    """The bundled subset of the SEC's ticker <-> CIK map (``company_tickers.json`` format).

    The universe's companies with a CIK and Apple, each cited in MANIFEST.toml; ``capexwatch
    update`` caches the SEC's full map, which :func:`capexwatch.sources.sec.ticker_map` prefers.
    """
    return _path("company_tickers.json").read_bytes()  # type: ignore[no-any-return]


def load_published_figures() -> pd.DataFrame:
    """Published annual totals and single quarters not in company_quarters.csv."""
    import pandas as pd

    cols = ["ticker", "metric", "fiscal_period", "period_end", "value", "unit", "source_url", "source_kind", "note"]
    if not _path("published_figures.csv").is_file():
        return pd.DataFrame(columns=cols)
    return _read("published_figures.csv", dtype={"value": "float64"})


def _filing_file(name: str) -> pd.DataFrame:
    import pandas as pd

    if not _path(name).is_file():
        return pd.DataFrame()
    df = _read(name)
    for c in ("period_start", "period_end", "filed", "known_at"):
        if c in df:
            df[c] = pd.to_datetime(df[c])
    return df


def load_filing_panel() -> pd.DataFrame:
    """Quarters read from the filers' own iXBRL/XBRL documents (panel columns, both views, ``source='sec'``)."""
    return _filing_file("filing_panel.csv")


def load_filing_annual() -> pd.DataFrame:
    """Fiscal years read from the filers' own documents (annual columns, ``source='sec'``)."""
    return _filing_file("filing_annual.csv")


def load_filing_observations() -> pd.DataFrame:
    """Every mapped filing fact as reported (customer shares, useful lives, breakdowns)."""
    df = _filing_file("filing_observations.csv")
    if "series" in df:
        df["series"] = df["series"].fillna("")  # '' is the metric's main series (CSV reads it as missing)
    return df


def load_historical_cycles() -> pd.DataFrame:
    """Past capex/sales cycles for the analog view: cycle, series, period, period_end, value_usd,
    growth_yoy (as published, else empty), source_url, source_kind, note."""
    return _read("historical_cycles.csv", dtype={"value_usd": "float64", "growth_yoy": "float64"})
