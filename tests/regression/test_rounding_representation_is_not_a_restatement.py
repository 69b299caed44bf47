"""Regression: the same figure in thousands and later in millions is not a restatement.

NVIDIA filed in thousands until 2015 and in millions afterwards: Q1 FY2015 operating cash flow
appears as 151,022,000 (10-Q, May 2014) and 151,000,000 (10-Q, May 2015, comparative). The first
vintage check compared versions within the *finer* unit, took every such pair for a restatement
and marked consistent quarters not-derivable (FY2014 Q4 of operating cash flow, D&A and operating
income: a full year re-filed in millions against a 9-month figure filed in thousands).
A figure is exact to half of its own rounding unit; differences within that are the same figure.
"""

from __future__ import annotations

from capexwatch.facts.decode import decode_companyfacts
from capexwatch.facts.select import derive_quarters
from tests._support.data import SEC

DOC = SEC / "CIK0001045810.json"


def test_thousands_then_millions() -> None:
    ft = decode_companyfacts(DOC.read_bytes())
    df = ft.df[(ft.df["tag"] == "NetCashProvidedByUsedInOperatingActivities") & (ft.df["period_start"] == "2014-01-27")]
    q1 = df[df["period_end"] == "2014-04-27"].sort_values("filed")
    h1 = df[df["period_end"] == "2014-07-27"].sort_values("filed")
    assert list(q1["value"]) == [151_022_000.0, 151_000_000.0]  # the two presentations, as filed

    metrics = ["operating_cash_flow", "depreciation_amortization", "operating_income"]
    p = derive_quarters(ft, ticker="NVDA", fye_month=1, metrics=metrics)
    years = p[p["fiscal_year"].isin([2014, 2015]) & (p["view"] == "latest")]
    assert len(years) == 3 * 8
    assert (years["status"] == "ok").all(), years[years["status"] != "ok"]["reason"].tolist()
    q2 = years[(years["metric"] == "operating_cash_flow") & (years["fiscal_period"] == "FY2015Q2")]
    assert q2["value"].item() == h1["value"].iloc[-1] - q1["value"].iloc[-1]
