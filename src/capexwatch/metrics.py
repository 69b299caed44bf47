"""Canonical metrics: names, definitions, units, XBRL tag chains, caveats.

A metric's *tag chain* is the ordered list of XBRL concepts that may carry it; companies switch
tags over time, so the facts layer considers the whole chain and the most recently filed fact for a
period wins (DESIGN.md, "Latest and first-filed views"). Per-company overrides put a company's own
tags first. *Caveats* are what a user must know before comparing the metric across companies or
across time (a definitional break, a gross-vs-net choice); they travel with every value shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from capexwatch.errors import UnknownMetricError

__all__ = ["METRICS", "Metric", "caveats_for", "get_metric", "metric_names", "tag_chain"]


@dataclass(frozen=True)
class Metric:
    """One canonical metric.

    Attributes
    ----------
    name : store and CLI name
    label : short human label
    definition : what the number is, in words
    unit : ``USD`` (base units, never millions) or ``percent``
    kind : ``duration`` (flows over a period) or ``instant`` (balance-sheet, by period end)
    tags : default XBRL tag chain, most preferred first (``taxonomy:Tag``)
    overrides : ticker -> tag chain used instead of the default
    caveats : ticker -> what a user must know (``*`` applies to every company)
    breaks : ticker -> ISO dates at which the series' definition changes; growth across one is
        not computed
    """

    name: str
    label: str
    definition: str
    unit: str = "USD"
    kind: str = "duration"
    tags: tuple[str, ...] = ()
    overrides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    caveats: dict[str, str] = field(default_factory=dict)
    breaks: dict[str, tuple[str, ...]] = field(default_factory=dict)


_M = Metric

METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        _M(
            "revenue",
            "Revenue",
            "Total revenue (net sales) for the fiscal quarter.",
            tags=(
                "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax",
                "us-gaap:Revenues",
                "us-gaap:SalesRevenueNet",
                "us-gaap:RevenueFromContractWithCustomerIncludingAssessedTax",
                "ifrs-full:Revenue",
            ),
        ),
        _M(
            "capex",
            "Capex (cash)",
            "Cash purchases of property and equipment from the cash-flow statement, gross of proceeds "
            "from sales and incentives.",
            tags=(
                "us-gaap:PaymentsToAcquirePropertyPlantAndEquipment",
                "us-gaap:PaymentsToAcquireProductiveAssets",
                "us-gaap:PaymentsForCapitalImprovements",
                "ifrs-full:PurchaseOfPropertyPlantAndEquipmentClassifiedAsInvestingActivities",
            ),
            caveats={
                "AMZN": "Gross 'Purchases of property and equipment' (PaymentsToAcquireProductiveAssets), "
                "NOT net of proceeds and incentives; Amazon's free-cash-flow capex is net (capex_net).",
                "MSFT": "Cash 'Additions to property and equipment' exclude finance leases; Microsoft's "
                "management capex including finance leases is capex_incl_finance_leases.",
                "META": "Meta's own capex definition adds finance-lease principal payments "
                "(capex_incl_finance_leases).",
                "NVDA": "Purchases related to property and equipment and intangible assets.",
                "CRWV": "Cash purchases from the cash-flow statement; CoreWeave's press-release capex differs.",
            },
        ),
        _M(
            "capex_incl_finance_leases",
            "Capex incl. finance leases",
            "Capital expenditures including assets acquired under finance leases (Microsoft) or "
            "including principal payments on finance leases (Meta), as the company defines it.",
            caveats={
                "MSFT": "Microsoft's 'capital expenditures including finance leases'. FY24Q3 and FY24Q4 "
                "values are rounded to $1B.",
                "META": "Meta-defined capex: purchases of property and equipment plus principal payments "
                "on finance leases.",
            },
        ),
        _M(
            "capex_net",
            "Capex net of proceeds",
            "Capex net of proceeds from property sales and incentives, where the company reports it.",
            caveats={"AMZN": "Amazon's free-cash-flow capex: purchases net of proceeds and incentives."},
        ),
        _M(
            "operating_cash_flow",
            "Operating cash flow",
            "Net cash provided by (used in) operating activities.",
            tags=(
                "us-gaap:NetCashProvidedByUsedInOperatingActivities",
                "us-gaap:NetCashProvidedByUsedInOperatingActivitiesContinuingOperations",
                "ifrs-full:CashFlowsFromUsedInOperatingActivities",
            ),
        ),
        _M(
            "depreciation_amortization",
            "Depreciation & amortization",
            "Depreciation, depletion and amortization expense from the cash-flow statement.",
            tags=(
                "us-gaap:DepreciationDepletionAndAmortization",
                "us-gaap:DepreciationAndAmortization",
                "us-gaap:DepreciationAmortizationAndAccretionNet",
                "us-gaap:Depreciation",
            ),
        ),
        _M(
            "depreciation",
            "Depreciation",
            "Depreciation of property and equipment only (no amortization), where that is what is tagged.",
            tags=("us-gaap:Depreciation",),
            caveats={"GOOGL": "XBRL Depreciation (property and equipment); 2022 quarters are not tagged."},
        ),
        _M(
            "cloud_revenue",
            "Cloud revenue",
            "Cloud segment revenue: AWS net sales, Google Cloud, Microsoft Intelligent Cloud, Oracle "
            "cloud (IaaS + SaaS).",
            caveats={
                "MSFT": "Intelligent Cloud segment. Definitional break: quarters to 2024-06-30 are on the "
                "old segment basis, from 2024-09-30 on the FY2025 re-segmented basis; no y/y growth "
                "across the break.",
                "ORCL": "Oracle 'cloud revenue (IaaS + SaaS)'. Oracle has two other cloud measures: "
                "oracle_cloud_services_license_support_revenue and oracle_oci_revenue.",
                "AMZN": "AWS segment net sales.",
                "GOOGL": "Google Cloud segment revenue.",
            },
            breaks={"MSFT": ("2024-09-30",)},
        ),
        _M(
            "azure_growth_yoy_pct",
            "Azure growth y/y",
            "Microsoft 'Azure and other cloud services' revenue growth, percent year on year, as "
            "reported (reported currency).",
            unit="percent",
        ),
        _M(
            "oracle_cloud_services_license_support_revenue",
            "Oracle cloud services & license support",
            "Oracle's 'cloud services and license support' revenue line.",
        ),
        _M(
            "oracle_oci_revenue",
            "Oracle OCI (IaaS) revenue",
            "Oracle Cloud Infrastructure (IaaS) revenue.",
        ),
        _M(
            "data_center_revenue",
            "Data-centre revenue",
            "Chip vendors' data-centre revenue: NVIDIA Data Center market platform, AMD Data Center segment.",
            caveats={
                "NVDA": "Data Center market-platform revenue; from FY2027 NVIDIA also splits it into "
                "Hyperscale and ACIE (not included).",
            },
        ),
        _M(
            "ai_semiconductor_revenue",
            "AI semiconductor revenue",
            "Broadcom's AI semiconductor revenue (custom accelerators and AI networking).",
        ),
        _M(
            "ai_revenue_run_rate",
            "AI revenue run-rate",
            "Disclosed annualised AI revenue (a month x 12 or a quarter x 4), as the company states it.",
        ),
        _M(
            "inventory",
            "Inventory",
            "Inventory, net, at period end.",
            kind="instant",
            tags=("us-gaap:InventoryNet", "us-gaap:InventoryGross", "ifrs-full:Inventories"),
        ),
        _M(
            "purchase_obligations",
            "Purchase obligations",
            "Unrecorded unconditional purchase obligations at period end.",
            kind="instant",
            tags=(
                "us-gaap:UnrecordedUnconditionalPurchaseObligationBalanceSheetAmount",
                "us-gaap:PurchaseObligation",
            ),
        ),
        _M(
            "long_term_debt",
            "Long-term debt",
            "Long-term debt at period end (carrying amount).",
            kind="instant",
            tags=(
                "us-gaap:LongTermDebt",
                "us-gaap:LongTermDebtNoncurrent",
                "us-gaap:LongTermDebtAndCapitalLeaseObligations",
            ),
        ),
        _M(
            "net_income",
            "Net income",
            "Net income (loss) attributable to the parent.",
            tags=("us-gaap:NetIncomeLoss", "us-gaap:ProfitLoss", "ifrs-full:ProfitLoss"),
        ),
        _M(
            "operating_income",
            "Operating income",
            "Operating income (loss).",
            tags=("us-gaap:OperatingIncomeLoss", "ifrs-full:ProfitLossFromOperatingActivities"),
        ),
    ]
}


def metric_names() -> list[str]:
    """All canonical metric names, in definition order."""
    return list(METRICS)


def get_metric(name: str) -> Metric:
    """The :class:`Metric` called *name*; raises :class:`UnknownMetricError` listing the known ones."""
    try:
        return METRICS[name]
    except KeyError:
        raise UnknownMetricError(name, metric_names()) from None


def tag_chain(metric: str, ticker: str | None = None) -> tuple[str, ...]:
    """The ordered tag chain for *metric*, with *ticker*'s override first where one exists."""
    m = get_metric(metric)
    if ticker and ticker.upper() in m.overrides:
        own = m.overrides[ticker.upper()]
        return own + tuple(t for t in m.tags if t not in own)
    return m.tags


def caveats_for(metric: str, ticker: str | None = None) -> str:
    """What a user must know about *metric* for *ticker* (empty string when nothing)."""
    m = get_metric(metric)
    parts = [m.caveats.get("*", "")]
    if ticker:
        parts.append(m.caveats.get(ticker.upper(), ""))
    return " ".join(p for p in parts if p)
