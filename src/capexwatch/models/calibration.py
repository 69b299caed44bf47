"""Calibration: fit a scenario's free parameters to published series (the 2021-22 chip cycle).

``calibrate(load_scenario("chips-2021"))`` fits the double-ordering mechanism -- inflation cap,
cancellation rate, capacity build lag, capacity gain -- to the lead-time and inventory figures of
published-analyses.md section 7 and returns, per target, the published value, the fitted value, the
error and whether the target is met. The fit minimises the sum of squared scaled misses with SciPy's
bounded Nelder-Mead from several starts; every evaluation reuses the same parameter draws (common
random numbers: the scenario's seed, stream block 0), so the objective is a deterministic function
of the free parameters and the optimiser is not chasing Monte Carlo noise.

Also here, for the AI case: :func:`phantom_sweep` (the vendor revenue cliff as a function of the
phantom share) and :func:`implied_phantom_share` (the inverse problem: the phantom share that a
vendor's observed inventory / purchase-obligation growth implies).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from capexwatch.errors import DataError, ScenarioError
from capexwatch.models._typing import FloatArray
from capexwatch.models.scenario import Const, ParamEntry, Scenario

__all__ = [
    "CHIPS_2021_FREE",
    "CHIPS_2021_TARGETS",
    "CalibrationResult",
    "Free",
    "Target",
    "CALIBRATIONS",
    "calibrate",
    "evaluate",
    "fitted_scenario",
    "fitted_yaml",
    "implied_phantom_share_from_store",
    "save_calibration",
    "saved_calibration",
    "targets_for",
    "implied_phantom_share",
    "phantom_sweep",
]

KWG = "https://www.kwglobaltrade.com/post/chips-producers-now-face-overcapacity-risk"
FOREXLIVE_2021 = "https://www.forexlive.com/news/!/semiconductor-shortage-is-getting-worse-new-record-high-wait-time-for-chips-20210622"
SEMIMEDIA_LT = "https://www.semimedia.cc/13932.html"
SOURCETODAY = (
    "https://www.sourcetoday.com/procurement/article/21215390/semiconductor-inventory-down-to-just-five-days-for-some"
)
INKL = "https://inkl.com/news/chip-inventories-swell-as-consumers-buy-fewer-gadgets"
SEMIMEDIA_INV = "https://www.semimedia.cc/?p=13781"
CANCEL = "https://meterpreter.org/tsmcs-top-ten-customers-all-have-cut-orders"

DAYS_PER_WEEK = 7.0


@dataclass(frozen=True)
class Target:
    """A published figure the fitted model should reproduce.

    ``kind``: ``value`` (met within ``tol`` relative), ``at_most`` / ``at_least`` (one-sided),
    ``within`` (inside ``[low, high]``). ``scale`` turns a miss into the objective's units.
    """

    name: str
    description: str
    published: float
    unit: str
    source: str
    measure: Callable[[Mapping[str, FloatArray]], float]
    kind: str = "value"
    tol: float = 0.1
    low: float = -math.inf
    high: float = math.inf
    scale: float = 1.0

    def miss(self, got: float) -> float:
        """Signed shortfall, in units of ``scale`` (0 when the target is met exactly / satisfied)."""
        if not math.isfinite(got):
            return 10.0
        if self.kind == "at_most":
            return max(0.0, got - self.published) / self.scale
        if self.kind == "at_least":
            return max(0.0, self.published - got) / self.scale
        if self.kind == "within":
            return (max(0.0, self.low - got) + max(0.0, got - self.high)) / self.scale
        return (got - self.published) / self.scale

    def met(self, got: float) -> bool:
        if not math.isfinite(got):
            return False
        if self.kind == "value":
            return abs(got - self.published) <= self.tol * abs(self.published)
        return self.miss(got) == 0.0


@dataclass(frozen=True)
class Free:
    """A parameter the fit may move, within bounds."""

    name: str
    low: float
    high: float


# --- measures on the mean path (chips-2021: t = 0 is May 2020, weekly) ---------------------------


def _inventory_days(s: Mapping[str, FloatArray], *, with_idle: bool) -> FloatArray:
    stock = s["buyer_inventory_units"] + (s["idle_capacity_units"] if with_idle else 0.0)
    return stock / (s["demand_units"] / DAYS_PER_WEEK)


def _lead_at(week: int) -> Callable[[Mapping[str, FloatArray]], float]:
    return lambda s: float(s["lead_time_periods"][min(week, s["lead_time_periods"].size - 1)])


def _backlog_collapse_weeks(s: Mapping[str, FloatArray]) -> float:
    """Weeks for the vendor's backlog to fall from 90% to 10% of its peak, after the peak."""
    bl = s["backlog_units"]
    peak_at = int(np.argmax(bl))
    peak = float(bl[peak_at])
    if peak <= 0.0:
        return math.nan
    after = bl[peak_at:]
    start = int(np.argmax(after <= 0.9 * peak))
    below = np.flatnonzero(after <= 0.1 * peak)
    return float(below[0] - start) if below.size else math.inf


CHIPS_2021_TARGETS: tuple[Target, ...] = (
    Target(
        "lead_time_may_2021_weeks",
        "quoted lead time, May 2021 (week 52)",
        18.0,
        "weeks",
        FOREXLIVE_2021,
        _lead_at(52),
        scale=1.0,
    ),
    Target(
        "lead_time_peak_weeks",
        "peak quoted lead time (Susquehanna)",
        27.1,
        "weeks",
        KWG,
        lambda s: float(np.nanmax(s["lead_time_periods"])),
        scale=1.0,
    ),
    Target(
        "lead_time_peak_week",
        "week of the lead-time peak: May 2022 = week 104",
        104.0,
        "week",
        KWG,
        lambda s: float(np.nanargmax(s["lead_time_periods"])),
        scale=8.0,
    ),
    Target(
        "lead_time_dec_2022_weeks",
        "quoted lead time, Dec 2022 (week 134)",
        24.0,
        "weeks",
        SEMIMEDIA_LT,
        _lead_at(134),
        scale=1.0,
    ),
    Target(
        "buyer_inventory_trough_days",
        "lowest buyer inventory (40 days -> under 5)",
        5.0,
        "days",
        SOURCETODAY,
        lambda s: float(np.min(_inventory_days(s, with_idle=False))),
        kind="at_most",
        scale=2.0,
    ),
    Target(
        "inventory_peak_excess_days",
        "peak inventory days above the 40-day median (UBS, late 2022)",
        40.0,
        "days",
        INKL,
        lambda s: float(np.max(_inventory_days(s, with_idle=True))) - 40.0,
        scale=8.0,
    ),
    Target(
        "inventory_peak_week",
        "week of the inventory peak: Q3 2022 = weeks 113-126",
        119.5,
        "week",
        SEMIMEDIA_INV,
        lambda s: float(np.argmax(_inventory_days(s, with_idle=True))),
        kind="within",
        low=113.0,
        high=126.0,
        scale=8.0,
    ),
    Target(
        "backlog_collapse_weeks",
        "weeks for the backlog to fall from 90% to 10% of its peak",
        13.0,
        "weeks",
        CANCEL,
        _backlog_collapse_weeks,
        kind="at_most",
        scale=4.0,
    ),
)
"""Section 7 of published-analyses.md as calibration targets (t = 0 is May 2020, one period a week)."""

CHIPS_2021_FREE: tuple[Free, ...] = (
    Free("inflation_cap", 1.0, 4.0),
    Free("cancellation_rate", 0.01, 1.0),
    Free("capacity_build_lag_periods", 1.0, 104.0),
    Free("capacity_gain", 0.001, 1.0),
    Free("fill_smoothing", 0.01, 1.0),
)


CALIBRATIONS: dict[str, tuple[tuple[Target, ...], tuple[Free, ...]]] = {
    "chips-2021": (CHIPS_2021_TARGETS, CHIPS_2021_FREE),
}
"""Scenarios that have published targets: name -> (targets, free parameters)."""


def targets_for(name: str) -> tuple[tuple[Target, ...], tuple[Free, ...]]:
    """The targets and free parameters of scenario *name*; a :class:`ScenarioError` (exit 2) if it has none."""
    try:
        return CALIBRATIONS[name]
    except KeyError:
        raise ScenarioError(
            f"Scenario {name!r} has no published targets to calibrate against.",
            hint=f"Scenarios with targets: {', '.join(sorted(CALIBRATIONS))}.",
        ) from None


# --- the fit -------------------------------------------------------------------------------------


@dataclass
class CalibrationResult:
    """Fitted values and, per target, published / fitted / error / met."""

    scenario: str
    fitted: dict[str, float]
    start: dict[str, float]
    rows: list[dict[str, Any]]
    objective: float
    evaluations: int
    elapsed_s: float
    series: dict[str, list[float]] = field(default_factory=dict)

    @property
    def unmet(self) -> list[str]:
        return [r["target"] for r in self.rows if not r["met"]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "fitted": self.fitted,
            "start": self.start,
            "targets": self.rows,
            "objective": self.objective,
            "evaluations": self.evaluations,
            "elapsed_s": self.elapsed_s,
            "unmet": self.unmet,
        }


def _mean_series(scenario: Scenario, params: dict[str, FloatArray]) -> dict[str, FloatArray]:
    from capexwatch.models.engine import _context
    from capexwatch.models.supply_chain import run_chain

    n = next(iter(params.values())).shape[0]
    names = ("lead_time_periods", "backlog_units", "buyer_inventory_units", "idle_capacity_units", "demand_units")
    if n == 1:
        # one (deterministic) path: the plain per-path version -- the same rules, held equal to the
        # kernel by the tests -- runs ~10x faster than NumPy calls on length-1 arrays
        from capexwatch.models._reference_supply_chain import double_ordering

        one = {k: (float(v[0]) if v.ndim == 1 else [float(x) for x in v[0]]) for k, v in params.items()}
        got = double_ordering(one, scenario.horizon_quarters, scenario.options)
        return {k: np.asarray(got[k], dtype=float) for k in names}
    res = run_chain(params, _context(scenario, n))
    return {k: np.nanmean(res[k], axis=0) for k in names}


def _target_rows(targets: Sequence[Target], series: Mapping[str, FloatArray]) -> list[dict[str, Any]]:
    """Per target: published, fitted (measured on *series*), error, error %, met, source."""
    rows = []
    for t in targets:
        got = t.measure(series)
        err = got - t.published if math.isfinite(got) else math.nan
        rows.append(
            {
                "target": t.name,
                "description": t.description,
                "unit": t.unit,
                "kind": t.kind,
                "published": t.published,
                "fitted": got,
                "error": err,
                "error_pct": 100.0 * err / t.published if t.published else math.nan,
                "met": t.met(got),
                "source": t.source,
            }
        )
    return rows


def _with(params: dict[str, FloatArray], free: Sequence[Free], x: FloatArray) -> dict[str, FloatArray]:
    out = dict(params)
    for f, v in zip(free, x, strict=True):
        out[f.name] = np.full_like(params[f.name], float(v))
    return out


def calibrate(
    scenario: Scenario,
    *,
    targets: Sequence[Target] = CHIPS_2021_TARGETS,
    free: Sequence[Free] = CHIPS_2021_FREE,
    paths: int | None = None,
    starts: int = 8,
    max_evaluations: int = 300,
) -> CalibrationResult:
    """Fit ``free`` parameters of *scenario* to *targets* (SciPy Nelder-Mead, bounded, common random
    numbers); the scenario's current values are the first start, the others are spread over the bounds."""
    from scipy.optimize import minimize

    from capexwatch.models.engine import draw_parameters

    t0 = time.perf_counter()
    n = paths or scenario.paths
    base = draw_parameters(scenario, scenario.seed or 0, 0, n)  # the common random numbers
    x0 = np.array([float(np.mean(base[f.name])) for f in free])
    bounds = [(f.low, f.high) for f in free]
    calls = 0

    def objective(x: FloatArray) -> float:
        nonlocal calls
        calls += 1
        s = _mean_series(scenario, _with(base, free, x))
        return float(sum(t.miss(t.measure(s)) ** 2 for t in targets))

    rng = np.random.default_rng(0)  # deterministic extra starts
    candidates = [x0] + [np.array([rng.uniform(f.low, f.high) for f in free]) for _ in range(starts - 1)]
    best_x, best_f = x0, objective(x0)
    for start in candidates:
        res = minimize(
            objective,
            start,
            method="Nelder-Mead",
            bounds=bounds,
            options={"maxfev": max_evaluations, "xatol": 1e-3, "fatol": 1e-4},
        )
        if float(res.fun) < best_f:
            best_x, best_f = np.asarray(res.x, dtype=float), float(res.fun)
    series = _mean_series(scenario, _with(base, free, best_x))
    rows = _target_rows(targets, series)
    return CalibrationResult(
        scenario=scenario.name,
        fitted={f.name: float(v) for f, v in zip(free, best_x, strict=True)},
        start={f.name: float(v) for f, v in zip(free, x0, strict=True)},
        rows=rows,
        objective=best_f,
        evaluations=calls,
        elapsed_s=time.perf_counter() - t0,
        series={k: [float(v) for v in a] for k, a in series.items()},
    )


def fitted_scenario(scenario: Scenario, result: CalibrationResult) -> Scenario:
    """*scenario* with the fitted values as constants (citing the calibration)."""
    params = dict(scenario.params)
    for name, value in result.fitted.items():
        old = params[name]
        params[name] = ParamEntry(name, Const(value), old.line, source=f"fitted: capexwatch calibrate {scenario.name}")
    return scenario.replace(params=params)


def evaluate(
    scenario: Scenario,
    *,
    targets: Sequence[Target] = CHIPS_2021_TARGETS,
    free: Sequence[Free] = CHIPS_2021_FREE,
    paths: int | None = None,
) -> CalibrationResult:
    """The calibration table at *scenario*'s current values, without fitting (one model run).

    For a preset that already holds fitted values (``chips-2021``) this reproduces the table of
    the fit that produced them, at the cost of one evaluation instead of thousands.
    """
    from capexwatch.models.engine import draw_parameters

    t0 = time.perf_counter()
    base = draw_parameters(scenario, scenario.seed or 0, 0, paths or scenario.paths)
    x = np.array([float(np.mean(base[f.name])) for f in free])
    series = _mean_series(scenario, base)
    rows = _target_rows(targets, series)
    return CalibrationResult(
        scenario=scenario.name,
        fitted={f.name: float(v) for f, v in zip(free, x, strict=True)},
        start={f.name: float(v) for f, v in zip(free, x, strict=True)},
        rows=rows,
        objective=float(sum(t.miss(t.measure(series)) ** 2 for t in targets)),
        evaluations=1,
        elapsed_s=time.perf_counter() - t0,
        series={k: [float(v) for v in a] for k, a in series.items()},
    )


def fitted_yaml(text: str, fitted: Mapping[str, float], *, note: str) -> str:
    """*text* (a scenario YAML) with each fitted parameter's one-line entry replaced by its value.

    Comments and every other line are kept (sources live in them). A fitted parameter that is not
    written on one line under ``parameters:`` is a :class:`ScenarioError`.
    """
    import re

    out = text
    for name, value in fitted.items():
        line = f'  {name}: {{value: {value:.6g}, source: "{note}"}}'
        out, n = re.subn(rf"^  {re.escape(name)}:[^\n]*$", line, out, count=1, flags=re.MULTILINE)
        if n != 1:
            raise ScenarioError(f"parameters.{name}: not a one-line entry; cannot write the fitted value into it.")
    return out


# --- the AI case: the cliff against the phantom share, and the inverse problem -------------------


def phantom_sweep(
    scenario: Scenario,
    caps: Sequence[float],
    *,
    paths: int | None = None,
    seed: int | None = None,
    store: Any = None,
) -> list[dict[str, float]]:
    """Run *scenario* with each inflation cap; per cap the realised peak phantom share of the
    vendor's backlog and the vendor-revenue cliff (median peak-to-trough %, when it comes, the
    write-downs and the idle capacity left). Common random numbers: the same seed for every cap.
    ``store``: the caller's store, for ``from_store`` values (filled once for all caps)."""
    from capexwatch.models.engine import simulate
    from capexwatch.models.store_fill import fill_from_store

    if "inflation_cap" not in scenario.params:
        raise ScenarioError(
            f"{scenario.name}: no inflation_cap parameter to sweep (a double-ordering scenario has one)."
        )
    if any(c < 1.0 for c in caps):
        raise ScenarioError("--phantom-cap: an inflation cap below 1 would mean ordering less than the need.")
    if scenario.needs_store:
        scenario = fill_from_store(scenario, store)
    rows = []
    for cap in caps:
        params = dict(scenario.params)
        old = params["inflation_cap"]
        params["inflation_cap"] = ParamEntry("inflation_cap", Const(float(cap)), old.line, source="sweep")
        r = simulate(scenario.replace(params=params), paths=paths, seed=seed)
        revenue = r.series["vendor_revenue_usd"].p50
        peak_at = int(np.argmax(revenue))
        trough_at = peak_at + int(np.argmin(revenue[peak_at:]))
        rows.append(
            {
                "inflation_cap": float(cap),
                "phantom_share_peak": r.outputs["phantom_share_peak"].p50,
                "vendor_revenue_peak_to_trough_pct": r.outputs["vendor_revenue_peak_to_trough_pct"].p50,
                "vendor_revenue_peak_to_trough_pct_p5": r.outputs["vendor_revenue_peak_to_trough_pct"].p5,
                "vendor_revenue_peak_to_trough_pct_p95": r.outputs["vendor_revenue_peak_to_trough_pct"].p95,
                "revenue_peak_period": float(peak_at),
                "revenue_trough_period": float(trough_at),
                "write_downs_units": r.outputs["write_downs_units"].p50,
                "idle_capacity_end_units": r.series["idle_capacity_units"].p50[-1],
            }
        )
    return rows


def implied_phantom_share(
    inventory_growth: float,
    inventory_growth_sd: float,
    demand_growth: float,
    *,
    draws: int = 100_000,
    seed: int = 0,
) -> dict[str, float]:
    """The phantom share of orders that a vendor's stock build implies, with its uncertainty.

    If a vendor (or its buyers) grows inventory plus purchase obligations by ``g_I`` while true need
    grows by ``g_D`` over the same period, the orders behind the build exceed need by
    ``(1 + g_I) / (1 + g_D) - 1`` of it; as a share of orders that is ``1 - (1 + g_D) / (1 + g_I)``
    (0 when the stock grows no faster than need). ``inventory_growth_sd`` spreads the observed growth
    (normal), giving the share's median and 5-95% range. Growths are ratios (0.3 = +30%).
    """
    rng = np.random.default_rng(seed)
    g = (
        rng.normal(inventory_growth, inventory_growth_sd, draws)
        if inventory_growth_sd > 0
        else np.full(draws, inventory_growth)
    )
    share = np.maximum(0.0, 1.0 - (1.0 + demand_growth) / np.maximum(1.0 + g, 1e-9))
    return {
        "phantom_share_p50": float(np.median(share)),
        "phantom_share_p5": float(np.percentile(share, 5)),
        "phantom_share_p95": float(np.percentile(share, 95)),
        "inventory_growth": inventory_growth,
        "demand_growth": demand_growth,
    }


def _level_growth(store: Any, ticker: str, metric: str, as_of: str | None) -> dict[str, Any]:
    """Year-over-year growth of *metric* of *ticker* at its latest quarter, with the rows used."""
    from capexwatch.models.store_query import StoreQuery, query_store

    got = query_store(
        store,
        StoreQuery(tickers=(ticker,), metric=metric, agg="quarters", quarters=5, as_of=as_of),
        where=f"implied phantom share ({ticker} {metric})",
    )
    first, last = got["values"][0], got["values"][-1]
    if first <= 0:
        raise DataError(f"{ticker} {metric} in {got['quarters'][0]} is not positive; its growth is undefined.")
    return {
        "first": first,
        "last": last,
        "growth": last / first - 1.0,
        "quarters": got["quarters"],
        "rows": got["rows"],
    }


def implied_phantom_share_from_store(
    store: Any, ticker: str = "NVDA", *, as_of: str | None = None, draws: int = 100_000
) -> dict[str, Any]:
    """The inverse problem on a vendor's filings: the phantom share its stock build implies.

    Stock = inventory + purchase obligations (10-Q/10-K), growth over the latest four quarters
    (``quarters`` with 5 points); true need grows as the vendor's revenue over the same quarters.
    Uncertainty: the two stock measures read separately disagree; their growths' half-difference is
    taken as the sd of the combined growth (an assumption of this method, not a published figure).

    Raises
    ------
    DataError
        when the store lacks inventory, purchase obligations or revenue for *ticker* (the bundled
        snapshot has none: load the filings with ``capexwatch update``).
    """
    inv = _level_growth(store, ticker, "inventory", as_of)
    po = _level_growth(store, ticker, "purchase_obligations", as_of)
    rev = _level_growth(store, ticker, "revenue", as_of)
    stock_growth = (inv["last"] + po["last"]) / (inv["first"] + po["first"]) - 1.0
    sd = abs(inv["growth"] - po["growth"]) / 2.0
    out: dict[str, Any] = implied_phantom_share(stock_growth, sd, rev["growth"], draws=draws)
    out.update(
        {
            "ticker": ticker,
            "inventory_growth_sd": sd,
            "inventory_only_growth": inv["growth"],
            "purchase_obligations_growth": po["growth"],
            "quarters": inv["quarters"],
            "rows": inv["rows"] + po["rows"] + rev["rows"],
        }
    )
    return out


# --- saving a fit: the fitted scenario and its table, in the user's scenarios folder -------------


def save_calibration(scenario: Scenario, result: CalibrationResult, folder: Path) -> dict[str, Path]:
    """Write ``NAME.yaml`` (the preset with the fitted values) and ``NAME.calibration.json`` (the
    table) into *folder*; :func:`~capexwatch.models.scenario.load_scenario` then finds ``NAME`` there
    before the bundled preset. The written YAML is parsed back before it is kept."""
    from capexwatch._json import dumps
    from capexwatch.models.scenario import parse_scenario, preset_path

    entry = preset_path(scenario.name)
    if entry is None:
        raise ScenarioError(f"{scenario.name}: only a bundled preset can be saved as a calibrated copy.")
    note = f"fitted: capexwatch calibrate {scenario.name} (models/calibration.py targets)"
    text = fitted_yaml(entry.read_text(encoding="utf-8"), result.fitted, note=note)
    parse_scenario(text, filename=f"{scenario.name}.yaml", name=scenario.name)  # never save a broken file
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"scenario": folder / f"{scenario.name}.yaml", "table": folder / f"{scenario.name}.calibration.json"}
    paths["scenario"].write_text(text, encoding="utf-8")
    paths["table"].write_text(dumps(result.to_dict()), encoding="utf-8")
    return paths


def saved_calibration(name: str, folder: Path) -> dict[str, Any] | None:
    """The table :func:`save_calibration` wrote for *name* in *folder* (its ``to_dict()``), or None."""
    import json

    path = folder / f"{name}.calibration.json"
    if not path.is_file():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data
