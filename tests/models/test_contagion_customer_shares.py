"""contagion.feedback's vendor customer shares: NVIDIA's from its filed customer concentration where
the store has it (with the accession in the filled rows), the cited estimate otherwise (issue 10).

The filed figure is NVIDIA's 10-Q filed 2025-08-27 (tests/data/ixbrl, ingested here as the store's
only NVIDIA filing): "Customer A, represented 23% of total revenue; ... Customer B, represented 16%"
in the quarter to 2025-07-27, so the direct customers it names take 39% of its revenue.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from capexwatch.errors import ScenarioError
from capexwatch.models import load_scenario, simulate
from capexwatch.models.scenario import parse_scenario
from capexwatch.models.store_fill import fill_from_store, value_origin
from capexwatch.report.contagion_section import share_sources, share_sources_html
from tests._support.filings import NVDA_10Q_ACCN, drop_filing_observations, load_nvda_10q

PRESETS = ("pivot-1", "pivot-2", "telecom-2001")
# the other parameters, illustrative (as in test_contagion.py): only the NVIDIA share is under test
OTHERS = "\n".join(
    f"  {k}: {v}"
    for k, v in {
        **{f"{b}_capex_usd": 20e9 for b in ("msft", "googl", "amzn", "meta", "orcl")},
        **{f"{v}_hyperscaler_share": 0.3 for v in ("amd", "avgo", "mrvl", "tsm")},
        "pivot_cut_ratio": 0.3,
        "loop_gain": 0.0,
    }.items()
)


def _nvda_share(scenario: str, store: Any) -> dict[str, Any]:
    return simulate(load_scenario(scenario), store=store, paths=256).parameters["nvda_hyperscaler_share"]


def test_presets_use_the_filed_share_and_record_its_accession(store: Any) -> None:
    load_nvda_10q(store)
    for name in PRESETS:
        p = _nvda_share(name, store)
        assert p["value"] == pytest.approx(0.23 + 0.16), name
        fs = p["from_store"]
        assert fs["agg"] == "named_customers" and fs["quarters"] == ["2025Q2"]
        got = {r["customer"]: r["value"] for r in fs["rows"]}
        assert got == {"Customer A": pytest.approx(23.0), "Customer B": pytest.approx(16.0)}
        for r in fs["rows"]:
            assert (r["accn"], r["form"], r["filed"]) == (NVDA_10Q_ACCN, "10-Q", "2025-08-27")
            assert r["concept"] == "us-gaap:ConcentrationRiskPercentage1" and r["fiscal_period"] == "FY2026Q2"
            assert r["member"].startswith("nvda:Customer") and r["member"] in r["dimensions"]
        assert value_origin(p)["origin"] == "store"


def test_without_filings_the_cited_estimate_is_used_and_says_why(store: Any) -> None:
    drop_filing_observations(store)
    p = _nvda_share("pivot-1", store)
    assert (p["dist"], p["low"], p["high"]) == ("uniform", 0.20, 0.92)  # the preset's cited range
    assert "nvda-10-q-2025-08-27.htm" in p["source"]
    o = value_origin(p)
    assert o["origin"] == "fallback" and "no filed customer concentration for NVDA" in o["reason"]
    assert "from_store" not in p


def test_as_of_before_the_filing_falls_back(store: Any) -> None:
    """A store query with ``as_of`` reads only filings filed by then (point in time)."""
    load_nvda_10q(store)
    text = (
        textwrap.dedent("""\
        model: contagion
        parameters:
          nvda_hyperscaler_share:
            from_store: {ticker: NVDA, metric: customer_concentration_pct, agg: named_customers, as_of: 2025-08-26}
            scale: 0.01
            fallback: {value: 0.5, source: "https://example.org/illustrative-estimate"}
        """)
        + OTHERS
        + "\n"
    )
    scn = parse_scenario(text, filename="t.yaml")
    before = fill_from_store(scn, store).params["nvda_hyperscaler_share"]
    assert before.provenance is not None and "filed by 2025-08-26" in before.provenance["fallback"]["reason"]
    after = fill_from_store(parse_scenario(text.replace("2025-08-26", "2025-08-27"), filename="t.yaml"), store)
    prov = after.params["nvda_hyperscaler_share"].provenance
    assert prov is not None and prov["from_store"]["value"] == pytest.approx(39.0)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "{from_store: {ticker: NVDA, metric: customer_concentration_pct, agg: named_customers}, fallback: 0.5}",
            "a cited value",
        ),
        ("{from_store: {ticker: NVDA, metric: customer_concentration_pct, agg: latest}}", "agg: named_customers"),
        ("{from_store: {ticker: NVDA, metric: revenue, agg: named_customers}}", "agg: named_customers"),
        (
            "{from_store: {tickers: [NVDA, AMD], metric: customer_concentration_pct, agg: named_customers}}",
            "one ticker",
        ),
        (
            "{from_store: {ticker: NVDA, metric: customer_concentration_pct, agg: named_customers}, "
            "fallback: {value: 1.5, source: x}}",
            "must lie in",
        ),
    ],
)
def test_bad_concentration_entries_name_field_and_line(entry: str, message: str) -> None:
    text = f"model: contagion\nparameters:\n  nvda_hyperscaler_share: {entry}\n"
    with pytest.raises(ScenarioError) as exc:
        parse_scenario(text, filename="t.yaml")
    assert "line 3" in str(exc.value) and message in str(exc.value), str(exc.value)


def test_report_says_where_each_share_came_from(store: Any) -> None:
    load_nvda_10q(store)
    results = {n: simulate(load_scenario(n), store=store, paths=256) for n in PRESETS}
    rows = {r["vendor"]: r for r in share_sources(results)}
    nvda = rows["NVIDIA"]
    assert nvda["origin"] == "filed" and nvda["value"] == "39.0%" and nvda["scenarios"] == list(PRESETS)
    assert nvda["filing"] == f"10-Q {NVDA_10Q_ACCN}, filed 2025-08-27" and nvda["period"] == "FY2026Q2"
    assert nvda["customers"] == "Customer A 23%, Customer B 16%"
    assert rows["AMD"]["origin"] == "cited estimate" and rows["AMD"]["value"] == "uniform 10.0%-52.0%"
    html = share_sources_html(list(rows.values()))
    assert NVDA_10Q_ACCN in html and "cited estimate" in html


@pytest.mark.parametrize("filings", [True, False])
def test_simulate_prints_where_the_share_came_from(store: Any, monkeypatch: pytest.MonkeyPatch, filings: bool) -> None:
    from tests._support.cli import invoke

    (load_nvda_10q if filings else drop_filing_observations)(store)
    store.close()
    monkeypatch.setenv("COLUMNS", "240")
    code, out, _ = invoke("simulate", "pivot-1", "--paths", "500", "--no-store")
    assert code == 0
    text = " ".join(out.replace("│", " ").split())  # the table's wrapped cells read on, one row after another
    if filings:
        assert "nvda_hyperscaler_share 39.0% store: NVDA customer_concentration_pct named_customers 2025Q2" in text
        assert f"accession {NVDA_10Q_ACCN}" in text
    else:
        assert "nvda_hyperscaler_share uniform(low=20.0%, high=92.0%) fallback (store:" in text
        assert "no filed customer concentration for NVDA" in text
