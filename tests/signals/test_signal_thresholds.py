"""thresholds.toml: every default documented and cited; user overrides; errors that name the entry."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from capexwatch import signals as S
from capexwatch.errors import ConfigError
from capexwatch.signals.thresholds import default_thresholds, load_thresholds
from tests._support.sigdata import cal_rows, inputs


def test_every_default_has_unit_help_and_a_source() -> None:
    th = default_thresholds()
    assert set(th) == {"general", *S.signal_names()}
    for sig, entries in th.items():
        for key, t in entries.items():
            assert t.help and t.source, f"{sig}.{key}"
            # a citation: a URL, the issue that defines the trigger, or an explicit "no published calibration"
            assert (
                "http" in t.source
                or "issue 4" in t.source
                or "no published calibration" in t.source
                or "published-analyses" in t.source
            ), f"{sig}.{key}: {t.source}"


def test_published_figures_in_sources_are_in_the_reference(reference_dir: Path) -> None:
    text = (reference_dir / "published-analyses.md").read_text()
    th = default_thresholds()
    # the defaults that quote a published number: the number is in published-analyses.md
    assert th["roi_gap"]["k_tco"].value == 2.0 and "multiply by 2x" in text
    # Bain's 0.25 is data-centre capex over the revenue it must earn: not a whole-company threshold
    assert "500/2000 = 0.25" in text and "Bain" in th["capital_intensity"]["capex_to_revenue_rise_pp"].source
    assert th["hardware_saturation"]["rental_breakeven_usd_per_gpu_hour"].value == 1.65 and "~$1.65/hr" in text
    assert th["depreciation_gap"]["alert_share_of_operating_income_pct"].value == 20.0 and "**20.8%**" in text
    assert th["energy_constraints"]["power_share_watch_pct"].value == 18.0 and "18% (2022)" in text
    assert th["depreciation_gap"]["short_lived_share"].value == pytest.approx(2 / 3, abs=1e-3)
    assert "~2/3 short-lived assets" in text


def test_every_threshold_is_reported_by_its_signal() -> None:
    empty = inputs(None)
    for name in S.signal_names():
        sig = S.evaluate(empty, name, thresholds=default_thresholds())
        assert set(default_thresholds()[name]) <= set(sig.thresholds), name


def test_user_file_overrides_key_by_key(home: Path) -> None:
    (home / "thresholds.toml").write_text(
        '[liquidity_drain]\nhike_bp = 100\n\n[liquidity_drain.spread_widening_bp]\nvalue = 200\nsource = "desk view"\n'
    )
    th = load_thresholds()
    assert th["liquidity_drain"]["hike_bp"].value == 100
    assert str(home / "thresholds.toml") in th["liquidity_drain"]["hike_bp"].source
    assert "desk view" in th["liquidity_drain"]["spread_widening_bp"].source
    assert th["liquidity_drain"]["nfci_level"].value == 0.0  # untouched: default


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[liquidity]\nhike_bp = 1\n", "Unknown signal [liquidity]"),
        ("[liquidity_drain]\nhike = 1\n", "Unknown threshold liquidity_drain.hike"),
        ("[liquidity_drain]\nhike_bp = 'a lot'\n", "must be a number"),
        ("[energy_constraints]\nmajor_markets = 'Dublin'\n", "must be a list of strings"),
        ("[liquidity_drain\nhike_bp = 1\n", "Cannot read the thresholds file"),
        ("[liquidity_drain.hike_bp]\nsource = 'x'\n", "without 'value'"),
    ],
)
def test_bad_user_file_is_a_config_error_naming_the_entry(home: Path, text: str, words: str) -> None:
    (home / "thresholds.toml").write_text(text)
    with pytest.raises(ConfigError, match=words.replace("[", r"\[").replace("]", r"\]")):
        load_thresholds()


def test_override_changes_a_status() -> None:
    # capex / revenue 0.20 in 2024 and 0.30 in 2025: up 10 pp on a year earlier
    capex = [20e9] * 4 + [30e9] * 4
    q = cal_rows("ORCL", "capex", (2024, 1), capex) + cal_rows("ORCL", "revenue", (2024, 1), [100e9] * 8)
    q += cal_rows("ORCL", "operating_cash_flow", (2024, 1), [60e9] * 8)
    inp = inputs(q)
    assert S.evaluate(inp, "capital_intensity", ticker="ORCL").status == "watch"
    th = load_thresholds(overrides={"capital_intensity": {"capex_to_revenue_rise_pp": 15}})
    assert S.evaluate(inp, "capital_intensity", ticker="ORCL", thresholds=th).status == "ok"
    assert th["capital_intensity"]["capex_to_revenue_rise_pp"].source == "override passed to the API"


def test_the_shipped_file_is_valid_toml_with_tables() -> None:
    raw = tomllib.loads(resources.files("capexwatch.signals").joinpath("thresholds.toml").read_text())
    assert all(isinstance(v, dict) and "value" in v for t in raw.values() for v in t.values())
