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

__all__ = ["METRICS", "DimRule", "Metric", "caveats_for", "dimension_rules", "get_metric", "metric_names", "tag_chain"]

#: the "member" that matches any member of an axis; the member found names the series
ANY = "*"

_SEGMENTS = "us-gaap:StatementBusinessSegmentsAxis"
_PRODUCTS = "srt:ProductOrServiceAxis"
#: segment facts in the segment note repeat the figure with ConsolidationItemsAxis=OperatingSegments
_OPERATING_SEGMENTS = (("srt:ConsolidationItemsAxis", "us-gaap:OperatingSegmentsMember"),)
_REVENUE = ("us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax", "us-gaap:Revenues")
_PPE_TYPE = "us-gaap:PropertyPlantAndEquipmentByTypeAxis"
_RPO_TIMING = "us-gaap:RevenueRemainingPerformanceObligationExpectedTimingOfSatisfactionStartDateAxis"
_PO_CATEGORY = "us-gaap:UnrecordedUnconditionalPurchaseObligationByCategoryOfItemPurchasedAxis"
_BENCHMARK = "us-gaap:ConcentrationRiskByBenchmarkAxis"
_CONCENTRATION = (
    ("us-gaap:ConcentrationRiskByTypeAxis", "us-gaap:CustomerConcentrationRiskMember"),
    ("srt:MajorCustomersAxis", ANY),
)


@dataclass(frozen=True)
class DimRule:
    """Which dimensional facts of a filing carry a metric (an iXBRL axis/member rule).

    A fact matches when its concept is in ``concepts`` and its dimensions are exactly ``members``
    (axis -> member; :data:`ANY` matches any member), plus any of ``optional`` (axis -> member
    pairs that may be present or not without changing the figure). No other axis may be present:
    a fact with an extra axis is a different (narrower) figure.

    Attributes
    ----------
    concepts : concept chain, most preferred first (``prefix:Name``)
    members : required ``(axis, member)`` pairs; ``()`` = the fact must have no dimensions
    optional : ``(axis, member)`` pairs that may also be present (member :data:`ANY` = any member)
    series : a label for what this rule measures within the metric (``revenue``, ``receivables``);
        the members matched by :data:`ANY` on a required axis are appended, so one rule can give
        one series per customer or asset class
    checked : the filing document this rule was checked against (``""`` if not yet checked)
    """

    concepts: tuple[str, ...]
    members: tuple[tuple[str, str], ...] = ()
    optional: tuple[tuple[str, str], ...] = ()
    series: str = ""
    checked: str = ""


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
    dimensions : ticker -> :class:`DimRule` s that read the metric from a filing's dimensional
        facts (``*`` applies to every company, after the company's own)
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
    dimensions: dict[str, tuple[DimRule, ...]] = field(default_factory=dict)


_M = Metric
_R = DimRule
_NVDA_Q = "NVIDIA 10-Q filed 2025-08-27 (tests/data/ixbrl/nvda-10-q-2025-08-27.htm)"
_GOOGL_K = "Alphabet 10-K filed 2025-02-05 (tests/data/ixbrl/googl-10-k-2025-02-05.htm)"
_AMZN_K = "Amazon 10-K filed 2025-02-07 (tests/data/ixbrl/amzn-10-k-2025-02-07.htm)"
_AMZN_K22 = "Amazon 10-K filed 2023-02-03, 0001018724-23-000004 (tests/data/ixbrl/amzn-20221231_htm.xml)"

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
            dimensions={
                "GOOGL": (
                    _R(_REVENUE, ((_SEGMENTS, "goog:GoogleCloudMember"),), _OPERATING_SEGMENTS, checked=_GOOGL_K),
                ),
                "AMZN": (
                    _R(
                        _REVENUE,
                        ((_SEGMENTS, "amzn:AmazonWebServicesSegmentMember"),),
                        _OPERATING_SEGMENTS,
                        checked=f"{_AMZN_K}; {_AMZN_K22}",
                    ),
                ),
                # member as in Microsoft's instance documents (us-gaap:StatementBusinessSegmentsAxis);
                # not yet checked against a document in tests/data
                "MSFT": (_R(_REVENUE, ((_SEGMENTS, "msft:IntelligentCloudMember"),), _OPERATING_SEGMENTS),),
                # Oracle tags cloud revenue on the product axis; not yet checked against a document
                "ORCL": (_R(_REVENUE, ((_PRODUCTS, "orcl:CloudMember"),)),),
            },
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
            dimensions={
                "NVDA": (
                    _R(("us-gaap:Revenues", *_REVENUE[:1]), ((_PRODUCTS, "nvda:DataCenterMember"),), checked=_NVDA_Q),
                ),
                # AMD has spelled the member both ways; not yet checked against a document in tests/data
                "AMD": (
                    _R(_REVENUE, ((_SEGMENTS, "amd:DataCenterMember"),), _OPERATING_SEGMENTS),
                    _R(_REVENUE, ((_SEGMENTS, "amd:DatacenterMember"),), _OPERATING_SEGMENTS),
                ),
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
            dimensions={
                "*": (
                    _R(
                        (
                            "us-gaap:PurchaseObligation",
                            "us-gaap:UnrecordedUnconditionalPurchaseObligationBalanceSheetAmount",
                        ),
                        checked=f"{_NVDA_Q}; {_GOOGL_K}; {_AMZN_K22}",
                    ),
                ),
                # Amazon splits its commitments; leases not yet commenced are the other category
                "AMZN": (
                    _R(
                        ("us-gaap:UnrecordedUnconditionalPurchaseObligationBalanceSheetAmount",),
                        (
                            (
                                _PO_CATEGORY,
                                "amzn:LongTermAgreementsToAcquireAndLicenseDigitalMediaContentProcureEnergyAndLicenseSoftwareMember",
                            ),
                        ),
                        series="long-term agreements",
                        checked=_AMZN_K,
                    ),
                ),
            },
        ),
        _M(
            "remaining_performance_obligations",
            "Remaining performance obligations",
            "Contracted revenue not yet recognised (backlog) at period end, total and per segment where tagged.",
            kind="instant",
            dimensions={
                "*": (
                    _R(
                        ("us-gaap:RevenueRemainingPerformanceObligation",),
                        optional=((_RPO_TIMING, ANY),),
                        checked=f"{_NVDA_Q}; {_GOOGL_K}; {_AMZN_K}",
                    ),
                    _R(
                        ("us-gaap:RevenueRemainingPerformanceObligation",),
                        ((_SEGMENTS, ANY),),
                        ((_RPO_TIMING, ANY), *_OPERATING_SEGMENTS),
                        series="segment",
                    ),
                ),
            },
        ),
        _M(
            "leases_not_yet_commenced",
            "Leases signed, not yet commenced",
            "Future lease payments under leases signed but not yet commenced (data centres and other "
            "facilities), at period end.",
            kind="instant",
            dimensions={
                "*": (
                    _R(
                        ("us-gaap:UnrecordedUnconditionalPurchaseObligationBalanceSheetAmount",),
                        ((_PO_CATEGORY, "us-gaap:OperatingLeaseLeaseNotYetCommencedMember"),),
                        checked=_NVDA_Q,
                    ),
                    _R(("us-gaap:LesseeLeaseNotYetCommencedFutureMinimumPaymentsDue",), checked=_AMZN_K22),
                ),
                "AMZN": (
                    _R(
                        ("us-gaap:UnrecordedUnconditionalPurchaseObligationBalanceSheetAmount",),
                        ((_PO_CATEGORY, "amzn:OperatingAndFinanceLeasesLeaseNotYetCommencedMember"),),
                        checked=_AMZN_K,
                    ),
                ),
            },
            caveats={"NVDA": "Operating leases only.", "AMZN": "Operating and finance leases."},
        ),
        _M(
            "customer_concentration_pct",
            "Customer concentration",
            "A named customer's share of revenue (series 'revenue|customer') or of accounts receivable "
            "(series 'receivables|customer'), percent, as the filing reports it for the period.",
            unit="percent",
            dimensions={
                "*": (
                    _R(
                        ("us-gaap:ConcentrationRiskPercentage1",),
                        ((_BENCHMARK, "us-gaap:SalesRevenueNetMember"), *_CONCENTRATION),
                        ((_SEGMENTS, ANY),),
                        series="revenue",
                        checked=_NVDA_Q,
                    ),
                    _R(
                        ("us-gaap:ConcentrationRiskPercentage1",),
                        ((_BENCHMARK, "us-gaap:RevenueFromContractWithCustomerMember"), *_CONCENTRATION),
                        ((_SEGMENTS, ANY),),
                        series="revenue",
                    ),
                    _R(
                        ("us-gaap:ConcentrationRiskPercentage1",),
                        ((_BENCHMARK, "us-gaap:AccountsReceivableMember"), *_CONCENTRATION),
                        ((_SEGMENTS, ANY),),
                        series="receivables",
                        checked=_NVDA_Q,
                    ),
                ),
            },
            caveats={
                "NVDA": "Direct customers (named A, B, ... or One, Two, ... in each filing, not the same "
                "company across filings); each is attributable to the Compute & Networking segment.",
            },
        ),
        _M(
            "useful_life_years",
            "Useful life",
            "Estimated useful life of property and equipment, in years, per asset class (series: the "
            "asset class member; 'min'/'max' where a range is given; 'estimate change' for a new estimate).",
            unit="years",
            kind="instant",
            dimensions={
                "*": (
                    _R(
                        ("us-gaap:PropertyPlantAndEquipmentUsefulLife",),
                        ((_PPE_TYPE, ANY),),
                        checked=f"{_GOOGL_K}; {_AMZN_K}; {_AMZN_K22}",
                    ),
                    _R(
                        ("us-gaap:PropertyPlantAndEquipmentUsefulLife",),
                        ((_PPE_TYPE, ANY), ("srt:RangeAxis", ANY)),
                        checked=_GOOGL_K,
                    ),
                    _R(
                        ("us-gaap:PropertyPlantAndEquipmentUsefulLife",),
                        (
                            (_PPE_TYPE, ANY),
                            ("us-gaap:ChangeInAccountingEstimateByTypeAxis", "us-gaap:ServiceLifeMember"),
                        ),
                        (("us-gaap:SubsequentEventTypeAxis", ANY),),
                        series="estimate change",
                        checked=_AMZN_K,
                    ),
                ),
            },
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


def dimension_rules(metric: str, ticker: str | None = None) -> tuple[DimRule, ...]:
    """The axis/member rules for *metric*: *ticker*'s own first, then those for every company."""
    m = get_metric(metric)
    own = m.dimensions.get(ticker.upper(), ()) if ticker else ()
    return own + m.dimensions.get("*", ())


def caveats_for(metric: str, ticker: str | None = None) -> str:
    """What a user must know about *metric* for *ticker* (empty string when nothing)."""
    m = get_metric(metric)
    parts = [m.caveats.get("*", "")]
    if ticker:
        parts.append(m.caveats.get(ticker.upper(), ""))
    return " ".join(p for p in parts if p)
