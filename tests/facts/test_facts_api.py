"""Pin the facts layer's public exports: the sources helper and the CLI code against them."""

from __future__ import annotations

import inspect
import subprocess
import sys

import capexwatch.facts as facts


def test_public_exports() -> None:
    assert sorted(facts.__all__) == sorted([
        "ALL", "FACT_COLUMNS", "PANEL_COLUMNS", "PERIODIC_FORMS", "Check", "FactsTable", "FiscalCalendar",
        "Operand", "PeriodLabel", "QuarterResult", "audit_quarters", "build_calendar", "calendar_quarter",
        "decode_companyfacts", "decode_many", "default_tags", "derive_annual", "derive_quarters", "filing_url",
        "fiscal_calendar", "infer_fye_month", "metric_tags", "non_usd_units", "quarter_results",
    ])  # fmt: skip
    for name in facts.__all__:
        assert hasattr(facts, name)


def test_signatures_others_code_against() -> None:
    sig = inspect.signature(facts.derive_quarters)
    assert list(sig.parameters)[:4] == ["facts", "ticker", "fye_month", "metrics"]
    assert sig.parameters["ticker"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(inspect.signature(facts.decode_companyfacts).parameters) == ["raw", "tags", "source"]


def test_import_is_light() -> None:
    """Importing the facts layer does not pull in pandas (the CLI stays fast to start)."""
    code = "import sys, capexwatch.facts; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
