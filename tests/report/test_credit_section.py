"""The credit section renders a run and a PD grid (it computes nothing of its own)."""

from __future__ import annotations

from typing import Any

from capexwatch.report.credit_section import breach_figure, credit_section, pd_heatmap, report_part


def test_section_renders_the_run_and_the_grid(store: Any) -> None:
    part = report_part(
        store,
        preset="credit-lambda-abs",
        paths=4096,
        rental_usd_per_gpu_hour=(1.7, 2.85),
        economic_life_years=(2.0, 6.0),
    )
    run, grid = part["credit"]["run"], part["credit"]["pd_grid"]
    fig = breach_figure(run)
    # the plotted probabilities are the run's own means, unchanged
    assert list(fig.data[1].y) == run["series"]["defaulted_flag"]["mean"]
    heat = pd_heatmap(grid)
    assert [list(r) for r in heat.data[0].z] == grid["pd"]
    sec = credit_section(run, grid)
    assert sec["id"] == "credit" and "Probability of default" in sec["html"] and "<script" in sec["html"]
    assert "plotly.js v" not in sec["html"]  # plotly.js is inlined once by the report, not here
