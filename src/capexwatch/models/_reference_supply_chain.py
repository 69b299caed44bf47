"""The double-ordering chain for one path, in plain Python: the readable specification.

Same rules as :mod:`capexwatch.models.supply_chain` (see its docstring), written with lists and
loops and sharing no code with it; the tests hold the vectorised kernel to this path by path and
``benchmarks/bench_supply_chain.py`` times it as the baseline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["double_ordering"]

P = Mapping[str, Any]


def _demand(p: P, o: Mapping[str, Any], horizon: int) -> list[float]:
    out = []
    dev = 0.0
    for t in range(horizon):
        level = p["demand_mean"] * (1.0 + p["demand_growth"]) ** t
        if o["demand_process"] == "step" and o.get("demand_step_at") is not None and t >= o["demand_step_at"]:
            level = p["demand_step_to"] * (1.0 + p["demand_growth"]) ** t
        noise = p["demand_sd"] * p["demand_shock"][t]
        if o["demand_process"] == "ar1":
            dev = p["demand_rho"] * dev + noise
            out.append(max(level + dev, 0.0))
        else:
            out.append(max(level + noise, 0.0))
    return out


def _ship(owed_true: float, owed_ph: float, limit: float) -> tuple[float, float, float]:
    owed = owed_true + owed_ph
    if owed <= 0.0:
        return 0.0, 0.0, 1.0
    ratio = min(limit, owed) / owed
    return owed_true * ratio, owed_ph * ratio, ratio


def _variance(xs: list[float]) -> float:
    m = sum(xs) / len(xs)
    return sum((x - m) ** 2 for x in xs) / len(xs)


def double_ordering(p: P, horizon: int, options: Mapping[str, Any]) -> dict[str, Any]:
    """One path: ``p`` holds floats (``demand_shock`` a list), ``options`` the model's options."""
    o = dict(options)
    n_st = o["stages"]
    pp = o["forecast_periods"]
    lead = o["lead_time"]
    delay = o["order_delay"]
    prod = o["production_lead_time"] if o.get("production_lead_time") is not None else lead
    rationing = o["rationing"]
    gen = o.get("generation_periods")
    burn = o.get("burn_in_periods")
    burn = n_st * (pp + 1) if burn is None else burn
    mean = p["demand_mean"]

    def inbound(k: int) -> int:
        return int(prod if k == n_st - 1 else lead)

    demand = _demand(p, o, horizon)
    safety = p["safety_stock_periods"] * mean
    inv = [safety] * n_st
    idle = [0.0] * n_st
    bl_true = [0.0] * n_st
    bl_ph = [0.0] * n_st
    sl = [(inbound(k) + delay) * mean for k in range(n_st)]
    # transit[k][j]: units arriving at stage k j periods from now (j = 0 .. lead-1), genuine / phantom
    transit_true = [[mean] * inbound(k) for k in range(n_st)]
    transit_ph = [[0.0] * inbound(k) for k in range(n_st)]
    mail_true = [[mean] * delay for _ in range(n_st)]
    mail_ph = [[0.0] * delay for _ in range(n_st)]
    history = [[mean] * pp for _ in range(n_st)]
    expected = [mean] * n_st
    prev_in = [mean] * n_st
    fill_hat = [1.0] * n_st
    last_fill = [1.0] * n_st
    if o["policy"] == "sterman":
        # S' = equilibrium at the first decision: one period's shipment has arrived, L + d - 1 remain
        desired = [safety + p["beta"] * (inbound(k) + delay - 1) * mean for k in range(n_st)]
    else:
        desired = [safety] * n_st
    src_true = src_ph = 0.0
    capacity = p["capacity_ratio"] * mean if rationing else math.inf
    building = 0.0
    landing: dict[int, float] = {}
    src_hist = [mean] * pp
    ship_hist = [mean] * pp
    idle_in: list[float] = []
    vendor_in: list[float] = []
    written_down = 0.0

    names: tuple[str, ...] = ("demand_units", "orders_units", "true_orders_units", "phantom_orders_units")
    names += ("backlog_units", "phantom_backlog_units", "lead_time_periods", "shipments_units", "vendor_revenue_usd")
    names += ("vendor_inventory_units", "buyer_inventory_units", "idle_capacity_units", "cancelled_units")
    names += ("capacity_units",)
    out: dict[str, list[float]] = {name: [] for name in names}
    orders: list[list[float]] = [[] for _ in range(n_st)]

    for t in range(horizon):
        in_true, in_ph = demand[t], 0.0
        to_buyers = 0.0
        got_true = [0.0] * n_st
        got_ph = [0.0] * n_st
        for k in range(n_st):
            got_true[k] = transit_true[k].pop(0)
            got_ph[k] = transit_ph[k].pop(0)
            inv[k] += got_true[k]
            idle[k] += got_ph[k]
            sl[k] -= got_true[k]
            bl_true[k] += in_true
            bl_ph[k] += in_ph
            s_true, s_ph, fill = _ship(bl_true[k], bl_ph[k], inv[k])
            bl_true[k] -= s_true
            bl_ph[k] -= s_ph
            inv[k] -= s_true + s_ph
            # what stage k+1 ships lands at the back of stage k's transit list (after its lead time)
            if k > 0:
                transit_true[k - 1][-1] += s_true
                transit_ph[k - 1][-1] += s_ph
                last_fill[k - 1] = fill
                if k == 1:
                    to_buyers = s_true + s_ph
            incoming = in_true + in_ph
            history[k] = history[k][1:] + [incoming]
            owed = bl_true[k] + bl_ph[k]
            if o["policy"] == "sterman":
                expected[k] = p["theta"] * prev_in[k] + (1.0 - p["theta"]) * expected[k]
                prev_in[k] = incoming
                gap = desired[k] - (inv[k] - owed) - p["beta"] * sl[k]
                q = max(0.0, expected[k] + p["alpha_s"] * gap)
            else:
                target = (inbound(k) + delay) * (sum(history[k]) / pp) + desired[k]
                q = max(0.0, target - (inv[k] - owed + sl[k]))
            fill_hat[k] += p["fill_smoothing"] * (last_fill[k] - fill_hat[k])
            mult = min(p["inflation_cap"], 1.0 / max(fill_hat[k], 1.0 / p["inflation_cap"])) if rationing else 1.0
            cancel = 0.0
            if rationing:
                if k + 1 < n_st:
                    cancel = p["cancellation_rate"] * max(0.0, bl_ph[k + 1] - (mult - 1.0) * bl_true[k + 1])
                    bl_ph[k + 1] -= cancel
                else:
                    cancel = p["cancellation_rate"] * max(0.0, src_ph - (mult - 1.0) * src_true)
                    src_ph -= cancel
            placed_true, placed_ph = q, q * (mult - 1.0)
            sl[k] += placed_true
            orders[k].append(placed_true + placed_ph)
            if k == 0:
                out["orders_units"].append(placed_true + placed_ph)
                out["true_orders_units"].append(placed_true)
                out["phantom_orders_units"].append(placed_ph)
                out["cancelled_units"].append(cancel)
            if delay > 0:
                mail_true[k].append(placed_true)
                mail_ph[k].append(placed_ph)
                in_true, in_ph = mail_true[k].pop(0), mail_ph[k].pop(0)
            else:
                in_true, in_ph = placed_true, placed_ph
            transit_true[k].append(0.0)
            transit_ph[k].append(0.0)
        # the source
        land = landing.pop(t, 0.0)
        capacity += land
        building -= land
        src_true += in_true
        src_ph += in_ph
        s_true, s_ph, fill = _ship(src_true, src_ph, capacity)
        src_true -= s_true
        src_ph -= s_ph
        transit_true[n_st - 1][-1] += s_true
        transit_ph[n_st - 1][-1] += s_ph
        last_fill[n_st - 1] = fill
        if n_st == 1:
            to_buyers = s_true + s_ph
        src_hist = src_hist[1:] + [in_true + in_ph]
        if rationing:
            wanted = sum(src_hist) / pp + (src_true + src_ph) / prod
            build = p["capacity_gain"] * max(0.0, wanted - capacity - building)
            building += build
            lag = p["capacity_build_lag_periods"]
            whole = math.floor(lag)
            landing[t + whole] = landing.get(t + whole, 0.0) + build * (1.0 - (lag - whole))
            landing[t + whole + 1] = landing.get(t + whole + 1, 0.0) + build * (lag - whole)
        # write-downs, first in first out
        if gen is not None:
            idle_in = (idle_in + [got_ph[0]])[-gen:]
            wd = max(0.0, idle[0] - sum(idle_in))
            idle[0] -= wd
            written_down += wd
            if n_st >= 2:
                vendor_in = (vendor_in + [got_true[1]])[-gen:]
                wd = max(0.0, inv[1] - sum(vendor_in))
                inv[1] -= wd
                written_down += wd
        ship_hist = ship_hist[1:] + [to_buyers]
        v_true, v_ph = (bl_true[1], bl_ph[1]) if n_st >= 2 else (src_true, src_ph)
        owed = v_true + v_ph
        transit = float(lead + delay) if n_st > 1 else float(prod + delay)
        rate = sum(ship_hist) / pp
        lt = transit  # no backlog: just the transit time
        if owed > 0.0:
            lt = transit + owed / rate if rate > 0.0 else math.nan
        out["demand_units"].append(demand[t])
        out["backlog_units"].append(owed)
        out["phantom_backlog_units"].append(v_ph)
        out["lead_time_periods"].append(lt)
        out["shipments_units"].append(to_buyers)
        out["vendor_revenue_usd"].append(to_buyers * p["unit_price_usd"])
        out["vendor_inventory_units"].append(inv[1] if n_st >= 2 else 0.0)
        out["buyer_inventory_units"].append(inv[0])
        out["idle_capacity_units"].append(idle[0])
        out["capacity_units"].append(capacity)

    result: dict[str, Any] = {k: v for k, v in out.items() if k != "capacity_units" or rationing}
    b = min(burn, horizon - 1)
    d_var = _variance(demand[b:])
    for k in range(n_st):
        result[f"bullwhip_ratio_stage_{k + 1}"] = _variance(orders[k][b:]) / d_var if d_var > 0 else math.nan
        result[f"order_peak_stage_{k + 1}"] = max(orders[k])
    bl = out["backlog_units"]
    ph = out["phantom_backlog_units"]
    result["phantom_share_peak"] = max(ph[t] / bl[t] if bl[t] > 0 else 0.0 for t in range(horizon))
    peak = max(bl)
    drops = [max(0.0, bl[t - 1] - bl[t]) for t in range(1, horizon)]
    result["backlog_drop_max_pct"] = 100.0 * max(drops, default=0.0) / peak if peak > 0 else 0.0
    rev = out["vendor_revenue_usd"]
    top = max(rev)
    at = rev.index(top)
    result["vendor_revenue_peak_to_trough_pct"] = 100.0 * (top - min(rev[at:])) / top if top > 0 else 0.0
    finite = [x for x in out["lead_time_periods"] if not math.isnan(x)]
    result["lead_time_peak_periods"] = max(finite) if finite else math.nan
    result["phantom_orders_total_units"] = sum(out["phantom_orders_units"])
    result["write_downs_units"] = written_down
    return result
