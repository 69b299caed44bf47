"""Filing documents: inline XBRL (``.htm``) and classic XBRL instances (``.xml``) -> facts.

* :mod:`~capexwatch.sources.filings.parse` — the document's facts with their full context
  (period, every dimension -> member pair), unit, decimals, and what the document says about itself.
* :mod:`~capexwatch.sources.filings.transforms` — the iXBRL ``format`` rules (ixt, ixt-sec).

Offline: nothing is fetched (no schemas, no taxonomies). Design notes: ``sources/NOTES.md``.
"""

from __future__ import annotations

from capexwatch.sources.filings.parse import MAX_BYTES, Fact, Filing, parse_filing, read_filing
from capexwatch.sources.filings.transforms import apply_format, duration_years, words_to_number

__all__ = [
    "MAX_BYTES",
    "Fact",
    "Filing",
    "apply_format",
    "duration_years",
    "parse_filing",
    "read_filing",
    "words_to_number",
]
