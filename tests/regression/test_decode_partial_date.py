"""Regression: NumPy reads '2024' or '2024-03' as a date; the decoder must refuse them.

``numpy.array(['2024'], dtype='datetime64[D]')`` gives 2024-01-01 without complaint, so a
truncated or mangled date in a companyfacts document would silently become a wrong period.
"""

from __future__ import annotations

import json

import pytest

from capexwatch.errors import InputFileError
from capexwatch.facts.decode import decode_companyfacts


@pytest.mark.parametrize("bad", ["2024", "2024-03", "2024-3-31", "2024-02-30", "31/03/2024"])
def test_partial_or_bad_dates_are_refused(bad: str) -> None:
    doc = {"cik": 1, "entityName": "X", "facts": {"us-gaap": {"Revenues": {"units": {"USD": [
        {"start": "2024-01-01", "end": bad, "val": 1, "accn": "a", "form": "10-Q", "filed": "2024-05-01"}
    ]}}}}}  # fmt: skip
    with pytest.raises(InputFileError, match="bad date"):
        decode_companyfacts(json.dumps(doc).encode())
