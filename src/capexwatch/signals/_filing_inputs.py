"""Figures read from filings (``filing_observations``) as the inputs signals already read.

Customer concentration comes through ``Inputs.filings`` as the filings report it (one observation
per named customer, with its accession, filing date, concept and member);
:func:`concentration_disclosures` groups them into one disclosure per company and period
(:func:`capexwatch.facts.concentration.disclosures`), once per inputs. ``hardware_saturation``
shows NVIDIA's as evidence.

``depreciation_gap`` reads a company's reported server life from ``useful_life_change`` events; the
filings' own ``us-gaap:PropertyPlantAndEquipmentUsefulLife`` facts for the server asset class say
the same thing, with an accession. :func:`filing_life_events` turns those observations into such
events, so the signal reads lives from filings where present and from curated events elsewhere
(the later-dated of the two wins, as between curated events).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from capexwatch.signals._panel import memo

if TYPE_CHECKING:
    import pandas as pd

    from capexwatch.signals._inputs import Inputs

__all__ = ["SERVER_LIFE_SERIES", "concentration_disclosures", "filing_life_events"]

#: the ``useful_life_years`` series (asset-class members) that are servers and network equipment,
#: per filer, as the documents in tests/data/ixbrl tag them: Alphabet's "servers and network
#: equipment" (10-K filed 2025-02-05), Amazon's "servers" (technology equipment; 10-K filed
#: 2025-02-07: "increased the useful life of our servers from five years to six years")
SERVER_LIFE_SERIES: Final = frozenset({
    "goog:ServersAndNetworkEquipmentMember",
    "us-gaap:TechnologyEquipmentMember",
    "estimate change|us-gaap:TechnologyEquipmentMember",
})  # fmt: skip


def filing_life_events(obs: pd.DataFrame) -> pd.DataFrame:
    """``useful_life_change`` events (``new_value`` in years) from server-life observations.

    The event is dated where the life applies from: a duration fact's start (the life used through
    that period), else the instant (a balance-sheet date, or an estimate change's effective date).
    ``old_value`` is left empty: one observation does not say what the life was before.
    """
    import pandas as pd

    from capexwatch.sources.snapshot import EVENT_COLUMNS

    if obs is None or obs.empty:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    o = obs[(obs["metric"] == "useful_life_years") & obs["series"].isin(SERVER_LIFE_SERIES) & obs["value"].notna()]
    if o.empty:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    start = pd.to_datetime(o["period_start"])
    date = start.where(start.notna(), pd.to_datetime(o["period_end"]))
    return pd.DataFrame({
        "event_id": [f"filing:{t}:{a}:{s}:{d.date()}" for t, a, s, d in zip(o["ticker"], o["accn"], o["series"], date,
                                                                          strict=True)],
        "date": date.to_numpy(), "entity": o["ticker"].to_numpy(), "counterparty": None,
        "kind": "useful_life_change", "metric": "useful_life_years", "amount": None, "amount_high": None,
        "unit": "years", "old_value": None, "new_value": o["value"].astype("float64").to_numpy(),
        "jurisdiction": None, "scope": o["series"].to_numpy(),
        "description": [f"{t} {s}: useful life {v:g} years ({f} {a or 'accession unknown'})" for t, s, v, f, a
                        in zip(o["ticker"], o["series"], o["value"], o["form"], o["accn"], strict=True)],
        "source_url": o["source_url"].to_numpy(), "source_kind": "sec-ixbrl", "confidence": "high",
    }).reindex(columns=EVENT_COLUMNS)  # fmt: skip


#: the receivables shares are balances at a period's end: every period kind a filer tags them on
_RECEIVABLE_PERIODS: Final = ("quarter", "ytd-6m", "ytd-9m", "annual", "instant")


def concentration_disclosures(inputs: Inputs, benchmark: str = "revenue") -> pd.DataFrame:
    """Customer-concentration disclosures in ``inputs.filings`` (one row per company and period; see
    :func:`capexwatch.facts.concentration.disclosures`): shares of revenue for discrete quarters and
    fiscal years, shares of receivables at any period end. Memoised per inputs; do not modify."""
    from capexwatch.facts.concentration import disclosures

    periods = _RECEIVABLE_PERIODS if benchmark == "receivables" else ("quarter", "annual")
    return memo(
        inputs,
        ("filing_inputs.concentration", benchmark),
        lambda: disclosures(inputs.filings, benchmark=benchmark, duration_classes=periods),
    )
