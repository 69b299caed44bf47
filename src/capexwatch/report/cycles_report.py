"""The report's model sections: "Double-ordering", "Who holds the bag", "Contagion" (with the analog chart).

Each ``*_part(store)`` runs its presets at a small path count (the report must stay fast: the
charts show medians and bands, for which a few thousand paths are plenty; `capexwatch simulate`
runs the full counts) and returns ``{"data": JSON-ready, "section": HTML block, "line": one
terminal line}``. The calibration table is never refitted here: it is the saved table of the last
`capexwatch calibrate chips-2021`, else the bundled preset's fitted values evaluated once.

:class:`MemoStore` answers the presets' repeated store queries once per report (pivot-1, pivot-2
and telecom-2001 read the same capex rows).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from capexwatch.models.engine import SimulationResult
    from capexwatch.models.scenario import Scenario

__all__ = [
    "CONTAGION_PATHS",
    "CREDIT_PATHS",
    "DOUBLE_ORDERING_PATHS",
    "MemoStore",
    "contagion_part",
    "credit_part",
    "double_ordering_part",
]

DOUBLE_ORDERING_PATHS = 2_000
CREDIT_PATHS = 4_096
CREDIT_GRID_PATHS = 1_000
CONTAGION_PATHS = 1_000


class MemoStore:
    """A read-through view of a store that answers each ``quarters`` (per metric) / ``entities`` /
    ``series`` call once (the report reads, never writes, so the answers cannot change)."""

    _CACHED = ("entities", "series")

    def __init__(self, store: Any) -> None:
        self._store = store
        self._memo: dict[tuple[Any, ...], Any] = {}
        self._scope: frozenset[str] | None = None  # Store.scope_tickers(), read once
        self.queries: dict[Any, dict[str, Any]] = {}  # fill_from_store's answers, per StoreQuery

    def quarters(self, ticker: Any = None, metric: Any = None, **kwargs: Any) -> Any:
        """``Store.quarters`` read once per metric for the report's companies
        (``Store.scope_tickers``) and filtered here: the panel's latest-row rule partitions by
        ticker, so filtering after it gives the same rows. A company outside the scope (or every
        company: *ticker* None) is read as asked: the report's cost must not grow with every other
        company in the store (10,000 made-up ones took it from 180 to 660 MB, bench_scale.py)."""
        wanted = None if ticker is None else [t.upper() for t in ([ticker] if isinstance(ticker, str) else ticker)]
        if self._scope is None:
            self._scope = frozenset(self._store.scope_tickers())
        if wanted is None or not set(wanted) <= self._scope:
            return self._store.quarters(ticker, metric, **kwargs)
        key = ("quarters-scope", _freeze(metric), _freeze(kwargs))
        if key not in self._memo:
            self._memo[key] = self._store.quarters(sorted(self._scope), metric, **kwargs)
        df = self._memo[key]
        return df[df["ticker"].isin(wanted)].reset_index(drop=True)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if name not in self._CACHED or not callable(attr):
            return attr

        def cached(*args: Any, **kwargs: Any) -> Any:
            key = (name, _freeze(args), _freeze(kwargs))
            if key not in self._memo:
                self._memo[key] = attr(*args, **kwargs)
            hit = self._memo[key]
            return hit.copy() if hasattr(hit, "copy") else hit

        return cached


def _freeze(x: Any) -> Any:
    if isinstance(x, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in x.items()))
    if isinstance(x, (list, tuple)):
        return tuple(_freeze(v) for v in x)
    return x


def _run(name: str, store: Any, paths: int) -> tuple[Scenario, SimulationResult]:
    from capexwatch.models.engine import simulate
    from capexwatch.models.scenario import load_scenario
    from capexwatch.models.store_fill import fill_from_store

    scn = load_scenario(name)
    if scn.needs_store:
        scn = fill_from_store(scn, store, cache=getattr(store, "queries", None))
    return scn, simulate(scn, paths=min(paths, scn.paths))


def _calibration_table() -> dict[str, Any]:
    """The saved table of the last ``calibrate chips-2021``, else the bundled fit evaluated once."""
    from capexwatch.config import user_scenarios_dir
    from capexwatch.models.calibration import evaluate, saved_calibration, targets_for
    from capexwatch.models.scenario import load_scenario

    saved = saved_calibration("chips-2021", user_scenarios_dir())
    if saved is not None:
        return saved
    targets, free = targets_for("chips-2021")
    return evaluate(load_scenario("chips-2021"), targets=targets, free=free).to_dict()


def double_ordering_part(store: Any) -> dict[str, Any]:
    """ai-2026 (need vs orders, backlog and lead time, vendor revenue fan) and the chips-2021 table."""
    from capexwatch.report.supply_chain_section import supply_chain_section

    _, result = _run("ai-2026", store, DOUBLE_ORDERING_PATHS)
    cal = _calibration_table()
    o = result.outputs
    cliff, phantom = o["vendor_revenue_peak_to_trough_pct"], o["phantom_share_peak"]
    met = sum(1 for r in cal["targets"] if r["met"])
    line = (
        f"Double-ordering (ai-2026): peak phantom share {100 * phantom.p50:.0f}% of the backlog (p50), vendor "
        f"revenue peak-to-trough {cliff.p50:.0f}% (p5-p95 {cliff.p5:.0f}-{cliff.p95:.0f}%); chips-2021 "
        f"calibration meets {met}/{len(cal['targets'])} targets."
    )
    data = {
        "scenario": result.scenario,
        "paths": result.paths,
        "phantom_share_peak": o["phantom_share_peak"].to_dict(),
        "vendor_revenue_peak_to_trough_pct": cliff.to_dict(),
        "calibration": cal,
    }
    return {"data": data, "section": supply_chain_section(result, cal), "line": line}


def credit_part(store: Any) -> dict[str, Any]:
    """credit-seed-bear: breach and default probability by quarter, PD over rental price x GPU life."""
    from capexwatch.models.credit_grid import pd_grid
    from capexwatch.report.credit_section import credit_section

    scn, result = _run("credit-seed-bear", store, CREDIT_PATHS)
    # the section 6 H100 prices and lives from Burry's 2 years to CoreWeave's 6 (as credit_section.report_part)
    grid = pd_grid(scn, (1.70, 2.00, 2.35, 2.85), (2.0, 3.0, 4.0, 5.0, 6.0), paths=CREDIT_GRID_PATHS)
    pd_ = result.outputs["default_flag"].mean
    el = result.outputs["loss_usd"].mean
    line = (
        f"Who holds the bag (credit-seed-bear): probability of default by maturity {100 * pd_:.1f}%, "
        f"expected loss ${el / 1e6:,.0f}M; PD heat map over rental price x GPU life in the HTML report."
    )
    section = credit_section(result, grid, section_id="who-holds-the-bag")
    section["title"] = "Who holds the bag"
    return {"data": {"run": result.to_dict(), "pd_grid": grid.to_dict()}, "section": section, "line": line}


def contagion_part(store: Any) -> dict[str, Any]:
    """pivot-1, pivot-2, telecom-2001 drawdowns and the historical analog chart."""
    from capexwatch.report.contagion_section import PRESETS, contagion_section, drawdown_rows, share_sources
    from capexwatch.signals.analogs import analog_frame

    results = {name: _run(name, store, CONTAGION_PATHS)[1] for name in PRESETS}
    frame = analog_frame(store)
    nvda = {r["scenario"]: r["shortfall_p50"] for r in drawdown_rows(results) if r["vendor"] == "NVIDIA"}
    line = "Contagion: NVIDIA revenue shortfall (p50) " + ", ".join(f"{k} {100 * v:.0f}%" for k, v in nvda.items())
    shares = share_sources(results)
    line += "".join(
        f"; NVIDIA customer share {r['value']} {r['origin']}" + (f" ({r['filing']})" if r.get("filing") else "")
        for r in shares
        if r["vendor"] == "NVIDIA"
    )
    ai = frame[frame["cycle"] == "ai"]
    if not ai.empty:
        last = ai.iloc[-1]
        line += (
            f"; the AI cycle is {int(last['offset_quarters'])} quarters past its peak growth ({last['anchor_period']})."
        )
    data = {
        "drawdowns": drawdown_rows(results),
        "share_sources": shares,
        "analogs": frame.to_dict(orient="records"),
    }
    return {"data": data, "section": contagion_section(results, frame), "line": line}


PARTS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "double_ordering": double_ordering_part,
    "credit": credit_part,
    "contagion": contagion_part,
}
"""The model sections, in report order: data key -> part builder."""
