"""Real-browser tests: Playwright drives Debian's Chromium against `capexwatch serve` on loopback.

The browser is the distribution's (`apt-get install chromium`), launched by path: Playwright's own
browser download cannot work offline. These tests skip, saying why, only where no Chromium is found.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests._support.cli import run_cli
from tests._support.webserver import serving

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (dev extra) is not installed")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _chromium() -> str | None:
    for cand in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if cand and Path(cand).exists():
            return cand
    return None


@pytest.fixture(scope="module")
def server(web_store: Path) -> Iterator[str]:
    """`capexwatch serve --port 0` (the real entry point) on the session's store; yields its URL."""
    with serving(web_store) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium found (install Debian's: apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page that records console errors, page errors and every URL it requests."""
    pg = browser.new_page()
    pg.errors, pg.requests = [], []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.set_default_timeout(120_000)
    yield pg
    pg.close()


def _cli(env_store: Path, *args: str) -> Any:
    proc = run_cli(*args, "--json", env={"CAPEXWATCH_DB": str(env_store)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_overview_renders_its_charts_offline_without_console_errors(page: Any, server: str) -> None:
    page.goto(server + "/")
    page.wait_for_selector("#capex .js-plotly-plot .main-svg")
    assert page.locator(".js-plotly-plot .main-svg").count() >= 5  # capex, cloud, intensity, NVIDIA, ROI
    assert page.locator("#capex svg .bars path, #capex svg .trace.bars").count() > 0
    assert page.errors == []
    assert all(u.startswith(server) or u.startswith("data:") for u in page.requests), page.requests  # no CDN


def test_the_as_of_picker_changes_the_numbers(page: Any, server: str) -> None:
    page.goto(server + "/")
    latest = page.get_attribute("[data-key=big_four_capex_usd]", "data-value")
    page.fill("#as-of", "2024-06-30")
    with page.expect_navigation():
        page.click("#asof-form button[type=submit]")
    assert "as_of=2024-06-30" in page.url
    earlier = page.get_attribute("[data-key=big_four_capex_usd]", "data-value")
    assert latest and earlier and float(earlier) != float(latest)
    assert "as of 2024-06-30" in page.inner_text("header")
    assert page.errors == []


def test_company_page_links_a_capex_value_to_its_source(page: Any, server: str, web_store: Path) -> None:
    page.goto(server + "/company/GOOGL")
    link = page.locator("a.provenance[data-metric=capex]").first
    period, value, href = (
        link.get_attribute("data-period"),
        link.get_attribute("data-value"),
        link.get_attribute("href"),
    )
    rows = {r["fiscal_period"]: r for r in _cli(web_store, "quarters", "--ticker", "GOOGL", "--metric", "capex")}
    want = rows[period]
    assert float(value) == want["value"]
    assert href == (want["source_url"] or href) and href.startswith("https://")
    if want["tag"]:
        assert want["tag"] in link.get_attribute("title")
    assert page.locator(".js-plotly-plot .main-svg").count() >= 1
    assert page.errors == []


def test_a_scenario_run_from_the_form_shows_the_cli_percentiles(page: Any, server: str, web_store: Path) -> None:
    page.goto(server + "/scenarios")
    page.select_option("#preset", "consensus-1t")
    page.click("#load-preset")
    page.wait_for_function("document.getElementById('scenario-yaml').value.includes('model:')")
    page.fill("#paths", "5000")
    page.fill("#seed", "11")
    page.click("#run")
    page.wait_for_selector("#percentiles td[data-output]")
    cells = page.locator("#percentiles td[data-output]")
    shown = {
        (cells.nth(i).get_attribute("data-output"), cells.nth(i).get_attribute("data-stat")): cells.nth(
            i
        ).get_attribute("data-value")
        for i in range(cells.count())
    }
    cli = _cli(web_store, "simulate", "consensus-1t", "--paths", "5000", "--seed", "11", "--no-store")
    want = {(o, s): v[s] for o, v in cli["outputs"].items() for s in ("mean", "sd", "p5", "p25", "p50", "p75", "p95")}
    assert set(shown) == set(want)
    for key, v in want.items():
        assert (shown[key] == "" and v is None) or float(shown[key]) == v, key
    page.wait_for_selector("#fans .js-plotly-plot .main-svg")  # fan charts drawn
    assert page.locator("#run-link").count() == 1  # saved
    assert page.errors == []


def test_a_bad_scenario_shows_the_field_and_line(page: Any, server: str) -> None:
    page.goto(server + "/scenarios")
    page.wait_for_function("document.getElementById('scenario-yaml').value.includes('model:')")
    page.fill("#scenario-yaml", "model: sequoia\npaths: -3\nparameters:\n  gpu_revenue_usd: 150e9\n  nope: 1\n")
    page.click("#run")
    page.wait_for_selector("#run-error:not([hidden])")
    text = page.inner_text("#run-error")
    assert "line 2: paths" in text and "line 5: parameters.nope" in text
