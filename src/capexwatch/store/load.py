"""Turn curated inputs (snapshot files, user CSVs, the universe) into rows of the store's tables,
and load them: :func:`open_store` (a store loaded with the bundled snapshot), :func:`load_snapshot`,
:func:`write_user_figures`. Loading drives a :class:`~capexwatch.store.db.Store` through its public
write methods inside one transaction; the Store knows nothing of these inputs.

Curated figures carry their fiscal label and period end; what they lack is derived here and
documented: ``period_start`` is the day after the same company's previous quarter end where that
is known (else the period end less three months), ``calendar_quarter`` follows the midpoint rule,
and ``known_at`` is the filing date the note gives, else (no filing named) the period end plus
:data:`~capexwatch.store.db.CURATED_PUBLICATION_LAG_DAYS` days (earnings are public within about
that time); it is what ``--as-of`` and the backtests use. A figure cited from a later comparative
(a 2023 10-Q restating 2022) is known from that filing: its value, accession and filing date were
not public before it, so a point-in-time view must not show them earlier.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from capexwatch.facts.periods import calendar_quarter

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from capexwatch.store.db import Store

__all__ = [
    "curated_annual",
    "curated_panel",
    "events_frame",
    "fill_panel_columns",
    "load_snapshot",
    "open_store",
    "row_panel_columns",
    "series_meta_frame",
    "universe_entities",
    "user_entities",
    "user_panel_sql",
    "write_user_figures",
]

_TAG = re.compile(r"\b((?:us-gaap|ifrs-full|dei):[A-Za-z0-9]+)")
_ACCN = re.compile(r"\b(\d{10}-\d{2}-\d{6})\b")
_FILED = re.compile(r"\((10-[QK](?:/A)?|20-F|40-F)[^)]*?filed (\d{4}-\d{2}-\d{2})\)")
_FISCAL = re.compile(r"^FY(\d{4})(?:Q([1-4]))?$")
_DERIVED = re.compile(r"derived:|YTD difference|quarter = YTD")
_DERIVED_FROM = re.compile(r"(derived:[^ ;(]+)")


def _period_starts(df: pd.DataFrame, ends: pd.DataFrame | None = None) -> pd.Series:
    """Day after the company's previous quarter end (any metric), else end less 3 months.

    *ends*: further (ticker, period_end) pairs of the same companies (the rest of a streamed
    file), so that a chunk's answer is the whole file's. Vectorised: one merge, no row loop.
    :func:`user_panel_sql` applies the same rule in SQL to a streamed file.
    """
    import pandas as pd

    known = df[["ticker", "period_end"]].assign(period_end=lambda d: pd.to_datetime(d["period_end"]))
    if ends is not None:
        known = pd.concat([known, ends[["ticker", "period_end"]].astype(known.dtypes.to_dict())])
    known = known.drop_duplicates().sort_values(["ticker", "period_end"])
    known["prev"] = known.groupby("ticker")["period_end"].shift(1)
    e = pd.to_datetime(df["period_end"])
    prev = pd.DataFrame({"ticker": df["ticker"].to_numpy(), "period_end": e.to_numpy()}).merge(
        known, on=["ticker", "period_end"], how="left"
    )["prev"]
    prev.index = df.index
    gap = (e - prev).dt.days
    fallback = e - pd.DateOffset(months=_FALLBACK_MONTHS) + pd.Timedelta(days=1)
    quarter_gap = (gap >= _QUARTER_GAP_DAYS[0]) & (gap <= _QUARTER_GAP_DAYS[1])
    return (prev + pd.Timedelta(days=1)).where(quarter_gap, fallback).astype("datetime64[ns]")


#: a previous end 75-120 days back is the previous quarter's (else the start is 3 months back)
_QUARTER_GAP_DAYS = (75, 120)
_FALLBACK_MONTHS = 3


def _previous_ends_sql(source: str) -> str:
    """SQL: each (ticker, period_end) of the rows in *source* (a table expression) with the
    company's previous period end among them (``prev``): the distinct ends of each company in
    order, each one's predecessor (as :func:`_period_starts` finds them)."""
    return (
        "SELECT ticker, period_end, lag(period_end) OVER (PARTITION BY ticker ORDER BY period_end) AS prev "
        f"FROM (SELECT DISTINCT ticker, period_end FROM {source})"
    )


def _calendar_quarters(starts: pd.Series, ends: pd.Series) -> list[str | None]:
    """``calendar_quarter`` of each (start, end), computed once per distinct pair (a big file
    repeats a few hundred periods over millions of rows)."""
    import pandas as pd

    key = pd.DataFrame({"s": starts.to_numpy(), "e": ends.to_numpy()})
    uniq = key.drop_duplicates().copy()
    uniq["cq"] = [calendar_quarter(s, e) for s, e in zip(uniq["s"], uniq["e"], strict=True)]
    return list(key.merge(uniq, on=["s", "e"], how="left")["cq"])


def row_panel_columns(df: pd.DataFrame) -> pd.DataFrame:
    """*df* with the panel columns that depend on the row alone: ``fiscal_year`` and
    ``fiscal_quarter`` (from the label), ``tag``, ``accn``, ``form`` and ``filed`` (cited in the
    note, where the row has none), ``method`` and ``derived_from`` (from the note).

    Labels are parsed once per distinct label, notes with plain string operations (pandas'
    per-row string methods cost seconds per 100,000 rows, measured), and only a note with a
    ``:`` or a ``-`` is searched for a citation (a user CSV's default note has neither).
    """
    import pandas as pd

    df = df.copy()
    labels = pd.Series(df["fiscal_period"].unique())
    fp = labels.str.extract(_FISCAL).set_axis(labels)  # the labels' (year, quarter), by label
    df["fiscal_year"] = df["fiscal_period"].map(fp[0]).astype("int64")
    df["fiscal_quarter"] = df["fiscal_period"].map(fp[1]).astype("int64")
    note_col = df["note"].fillna("") if "note" in df else pd.Series("", index=df.index)
    notes = note_col.tolist()

    def text(values: list[str | None]) -> pd.Series:  # missing as the column's own missing value
        return pd.Series(values, index=df.index, dtype=object).astype(note_col.dtype)

    # all notes at once first: most files' notes hold none of what is searched for
    every = "\n".join(notes)
    cites: dict[str, list[str | None]] = {c: [None] * len(notes) for c in ("tag", "accn", "form", "filed")}
    for i, n in enumerate(notes if ":" in every or "-" in every else ()):
        if ":" in n or "-" in n:
            for col, value in _cited(n).items():
                cites[col][i] = value
    for col, values in cites.items():
        parsed = text(values)
        df[col] = df[col].fillna(parsed) if col in df else parsed
    df["filed"] = pd.to_datetime(df["filed"])
    derived = _DERIVED.search(every) is not None
    df["method"] = ["derived" if derived and _DERIVED.search(n) else "reported" for n in notes]
    df["derived_from"] = text(
        [m.group(1) if "derived:" in n and (m := _DERIVED_FROM.search(n)) else None for n in notes]
        if "derived:" in every
        else [None] * len(notes)
    )
    return df


def _cited(note: str) -> dict[str, str | None]:
    """The tag, accession, form and filing date *note* cites (None for each it does not)."""
    out: dict[str, str | None] = {}
    for col, rx, grp in (("tag", _TAG, 1), ("accn", _ACCN, 1), ("form", _FILED, 1), ("filed", _FILED, 2)):
        m = rx.search(note)
        out[col] = m.group(grp) if m else None
    return out


def note_citations(note: str) -> dict[str, str | None]:
    """What :func:`row_panel_columns` reads from one row's *note*: ``tag``, ``accn``, ``form`` and
    ``filed`` (text), ``method`` (``derived`` or ``reported``) and ``derived_from``."""
    empty: dict[str, str | None] = dict.fromkeys(("tag", "accn", "form", "filed"))
    out = _cited(note) if ":" in note or "-" in note else empty
    out["method"] = "derived" if _DERIVED.search(note) else "reported"
    m = _DERIVED_FROM.search(note) if "derived:" in note else None
    out["derived_from"] = m.group(1) if m else None
    return out


def fill_panel_columns(df: pd.DataFrame, *, source: str, ends: pd.DataFrame | None = None) -> pd.DataFrame:
    """Complete curated/user rows (ticker, metric, fiscal_period, period_end, value, unit,
    source_url, source_kind, note, optional period_start/tag/accn/form/filed) into panel rows for
    both views. *ends*: (ticker, period_end) of the same companies' other rows (a streamed file:
    see :func:`user_panel_sql`, the same in SQL over all of a file's chunks at once)."""
    import pandas as pd

    from capexwatch.store.db import CURATED_PUBLICATION_LAG_DAYS, PANEL_COLUMNS

    df = row_panel_columns(df)
    df["period_end"] = pd.to_datetime(df["period_end"])
    if "period_start" not in df or df["period_start"].isna().all():
        df["period_start"] = _period_starts(df, ends)
    else:
        df["period_start"] = pd.to_datetime(df["period_start"]).fillna(_period_starts(df, ends))
    df["calendar_quarter"] = _calendar_quarters(df["period_start"], df["period_end"])
    lag = pd.Timedelta(days=CURATED_PUBLICATION_LAG_DAYS)
    # the row's value, accession and filing date are public from its filing (often a later
    # comparative: showing them earlier would leak a future filing into a point-in-time view)
    df["known_at"] = df["filed"].fillna(df["period_end"] + lag)
    df["status"] = "ok"
    df["reason"] = None
    df["source"] = source
    both = pd.concat([df.assign(view="latest"), df.assign(view="first-filed")], ignore_index=True)
    return both.reindex(columns=PANEL_COLUMNS)


def user_panel_sql(rows: str, types: dict[str, str]) -> str:
    """SQL: the panel rows, both views, of a streamed user CSV's rows in *rows* (a table
    expression of :func:`row_panel_columns`' output); columns and types *types* (the panel's).

    What :func:`fill_panel_columns` does per frame, over all of a file's chunks in one statement
    (tested equal): a missing period start is the day after the company's previous period end in
    the file when that lies 75-120 days back, else the end less three months plus a day; the
    calendar quarter holds the period's midpoint; a row is known from its filing, else 45 days
    (``CURATED_PUBLICATION_LAG_DAYS``) after its end.
    """
    from capexwatch.store.db import CURATED_PUBLICATION_LAG_DAYS

    lo, hi = _QUARTER_GAP_DAYS
    computed = {
        "period_start": "start",
        "calendar_quarter": "year(mid) || 'Q' || quarter(mid)",
        "known_at": f"coalesce(CAST(filed AS DATE), period_end + {CURATED_PUBLICATION_LAG_DAYS})",
        "status": "'ok'",
        "reason": "NULL",
        "source": "'user'",
        "view": "v.view",
        "load_id": "NULL",
    }
    cols = ", ".join(f'CAST({computed.get(c, f"r.{c}")} AS {t}) AS "{c}"' for c, t in types.items())
    return f"""
        WITH ends AS ({_previous_ends_sql(rows)}),
        dated AS (
            SELECT r.*, coalesce(CAST(r.period_start AS DATE), CASE
                WHEN date_diff('day', e.prev, r.period_end) BETWEEN {lo} AND {hi} THEN e.prev + 1
                ELSE CAST(r.period_end - INTERVAL {_FALLBACK_MONTHS} MONTH AS DATE) + 1 END) AS start
            FROM {rows} r LEFT JOIN ends e USING (ticker, period_end)
        ),
        r AS (SELECT *, start + CAST(floor(date_diff('day', start, period_end) / 2) AS INTEGER) AS mid FROM dated)
        SELECT {cols} FROM r, (VALUES ('latest'), ('first-filed')) v(view)"""


def curated_panel(quarters: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Panel rows (both views) for the snapshot's curated quarters and published single quarters."""
    import pandas as pd

    cols = ["ticker", "metric", "fiscal_period", "period_end", "value", "unit", "source_url", "source_kind", "note"]
    pub_q = published[published["fiscal_period"].str.contains("Q", na=False)][cols] if len(published) else None
    frames = [quarters[cols]] + ([pub_q] if pub_q is not None and len(pub_q) else [])
    return fill_panel_columns(pd.concat(frames, ignore_index=True), source="curated")


def curated_annual(published: pd.DataFrame) -> pd.DataFrame:
    """Annual-table rows for the snapshot's published fiscal-year totals."""
    import pandas as pd

    if not len(published):
        return pd.DataFrame()
    fy = published[~published["fiscal_period"].str.contains("Q", na=False)].copy()
    fy["fiscal_year"] = fy["fiscal_period"].str.extract(_FISCAL)[0].astype("int64")
    fy["period_end"] = pd.to_datetime(fy["period_end"])
    fy["source"] = "curated"
    return fy[
        [
            "ticker",
            "metric",
            "fiscal_year",
            "period_end",
            "value",
            "unit",
            "source",
            "source_url",
            "source_kind",
            "note",
        ]
    ]


def events_frame(events: pd.DataFrame) -> pd.DataFrame:
    """Events with typed columns."""
    import pandas as pd

    ev = events.copy()
    if len(ev):
        ev["date"] = pd.to_datetime(ev["date"])
        for c in ("amount", "amount_high", "old_value", "new_value"):
            ev[c] = pd.to_numeric(ev[c], errors="coerce")
    return ev


def universe_entities() -> pd.DataFrame:
    """Entities rows for the companies of universe.toml."""
    import pandas as pd

    from capexwatch.universe import load_universe

    df = pd.DataFrame(list(load_universe()))
    df["cik"] = df["cik"].astype("Int64")
    df["origin"] = "universe"
    return df


def series_meta_frame(meta: dict[str, dict[str, str]]) -> pd.DataFrame:
    """series_meta rows from the snapshot manifest."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "series_id": k,
                "title": v.get("title"),
                "units": v.get("units"),
                "frequency": v.get("frequency"),
                "source": f"https://fred.stlouisfed.org/series/{k.removesuffix('_Q')}",
            }
            for k, v in meta.items()
        ]
    )


def load_snapshot(store: Store) -> dict[str, int]:
    """Load (or reload) the bundled snapshot into *store* in one transaction; idempotent.

    Every table's rows share one load (kind ``snapshot``, the snapshot's version), which is how
    :meth:`~capexwatch.store.db.Store.snapshot_loaded` knows it is there. Returns rows per table.
    """
    from capexwatch.sources import snapshot

    published = snapshot.load_published_figures()
    quarters = curated_panel(snapshot.load_company_quarters(), published)
    annual = curated_annual(published)
    macro = snapshot.load_macro()
    events = events_frame(snapshot.load_events())
    f_panel, f_annual = snapshot.load_filing_panel(), snapshot.load_filing_annual()
    f_obs = snapshot.load_filing_observations()
    counts = {"panel": len(quarters) + len(f_panel), "annual": len(annual) + len(f_annual), "series": len(macro),
              "events": len(events), "filing_observations": len(f_obs)}  # fmt: skip
    with store.transaction():
        load_id = store.new_load("snapshot", "bundled", sum(counts.values()), version=snapshot.snapshot_version())
        store.add_entities(universe_entities(), only_missing=False)
        store.upsert("panel", quarters.assign(load_id=load_id))
        store.upsert("annual", annual.assign(load_id=load_id))
        store.upsert("series", macro.assign(load_id=load_id))
        store.upsert("series_meta", series_meta_frame(snapshot.series_meta()))
        if len(events):
            store.upsert("events", events.assign(load_id=load_id))
        _load_filing_figures(store, f_panel, f_annual, f_obs, load_id)
    return counts


def _load_filing_figures(
    store: Store, panel: pd.DataFrame, annual: pd.DataFrame, obs: pd.DataFrame, load_id: str
) -> None:
    """The snapshot's figures read from filings (source 'sec', kind 'sec-ixbrl'): by the panel's
    precedence they are what reads return where a secondary figure covers the same quarter."""
    if len(panel):
        store.upsert("panel", panel.assign(load_id=load_id))
    if len(annual):
        store.upsert("annual", annual.assign(load_id=load_id))
    for ticker, g in obs.groupby("ticker") if len(obs) else ():
        store.replace_filing_observations(str(ticker), g, origin="bundled snapshot")


def open_store(
    path: str | Path | None = None, *, read_only: bool = False, snapshot: bool = True, prepare: bool = False
) -> Store:
    """Open the store at *path* (default: the settings' file), loading the bundled snapshot into a
    writable store that does not hold this version of it yet (first use, or a new capexwatch).

    *prepare* (with *read_only*): when the file is missing, older than this capexwatch or lacks
    this snapshot, first create, migrate and load it with one short write, then open it read-only
    (what the CLI's read-only commands do, so that their first run works).

    Raises
    ------
    StoreError : the file cannot be opened, created or loaded (the store is closed again)
    """
    from capexwatch.store.db import Store

    if read_only and prepare and _needs_preparing(Store.resolve_path(path), snapshot=snapshot):
        open_store(path, snapshot=snapshot).close()
    import duckdb

    from capexwatch.store.db import store_open_error

    store = Store.open(path, read_only=read_only)
    try:
        # reading the load log can meet a damaged block: it is then a store error, not a bug
        loaded = read_only or not snapshot or store.snapshot_loaded()
    except duckdb.Error as exc:
        store.close()
        raise store_open_error(store.path, exc) from exc
    if loaded:
        return store
    _load_first_snapshot(store)
    return store


def _needs_preparing(db_path: Path, *, snapshot: bool) -> bool:
    """Whether a read-only open of *db_path* needs a write first (missing, old schema, no snapshot)."""
    from capexwatch.store.db import Store

    if not db_path.exists():
        return True
    # a bare read-only Store: Store.open would refuse an old schema, which is what we ask about
    with Store(None, db_path, read_only=True) as store:
        return store.needs_migration() or (snapshot and not store.snapshot_loaded())


def _load_first_snapshot(store: Store) -> None:
    """Load the bundled snapshot into a freshly opened writable *store*; close it on failure."""
    import duckdb

    from capexwatch.store.db import store_open_error

    try:
        load_snapshot(store)
    except duckdb.Error as exc:
        store.close()
        raise store_open_error(store.path, exc) from exc
    except BaseException:
        store.close()
        raise


def user_entities(entities: list[dict[str, Any]]) -> pd.DataFrame:
    """Entity rows (origin ``user``) for a user CSV's new-entity records; a missing name is the ticker."""
    import pandas as pd

    ents = pd.DataFrame(entities).assign(big_four=False, notes=None, origin="user")
    if len(ents):
        ents["name"] = ents["name"].fillna(ents["ticker"])
        ents["cik"] = ents["cik"].astype("Int64")
    return ents


def write_user_figures(
    store: Store, rows: pd.DataFrame, entities: list[dict[str, Any]], *, origin: str
) -> dict[str, int]:
    """Load a user's validated figures (see :mod:`capexwatch.sources.usercsv`) in one transaction:
    tickers not yet in the store become entities (origin ``user``); existing ones are kept.

    Returns
    -------
    dict
        ``rows`` (the user's rows), ``panel_rows`` (written: one per view), ``new_entities``
    """
    panel = fill_panel_columns(rows, source="user")
    ents = user_entities(entities)
    with store.transaction():
        new = store.add_entities(ents, only_missing=True) if len(ents) else 0
        load_id = store.new_load("user-csv", origin, len(rows))
        n = store.upsert("panel", panel.assign(load_id=load_id))
    return {"rows": len(rows), "panel_rows": n, "new_entities": new}
