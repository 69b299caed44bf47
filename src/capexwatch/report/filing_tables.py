"""Terminal views of facts read from filing documents: ``capexwatch dimensions``.

Takes what the store returned (:meth:`capexwatch.store.db.Store.filing_facts`) and returns the Rich
renderables to print; the CLI prints them. Nothing here reads the store or computes a figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import RenderableType

__all__ = ["DIMENSION_COLUMNS", "dimension_rows", "dimensions_renderables", "source_comparison_renderables"]

#: what ``capexwatch dimensions`` lists, one row per (fact, axis/member pair)
DIMENSION_COLUMNS = [
    "concept", "axis", "member", "period_start", "period_end", "value", "unit", "text", "accn", "form", "filed",
]  # fmt: skip

_MAX_ROWS = 500


def dimension_rows(facts: pd.DataFrame) -> pd.DataFrame:
    """One row per fact and axis/member pair (a fact with two axes gives two rows), :data:`DIMENSION_COLUMNS`."""
    import pandas as pd

    recs: list[dict[str, Any]] = []
    for r in facts.to_dict(orient="records"):
        for part in str(r.get("dimensions") or "").split("|"):
            axis, _, member = part.partition("=")
            recs.append({**{c: r.get(c) for c in DIMENSION_COLUMNS}, "axis": axis, "member": member})
    out = pd.DataFrame(recs, columns=DIMENSION_COLUMNS)
    for c in ("period_start", "period_end", "filed"):
        out[c] = [None if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in out[c]]
    return out


def _value(r: dict[str, Any]) -> str:
    import math

    v = r.get("value")
    if v is None or (isinstance(v, float) and math.isnan(v)):
        text = str(r.get("text") or "")
        return text if len(text) <= 40 else text[:37] + "..."
    if r.get("unit") == "pure":
        return f"{float(v) * 100:,.2f} %"
    if r.get("unit") == "USD":
        return f"{float(v) / 1e6:,.0f} M USD"
    return f"{float(v):,.6g} {r.get('unit') or ''}".strip()


def dimensions_renderables(rows: pd.DataFrame, *, ticker: str) -> list[RenderableType]:
    """A table of :func:`dimension_rows` (first :data:`_MAX_ROWS`; ``--json`` lists all)."""
    from rich.table import Table

    if rows.empty:
        return [f"No dimensional facts stored for {ticker}. Load a filing with `capexwatch ingest FILE.htm` "
                "or `capexwatch update --filings`."]  # fmt: skip
    t = Table(title=f"{ticker}: dimensional facts from filings", title_justify="left", header_style="bold")
    for col in ("Concept", "Axis", "Member", "Period", "Value", "Accession"):
        t.add_column(col)
    for r in rows.head(_MAX_ROWS).to_dict(orient="records"):
        period = f"{r['period_start']}..{r['period_end']}" if r.get("period_start") else f"at {r['period_end']}"
        t.add_row(r["concept"], r["axis"], r["member"], period, _value(r), r.get("accn") or "(unknown)")
    out: list[RenderableType] = [t]
    if len(rows) > _MAX_ROWS:
        out.append(f"... and {len(rows) - _MAX_ROWS} more rows (--json lists all).")
    return out


def source_comparison_renderables(df: pd.DataFrame, *, ticker: str) -> list[RenderableType]:
    """Filing-derived quarters beside the secondary figures they replace (``Store.compare_sources``)."""
    from rich.table import Table

    if df.empty:
        return []
    t = Table(title=f"{ticker}: filing figures replacing secondary ones", title_justify="left", header_style="bold")
    for col in ("Metric", "Quarter", "Filing value", "Accession", "Secondary value", "Source", "Difference"):
        t.add_column(col)
    for r in df.to_dict(orient="records"):
        diff = "" if r["agree"] else f"[red]{r['difference'] / 1e6:+,.1f} M ({r['difference_pct']:+.2f} %)[/red]"
        t.add_row(r["metric"], r["fiscal_period"], f"{r['sec_value'] / 1e6:,.0f} M", r["accn"] or "",
                  f"{r['other_value'] / 1e6:,.0f} M", f"{r['other_source']} ({r['other_kind']})",
                  diff or "[green]agree[/green]")  # fmt: skip
    n_bad = int((~df["agree"].astype(bool)).sum())
    line = f"{len(df)} quarters from the filings replace secondary figures; {n_bad} disagree."
    return [t, line]
