"""Regression: Q4 = FY - 9M must not mix a restated year with a never re-filed 9-month figure.

Found on the real Alphabet companyfacts (tests/data/reference/sec/CIK0001652044.json): operating
income for 2017 was filed as 26,146 M in the 2017 10-K and restated to 26,178 M in the 10-K filed
2020-02-04; the 9-month figure (18,482 M) was never re-filed after that. Taking the latest fact
of each operand gave Q4 = 26,178 - 18,482, moving the whole restatement into one quarter, and
the four-quarter check could not see it (it holds by construction when Q4 = FY - 9M). The latest
view must mark the quarter not-derivable; the first-filed view keeps the figure as first known.
"""

from __future__ import annotations

import pandas as pd

from capexwatch.facts.decode import decode_companyfacts
from capexwatch.facts.select import derive_quarters
from tests._support.data import SEC

DOC = SEC / "CIK0001652044.json"


def test_restated_year_with_stale_nine_months() -> None:
    ft = decode_companyfacts(DOC.read_bytes())
    df = ft.df[(ft.df["tag"] == "OperatingIncomeLoss") & ft.df["form"].isin(["10-K", "10-Q"])]
    fy = df[(df["period_start"] == "2017-01-01") & (df["period_end"] == "2017-12-31")].sort_values("filed")
    m9 = df[(df["period_start"] == "2017-01-01") & (df["period_end"] == "2017-09-30")].sort_values("filed")
    assert fy["value"].nunique() == 2, "the restatement is in the document"
    assert m9["filed"].max() < fy["filed"].max(), "the 9-month figure was not re-filed after it"

    p = derive_quarters(ft, ticker="GOOGL", fye_month=12, metrics=["operating_income"])
    q4 = p[p["fiscal_period"] == "FY2017Q4"].set_index("view")
    assert q4.loc["latest", "status"] == "not-derivable"
    assert "restated" in q4.loc["latest", "reason"]
    assert pd.isna(q4.loc["latest", "value"])
    # first filed: the 10-K of 2018 minus the 10-Q of October 2017
    first_fy = fy.iloc[0]
    first_9m = m9.iloc[0]
    assert q4.loc["first-filed", "status"] == "ok"
    assert q4.loc["first-filed", "value"] == first_fy["value"] - first_9m["value"]
    assert q4.loc["first-filed", "known_at"] == first_fy["filed"]
