"""Gather what the report shows: the views of :mod:`capexwatch.store.panel` and the ROI-gap
headline of :mod:`capexwatch.signals.roi_gap`, as plain data.

The terminal dashboard, the HTML report and ``report --json`` all render this one dict, so the
numbers in each face are the same numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from capexwatch.signals import Inputs
    from capexwatch.store.db import Store

__all__ = ["build_report_data"]


def _records(df: Any, index_name: str | None = None) -> list[dict[str, Any]]:
    if df is None or len(df) == 0:
        return []
    if index_name is not None:
        df = df.reset_index().rename(columns={"index": index_name})
    df = df.astype(object).where(df.notna(), None)
    return list(df.to_dict(orient="records"))


def build_report_data(store: Store, *, as_of: Any = None, inputs: Inputs | None = None) -> dict[str, Any]:
    """Everything the report renders, in base units, with sources.

    *inputs*: the signals' frames read from *store* at *as_of*, when the caller has them already.
    """
    from capexwatch.metrics import caveats_for
    from capexwatch.signals import Inputs, roi_gap
    from capexwatch.sources.snapshot import snapshot_version
    from capexwatch.store import panel as P
    from capexwatch.universe import BIG_FOUR

    capex = P.capex_by_quarter(store, as_of=as_of)
    spenders = [c for c in capex.columns if c.isupper()] if len(capex) else []
    cloud = P.capex_vs_cloud(store, as_of=as_of)
    intensity = P.capex_intensity(store, as_of=as_of)
    nv = P.nvidia_vs_capex(store, as_of=as_of)
    # the ROI-gap chain lives in the signal: the headline is the signal's current quarter
    roi = roi_gap.headline(inputs if inputs is not None else Inputs.from_store(store, as_of=as_of))
    roi = {**roi, **_nvda_filing_citation(store, roi, as_of)}
    latest_complete = (
        capex[capex["big_four_complete"]].iloc[-1] if len(capex) and capex["big_four_complete"].any() else None
    )
    headline: dict[str, Any] = {}
    if latest_complete is not None:
        headline = {
            "calendar_quarter": latest_complete.name,
            "big_four_capex_usd": float(latest_complete["big_four_usd"]),
            "big_four_capex_ttm_usd": _f(latest_complete["big_four_ttm_usd"]),
            "big_four_capex_yoy_pct": _f(latest_complete["big_four_yoy_pct"]),
            "big_four_capex_qoq_pct": _f(latest_complete["big_four_qoq_pct"]),
        }
    return {
        "title": "capexwatch: AI-infrastructure capex against the revenue it earns",
        "snapshot_version": snapshot_version(),
        "as_of": str(as_of) if as_of is not None else None,
        "store_path": str(store.path),
        "headline": headline,
        "capex_by_quarter": {
            "tickers": spenders,
            "big_four": list(BIG_FOUR),
            "rows": _records(capex, "calendar_quarter"),
            "sources": P.sources_of(store, "capex", spenders),
            "caveats": {t: caveats_for("capex", t) for t in spenders if caveats_for("capex", t)},
        },
        "capex_vs_cloud": {
            "rows": _records(cloud),
            "sources": P.sources_of(store, "cloud_revenue", ["MSFT", "GOOGL", "AMZN", "ORCL"]),
            "caveats": {t: caveats_for("cloud_revenue", t) for t in ("MSFT", "GOOGL", "AMZN", "ORCL")},
        },
        "capex_intensity": {
            "rows": _records(intensity),
            "sources": P.sources_of(
                store, "operating_cash_flow", sorted(set(intensity["ticker"])) if len(intensity) else []
            )
            + P.sources_of(store, "revenue", sorted(set(intensity["ticker"])) if len(intensity) else []),
        },
        "nvidia_vs_capex": {
            "rows": _records(nv, "calendar_quarter"),
            "sources": P.sources_of(store, "data_center_revenue", ["NVDA"]),
            "caveats": {"NVDA": caveats_for("data_center_revenue", "NVDA")},
        },
        "roi_gap": roi,
        # tables show the last eight calendar quarters; charts and the JSON keep everything
        "recent_from": capex.index[-8] if len(capex) >= 8 else "",
    }


def _nvda_filing_citation(store: Store, roi: dict[str, Any], as_of: Any) -> dict[str, Any]:
    """Which kind of source the headline's NVIDIA quarter is, and the latest quarter read from
    NVIDIA's own filing (iXBRL, with its accession), so the panel cites the filing where it can."""
    q = store.quarters("NVDA", "data_center_revenue", source="sec", as_of=as_of, ok_only=True)
    q = q[q["source_kind"] == "sec-ixbrl"]
    period = roi.get("nvda_fiscal_period")
    kinds = store.quarters("NVDA", "data_center_revenue", as_of=as_of, ok_only=True)
    kind = kinds.loc[kinds["fiscal_period"] == period, "source_kind"]
    out: dict[str, Any] = {
        "nvda_data_center_source_kind": str(kind.iloc[0]) if len(kind) else None,
        "nvda_filing": None,
    }
    if len(q):
        r = q.iloc[-1]
        out["nvda_filing"] = {
            "fiscal_period": r["fiscal_period"], "value_usd": float(r["value"]), "accn": r["accn"],
            "form": r["form"], "filed": str(r["filed"])[:10], "source_url": r["source_url"],
        }  # fmt: skip
    return out


def _f(x: Any) -> float | None:
    try:
        import math

        v = float(x)
        return None if math.isnan(v) else v
    except (TypeError, ValueError):
        return None
