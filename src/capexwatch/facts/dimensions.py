"""Dimensional facts from filings -> canonical metrics, with the same quarter rules as companyfacts.

The figures the analysis turns on (Google Cloud, AWS, NVIDIA Data Center revenue; customer
concentration; backlog; useful lives; leases signed but not commenced) are *dimensional*: a concept
plus axis -> member pairs. The SEC's companyfacts API leaves them out; the filings' own iXBRL/XBRL
documents (:mod:`capexwatch.sources.filings`) carry them. ``metrics.py`` says, per metric and
company, which concept and axis/member pairs carry each metric (:class:`~capexwatch.metrics.DimRule`).

Three steps, all pure:

1. :func:`filing_frame` — a parsed filing's facts as a table (:data:`DIM_COLUMNS`): one row per fact,
   dimensions written ``axis=member|axis=member`` (sorted; ``""`` for none), with the filing's
   accession, form and filed date. This is what a store would keep.
2. :func:`map_facts` — the facts that match a metric's rules, in the companyfacts facts-table shape
   (:data:`~capexwatch.facts.decode.FACT_COLUMNS`) plus ``metric``, ``series``, ``concept``,
   ``dimensions``. The ``tag`` of a mapped fact names concept *and* members
   (``Revenues[srt:ProductOrServiceAxis=nvda:DataCenterMember]``), so provenance carries both.
3. :func:`dimension_quarters` — USD metrics through :func:`capexwatch.facts.select.derive_quarters`
   (reported 3-month figure, year-to-date ladder, Q4 = FY - 9M, fail closed with a reason; instants
   at quarter ends), one metric series at a time; :func:`dimension_annual` the reported years; and
   :func:`dimension_observations` every mapped fact as reported, in the metric's unit (percent,
   years), with its fiscal label: shares and lives are not additive, so no quarter is derived.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from capexwatch.errors import DataError
from capexwatch.facts.periods import build_calendar
from capexwatch.facts.select import PANEL_COLUMNS, derive_annual, derive_quarters, filing_url
from capexwatch.metrics import ANY, DimRule, dimension_rules, get_metric, metric_names

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.sources.filings import Filing

__all__ = [
    "DIM_COLUMNS",
    "MAPPED_COLUMNS",
    "OBSERVATION_COLUMNS",
    "dimension_annual",
    "dimension_metrics",
    "dimension_observations",
    "dimension_quarters",
    "filing_frame",
    "format_dimensions",
    "map_facts",
    "parse_dimensions",
]

#: columns of :func:`filing_frame` (the dimensional facts table)
DIM_COLUMNS: Final = [
    "cik", "entity_name", "accn", "form", "filed", "concept", "unit", "period_start", "period_end",
    "value", "text", "decimals", "dimensions", "fact_id", "source",
]  # fmt: skip

#: columns of :func:`map_facts`: the companyfacts table's, then the mapping's
MAPPED_COLUMNS: Final = [
    "cik", "entity_name", "taxonomy", "tag", "unit", "period_start", "period_end", "value", "accn", "fy",
    "fp", "form", "filed", "frame", "metric", "series", "concept", "dimensions", "text",
]  # fmt: skip

#: columns of :func:`dimension_observations`
OBSERVATION_COLUMNS: Final = [
    "ticker", "metric", "series", "fiscal_year", "fiscal_period", "duration_class", "period_start",
    "period_end", "value", "unit", "concept", "dimensions", "accn", "form", "filed", "source_url", "source_kind",
]  # fmt: skip

SOURCE_KIND: Final = "sec-ixbrl"

_HINT: Final = (
    "Pass the filing's accession and filing date (the SEC submissions API lists both), e.g. "
    "read_filing(path, accession='0001018724-23-000004', filed=date(2023, 2, 3))."
)


def format_dimensions(dims: Iterable[tuple[str, str]]) -> str:
    """``(('a', 'x'), ('b', 'y'))`` -> ``'a=x|b=y'`` (sorted by axis; ``''`` for none)."""
    return "|".join(f"{a}={m}" for a, m in sorted(dims))


def parse_dimensions(text: str | None) -> tuple[tuple[str, str], ...]:
    """Inverse of :func:`format_dimensions`."""
    if not text:
        return ()
    out = []
    for part in text.split("|"):
        axis, _, member = part.partition("=")
        out.append((axis, member))
    return tuple(sorted(out))


def filing_frame(filings: Filing | Iterable[Filing], *, dimensional_only: bool = False) -> pd.DataFrame:
    """The facts of one or more parsed filings as one table, columns :data:`DIM_COLUMNS`.

    Parameters
    ----------
    filings : :class:`~capexwatch.sources.filings.Filing` objects (``read_filing`` / ``parse_filing``)
    dimensional_only : keep only facts with at least one dimension (what companyfacts lacks)

    Returns
    -------
    pandas.DataFrame
        ``value`` float64 in base units (NaN for text facts, whose value is in ``text``);
        ``period_start`` NaT for instants; dates ``datetime64[s]``; ``accn``/``filed`` as the
        filing says (None when unknown)
    """
    import pandas as pd

    from capexwatch.sources.filings import Filing

    items = [filings] if isinstance(filings, Filing) else list(filings)
    rows: dict[str, list[Any]] = {c: [] for c in DIM_COLUMNS}
    for fl in items:
        for f in fl.facts:
            if dimensional_only and not f.dimensions:
                continue
            rows["cik"].append(fl.cik)
            rows["entity_name"].append(fl.entity_name)
            rows["accn"].append(fl.accession)
            rows["form"].append(fl.form)
            rows["filed"].append(fl.filed)
            rows["concept"].append(f.concept)
            rows["unit"].append(f.unit)
            rows["period_start"].append(f.period_start)
            rows["period_end"].append(f.period_end)
            rows["value"].append(f.value)
            rows["text"].append(f.text)
            rows["decimals"].append(f.decimals)
            rows["dimensions"].append(format_dimensions(f.dimensions))
            rows["fact_id"].append(f.fact_id)
            rows["source"].append(fl.source)
    df = pd.DataFrame(rows, columns=DIM_COLUMNS)
    for c in ("period_start", "period_end", "filed"):
        df[c] = _date_col(rows[c])
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    df["decimals"] = pd.array(rows["decimals"], dtype="Int64")
    return df


def _date_col(values: Sequence[dt.date | None]) -> Any:
    import numpy as np

    return np.array([v if v is not None else "NaT" for v in values], dtype="datetime64[D]").astype("datetime64[s]")


# -- matching ----------------------------------------------------------------------------------------


def _match(rule: DimRule, dims: tuple[tuple[str, str], ...]) -> list[str] | None:
    """The members that :data:`ANY` matched (the series), or None when *dims* do not fit *rule*."""
    have = dict(dims)
    found: list[str] = []
    for axis, member in rule.members:
        got = have.pop(axis, None)
        if got is None or (member != ANY and got != member):
            return None
        if member == ANY:
            found.append(got)
    for axis, member in rule.optional:
        got = have.pop(axis, None)
        if got is not None and member != ANY and got != member:
            return None
    return None if have else found


def _series(rule: DimRule, found: list[str]) -> str:
    return "|".join(p for p in (rule.series, *found) if p)


def _synthetic_tag(concept: str, dims: str) -> tuple[str, str]:
    tax, _, local = concept.partition(":")
    return tax, f"{local}[{dims}]" if dims else local


def dimension_metrics() -> list[str]:
    """The canonical metrics that have axis/member rules in ``metrics.py``."""
    return [m for m in metric_names() if get_metric(m).dimensions]


def map_facts(frame: pd.DataFrame, *, ticker: str, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """The facts of *frame* that carry a metric under *ticker*'s axis/member rules.

    Parameters
    ----------
    frame : columns :data:`DIM_COLUMNS` (:func:`filing_frame`, or the store's table of them)
    ticker : selects the company's rules (``metrics.py`` ``dimensions``), then those for all
    metrics : canonical metric names (default: every metric with rules)

    Returns
    -------
    pandas.DataFrame
        columns :data:`MAPPED_COLUMNS`: the companyfacts facts-table columns (``tag`` naming concept
        and members; ``value`` in the fact's unit, or for duration text facts such as ``P6Y`` in
        years) plus ``metric``, ``series``, ``concept``, ``dimensions``. A fact matched by two rules
        of one metric is kept once, under the first.

    Raises
    ------
    DataError
        when a fact that matched has no filing date or form (quarters cannot be placed without them)
    """
    import pandas as pd

    from capexwatch.sources.filings import duration_years

    names = list(metrics) if metrics is not None else dimension_metrics()
    recs: list[dict[str, Any]] = []
    concepts = set(frame["concept"])
    for name in names:
        m = get_metric(name)
        rules = [r for r in dimension_rules(name, ticker) if concepts.intersection(r.concepts)]
        if not rules:
            continue
        seen: set[tuple[Any, ...]] = set()
        sub = frame[frame["concept"].isin({c for r in rules for c in r.concepts})]
        for row in sub.itertuples(index=False):
            dims = parse_dimensions(row.dimensions)
            for rule in rules:
                if row.concept not in rule.concepts:
                    continue
                found = _match(rule, dims)
                if found is None:
                    continue
                key = (row.concept, row.dimensions, row.period_start, row.period_end, row.accn, row.unit)
                if key in seen:
                    break
                seen.add(key)
                value, unit = _metric_value(m.unit, row, duration_years)
                if value is None:
                    break
                if pd.isna(row.filed) or not row.form:
                    raise DataError(
                        f"{row.source}: the filing date or form of {row.concept} is unknown, so its "
                        "quarter cannot be placed.",
                        hint=_HINT,
                    )
                tax, tag = _synthetic_tag(row.concept, row.dimensions)
                recs.append({
                    "cik": int(row.cik) if row.cik is not None and not pd.isna(row.cik) else 0,
                    "entity_name": row.entity_name, "taxonomy": tax, "tag": tag, "unit": unit,
                    "period_start": row.period_start, "period_end": row.period_end, "value": value,
                    "accn": row.accn or "", "fy": None, "fp": None, "form": row.form, "filed": row.filed,
                    "frame": None, "metric": name, "series": _series(rule, found), "concept": row.concept,
                    "dimensions": row.dimensions, "text": row.text,
                })  # fmt: skip
                break
    if not recs:
        return _empty_mapped()
    df = pd.DataFrame(recs, columns=MAPPED_COLUMNS)
    df["value"] = df["value"].astype("float64")
    df["fy"] = pd.array([None] * len(df), dtype="Int64")
    return df


def _metric_value(metric_unit: str, row: Any, duration_years: Any) -> tuple[float | None, str | None]:
    """A fact's value in the metric's unit: USD as is, shares as percent, lives in years."""
    import math

    if metric_unit == "years":
        if not row.text:
            return None, None
        try:
            return float(duration_years(row.text)), "years"
        except ValueError:
            return None, None  # a life written as free text cannot be read as a number
    value = row.value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, None
    if metric_unit == "percent":
        return float(value) * 100.0 if row.unit == "pure" else None, "percent"
    return float(value), row.unit


def _empty_mapped() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=object) for c in MAPPED_COLUMNS})


# -- quarters, years, observations -------------------------------------------------------------------


def _by_series(mapped: pd.DataFrame, metrics: Sequence[str] | None) -> Iterable[tuple[str, str, pd.DataFrame]]:
    names = list(metrics) if metrics is not None else dimension_metrics()
    for name in names:
        m = get_metric(name)
        if m.unit != "USD":
            continue  # shares of revenue and lives are not summed into quarters
        sub = mapped[mapped["metric"] == name]
        for series, group in sub.groupby("series", sort=True):
            yield name, str(series), group


def _chain(group: pd.DataFrame, rules: Sequence[DimRule]) -> list[str]:
    """The group's synthetic tags ordered by the rule and concept that produced them."""
    rank: dict[str, int] = {}
    order = [c for r in rules for c in r.concepts]
    for tax, tag, concept in zip(group["taxonomy"], group["tag"], group["concept"], strict=True):
        full = f"{tax}:{tag}"
        rank.setdefault(full, order.index(concept) if concept in order else len(order))
    return sorted(rank, key=lambda t: (rank[t], t))


def dimension_quarters(
    mapped: pd.DataFrame, *, ticker: str, fye_month: int | None, metrics: Sequence[str] | None = None
) -> pd.DataFrame:
    """Fiscal quarters of the USD metrics read from dimensional facts, in the panel format.

    The rules are companyfacts' (:func:`capexwatch.facts.select.derive_quarters`): a reported
    3-month figure; else year-to-date differences with the same start; Q4 = FY - 9M; instants at
    quarter ends; fail closed (``status='not-derivable'`` with a reason) when an operand is
    missing. Only the metric's main series (``series == ''``) becomes panel rows: a per-segment
    or per-category series is a breakdown, not the metric.

    Parameters
    ----------
    mapped : :func:`map_facts` output (facts from one or more filings of one company)
    ticker : the company's ticker; fye_month : fiscal-year-end month (None: inferred)
    metrics : restrict to these metrics

    Returns
    -------
    pandas.DataFrame
        columns :data:`~capexwatch.facts.select.PANEL_COLUMNS`; ``source_kind='sec-ixbrl'``;
        ``tag`` = ``concept[axis=member|...]``; ``source_url`` the filing index (None when the
        accession is unknown)
    """
    import pandas as pd

    parts = []
    for name, series, group in _by_series(mapped, metrics):
        if series:
            continue
        chain = _chain(group, dimension_rules(name, ticker))
        q = derive_quarters(group, ticker=ticker, fye_month=fye_month, metrics=[name], chains={name: chain})
        parts.append(q)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PANEL_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    return _ixbrl_provenance(out)


def _ixbrl_provenance(df: pd.DataFrame) -> pd.DataFrame:
    df["source_kind"] = SOURCE_KIND
    unknown = df["accn"].isna() | (df["accn"] == "")
    df.loc[unknown, "source_url"] = None
    df.loc[unknown, "accn"] = None
    return df


def dimension_annual(
    mapped: pd.DataFrame, *, ticker: str, fye_month: int | None, metrics: Sequence[str] | None = None
) -> pd.DataFrame:
    """Reported fiscal years of the USD duration metrics (main series), as ``derive_annual``."""
    import pandas as pd

    parts = []
    for name, series, group in _by_series(mapped, metrics):
        if series or get_metric(name).kind != "duration":
            continue
        chain = _chain(group, dimension_rules(name, ticker))
        parts.append(derive_annual(group, ticker=ticker, fye_month=fye_month, metrics=[name], chains={name: chain}))
    if not parts:
        from capexwatch.facts.select import ANNUAL_COLUMNS

        return pd.DataFrame({c: pd.Series(dtype=object) for c in ANNUAL_COLUMNS})
    return _ixbrl_provenance(pd.concat(parts, ignore_index=True))


def dimension_observations(mapped: pd.DataFrame, *, ticker: str, fye_month: int | None) -> pd.DataFrame:
    """Every mapped fact as reported, every series, in the metric's unit, with its fiscal label.

    Parameters
    ----------
    mapped : :func:`map_facts` output; ticker : written in ``ticker``
    fye_month : fiscal-year-end month (1-12), used to label periods; None infers it

    Returns
    -------
    pandas.DataFrame
        columns :data:`OBSERVATION_COLUMNS`; ``duration_class`` is ``quarter``, ``ytd-6m``,
        ``ytd-9m``, ``annual``, ``instant`` or ``other`` (periods.py); ``fiscal_period``
        ``FY2026Q2`` where the period ends at a quarter end, else None
    """
    import pandas as pd

    if mapped.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in OBSERVATION_COLUMNS})
    starts = [None if pd.isna(s) else pd.Timestamp(s).date() for s in mapped["period_start"]]
    ends = [pd.Timestamp(e).date() for e in mapped["period_end"]]
    periods = sorted({(s, e) for s, e in zip(starts, ends, strict=True) if s is not None}, key=lambda p: (p[1], p[0]))
    calendar = build_calendar(periods, fye_month)
    recs = []
    for i, row in enumerate(mapped.itertuples(index=False)):
        label = calendar.label(starts[i], ends[i])
        accn = row.accn or None
        recs.append({
            "ticker": ticker.upper(), "metric": row.metric, "series": row.series,
            "fiscal_year": label.fiscal_year, "fiscal_period": label.fiscal_period,
            "duration_class": label.duration_class, "period_start": starts[i], "period_end": ends[i],
            "value": row.value, "unit": row.unit, "concept": row.concept, "dimensions": row.dimensions,
            "accn": accn, "form": row.form, "filed": pd.Timestamp(row.filed).date(),
            "source_url": filing_url(int(row.cik), accn) if accn else None, "source_kind": SOURCE_KIND,
        })  # fmt: skip
    df = pd.DataFrame(recs, columns=OBSERVATION_COLUMNS)
    return df.sort_values(["metric", "series", "period_end", "period_start"], ignore_index=True, na_position="first")
