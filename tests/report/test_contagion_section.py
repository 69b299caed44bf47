"""The Contagion report section renders simulation results and the analog frame."""

from __future__ import annotations

from capexwatch.models import load_scenario, simulate
from capexwatch.report.contagion_section import PRESETS, contagion_section, drawdown_rows
from capexwatch.signals.analogs import analog_frame


def test_section_renders_the_three_presets_and_the_analogs(store: object) -> None:
    results = {n: simulate(load_scenario(n), store=store, paths=4096) for n in PRESETS}
    rows = drawdown_rows(results)
    assert len(rows) == 15 and {r["vendor"] for r in rows} == {"NVIDIA", "AMD", "Broadcom", "Marvell", "TSMC"}
    block = contagion_section(results, analog_frame(store))
    assert block["id"] == "contagion"
    for name in PRESETS:
        assert name in block["html"]
    assert "Telecom 1999-2002 2000" in block["html"] and "<script" in block["html"]
    # where each vendor's customer share came from: NVIDIA's from its own 10-Q in the bundled store
    assert "0001045810-25-000209" in block["html"] and "filed" in block["html"]
