"""The frames a signal reads (:class:`Inputs`): panel quarters, macro series, events, entities,
and the filing observations signals read as reported (customer concentration).

Build them from a store the caller opened (:meth:`Inputs.from_store`) or from frames (tests,
notebooks: :meth:`Inputs.from_frames`); both normalise the frames the same way. Nothing here opens
a file or a connection.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from capexwatch.errors import DataError, InvalidArgumentError
from capexwatch.facts.concentration import CONCENTRATION_METRIC
from capexwatch.facts.periods import calendar_quarter
from capexwatch.sources.snapshot import EVENT_COLUMNS
from capexwatch.store.db import CURATED_PUBLICATION_LAG_DAYS
from capexwatch.store.schema import FILING_OBSERVATION_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.store.db import Store

__all__ = [
    "FILING_METRICS",
    "Inputs",
    "PUBLICATION_LAG_DAYS",
    "scope_of",
    "to_date",
]


_PANEL_DEFAULTS: dict[str, Any] = {
    "unit": "USD",
    "method": "reported",
    "status": "ok",
    "reason": None,
    "tag": None,
    "accn": None,
    "form": None,
    "filed": None,
    "source": "curated",
    "source_url": None,
    "source_kind": None,
    "note": None,
    "derived_from": None,
    "view": "latest",
}


#: the filing observations ``Inputs.filings`` holds (what signals read as reported)
FILING_METRICS: tuple[str, ...] = (CONCENTRATION_METRIC,)

#: days after a quarter's end at which a figure counts as public when no filing date is known
#: (the store's rule for curated figures, store/db.py CURATED_PUBLICATION_LAG_DAYS)
PUBLICATION_LAG_DAYS = CURATED_PUBLICATION_LAG_DAYS


@dataclass(frozen=True)
class Inputs:
    """The frames a signal reads: panel quarters, macro series, events, entities, filing observations.

    Build one with :meth:`from_store` (the CLI) or :meth:`from_frames` (tests, notebooks).
    ``as_of`` is set when the frames hold only what was known at that date (first-filed view,
    events dated on or before it, series observed on or before it, filing observations filed on or
    before it).

    ``filings`` holds the filing observations of :data:`FILING_METRICS` (``Store.filing_observations``
    columns: metric, series, period, value, concept, dimensions, accession, form, filed, URL): figures
    a filing reports that are not quarters of the panel, read with their provenance.

    The frames are treated as read-only: slices derived from them (``_panel.metric_rows`` and
    the like) are memoised per ``Inputs`` in ``_memo``, so that the eight signals of a run do not
    each re-filter the panel. ``known_by`` and ``dataclasses.replace`` give a new, empty memo.
    """

    quarters: pd.DataFrame
    series: pd.DataFrame
    events: pd.DataFrame
    entities: pd.DataFrame
    series_meta: pd.DataFrame
    as_of: dt.date | None = None
    view: str = "latest"
    filings: pd.DataFrame = field(default_factory=lambda: _norm_filings(None))
    #: derived slices, keyed by (helper name, arguments); see :func:`capexwatch.signals._panel.memo`
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    # ---- construction

    @classmethod
    def from_frames(
        cls,
        quarters: pd.DataFrame | None = None,
        series: pd.DataFrame | None = None,
        events: pd.DataFrame | None = None,
        entities: pd.DataFrame | None = None,
        series_meta: pd.DataFrame | None = None,
        *,
        as_of: str | dt.date | None = None,
        view: str = "latest",
        filings: pd.DataFrame | None = None,
    ) -> Inputs:
        """Normalise frames (missing optional columns filled, dates typed, ok rows flagged).

        ``quarters`` needs ``ticker, metric, fiscal_year, fiscal_quarter, period_end, value``; every
        other panel column is optional (``calendar_quarter`` follows the midpoint rule from
        ``period_start`` or, failing that, the period end less 45 days; ``known_at`` defaults to the
        filing date or the period end plus 45 days). ``entities`` defaults to ``universe.toml``.
        ``filings``: filing observations (``Store.filing_observations`` columns; ``ticker, metric,
        series, period_end, value, filed`` at least).
        """
        return cls(
            quarters=_norm_quarters(quarters),
            series=_norm_series(series),
            events=_norm_events(events),
            entities=_norm_entities(entities),
            series_meta=_norm_meta(series_meta),
            as_of=to_date(as_of) if as_of is not None else None,
            view=view,
            filings=_norm_filings(filings),
        )

    @classmethod
    def from_store(
        cls, store: Store, *, as_of: str | dt.date | None = None, tickers: Sequence[str] | None = None
    ) -> Inputs:
        """Read what a signal needs from *store*: the quarters and entities of the companies in
        scope (:meth:`Store.scope_tickers <capexwatch.store.db.Store.scope_tickers>`: the universe
        and companies named by events) plus *tickers* (what the user asks for), macro series,
        events. The company filter runs in the store's query: other companies in the store
        (a bulk ingest, a big CSV) cost nothing here.

        With *as_of*, only what was public on that date: ``quarters(view="first-filed",
        as_of=DATE)``, events dated on or before it, series observed on or before it (FRED
        revisions are not tracked: series are the latest vintage, truncated at the date), filing
        observations filed on or before it.
        """
        d = to_date(as_of) if as_of is not None else None
        scope = scope_of(store, tickers)
        if d is None:
            q = store.quarters(scope, view="latest")
            ev = store.events()
            se = store.series()
        else:
            q = store.quarters(scope, view="first-filed", as_of=d)
            ev = store.events(as_of=d)
            se = store.series(end=d)
        meta = store.series_meta() if hasattr(store, "series_meta") else None
        ev = _with_filing_lives(store, ev, d)
        ents = store.entities()
        ents = ents[ents["ticker"].isin(scope)]
        fo = filing_inputs(store, scope, d)
        return cls.from_frames(q, se, ev, ents, meta, as_of=d, view="first-filed" if d else "latest", filings=fo)

    # ---- point-in-time slices

    def known_by(self, when: str | dt.date) -> Inputs:
        """Only what was public by *when*: rows with ``known_at <= when``, events dated and series
        observed on or before it. Used by backtests on first-filed inputs."""
        import pandas as pd

        d = to_date(when)
        ts = pd.Timestamp(d)
        q = self.quarters[self.quarters["known_at"] <= ts]
        return dataclasses.replace(
            self,
            quarters=q,
            events=self.events[self.events["date"] <= ts],
            series=self.series[self.series["date"] <= ts],
            # a filing's figures are public from its filing date; one without a date is left out
            filings=self.filings[self.filings["filed"].notna() & (self.filings["filed"] <= ts)],
            as_of=d,
        )

    # ---- lookups

    def tickers(self, *, role: str | Sequence[str] | None = None, big_four: bool | None = None) -> list[str]:
        """Entity tickers filtered by role and Big-Four flag."""
        e = self.entities
        if role is not None:
            roles = [role] if isinstance(role, str) else list(role)
            e = e[e["role"].isin(roles)]
        if big_four is not None:
            e = e[e["big_four"].fillna(False).astype(bool) == big_four]
        return sorted(e["ticker"].astype(str).tolist())

    def entity_name(self, ticker: str) -> str:
        """The entity's name, else the ticker."""
        row = self.entities[self.entities["ticker"] == ticker]
        if len(row) and isinstance(row.iloc[0].get("name"), str):
            return str(row.iloc[0]["name"])
        return ticker

    def series_url(self, series_id: str) -> str:
        """Where a macro series comes from (series_meta's source, else the FRED page)."""
        m = self.series_meta
        if len(m) and "source" in m:
            row = m[m["series_id"] == series_id]
            if len(row) and isinstance(row.iloc[0]["source"], str) and row.iloc[0]["source"]:
                return str(row.iloc[0]["source"])
        return f"https://fred.stlouisfed.org/series/{series_id.removesuffix('_Q')}"


def scope_of(store: Store, tickers: Sequence[str] | None = None) -> list[str]:
    """The tickers signals read from *store*: its scope (universe and event-named companies)
    and *tickers*, upper-cased and sorted."""
    return sorted(set(store.scope_tickers()) | {str(t).upper() for t in tickers or ()})


def to_date(x: Any) -> dt.date:
    """*x* (a date, datetime, Timestamp or ISO string) as a date; a user error names it otherwise."""
    import pandas as pd

    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    try:
        d: dt.date = pd.Timestamp(str(x)).date()
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(
            f"Not a date: {x!r}.", hint="Give dates as YYYY-MM-DD, e.g. --as-of 2024-06-30."
        ) from exc
    return d


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def _norm_quarters(df: pd.DataFrame | None) -> pd.DataFrame:
    import pandas as pd

    required = ["ticker", "metric", "fiscal_year", "fiscal_quarter", "period_end", "value"]
    if df is None or len(df) == 0:
        cols = required + list(_PANEL_DEFAULTS) + ["fiscal_period", "calendar_quarter", "known_at", "period_start"]
        out = _empty(cols)
        out["period_end"] = pd.Series(dtype="datetime64[ns]")
        out["known_at"] = pd.Series(dtype="datetime64[ns]")
        out["value"] = pd.Series(dtype="float64")
        out["fiscal_year"] = pd.Series(dtype="int64")
        out["fiscal_quarter"] = pd.Series(dtype="int64")
        return out
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(
            "Quarterly frame lacks column(s): " + ", ".join(missing) + ".",
            hint="A panel frame needs ticker, metric, fiscal_year, fiscal_quarter, period_end and value.",
        )
    q = df.copy()
    for c, v in _PANEL_DEFAULTS.items():
        if c not in q.columns:
            q[c] = v
    q["ticker"] = q["ticker"].astype(str).str.upper()
    q["metric"] = q["metric"].astype(str)
    q["fiscal_year"] = q["fiscal_year"].astype("int64")
    q["fiscal_quarter"] = q["fiscal_quarter"].astype("int64")
    q["period_end"] = pd.to_datetime(q["period_end"]).astype("datetime64[ns]")
    q["value"] = pd.to_numeric(q["value"], errors="coerce").astype("float64")
    if "fiscal_period" not in q.columns:
        q["fiscal_period"] = [f"FY{y}Q{n}" for y, n in zip(q["fiscal_year"], q["fiscal_quarter"], strict=True)]
    if "period_start" not in q.columns:
        q["period_start"] = q["period_end"] - pd.DateOffset(months=3) + pd.Timedelta(days=1)
    if "calendar_quarter" not in q.columns or q["calendar_quarter"].isna().any():
        cq = [
            calendar_quarter(s if pd.notna(s) else e - pd.Timedelta(days=90), e)
            for s, e in zip(q["period_start"], q["period_end"], strict=True)
        ]
        q["calendar_quarter"] = (
            q["calendar_quarter"].fillna(pd.Series(cq, index=q.index)) if "calendar_quarter" in q.columns else cq
        )
    q["filed"] = pd.to_datetime(q["filed"]).astype("datetime64[ns]")
    lag = q["period_end"] + pd.Timedelta(days=PUBLICATION_LAG_DAYS)
    if "known_at" not in q.columns:
        q["known_at"] = q["filed"].fillna(lag)
    q["known_at"] = pd.to_datetime(q["known_at"]).astype("datetime64[ns]").fillna(lag)
    q["status"] = q["status"].fillna("ok")
    return q.sort_values(["ticker", "metric", "period_end"]).reset_index(drop=True)


def _norm_series(df: pd.DataFrame | None) -> pd.DataFrame:
    import pandas as pd

    if df is None or len(df) == 0:
        out = _empty(["series_id", "date", "value", "source"])
        out["date"] = pd.Series(dtype="datetime64[ns]")
        out["value"] = pd.Series(dtype="float64")
        return out
    s = df.copy()
    if "source" not in s.columns:
        s["source"] = None
    s["series_id"] = _upper(s["series_id"].astype(str))
    s["date"] = pd.to_datetime(s["date"]).astype("datetime64[ns]")
    s["value"] = pd.to_numeric(s["value"], errors="coerce").astype("float64")
    s = s[s["value"].notna()]
    if _sorted_by_id_and_date(s):  # as the store returns them: the stable sort would keep the order
        return s.reset_index(drop=True)
    return s.sort_values(["series_id", "date"]).reset_index(drop=True)


def _upper(ids: pd.Series) -> pd.Series:
    """``ids.str.upper()``, upper-casing each distinct id once (a series repeats its id per row)."""
    import pandas as pd

    codes, uniques = pd.factorize(ids)
    if (codes < 0).any():  # a missing id: let pandas handle it
        return ids.str.upper()
    up = pd.Series(uniques, dtype=ids.dtype).str.upper()
    return pd.Series(up.array.take(codes), index=ids.index, name=ids.name)


def _sorted_by_id_and_date(s: pd.DataFrame) -> bool:
    """True when rows are already in ``sort_values(["series_id", "date"])`` order (no blank ids or dates)."""
    import numpy as np
    import pandas as pd

    if len(s) < 2:
        return True
    codes, _ = pd.factorize(s["series_id"], sort=True)
    dates = s["date"].to_numpy(dtype="datetime64[ns]")
    if (codes < 0).any() or np.isnat(dates).any():
        return False
    dc = np.diff(codes)
    dd = np.diff(dates.view("int64"))
    return bool(np.all((dc > 0) | ((dc == 0) & (dd >= 0))))


def filing_inputs(store: Store, tickers: Sequence[str] | None = None, as_of: dt.date | None = None) -> pd.DataFrame:
    """The store's observations of :data:`FILING_METRICS` for *tickers* (all when None), filed on
    or before *as_of* when given (an observation with no filing date is then left out)."""
    import pandas as pd

    if not hasattr(store, "filing_observations"):
        return _norm_filings(None)
    obs = store.filing_observations(list(tickers) if tickers is not None else None, list(FILING_METRICS))
    if as_of is not None and len(obs):
        filed = pd.to_datetime(obs["filed"])
        obs = obs[filed.notna() & (filed <= pd.Timestamp(as_of))]
    return obs


def _with_filing_lives(store: Store, ev: pd.DataFrame, as_of: dt.date | None) -> pd.DataFrame:
    """*ev* plus the server lives read from filings (known by *as_of*: filed on or before it)."""
    import pandas as pd

    from capexwatch.signals._filing_inputs import filing_life_events

    if not hasattr(store, "filing_observations"):
        return ev
    obs = store.filing_observations(metric="useful_life_years")
    if as_of is not None and len(obs):
        obs = obs[pd.to_datetime(obs["filed"]) <= pd.Timestamp(as_of)]
    extra = filing_life_events(obs)
    if extra.empty:
        return ev
    if as_of is not None:
        extra = extra[pd.to_datetime(extra["date"]) <= pd.Timestamp(as_of)]
    return pd.concat([ev, extra], ignore_index=True) if len(ev) else extra


def _norm_events(df: pd.DataFrame | None) -> pd.DataFrame:
    import pandas as pd

    if df is None or len(df) == 0:
        out = _empty(EVENT_COLUMNS)
        out["date"] = pd.Series(dtype="datetime64[ns]")
        for c in ("amount", "amount_high", "old_value", "new_value"):
            out[c] = pd.Series(dtype="float64")
        return out
    e = df.copy()
    for c in EVENT_COLUMNS:
        if c not in e.columns:
            e[c] = None
    e["date"] = pd.to_datetime(e["date"]).astype("datetime64[ns]")
    for c in ("amount", "amount_high", "old_value", "new_value"):
        e[c] = pd.to_numeric(e[c], errors="coerce").astype("float64")
    if e["event_id"].isna().any():
        e["event_id"] = e["event_id"].fillna(pd.Series([f"ev{i}" for i in range(len(e))], index=e.index))
    return e.sort_values(["date", "event_id"]).reset_index(drop=True)


def _norm_filings(df: pd.DataFrame | None) -> pd.DataFrame:
    """Filing observations with every column (store.schema FILING_OBSERVATION_COLUMNS), dates typed."""
    import pandas as pd

    f = _empty(FILING_OBSERVATION_COLUMNS) if df is None or len(df) == 0 else df.copy()
    for c in FILING_OBSERVATION_COLUMNS:
        if c not in f.columns:
            f[c] = None
    for c in ("period_start", "period_end", "filed"):
        f[c] = pd.to_datetime(f[c]).astype("datetime64[ns]")
    f["value"] = pd.to_numeric(f["value"], errors="coerce").astype("float64")
    f["ticker"] = f["ticker"].astype(str).str.upper() if len(f) else f["ticker"]
    return f.reset_index(drop=True)


def _norm_entities(df: pd.DataFrame | None) -> pd.DataFrame:
    import pandas as pd

    if df is None or len(df) == 0:
        from capexwatch.universe import load_universe

        df = pd.DataFrame(list(load_universe()))
        df["origin"] = "universe"
    e = df.copy()
    for c, v in (("name", None), ("role", None), ("big_four", False), ("origin", None), ("fye_month", None)):
        if c not in e.columns:
            e[c] = v
    e["ticker"] = e["ticker"].astype(str).str.upper()
    e["big_four"] = e["big_four"].astype("boolean").fillna(False).astype(bool)
    return e.reset_index(drop=True)


def _norm_meta(df: pd.DataFrame | None) -> pd.DataFrame:
    if df is None or len(df) == 0:
        return _empty(["series_id", "title", "units", "frequency", "source"])
    return df.copy()
