"""Straightforward per-path Python implementations of every model: the readable specification.

Each function takes one path's parameters as plain floats (lists for quarterly parameters) and
returns plain floats (lists for series), with loops written the obvious way. The tests hold the
vectorised models against these path by path, and ``benchmarks/bench_models.py`` times them as the
baseline the vectorised engine must beat by 50x. They share no code with the vectorised models.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "REFERENCE",
    "bain",
    "cohort",
    "contagion",
    "credit",
    "depreciation",
    "efficiency",
    "jpmorgan",
    "sequoia",
    "valuation",
]

P = Mapping[str, Any]
HOURS_PER_QUARTER = 365.25 * 24.0 / 4.0


def sequoia(p: P, horizon: int = 1, years: Sequence[int] = ()) -> dict[str, Any]:
    dc = p["gpu_revenue_usd"] * p["tco_multiplier"]
    req = dc / (1.0 - p["gross_margin"])
    out = {"data_center_cost_usd": dc, "required_revenue_usd": req}
    if "ai_revenue_usd" in p:
        out["revenue_gap_usd"] = req - p["ai_revenue_usd"]
        out["revenue_coverage_ratio"] = p["ai_revenue_usd"] / req
    return out


def bain(p: P, horizon: int = 1, years: Sequence[int] = ()) -> dict[str, Any]:
    req = p["capex_usd"] / p["capex_to_revenue_ratio"]
    out = {"required_revenue_usd": req}
    if "fundable_revenue_usd" in p:
        out["revenue_gap_usd"] = req - p["fundable_revenue_usd"]
        out["funded_share_ratio"] = p["fundable_revenue_usd"] / req
    return out


def jpmorgan(p: P, horizon: int = 1, years: Sequence[int] = ()) -> dict[str, Any]:
    r = p["required_annual_revenue_usd"]
    out: dict[str, Any] = {}
    if "iphone_users" in p:
        out["monthly_per_iphone_user_usd"] = r / 12.0 / p["iphone_users"]
    if "netflix_subscribers" in p:
        out["monthly_per_netflix_subscriber_usd"] = r / 12.0 / p["netflix_subscribers"]
    if "investment_usd" in p and "target_return" in p:
        out["perpetuity_profit_usd"] = p["investment_usd"] * p["target_return"]
        out["implied_profit_margin_ratio"] = out["perpetuity_profit_usd"] / r
    return out


def _weight(age: int, life_q: float) -> float:
    """Share of a vintage of this age still in service (the last, partial quarter weighted)."""
    if 0 <= age < math.floor(life_q):
        return 1.0
    if age == math.floor(life_q):
        return life_q - math.floor(life_q)
    return 0.0


def _in_service(capex: Sequence[float], life_q: float, lag: int, t: int) -> float:
    """Capex of vintages in service in quarter t (the last, partial quarter weighted)."""
    total = 0.0
    for v, c in enumerate(capex):
        age = t - v - lag  # quarters since the vintage entered service
        if 0 <= age < math.floor(life_q):
            total += c
        elif age == math.floor(life_q):
            total += c * (life_q - math.floor(life_q))
    return total


def _years_sum(x: Sequence[float], years: Sequence[int]) -> list[float]:
    ends = [*years[1:], len(x)]
    return [sum(x[a:b]) for a, b in zip(years, ends, strict=True)]


def cohort(p: P, horizon: int, years: Sequence[int], lag: int = 1) -> dict[str, Any]:
    capex = list(p["capex_usd"])
    life_q = 4.0 * p["useful_life_years"]
    rq = (1.0 + p["target_return"]) ** 0.25 - 1.0
    dep, nbv, req, opex_l, rev_l = [], [], [], [], []
    book = 0.0
    for t in range(horizon):
        ins = _in_service(capex, life_q, lag, t)
        d = ins / life_q
        opex = 0.0
        if "capex_usd_per_mw" in p:
            mw = ins / p["capex_usd_per_mw"]
            if "power_price_usd_per_mwh" in p:
                opex += (
                    mw
                    * p.get("pue", 1.0)
                    * HOURS_PER_QUARTER
                    * p["power_price_usd_per_mwh"]
                    * p.get("utilisation", 1.0)
                )
            if "staff_usd_per_mw_year" in p:
                opex += mw * p["staff_usd_per_mw_year"] / 4.0
        if "other_opex_ratio" in p:
            opex += ins * p["other_opex_ratio"] / 4.0
        req.append(d + rq * book + opex)
        book = book + capex[t] - d
        dep.append(d)
        nbv.append(book)
        opex_l.append(opex)
        if "revenue_usd" in p:
            g = p.get("revenue_growth_annual", 0.0)
            rev_l.append(p["revenue_usd"][t] * (1.0 + g) ** (t / 4.0))
        elif "rental_usd_per_gpu_hour" in p:
            # each vintage in service rents at the entry price, falling with its age
            decline = p.get("rental_price_decline_annual", 0.0)
            revenue = 0.0
            for v, c in enumerate(capex):
                age = t - v - lag
                weight = _weight(age, life_q)
                if weight:
                    gpus = c / p["capex_usd_per_gpu"]  # all-in capex per GPU: one basis
                    price = p["rental_usd_per_gpu_hour"] * (1.0 - decline) ** (age / 4.0)
                    revenue += weight * gpus * price * HOURS_PER_QUARTER * p.get("utilisation", 1.0)
            rev_l.append(revenue)
    ends = [*years[1:], horizon]
    out: dict[str, Any] = {
        "required_revenue_usd": req,
        "required_revenue_annual_usd": _years_sum(req, years),
        "depreciation_usd": _years_sum(dep, years),
        "net_book_value_usd": [nbv[e - 1] for e in ends],
        "required_revenue_total_usd": sum(req),
        "required_revenue_peak_annual_usd": max(sum(req[i : i + 4]) for i in range(max(1, horizon - 3))),
    }
    if not rev_l:
        return out
    cf = [rev_l[t] - opex_l[t] - capex[t] for t in range(horizon)]
    npv = sum(c / (1.0 + rq) ** (t + 1) for t, c in enumerate(cf))
    cum, acc = [], 0.0
    for c in cf:
        acc += c
        cum.append(acc)
    payback = math.nan
    if all(c >= 0 for c in cum):
        payback = 0.0
    else:
        last_neg = max(i for i, c in enumerate(cum) if c < 0)
        if last_neg < horizon - 1:
            payback = (last_neg + 1 + (-cum[last_neg]) / cf[last_neg + 1]) / 4.0
    out.update(
        {
            "revenue_usd": rev_l,
            "revenue_gap_usd": _years_sum([a - b for a, b in zip(req, rev_l, strict=True)], years),
            "cumulative_cash_flow_usd": cum,
            "revenue_total_usd": sum(rev_l),
            "npv_usd": npv,
            "irr_ratio": _irr(cf),
            "payback_years": payback,
            "paid_back_flag": 0.0 if math.isnan(payback) else 1.0,
        }
    )
    return out


def _irr(cf: Sequence[float]) -> float:
    """Annual IRR by plain bisection on the quarterly rate in (-0.75, 1.5)."""

    def npv(r: float) -> float:
        return sum(c / (1.0 + r) ** (t + 1) for t, c in enumerate(cf))

    lo, hi = -0.75, 1.5
    f_lo, f_hi = npv(lo), npv(hi)
    if f_lo * f_hi >= 0:
        return math.nan
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f_mid = npv(mid)
        if (f_mid < 0) == (f_lo < 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return (1.0 + 0.5 * (lo + hi)) ** 4 - 1.0


def depreciation(p: P, horizon: int, years: Sequence[int], lag: int = 0, window: Sequence[int] = ()) -> dict[str, Any]:
    capex = [c * p.get("short_lived_share", 1.0) for c in p["capex_usd"]]
    rep_q, eco_q = 4.0 * p["reported_life_years"], 4.0 * p["economic_life_years"]
    d_rep = [_in_service(capex, rep_q, lag, t) / rep_q for t in range(horizon)]
    d_eco = [_in_service(capex, eco_q, lag, t) / eco_q for t in range(horizon)]
    under = [e - r for e, r in zip(d_eco, d_rep, strict=True)]
    out: dict[str, Any] = {
        "reported_depreciation_usd": _years_sum(d_rep, years),
        "economic_depreciation_usd": _years_sum(d_eco, years),
        "understated_depreciation_usd": _years_sum(under, years),
        "understated_depreciation_total_usd": sum(under),
    }
    tax = p.get("tax_rate", 0.0)
    if "net_income_usd" in p:
        ni = p["net_income_usd"]
        out["earnings_overstatement_ratio"] = [
            u * (1 - tax) / n for u, n in zip(_years_sum(under, years), _years_sum(ni, years), strict=True)
        ]
    if window:
        out["understated_depreciation_window_usd"] = sum(under[t] for t in window)
        if "net_income_usd" in p:
            out["earnings_overstatement_window_ratio"] = sum(under[t] * (1 - tax) for t in window) / sum(
                p["net_income_usd"][t] for t in window
            )
    return out


def efficiency(p: P, horizon: int, years: Sequence[int] = ()) -> dict[str, Any]:
    life_q = 4.0 * p["useful_life_years"]
    b0 = p["installed_base_usd"]
    h = p.get("perf_per_usd_growth_annual", 0.0)
    eff = (
        (1 - p.get("quantisation_rate_annual", 0.0))
        * (1 - p.get("speculative_decoding_rate_annual", 0.0))
        * (1 - p.get("edge_offload_rate_annual", 0.0))
    )
    price = 1 - p.get("compute_price_decline_annual", 0.0)
    eps = p.get("jevons_elasticity", 0.0)
    weighted = [c * (1 + h) ** (v / 4.0) for v, c in enumerate(p["capex_usd"])]
    work = 1.0
    cols: dict[str, list[float]] = {k: [] for k in ("demand", "capacity", "util", "stranded", "unmet", "scap")}
    for t in range(horizon):
        if t > 0:
            work *= (1 + p["workload_growth_annual"][t]) ** 0.25
        base = b0 * max(0.0, 1 - t / life_q)
        capacity = base + _in_service(weighted, life_q, 1, t)
        capital = base + _in_service(p["capex_usd"], life_q, 1, t)
        e_t = eff ** (t / 4.0)
        demand = p["initial_utilisation"] * b0 * work * (e_t * price ** (t / 4.0)) ** (-eps) * e_t
        ratio = demand / capacity if capacity > 0 else math.inf
        cols["demand"].append(demand / b0)
        cols["capacity"].append(capacity / b0)
        cols["util"].append(min(ratio, 1.0))
        cols["stranded"].append(max(0.0, 1 - ratio))
        cols["unmet"].append(max(0.0, ratio - 1) if capacity > 0 else math.nan)
        cols["scap"].append(max(0.0, 1 - ratio) * capital)
    return {
        "compute_demand_index": cols["demand"],
        "capacity_index": cols["capacity"],
        "utilisation_ratio": cols["util"],
        "stranded_capacity_ratio": cols["stranded"],
        "unmet_demand_ratio": cols["unmet"],
        "stranded_capital_usd": cols["scap"],
        "utilisation_final_ratio": cols["util"][-1],
        "utilisation_mean_ratio": sum(cols["util"]) / horizon,
        "stranded_capital_peak_usd": max(cols["scap"]),
        "stranded_capital_final_usd": cols["scap"][-1],
        "demand_growth_multiple": cols["demand"][-1] / cols["demand"][0],
    }


def _dcf(r0: float, g: float, m: float, r: float, gt: float, n: int) -> float:
    if r <= gt:
        return math.nan
    value = sum(m * r0 * (1 + g) ** t / (1 + r) ** t for t in range(1, n + 1))
    terminal = m * r0 * (1 + g) ** n * (1 + gt) / (r - gt) / (1 + r) ** n
    return value + terminal


def valuation(p: P, horizon: int = 1, years: Sequence[int] = (), explicit_years: int = 10) -> dict[str, Any]:
    mv, r0, r, gt, n = p["market_value_usd"], p["revenue_usd"], p["discount_rate"], p["terminal_growth"], explicit_years
    out: dict[str, Any] = {}
    if "fcf_margin" in p:
        m = p["fcf_margin"]
        lo, hi = -0.99, 10.0
        g = math.nan
        if m > 0 and _dcf(r0, lo, m, r, gt, n) <= mv <= _dcf(r0, hi, m, r, gt, n):
            for _ in range(200):
                mid = 0.5 * (lo + hi)
                if _dcf(r0, mid, m, r, gt, n) < mv:
                    lo = mid
                else:
                    hi = mid
            g = 0.5 * (lo + hi)
        out["implied_growth_ratio"] = g
        out["implied_revenue_final_usd"] = r0 * (1 + g) ** n
    if "revenue_growth_annual" in p:
        out["implied_margin_ratio"] = mv / _dcf(r0, p["revenue_growth_annual"], 1.0, r, gt, n)
    if "fcf_margin" in p and "revenue_growth_annual" in p:
        v = _dcf(r0, p["revenue_growth_annual"], p["fcf_margin"], r, gt, n)
        out["scenario_value_usd"] = v
        out["fomo_premium_usd"] = mv - v
        out["fomo_premium_ratio"] = mv / v - 1
    return out


_BUYERS = ("msft", "googl", "amzn", "meta", "orcl")
_VENDORS = ("nvda", "amd", "avgo", "mrvl", "tsm")


def _pivoting(pivot: Any, capex0: list[float]) -> list[bool]:
    if isinstance(pivot, int):
        ranked = sorted(range(len(capex0)), key=lambda j: -capex0[j])  # stable: ties keep list order
        return [j in ranked[:pivot] for j in range(len(capex0))]
    return [b.upper() in pivot for b in _BUYERS]


def _peak_to_trough(xs: Sequence[float]) -> float:
    peak, worst = xs[0], 0.0
    for x in xs:
        peak = max(peak, x)
        worst = max(worst, 1.0 - x / peak)
    return worst


def contagion(
    p: P, horizon: int, years: Sequence[int] = (), *, options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The capex feedback loop, one path, quarter by quarter (see models/contagion.py)."""
    o = dict(options or {})
    capex0 = [p[f"{b}_capex_usd"] for b in _BUYERS]
    growth = [(1.0 + p.get(f"{b}_cloud_growth_annual", 0.0)) ** 0.25 for b in _BUYERS]
    pivots = _pivoting(o["pivot"], capex0)
    total0 = sum(capex0)
    share = {v: [p[f"{v}_hyperscaler_share"] * c / total0 for c in capex0] for v in _VENDORS}
    room = []
    for j, b in enumerate(_BUYERS):
        ocf = p.get(f"{b}_ocf_usd")
        cap = p.get("capex_to_ocf_max_ratio")
        room.append(math.inf if ocf is None or cap is None else max(0.0, cap * ocf / capex0[j] - 1.0))
    g, a, lam = p["loop_gain"], p.get("capex_adjustment_speed", 1.0), p.get("sentiment_smoothing", 1.0)
    shock, ramp, lag = o["shock_quarter"], o["cut_ramp_quarters"], o["sentiment_lag_quarters"]

    dev = [0.0] * len(_BUYERS)
    dev_other, sent = 0.0, 0.0
    supplier = dict.fromkeys(_VENDORS, 1.0)
    reported: list[float] = []
    rev: dict[str, list[float]] = {v: [] for v in _VENDORS}
    base: dict[str, list[float]] = {v: [] for v in _VENDORS}
    sup_path: list[float] = []
    capex_path: list[float] = []
    sent_path: list[float] = []
    deepest = [0.0] * len(_BUYERS)
    for t in range(horizon):
        phase = min(1.0, max(0.0, (t - shock + 1) / ramp))
        lift = g * sent
        for j in range(len(_BUYERS)):
            target = (-p["pivot_cut_ratio"] * phase if pivots[j] else 0.0) + min(lift, room[j])
            dev[j] = max(-1.0, dev[j] + a * (target - dev[j]))
            deepest[j] = max(deepest[j], -dev[j])
        dev_other = max(-1.0, dev_other + a * (lift - dev_other))
        level = [growth[j] ** t for j in range(len(_BUYERS))]
        capex_path.append(sum(capex0[j] * level[j] * (1.0 + dev[j]) for j in range(len(_BUYERS))))
        surprise = 0.0
        for v in _VENDORS:
            rest = 1.0 - sum(share[v])
            r = rest * (1.0 + dev_other) + sum(share[v][j] * level[j] * (1.0 + dev[j]) for j in range(len(_BUYERS)))
            b_ = rest + sum(share[v][j] * level[j] for j in range(len(_BUYERS)))
            rev[v].append(r)
            base[v].append(b_)
            surprise += (r / b_ - 1.0) / len(_VENDORS)
            supplier[v] += a * (r - supplier[v])
        reported.append(surprise)
        sent += lam * ((reported[t - lag] if t >= lag else 0.0) - sent)
        sent_path.append(sent)
        sup_path.append(sum(supplier.values()) / len(_VENDORS))

    out: dict[str, Any] = {}
    for v in _VENDORS:
        short = [max(0.0, 1.0 - r / b_) for r, b_ in zip(rev[v], base[v], strict=True)]
        worst = max(short)
        first = next(t for t, x in enumerate(short) if x >= 0.99 * worst)
        out[f"{v}_revenue_index"] = rev[v]
        out[f"{v}_revenue_drawdown_ratio"] = _peak_to_trough(rev[v])
        out[f"{v}_revenue_shortfall_ratio"] = worst
        out[f"{v}_quarters_to_trough"] = float(first - shock) if worst > 0 else math.nan
    spread_cut = [deepest[j] for j in range(len(_BUYERS)) if not pivots[j]]
    count = sum(1 for x in spread_cut if x >= p.get("spread_cut_threshold_ratio", 0.05))
    out.update(
        {
            "hyperscaler_capex_usd": capex_path,
            "sentiment_index": sent_path,
            "supplier_capex_index": sup_path,
            "hyperscaler_capex_drawdown_ratio": _peak_to_trough(capex_path),
            "supplier_capex_drawdown_ratio": _peak_to_trough(sup_path),
            "sentiment_min": min(sent_path),
            "non_pivot_cut_max_ratio": max(spread_cut, default=0.0),
            "spread_count": float(count),
            "loop_turned_flag": float(min(sent_path) < p.get("sentiment_turn_threshold", -0.1) and count > 0),
        }
    )
    if o.get("neocloud_pd") == "gpu-collateral" and "neocloud_spread_sensitivity" in p:
        out.update(_neocloud_facility(p, sent_path, horizon, o))
    elif "neocloud_spread_ratio" in p:
        s0, beta, lgd = p["neocloud_spread_ratio"], p["neocloud_spread_sensitivity"], p["neocloud_lgd_ratio"]
        spreads = [s0 * math.exp(-beta * s) for s in sent_path]
        hazard, pds = 0.0, []
        for s in spreads:
            hazard += s / lgd / 4.0
            pds.append(1.0 - math.exp(-hazard))
        out["neocloud_spread_path_ratio"] = spreads
        out["neocloud_default_prob"] = pds
        out["neocloud_default_prob_final"] = pds[-1]
        out["neocloud_default_prob_added"] = pds[-1] - (1.0 - math.exp(-horizon * s0 / lgd / 4.0))
    return out


# credit.gpu_collateral's defaults (its ModelSpec), for a neocloud facility that omits them
_CREDIT_DEFAULTS = {
    "declining_balance_factor": 2.0,
    "generation_drop_ratio": 0.0,
    "value_rental_elasticity": 0.0,
    "rental_price_decline_annual": 0.0,
    "rental_volatility_annual": 0.0,
    "utilisation": 1.0,
    "power_price_usd_per_kwh": 0.0,
    "gpu_kw": 0.0,
    "pue": 1.0,
    "other_opex_usd_per_gpu_hour": 0.0,
    "contracted_share": 0.0,
    "fire_sale_discount": 0.0,
    "cash_reserve_usd": 0.0,
}
_CREDIT_QUARTERLY_DEFAULTS = {"generation_launches": 0.0, "rental_shock": 0.0, "base_rate_annual": 0.0}
_CREDIT_OPTIONS = ("maturity_quarters", "draw_quarters", "amortisation", "value_curve", "default_on")


def _neocloud_facility(p: P, sentiment: Sequence[float], horizon: int, o: Mapping[str, Any]) -> dict[str, Any]:
    """The neocloud facility (``neocloud_`` parameters) at a spread of spread x exp(-beta s(t)):
    ``credit`` run on that rate path, and on its own rate for the no-shock path."""
    facility: dict[str, Any] = dict(_CREDIT_DEFAULTS)
    facility |= {k: [v] * horizon for k, v in _CREDIT_QUARTERLY_DEFAULTS.items()}
    facility |= {k[len("neocloud_") :]: v for k, v in p.items() if k.startswith("neocloud_")}
    terms = {k: o.get(f"neocloud_{k}") for k in _CREDIT_OPTIONS}
    spreads = [facility["spread_annual"] * math.exp(-p["neocloud_spread_sensitivity"] * s) for s in sentiment]
    moved = facility | {
        "spread_annual": 0.0,
        "base_rate_annual": [facility["base_rate_annual"][t] + spreads[t] for t in range(horizon)],
    }
    flags = credit(moved, horizon, options=terms)["defaulted_flag"]
    own = credit(facility, horizon, options=terms)["defaulted_flag"]
    return {
        "neocloud_spread_path_ratio": spreads,
        "neocloud_default_prob": flags,
        "neocloud_default_prob_final": flags[-1],
        "neocloud_default_prob_added": flags[-1] - own[-1],
    }


REFERENCE = {
    "required_revenue.sequoia": sequoia,
    "required_revenue.bain": bain,
    "required_revenue.jpmorgan": jpmorgan,
    "required_revenue.cohort": cohort,
    "depreciation": depreciation,
    "efficiency": efficiency,
    "valuation": valuation,
    "contagion.feedback": contagion,
}
"""Model name -> per-path reference function."""


def _credit_curve(age: float, life: float, k: float, curve: str) -> float:
    if age <= 0:
        return 0.0
    if curve == "declining_balance":
        base = min(max(1.0 - k / life, 0.0), 1.0)
        return float(base ** (age / 4.0))
    return min(max(1.0 - age / (4.0 * life), 0.0), 1.0)


def credit(p: P, horizon: int, years: Sequence[int] = (), options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """credit.gpu_collateral for one path, written quarter by quarter the obvious way."""
    o = dict(options or {})
    maturity = o.get("maturity_quarters") or horizon
    draw_q = o.get("draw_quarters") or 1
    amort = o.get("amortisation") or "annuity"
    curve_kind = o.get("value_curve") or "straight_line"
    facility = p["facility_usd"]
    fleet_cost = facility / p["initial_ltv_ratio"]
    gpus = fleet_cost / p["gpu_cost_usd"]
    tau_q = math.inf  # quarter in which the contract counterparty defaults
    if "counterparty_pd_annual" in p and p["counterparty_pd_annual"] > 0:
        u = p["counterparty_default_draw"]
        tau_q = (
            math.inf if u >= 1 else math.floor(4.0 * math.log(1.0 - u) / math.log(1.0 - p["counterparty_pd_annual"]))
        )
    contract = p.get("contract_usd_per_gpu_hour", p["rental_usd_per_gpu_hour"])
    opex_h = p["gpu_kw"] * p["pue"] * p["power_price_usd_per_kwh"] + p["other_opex_usd_per_gpu_hour"]
    nan = math.nan
    series: dict[str, list[float]] = {
        k: []
        for k in ("rental", "collateral", "balance", "ltv", "dscr", "cfads", "breach", "defaulted")
        + ("draw", "interest", "principal", "ds", "cash")
    }
    balance, cash, shock, gen = 0.0, p["cash_reserve_usd"], 0.0, 1.0
    alive = True
    first_breach = default_q = ead = recovery = nan
    for t in range(horizon):
        shock += 0.5 * p["rental_volatility_annual"] * p["rental_shock"][t]
        rental = p["rental_usd_per_gpu_hour"] * (1 - p["rental_price_decline_annual"]) ** (t / 4) * math.exp(shock)
        launches = p["generation_launches"][t]
        rate_l = p.get("generation_launch_rate_annual", 0.0)
        if rate_l > 0 and p["launch_draw"][t] < 1 - math.exp(-rate_l / 4):
            launches += 1
        gen *= (1 - p["generation_drop_ratio"]) ** launches
        value_share = (
            sum(
                _credit_curve(t - v + 1, p["economic_life_years"], p["declining_balance_factor"], curve_kind)
                for v in range(min(t + 1, draw_q))
            )
            / draw_q
        )
        collateral = fleet_cost * value_share * gen * math.exp(p["value_rental_elasticity"] * shock)
        hours = gpus * min(t + 1, draw_q) / draw_q * HOURS_PER_QUARTER
        share = p["contracted_share"] if t < tau_q else 0.0
        revenue = hours * share * contract + hours * (1 - share) * p["utilisation"] * rental
        cfads = revenue - hours * opex_h
        series["rental"].append(rental)
        series["collateral"].append(collateral)
        series["cfads"].append(cfads)
        if not alive:
            for k in ("balance", "ltv", "dscr", "interest", "principal", "ds", "cash", "draw"):
                series[k].append(nan)
            series["breach"].append(0.0)
            series["defaulted"].append(1.0)
            continue
        draw = facility / draw_q if t < draw_q else 0.0
        opening = balance + draw
        rate = (p["base_rate_annual"][t] + p["spread_annual"] + p.get("spread_shock_annual", [0.0] * horizon)[t]) / 4
        interest = opening * rate
        left = maturity - t
        balloon = False
        if left <= 0:
            principal = opening
        elif t < draw_q - 1:
            principal = 0.0
        elif amort == "annuity":
            payment = opening / left if rate == 0 else opening * rate / (1 - (1 + rate) ** -left)
            principal = payment - interest
        elif amort == "linear":
            principal = opening / left
        else:
            principal = opening if left == 1 else 0.0
            balloon = left == 1
        ds = interest if balloon else interest + principal
        available = cash + cfads
        closing = opening - principal
        missed = ds > 0 and available < ds
        ltv = (closing / collateral) if collateral > 0 else (math.inf if closing > 0 else 0.0)
        ltv_tested = (opening / collateral if collateral > 0 else math.inf) if balloon else ltv
        dscr = cfads / ds if ds > 0 else nan
        ltv_breach = "ltv_covenant" in p and opening > 0 and ltv_tested > p["ltv_covenant"]
        breach = ltv_breach or ("dscr_covenant" in p and opening > 0 and ds > 0 and dscr < p["dscr_covenant"])
        breach = breach and not missed
        refi_fail = balloon and ltv_breach and not missed
        default = missed or refi_fail or (o.get("default_on") == "breach" and breach)
        if breach and math.isnan(first_breach):
            first_breach = t
        series["draw"].append(draw)
        if missed or refi_fail:
            for k in ("balance", "ltv", "dscr", "interest", "principal", "ds", "cash"):
                series[k].append(nan)
        else:
            series["balance"].append(closing)
            series["ltv"].append(ltv if opening > 0 and math.isfinite(ltv) else nan)
            series["dscr"].append(dscr if opening > 0 else nan)
            series["interest"].append(interest)
            series["principal"].append(principal)
            series["ds"].append(ds)
            series["cash"].append(available - ds)
        series["breach"].append(1.0 if breach else 0.0)
        if default:
            alive = False
            default_q = t
            sale = collateral * (1 - p["fire_sale_discount"])
            if missed:
                ead, recovery = opening, sale + max(available, 0.0)
            elif refi_fail:
                ead, recovery = opening, sale + max(available - ds, 0.0)
            else:
                ead, recovery = closing, sale + max(available - ds, 0.0)
        else:
            balance, cash = closing, available - ds
        series["defaulted"].append(0.0 if alive else 1.0)
    if alive:
        lgd, loss = nan, 0.0
        equity = max(series["collateral"][-1] + cash - balance, 0.0)
    else:
        lgd = 0.0 if ead <= 0 else 1 - min(ead, recovery) / ead
        loss = max(ead - recovery, 0.0)
        equity = max(recovery - ead, 0.0)
    out: dict[str, Any] = {
        "rental_usd_per_gpu_hour": series["rental"],
        "collateral_value_usd": series["collateral"],
        "balance_usd": series["balance"],
        "ltv_ratio": series["ltv"],
        "dscr_ratio": series["dscr"],
        "cfads_usd": series["cfads"],
        "breach_flag": series["breach"],
        "defaulted_flag": series["defaulted"],
        "default_flag": 0.0 if alive else 1.0,
        "breach_any_flag": 0.0 if math.isnan(first_breach) else 1.0,
        "time_to_first_breach_years": (first_breach + 1) / 4,
        "time_to_default_years": (default_q + 1) / 4,
        "ead_usd": ead,
        "lgd_ratio": lgd,
        "loss_usd": loss,
        "equity_value_usd": equity,
    }
    if o.get("cash_flows") is not None:
        out.update(
            {
                "draw_usd": series["draw"],
                "interest_usd": series["interest"],
                "principal_usd": series["principal"],
                "debt_service_usd": series["ds"],
                "cash_usd": series["cash"],
            }
        )
    return out


REFERENCE["credit.gpu_collateral"] = credit
