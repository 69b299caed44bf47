"""`capexwatch report` end to end: terminal, JSON and the self-contained HTML, against the store
and against the reference data."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import capexwatch
from tests._support.cli import run_cli


class Cells(HTMLParser):
    """Collect (quarter, ticker, value) from the capex table's data cells."""

    def __init__(self) -> None:
        super().__init__()
        self.quarter: str | None = None
        self.cells: list[tuple[str, str, str]] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and "data-quarter" in a:
            self.quarter = a["data-quarter"]
        if tag == "td" and "data-ticker" in a and self.quarter:
            self.cells.append((self.quarter, a["data-ticker"] or "", a.get("data-value") or ""))
        if tag in ("script", "img", "iframe") and a.get("src"):
            self.external.append(a["src"] or "")
        if tag == "link" and a.get("href"):
            self.external.append(a["href"] or "")


def _reference_big_four(reference_dir: Path) -> pd.Series:
    ref = pd.read_csv(reference_dir / "company_quarters.csv")
    cap = ref[(ref.metric == "capex_cash_purchases_ppe") & ref.ticker.isin(["MSFT", "GOOGL", "AMZN", "META"])]
    cq = pd.to_datetime(cap["calendar_quarter_end"])
    cap = cap.assign(cq=cq.dt.year.astype(str) + "Q" + cq.dt.quarter.astype(str))
    g = cap.groupby("cq")
    return (g["value_usd_millions"].sum() * 1e6)[g["ticker"].nunique() == 4]


def test_report_end_to_end(tmp_path: Path, reference_dir: Path) -> None:
    r = run_cli("report", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    html_path = tmp_path / "capexwatch-report.html"
    assert html_path.is_file()
    assert str(html_path) in r.stdout.replace("\n", "")
    for text in (
        "Big-Four capex",
        "Capex against cloud revenue",
        "Capex intensity",
        "NVIDIA data-centre revenue",
        "ROI gap",
    ):
        assert text in r.stdout
    html = html_path.read_text(encoding="utf-8")
    assert html_path.stat().st_size < 8 * 1024 * 1024
    # self-contained: plotly.js inlined once, nothing loaded from outside
    p = Cells()
    p.feed(html)
    assert p.external == []
    assert html.count("plotly.js v") <= 2 and len(re.findall(r"<script type=\"text/javascript\">", html)) == 1
    assert html.count('class="plotly-graph-div"') >= 5
    # the numbers in the HTML are the store's
    s = capexwatch.open(read_only=True)
    q = s.quarters(["MSFT", "GOOGL", "AMZN", "META", "ORCL", "CRWV"], "capex", ok_only=True)
    s.close()
    store_vals = {(row.calendar_quarter, row.ticker): row.value for row in q.itertuples()}
    assert len(p.cells) > 40
    for quarter, ticker, value in p.cells:
        if value:
            assert float(value) == store_vals[(quarter, ticker)], (quarter, ticker)
    # ... and the Big-Four totals are the reference data's, summed independently here
    data = json.loads(
        re.search(r'<script type="application/json" id="capexwatch-data">(.*?)</script>', html, re.S).group(1)
    )  # type: ignore[union-attr]
    expected = _reference_big_four(reference_dir)
    got = {
        row["calendar_quarter"]: row["big_four_usd"]
        for row in data["capex_by_quarter"]["rows"]
        if row["big_four_usd"] is not None
    }
    assert got and all(abs(got[k] - expected[k]) < 1 for k in got)
    assert data["headline"]["big_four_capex_usd"] == expected.iloc[-1]
    assert data["headline"]["big_four_capex_ttm_usd"] == expected.iloc[-4:].sum()
    # every series lists its sources
    for view in ("capex_by_quarter", "capex_vs_cloud", "capex_intensity", "nvidia_vs_capex"):
        assert data[view]["sources"], view
        for src in data[view]["sources"]:
            assert src["source_url"].startswith("http")
            assert src["source_url"].replace("&", "&amp;") in html


def test_report_roi_gap_uses_nvidia_run_rate(tmp_path: Path, reference_dir: Path) -> None:
    r = run_cli("report", "--json", "--out", str(tmp_path / "r.html"))
    assert r.returncode == 0, r.stderr
    roi = json.loads(r.stdout)["roi_gap"]
    ref = pd.read_csv(reference_dir / "company_quarters.csv")
    dc = ref[ref.metric == "nvidia_data_center_revenue"].sort_values("calendar_quarter_end").iloc[-1]
    assert roi["nvda_fiscal_period"] == dc["fiscal_period"]
    assert roi["required_revenue_usd"] == dc["value_usd_millions"] * 1e6 * 4 * 2 * 2
    assert roi["gap_usd"] == roi["required_revenue_usd"] - roi["ai_revenue_usd"]
    for c in roi["ai_revenue_components"]:
        assert c["source_url"].startswith("http")


def test_report_as_of_uses_only_what_was_known(tmp_path: Path) -> None:
    r = run_cli("report", "--json", "--no-html", "--as-of", "2025-06-30")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["headline"]["calendar_quarter"] <= "2025Q1"
    assert data["roi_gap"]["nvda_period_end"] <= "2025-06-30"


def test_report_unwritable_out(tmp_path: Path) -> None:
    blocker = tmp_path / "f"
    blocker.write_text("x")
    r = run_cli("report", "--out", str(blocker / "r.html"))
    assert r.returncode == 2 and "cannot write the report" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("as_of", [None, "2025-06-30"])
def test_report_headline_and_roi_gap_signal_show_the_same_figures(store, as_of: str | None) -> None:
    # one ROI-gap chain: the report's headline is the roi_gap signal's current quarter (once it said
    # $86.0B of AI revenue while the signal on the same page said $112.0B)
    from capexwatch.report.build import build_report

    data = build_report(store, as_of=as_of).data
    head = data["roi_gap"]
    sig = next(s for s in data["signals"] if s["name"] == "roi_gap")
    v = {k: x["value"] for k, x in sig["values"].items()}
    assert head["status"] == "ok" and sig["coverage"]["basis"] == "sequoia"
    assert head["ai_revenue_usd"] == v["ai_revenue_usd"]
    assert head["required_revenue_usd"] == v["required_revenue_sequoia_usd"]
    assert head["gap_usd"] == v["gap_usd"] == sig["value"]
    assert head["coverage_ratio"] == v["coverage_ratio"]
    assert head["nvda_data_center_quarter_usd"] == v["gpu_quarter_usd"]
    assert head["gpu_run_rate_usd"] == v["gpu_run_rate_usd"]
    ai_evidence = sorted(
        (e["ticker"], e["value"], e["source_url"]) for e in sig["evidence"] if e["metric"] == "ai_revenue_run_rate"
    )
    components = sorted((c["entity"], c["amount_usd"], c["source_url"]) for c in head["ai_revenue_components"])
    assert components == ai_evidence and sum(c[1] for c in components) == head["ai_revenue_usd"]
