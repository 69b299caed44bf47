"""The report's ROI-gap panel cites NVIDIA's own filing for the Data Center quarter the bundled
snapshot read from it (the 10-Q filed 2025-08-27: "Data Center | $ | 41,096")."""

from __future__ import annotations

import capexwatch
from capexwatch.report.data import build_report_data


def test_roi_panel_cites_nvidia_filing() -> None:
    with capexwatch.open() as s:
        roi = build_report_data(s)["roi_gap"]
    f = roi["nvda_filing"]
    assert f["fiscal_period"] == "FY2026Q2" and f["value_usd"] == 41_096e6
    assert f["accn"] == "0001045810-25-000209" and f["form"] == "10-Q" and f["filed"] == "2025-08-27"
    assert f["source_url"].startswith("https://www.sec.gov/Archives/edgar/data/1045810/000104581025000209")
    assert "github.com" not in f["source_url"]


def test_bundled_quarter_covered_by_the_filing_comes_from_it() -> None:
    """Precedence in the bundled store: FY2026Q2 and FY2025Q2 are the filing's, not the tracker's."""
    with capexwatch.open() as s:
        q = s.quarters("NVDA", "data_center_revenue").set_index("fiscal_period")
        a = s.annual(["GOOGL", "AMZN"], "cloud_revenue")
    for p, v in (("FY2026Q2", 41_096e6), ("FY2025Q2", 26_272e6)):
        assert q.loc[p, "source_kind"] == "sec-ixbrl" and q.loc[p, "value"] == v
    sec = a[a["source"] == "sec"].set_index(["ticker", "fiscal_year"])["value"]
    assert sec[("GOOGL", 2024)] == 43_229e6 and sec[("AMZN", 2024)] == 107_556e6 and sec[("AMZN", 2022)] == 80_096e6
