"""Facts: raw XBRL facts to discrete fiscal quarters with provenance. Pure functions, no I/O.

* :mod:`~capexwatch.facts.decode` — companyfacts JSON bytes to a flat facts table (msgspec).
* :mod:`~capexwatch.facts.periods` — fiscal calendars: fiscal year, quarter and duration class of a
  period from its dates and the fiscal-year end.
* :mod:`~capexwatch.facts.select` — tag chains, latest and first-filed views, the year-to-date
  ladder, identity checks, fail-closed quarters in the store's panel format.
* :mod:`~capexwatch.facts.audit` — why a quarter is what it is: its provenance and checks.

Design notes and decisions: ``facts/NOTES.md``.
"""

from __future__ import annotations

from capexwatch.facts.audit import audit_quarters
from capexwatch.facts.decode import (
    ALL,
    FACT_COLUMNS,
    FactsTable,
    decode_companyfacts,
    decode_many,
    default_tags,
    metric_tags,
)
from capexwatch.facts.periods import (
    FiscalCalendar,
    PeriodLabel,
    build_calendar,
    calendar_quarter,
    infer_fye_month,
)
from capexwatch.facts.select import (
    PANEL_COLUMNS,
    PERIODIC_FORMS,
    Check,
    Operand,
    QuarterResult,
    derive_annual,
    derive_quarters,
    filing_url,
    fiscal_calendar,
    non_usd_units,
    quarter_results,
)

__all__ = [
    "ALL",
    "FACT_COLUMNS",
    "PANEL_COLUMNS",
    "PERIODIC_FORMS",
    "Check",
    "FactsTable",
    "FiscalCalendar",
    "Operand",
    "PeriodLabel",
    "QuarterResult",
    "audit_quarters",
    "build_calendar",
    "calendar_quarter",
    "decode_companyfacts",
    "decode_many",
    "default_tags",
    "derive_annual",
    "derive_quarters",
    "filing_url",
    "fiscal_calendar",
    "infer_fye_month",
    "metric_tags",
    "non_usd_units",
    "quarter_results",
]
