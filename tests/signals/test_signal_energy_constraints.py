"""energy_constraints: halts in major markets, elsewhere, restrictions, power share; real events."""

from __future__ import annotations

from pathlib import Path

import pytest

from capexwatch.signals._inputs import Inputs
from tests._support.sigdata import evaluate, event, inputs


def _halt(date: str, jurisdiction: str, metric: str = "moratorium") -> dict[str, object]:
    return event(
        "moratorium",
        date,
        jurisdiction,
        None,
        metric=metric,
        jurisdiction=jurisdiction,
        scope="new data centres",
        event_id=f"{jurisdiction}-{date}-{metric}",
    )


def _old() -> dict[str, object]:
    return _halt("2015-01-01", "Somewhere")  # events exist: an empty window means "no recorded halt"


@pytest.mark.parametrize(("date", "expected"), [("2024-07-01", "alert"), ("2023-07-01", "ok"), ("2023-07-02", "alert")])
def test_major_market_halt_within_the_window(date: str, expected: str) -> None:
    # look-back 365 days before 2024-06-30: 2023-07-01 is outside, 2023-07-02 inside (2024 is a
    # leap year); an event after the date is not known yet
    ev = [_old(), _halt(date, "Ireland (Dublin region)")]
    sig = evaluate("energy_constraints", inputs(events=ev, as_of="2024-06-30"))
    assert sig.status == ("ok" if date == "2024-07-01" else expected)


def test_halt_elsewhere_is_watch() -> None:
    sig = evaluate(
        "energy_constraints", inputs(events=[_old(), _halt("2024-05-01", "St. Charles, Missouri")], as_of="2024-06-30")
    )
    assert sig.status == "watch"
    assert {c.name: c.fired for c in sig.checks}["halt_elsewhere"] is True


def test_lifted_and_policy_events_are_not_halts() -> None:
    ev = [
        _old(),
        _halt("2024-05-01", "Singapore", "moratorium_lifted"),
        _halt("2024-05-01", "Ireland", "connection_policy"),
    ]
    assert evaluate("energy_constraints", inputs(events=ev, as_of="2024-06-30")).status == "ok"


def test_restriction_is_watch() -> None:
    ev = [_old(), _halt("2024-05-01", "Ireland", "connection_restriction")]
    assert evaluate("energy_constraints", inputs(events=ev, as_of="2024-06-30")).status == "watch"


@pytest.mark.parametrize(("share", "expected"), [(18.0, "watch"), (17.9, "ok")])
def test_power_share_edge(share: float, expected: str) -> None:
    ps = event(
        "power_share", "2024-01-01", "Ireland", share, metric="power_share", unit="percent", jurisdiction="Ireland"
    )
    fc = event(
        "power_share",
        "2024-01-01",
        "EirGrid",
        30.0,
        metric="power_share_forecast",
        unit="percent",
        jurisdiction="Ireland",
    )  # a forecast is not a share
    sig = evaluate("energy_constraints", inputs(events=[_old(), ps, fc], as_of="2024-06-30"))
    assert sig.status == expected
    assert sig.values["max_power_share_pct"].value == share


def test_custom_major_markets() -> None:
    ev = [_old(), _halt("2024-05-01", "St. Charles, Missouri")]
    sig = evaluate("energy_constraints", inputs(events=ev, as_of="2024-06-30"), major_markets=["Missouri"])
    assert sig.status == "alert"


def test_no_moratorium_events_is_insufficient_not_ok() -> None:
    sig = evaluate(
        "energy_constraints", inputs(events=[event("power_share", "2024-01-01", "X", 1.0, metric="power_share")])
    )
    assert sig.status == "insufficient-data"


def test_real_events(real_inputs: Inputs, reference_dir: Path) -> None:
    text = (reference_dir / "published-analyses.md").read_text()
    # Loudoun County pause (Jul 2022) and EirGrid's Dublin halt (Dec 2021): major markets (published-analyses §10)
    assert "Loudoun County" in text and "no new Dublin DC connections until 2028" in text
    sig = evaluate("energy_constraints", real_inputs.known_by("2022-09-30"))
    assert sig.status == "alert"
    names = {e.label for e in sig.evidence}
    assert any("Loudoun" in n for n in names) and any("Dublin" in n for n in names)
    assert all(e.source_url and e.source_url.startswith("http") for e in sig.evidence)
    later = evaluate("energy_constraints", real_inputs.known_by("2024-06-30"))
    # no new halt; Dominion Virginia's data-centre share (24% in 2023) and Ireland's (21%) are above 18%
    assert later.status == "watch"
    assert "24% (2023)" in text and later.values["max_power_share_pct"].value == 24.0
    now = evaluate("energy_constraints", real_inputs)
    assert now.status == "watch" and now.values["other_halts"].value >= 1  # Missouri, 2025-26
