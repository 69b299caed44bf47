"""Double-ordering: a multi-stage supply chain with bullwhip, rationing, shortage gaming and phantom orders.

The mechanism behind the "supply-constrained inventory bubble" (published-analyses.md section 7):
when supply is rationed pro rata, buyers inflate orders (Lee, Padmanabhan & Whang 1997); suppliers
read the phantom backlog as demand and add capacity; when supply catches up the duplicates are
cancelled and leave inventory, idle capacity and write-downs behind.

The chain (stage 0 = the buyers facing end demand, stage N-1 the most upstream ordering stage, above
it the *source*: foundry / packaging capacity)::

    end demand D -> stage 0 -> stage 1 -> ... -> stage N-1 -> source (capacity C_t)

One period (a week or a quarter), stages bottom-up, then the source:

1. Arrivals: units shipped ``lead_time`` periods ago reach the stage (genuine units into working
   inventory, units that filled phantom orders into *idle* stock: capacity bought beyond need).
2. Incoming orders (end demand for stage 0; the downstream stage's orders, ``order_delay`` periods
   after they were placed) join the backlog the stage owes downstream, genuine and phantom parts kept
   apart (the stage itself cannot tell them apart).
3. Shipping: ``min(inventory, backlog)``, pro rata over genuine and phantom backlog; the fill rate
   ``shipped / owed`` is what the downstream stage observes.
4. Ordering (demand-signal processing), on everything received, since the stage cannot tell:

   * ``order-up-to`` (Chen, Drezner, Ryan & Simchi-Levi 2000): ``y_t = M * mean of the last p incoming
     orders + safety stock``, ``M = lead_time + order_delay``; order ``max(0, y_t - IP_t)``, ``IP`` =
     inventory - backlog owed + genuine supply line. With i.i.d. demand and no clipping
     ``Var(q)/Var(D) = 1 + 2M/p + 2M^2/p^2`` exactly (the paper's bound, met with equality when the
     safety stock is constant).
   * ``sterman`` (Sterman 1989, anchoring and adjustment): ``O_t = max(0, L^e_t + alpha_S (S' - S_t -
     beta SL_t))``, ``L^e_t = theta L_{t-1} + (1 - theta) L^e_{t-1}``, ``S = inventory - backlog``,
     ``SL`` = genuine supply line; ``S'`` = the initial equilibrium (orders equal demand at the start).

5. Shortage gaming (``rationing: true``): a stage expecting fill rate ``f`` (exponentially smoothed,
   weight ``fill_smoothing``) places ``q * g`` with ``g = min(inflation_cap, 1 / f)``; ``q (g - 1)``
   are phantom orders. Phantom backlog above ``(g - 1) x`` the genuine backlog is cancelled at
   ``cancellation_rate`` per period (1: all of it at once, the "evaporate overnight" case).
6. The source ships ``min(C_t, backlog)`` (unlimited without rationing) after ``production_lead_time``.
   Capacity response: it starts building ``capacity_gain x`` the gap between the capacity it wants
   (its moving-average order intake plus its backlog spread over one production lead time) and the
   capacity it has or is building; builds land ``capacity_build_lag_periods`` later (fractional lags
   split between the two neighbouring periods) and capacity never shrinks.
7. Write-downs (``generation_periods``): buyer idle stock and vendor inventory older than a product
   generation, first in first out: ``max(0, stock - inflows of the last G periods)``.

The *vendor* is the supplier of the buyers: stage 1 when ``stages >= 2``, else the source. Vendor
revenue = units shipped to the buyers x ``unit_price_usd``.

Stock-flow identities (tested on every path and period, see :func:`run_chain` ``trace=True``):
backlog_t = backlog_{t-1} + ordered - shipped - cancelled; inventory_t = inventory_{t-1} + received -
shipped - written down; in transit_t = in transit_{t-1} + shipped - received.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from capexwatch.models import _jit
from capexwatch.models._spec import Context, ModelSpec, Option, Output, Param
from capexwatch.models._typing import FloatArray, IntArray, Outputs, Params

__all__ = ["MAX_STAGES", "SPECS", "ChainConfig", "double_ordering", "run_chain"]

MAX_STAGES = 8

STERMAN_URL = "https://web.mit.edu/jsterman/www/SDG/beergame.html"
CHEN_URL = "https://docplayer.net/amp/15787309-An-important-observation-in-supply-chain-management-known-as-the-bullwhip-effect.html"
LEE_URL = "https://studymode.com/essays/Bullwhip-Effect-1329347.html"

SERIES = (
    "demand_units",
    "orders_units",
    "true_orders_units",
    "phantom_orders_units",
    "backlog_units",
    "phantom_backlog_units",
    "lead_time_periods",
    "shipments_units",
    "vendor_revenue_usd",
    "vendor_inventory_units",
    "buyer_inventory_units",
    "idle_capacity_units",
    "cancelled_units",
)


@dataclass(frozen=True)
class ChainConfig:
    """The structural (non-random) settings, from the model's options."""

    stages: int = 1
    policy: str = "order-up-to"
    forecast_periods: int = 5
    lead_time: int = 2
    order_delay: int = 0
    production_lead_time: int = 2
    demand_process: str = "iid"
    demand_step_at: int | None = None
    rationing: bool = False
    generation_periods: int | None = None
    burn_in_periods: int = 0

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> ChainConfig:
        lead = int(options.get("lead_time", 2))
        prod = options.get("production_lead_time")
        return cls(
            stages=int(options.get("stages", 1)),
            policy=str(options.get("policy", "order-up-to")),
            forecast_periods=int(options.get("forecast_periods", 5)),
            lead_time=lead,
            order_delay=int(options.get("order_delay", 0)),
            production_lead_time=lead if prod is None else int(prod),
            demand_process=str(options.get("demand_process", "iid")),
            demand_step_at=None if options.get("demand_step_at") is None else int(options["demand_step_at"]),
            rationing=bool(options.get("rationing", False)),
            generation_periods=None
            if options.get("generation_periods") is None
            else int(options["generation_periods"]),
            burn_in_periods=_burn_in(options),
        )

    def inbound_lead(self, k: int) -> int:
        """Shipping delay into stage k (from stage k+1, or from the source for the top stage)."""
        return self.production_lead_time if k == self.stages - 1 else self.lead_time


def _burn_in(options: Mapping[str, Any]) -> int:
    """Given, or long enough for every stage's forecast window to fill with simulated orders."""
    given = options.get("burn_in_periods")
    if given is not None:
        return int(given)
    return int(options.get("stages", 1)) * (int(options.get("forecast_periods", 5)) + 1)


# --- demand --------------------------------------------------------------------------------------


def true_demand(p: Params, cfg: ChainConfig, horizon: int) -> FloatArray:
    """End demand per path and period, units: level (with growth and step) plus shocks, floored at 0."""
    n = p["demand_mean"].shape[0]
    t = np.arange(horizon, dtype=np.float64)
    level = p["demand_mean"][:, None] * (1.0 + p["demand_growth"][:, None]) ** t[None, :]
    if cfg.demand_process == "step" and cfg.demand_step_at is not None and "demand_step_to" in p:
        after = t >= cfg.demand_step_at
        growth = (1.0 + p["demand_growth"][:, None]) ** t[None, :]
        level = np.where(after[None, :], p["demand_step_to"][:, None] * growth, level)
    noise = p["demand_sd"][:, None] * p["demand_shock"][:, :horizon]
    if cfg.demand_process == "ar1":
        rho = p["demand_rho"]
        dev = np.zeros(n)
        out = np.empty((n, horizon))
        for s in range(horizon):  # AR(1) deviations from the level, started at the level
            dev = rho * dev + noise[:, s]
            out[:, s] = level[:, s] + dev
        return np.maximum(out, 0.0)
    return np.maximum(level + noise, 0.0)


# --- the chain -----------------------------------------------------------------------------------


class _Ring:
    """``size`` slots of per-path values, indexed by period modulo size (pipelines, windows)."""

    def __init__(self, size: int, n: int, fill: FloatArray | float = 0.0) -> None:
        self.size = max(size, 1)
        self.buf = np.empty((self.size, n))
        self.buf[:] = fill

    def take(self, t: int) -> FloatArray:
        """Remove and return slot ``t`` (what arrives at t)."""
        slot = t % self.size
        x: FloatArray = self.buf[slot].copy()
        self.buf[slot] = 0.0
        return x

    def total(self) -> FloatArray:
        total: FloatArray = self.buf.sum(axis=0)
        return total


@dataclass
class _Stage:
    inv: FloatArray  # working inventory
    idle: FloatArray  # units received against phantom orders
    bl_true: FloatArray  # backlog owed downstream, genuine part
    bl_ph: FloatArray  # ... phantom part
    sl: FloatArray  # genuine supply line: placed - received
    tr_true: _Ring  # in transit to this stage
    tr_ph: _Ring
    mail_true: _Ring  # orders on their way to the supplier
    mail_ph: _Ring
    hist: _Window  # last p incoming orders (moving-average forecast)
    expected: FloatArray  # Sterman's L^e
    prev_incoming: FloatArray
    fill_hat: FloatArray  # expected fill rate of the supplier
    last_fill: FloatArray  # fill rate observed last period
    desired: FloatArray  # S' (sterman) or the safety stock (order-up-to)


def _init_stage(cfg: ChainConfig, k: int, p: Params, n: int) -> _Stage:
    mean = p["demand_mean"]
    lead = cfg.inbound_lead(k)
    safety = p["safety_stock_periods"] * mean
    supply_line = (lead + cfg.order_delay) * mean
    # S' = the state at the first decision (after one period's arrival: L + d - 1 periods on order)
    desired = safety + p["beta"] * (supply_line - mean) if cfg.policy == "sterman" else safety
    return _Stage(
        inv=safety.copy(),
        idle=np.zeros(n),
        bl_true=np.zeros(n),
        bl_ph=np.zeros(n),
        sl=supply_line.copy(),
        tr_true=_Ring(lead, n, mean),
        tr_ph=_Ring(lead, n),
        mail_true=_Ring(cfg.order_delay, n, mean),
        mail_ph=_Ring(cfg.order_delay, n),
        hist=_Window(cfg.forecast_periods, n, mean),
        expected=mean.copy(),
        prev_incoming=mean.copy(),
        fill_hat=np.ones(n),
        last_fill=np.ones(n),
        desired=desired,
    )


@dataclass
class _Source:
    bl_true: FloatArray
    bl_ph: FloatArray
    capacity: FloatArray
    building: FloatArray  # capacity under construction
    landing: _Ring
    hist: _Window  # last p orders received (capacity planning)


TINY = 1e-300


def _ship(bl_true: FloatArray, bl_ph: FloatArray, limit: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Pro-rata shipment of at most ``limit`` from a backlog: (genuine, phantom, fill rate).

    Every order is filled in the same proportion ``min(limit, owed) / owed`` (1 with nothing owed)."""
    owed = bl_true + bl_ph
    ratio = np.minimum(limit, owed) / np.maximum(owed, TINY)
    fill = np.where(owed > 0.0, ratio, 1.0)
    return bl_true * ratio, bl_ph * ratio, fill


def _policy_order(cfg: ChainConfig, st: _Stage, incoming: FloatArray, p: Params, k: int) -> FloatArray:
    """The genuine order of one stage (demand-signal processing), units."""
    owed = st.bl_true + st.bl_ph
    if cfg.policy == "sterman":
        theta = p["theta"]
        st.expected = theta * st.prev_incoming + (1.0 - theta) * st.expected
        st.prev_incoming = incoming
        gap = st.desired - (st.inv - owed) - p["beta"] * st.sl
        return np.maximum(0.0, st.expected + p["alpha_s"] * gap)
    multiple = cfg.inbound_lead(k) + cfg.order_delay
    target = multiple * st.hist.sum / cfg.forecast_periods + st.desired
    position = st.inv - owed + st.sl
    order: FloatArray = np.maximum(0.0, target - position)
    return order


def _game(cfg: ChainConfig, st: _Stage, p: Params) -> FloatArray:
    """Order multiplier g = min(cap, 1 / expected fill), 1 without rationing."""
    st.fill_hat = st.fill_hat + p["fill_smoothing"] * (st.last_fill - st.fill_hat)
    if not cfg.rationing:
        return np.ones_like(st.fill_hat)
    cap = p["inflation_cap"]
    return np.minimum(cap, 1.0 / np.maximum(st.fill_hat, 1.0 / cap))


def _cancel(mult: FloatArray, sup_true: FloatArray, sup_ph: FloatArray, p: Params) -> FloatArray:
    """Phantom backlog cancelled this period: the excess over what the buyer still wants, times the rate."""
    wanted = (mult - 1.0) * sup_true
    return p["cancellation_rate"] * np.maximum(0.0, sup_ph - wanted)


class _Window:
    """Running sum of the last ``size`` values per path (a ring buffer and its total)."""

    def __init__(self, size: int, n: int, fill: FloatArray | float = 0.0) -> None:
        self.ring = _Ring(size, n, fill)
        self.sum = self.ring.buf.sum(axis=0)

    def push(self, t: int, x: FloatArray) -> None:
        slot = t % self.ring.size
        self.sum = self.sum + (x - self.ring.buf[slot])
        self.ring.buf[slot] = x


def _writedown(stock: FloatArray, inflows: _Window, t: int, inflow: FloatArray) -> FloatArray:
    """FIFO: units older than the window are ``stock - inflows within the window`` (if positive)."""
    inflows.push(t, inflow)
    old: FloatArray = np.maximum(0.0, stock - inflows.sum)
    return old


TRACE_STAGE = (
    "placed_true",
    "placed_ph",
    "incoming_true",
    "incoming_ph",
    "shipped_true",
    "shipped_ph",
    "received_true",
    "received_ph",
    "cancelled",
    "inv",
    "idle",
    "bl_true",
    "bl_ph",
    "sl",
    "in_transit",
    "written_down",
)
"""Per-stage stocks and flows kept by ``run_chain(trace=True)``: arrays (paths, periods, stages).
``cancelled`` = phantom orders stage k cancelled at its supplier; ``written_down`` = write-downs of
the stage's working inventory plus idle stock."""

TRACE_SOURCE = ("src_in_true", "src_in_ph", "src_ship_true", "src_ship_ph", "src_bl_true", "src_bl_ph", "capacity")


def _source(cfg: ChainConfig, p: Params, n: int) -> _Source:
    mean = p["demand_mean"]
    longest = float(np.max(p["capacity_build_lag_periods"], initial=1.0))
    return _Source(
        bl_true=np.zeros(n),
        bl_ph=np.zeros(n),
        capacity=p["capacity_ratio"] * mean if cfg.rationing else np.full(n, np.inf),
        building=np.zeros(n),
        landing=_Ring(int(math.ceil(longest)) + 2, n),
        hist=_Window(cfg.forecast_periods, n, mean),
    )


def _build_capacity(cfg: ChainConfig, src: _Source, p: Params, t: int) -> None:
    """Start capacity towards the wanted level; it lands after the (fractional) build lag."""
    wanted = src.hist.sum / cfg.forecast_periods + (src.bl_true + src.bl_ph) / cfg.production_lead_time
    build = p["capacity_gain"] * np.maximum(0.0, wanted - src.capacity - src.building)
    src.building = src.building + build
    lag = p["capacity_build_lag_periods"]
    lo = np.floor(lag).astype(np.int64)
    w = lag - lo
    size = src.landing.size
    if lo.size and np.all(lag == lag[0]):  # one lag for every path: two row writes, not a scatter
        src.landing.buf[(t + int(lo[0])) % size] += build * (1.0 - w[0])
        src.landing.buf[(t + int(lo[0]) + 1) % size] += build * w[0]
        return
    rows = np.arange(build.shape[0])
    src.landing.buf[(t + lo) % size, rows] += build * (1.0 - w)
    src.landing.buf[(t + lo + 1) % size, rows] += build * w


def run_chain(p: Params, ctx: Context, *, trace: bool = False) -> dict[str, FloatArray]:
    """Simulate the chain over ``ctx.horizon_quarters`` periods.

    Returns the output series (``SERIES``, ``capacity_units``), ``orders_by_stage`` (stages, paths,
    periods), ``write_downs_units`` (paths,) and, with ``trace``, every stock and flow
    (``TRACE_STAGE``: (paths, periods, stages); ``TRACE_SOURCE``: (paths, periods)), units.
    Where compiled kernels are on this is the compiled kernel's result (the same numbers to rounding).
    """
    if _jit.enabled(ctx.work):
        return _compiled(p, ctx, trace=trace, keep_orders=True)[0]
    cfg = ChainConfig.from_options(ctx.options)
    n, horizon, n_st = ctx.paths, ctx.horizon_quarters, cfg.stages
    demand = np.ascontiguousarray(true_demand(p, cfg, horizon).T)  # time-major: row t is one period
    stages = [_init_stage(cfg, k, p, n) for k in range(n_st)]
    src = _source(cfg, p, n)
    gen = cfg.generation_periods
    idle_window, vendor_window = _Window(gen or 1, n), _Window(gen or 1, n)
    ship_window = _Window(cfg.forecast_periods, n, p["demand_mean"])
    zeros = np.zeros(n)

    # outputs are filled time-major (one contiguous row per period) and handed back transposed
    out = {name: np.zeros((horizon, n)) for name in (*SERIES, "capacity_units")}
    orders_k = np.zeros((n_st, horizon, n))
    tr = {k: np.zeros((n, horizon, n_st)) for k in TRACE_STAGE} if trace else {}
    tr_src = {k: np.zeros((n, horizon)) for k in TRACE_SOURCE} if trace else {}
    total_wd = np.zeros(n)

    for t in range(horizon):
        inc_true, inc_ph = demand[t], zeros
        to_buyers = zeros
        received_true, received_ph = [zeros] * n_st, [zeros] * n_st
        for k, st in enumerate(stages):
            r_true, r_ph = st.tr_true.take(t), st.tr_ph.take(t)
            received_true[k], received_ph[k] = r_true, r_ph
            st.inv, st.idle, st.sl = st.inv + r_true, st.idle + r_ph, st.sl - r_true
            st.bl_true, st.bl_ph = st.bl_true + inc_true, st.bl_ph + inc_ph
            s_true, s_ph, fill = _ship(st.bl_true, st.bl_ph, st.inv)
            st.bl_true, st.bl_ph = st.bl_true - s_true, st.bl_ph - s_ph
            st.inv = st.inv - (s_true + s_ph)
            if k > 0:  # to the downstream stage, arriving after its inbound lead time
                down = stages[k - 1]
                down.tr_true.buf[t % down.tr_true.size] += s_true
                down.tr_ph.buf[t % down.tr_ph.size] += s_ph
                down.last_fill = fill
                if k == 1:
                    to_buyers = s_true + s_ph
            incoming = inc_true + inc_ph
            st.hist.push(t, incoming)
            q = _policy_order(cfg, st, incoming, p, k)
            mult = _game(cfg, st, p)
            sup: _Stage | _Source = stages[k + 1] if k + 1 < n_st else src
            cancel = _cancel(mult, sup.bl_true, sup.bl_ph, p) if cfg.rationing else zeros
            sup.bl_ph = sup.bl_ph - cancel
            placed_true, placed_ph = q, q * (mult - 1.0)
            st.sl = st.sl + placed_true
            orders_k[k, t] = placed_true + placed_ph
            if trace:
                flows = {
                    "placed_true": placed_true,
                    "placed_ph": placed_ph,
                    "incoming_true": inc_true,
                    "incoming_ph": inc_ph,
                    "shipped_true": s_true,
                    "shipped_ph": s_ph,
                    "received_true": r_true,
                    "received_ph": r_ph,
                    "cancelled": cancel,
                    "bl_true": st.bl_true,
                    "bl_ph": st.bl_ph,
                }
                for key, value in flows.items():
                    tr[key][:, t, k] = value
            if k == 0:
                out["orders_units"][t] = placed_true + placed_ph
                out["true_orders_units"][t] = placed_true
                out["phantom_orders_units"][t] = placed_ph
                out["cancelled_units"][t] = cancel
            if cfg.order_delay > 0:  # the order reaches the supplier order_delay periods later
                inc_true, inc_ph = st.mail_true.take(t), st.mail_ph.take(t)
                st.mail_true.buf[t % st.mail_true.size] = placed_true
                st.mail_ph.buf[t % st.mail_ph.size] = placed_ph
            else:
                inc_true, inc_ph = placed_true, placed_ph

        # the source: capacity lands, orders join its backlog, it ships what capacity allows
        landed = src.landing.take(t)
        src.capacity, src.building = src.capacity + landed, src.building - landed
        src.bl_true, src.bl_ph = src.bl_true + inc_true, src.bl_ph + inc_ph
        s_true, s_ph, fill = _ship(src.bl_true, src.bl_ph, src.capacity)
        src.bl_true, src.bl_ph = src.bl_true - s_true, src.bl_ph - s_ph
        top = stages[-1]
        top.tr_true.buf[t % top.tr_true.size] += s_true
        top.tr_ph.buf[t % top.tr_ph.size] += s_ph
        top.last_fill = fill
        if n_st == 1:
            to_buyers = s_true + s_ph
        src_in = inc_true + inc_ph
        src.hist.push(t, src_in)
        if cfg.rationing:
            _build_capacity(cfg, src, p, t)

        # write-downs: buyer idle stock and vendor inventory older than a product generation
        buyers = stages[0]
        if gen is not None:
            wd = _writedown(buyers.idle, idle_window, t, received_ph[0])
            buyers.idle = buyers.idle - wd
            total_wd = total_wd + wd
            if trace:
                tr["written_down"][:, t, 0] = wd
            if n_st >= 2:
                vendor = stages[1]
                wd_v = _writedown(vendor.inv, vendor_window, t, received_true[1])
                vendor.inv = vendor.inv - wd_v
                total_wd = total_wd + wd_v
                if trace:
                    tr["written_down"][:, t, 1] = wd_v
        if trace:
            for k, st in enumerate(stages):
                tr["inv"][:, t, k], tr["idle"][:, t, k], tr["sl"][:, t, k] = st.inv, st.idle, st.sl
                tr["in_transit"][:, t, k] = st.tr_true.total() + st.tr_ph.total()
            src_now = {
                "src_in_true": inc_true,
                "src_in_ph": inc_ph,
                "src_ship_true": s_true,
                "src_ship_ph": s_ph,
                "src_bl_true": src.bl_true,
                "src_bl_ph": src.bl_ph,
                "capacity": src.capacity,
            }
            for key, value in src_now.items():
                tr_src[key][:, t] = value

        # what the buyers see of their supplier (the vendor): backlog and quoted lead time
        ship_window.push(t, to_buyers)
        vendor_bl = stages[1] if n_st >= 2 else src
        owed = vendor_bl.bl_true + vendor_bl.bl_ph
        transit = float(cfg.inbound_lead(0) + cfg.order_delay)
        rate = ship_window.sum / cfg.forecast_periods
        with np.errstate(divide="ignore", invalid="ignore"):
            lead = np.where(owed > 0.0, transit + owed / rate, transit)
        out["demand_units"][t] = demand[t]
        out["backlog_units"][t] = owed
        out["phantom_backlog_units"][t] = vendor_bl.bl_ph
        out["lead_time_periods"][t] = np.where(np.isfinite(lead), lead, np.nan)
        out["shipments_units"][t] = to_buyers
        out["vendor_revenue_usd"][t] = to_buyers * p["unit_price_usd"]
        out["vendor_inventory_units"][t] = stages[1].inv if n_st >= 2 else 0.0
        out["buyer_inventory_units"][t] = buyers.inv
        out["idle_capacity_units"][t] = buyers.idle
        out["capacity_units"][t] = src.capacity
    result: dict[str, FloatArray] = {name: x.T for name, x in out.items()}
    result["write_downs_units"] = total_wd
    result["orders_by_stage"] = orders_k.transpose(0, 2, 1)
    result.update(tr)
    result.update(tr_src)
    return result


# --- scalars -------------------------------------------------------------------------------------


def _time_variance(x: FloatArray) -> FloatArray:
    """Per-path variance over time (ddof 0), rows kept apart."""
    centred = x - x.mean(axis=1, keepdims=True)
    var: FloatArray = (centred * centred).mean(axis=1)
    return var


def bullwhip_ratios(orders_by_stage: FloatArray, demand: FloatArray, burn_in: int) -> list[FloatArray]:
    """Var(orders placed by stage k) / Var(end demand) per path, over periods from ``burn_in`` on
    (NaN where demand does not vary)."""
    d_var = _time_variance(demand[:, burn_in:])
    safe = np.where(d_var > 0.0, d_var, 1.0)
    return [np.where(d_var > 0.0, _time_variance(o[:, burn_in:]) / safe, np.nan) for o in orders_by_stage]


def phantom_share_peak(backlog: FloatArray, phantom: FloatArray) -> FloatArray:
    """Largest share of the vendor's backlog that is phantom, over periods with a backlog."""
    share = np.where(backlog > 0.0, phantom / np.where(backlog > 0.0, backlog, 1.0), 0.0)
    peak: FloatArray = share.max(axis=1)
    return peak


def backlog_drop_max_pct(backlog: FloatArray) -> FloatArray:
    """Largest one-period fall of the backlog, % of its peak (0 without a backlog)."""
    peak = backlog.max(axis=1)
    drop = np.maximum(0.0, -np.diff(backlog, axis=1)).max(axis=1, initial=0.0)
    return np.where(peak > 0.0, 100.0 * drop / np.where(peak > 0.0, peak, 1.0), 0.0)


def peak_to_trough_pct(x: FloatArray) -> FloatArray:
    """Fall from the peak to the lowest later value, % of the peak."""
    peak_at = x.argmax(axis=1)
    later = np.where(np.arange(x.shape[1])[None, :] >= peak_at[:, None], x, np.inf)
    peak = x.max(axis=1)
    trough = later.min(axis=1)
    return np.where(peak > 0.0, 100.0 * (peak - trough) / np.where(peak > 0.0, peak, 1.0), 0.0)


ROW_CHUNK = 2048
"""Paths simulated together: per-period temporaries of this many floats (16 KB) stay in cache and on
the heap, where whole work blocks (0.5 MB per array at 65,536 paths) cost a page fault per use.
Rows never mix, so the chunking leaves every result unchanged."""


def double_ordering(p: Params, ctx: Context) -> Outputs:
    """The model function: series per period and scalars per path (see the module docstring).

    Runs the compiled kernel (:mod:`capexwatch.models._supply_chain_kernel`) where Numba is
    installed and ``CAPEXWATCH_JIT`` is not 0, else the NumPy kernel; the two agree to rounding."""
    if _jit.enabled(ctx.work):
        return _compiled_outputs(p, ctx)
    if ctx.paths <= ROW_CHUNK:
        return _double_ordering(p, ctx)
    parts = []
    for lo in range(0, ctx.paths, ROW_CHUNK):
        hi = min(lo + ROW_CHUNK, ctx.paths)
        sub = {k: v[lo:hi] for k, v in p.items()}
        parts.append(_double_ordering(sub, replace(ctx, paths=hi - lo)))
    return {k: np.concatenate([part[k] for part in parts], axis=0) for k in parts[0]}


def _double_ordering(p: Params, ctx: Context) -> Outputs:
    cfg = ChainConfig.from_options(ctx.options)
    res = run_chain(p, ctx)
    out: Outputs = {name: res[name] for name in SERIES}
    if cfg.rationing:
        out["capacity_units"] = res["capacity_units"]
    ratios = bullwhip_ratios(
        res["orders_by_stage"], res["demand_units"], min(cfg.burn_in_periods, ctx.horizon_quarters - 1)
    )
    for k, ratio in enumerate(ratios):
        out[f"bullwhip_ratio_stage_{k + 1}"] = ratio
        out[f"order_peak_stage_{k + 1}"] = res["orders_by_stage"][k].max(axis=1)
    out["phantom_share_peak"] = phantom_share_peak(res["backlog_units"], res["phantom_backlog_units"])
    out["backlog_drop_max_pct"] = backlog_drop_max_pct(res["backlog_units"])
    out["vendor_revenue_peak_to_trough_pct"] = peak_to_trough_pct(res["vendor_revenue_usd"])
    out["lead_time_peak_periods"] = np.fmax.reduce(res["lead_time_periods"], axis=1)
    out["phantom_orders_total_units"] = res["phantom_orders_units"].sum(axis=1)
    out["write_downs_units"] = res["write_downs_units"]
    return out


# --- the compiled kernel ---------------------------------------------------------------------------

N_SERIES = len(SERIES) + 1  # and capacity_units


def _kernel_settings(cfg: ChainConfig, p: Params, horizon: int, *, trace: bool, keep_orders: bool) -> IntArray:
    """The integer settings vector of ``_supply_chain_kernel.chain_kernel`` (its ``SETTINGS``)."""
    from capexwatch.models._supply_chain_kernel import SETTINGS

    process = {"iid": 0, "ar1": 1, "step": 2}[cfg.demand_process]
    if process == 2 and (cfg.demand_step_at is None or "demand_step_to" not in p):
        process = 0  # as true_demand: a step needs both settings
    longest = float(np.max(p["capacity_build_lag_periods"], initial=1.0))
    values = {
        "stages": cfg.stages,
        "sterman": int(cfg.policy == "sterman"),
        "forecast_periods": cfg.forecast_periods,
        "lead_time": cfg.lead_time,
        "order_delay": cfg.order_delay,
        "production_lead_time": cfg.production_lead_time,
        "demand_process": process,
        "demand_step_at": -1 if cfg.demand_step_at is None else cfg.demand_step_at,
        "rationing": int(cfg.rationing),
        "generation_periods": cfg.generation_periods or 0,
        "burn_in": min(cfg.burn_in_periods, horizon - 1),
        "landing_slots": int(math.ceil(longest)) + 2,
        "keep_orders": int(keep_orders),
        "trace": int(trace),
        "series_stride": _series_stride(p["demand_mean"].shape[0] * horizon),
    }
    return np.array([values[name] for name in SETTINGS], dtype=np.int64)


def _series_stride(length: int) -> int:
    """Elements from one output series to the next in the compiled kernel's buffer: at least
    ``length``, and 8 more than a multiple of 512 (64 bytes past a multiple of 4 KiB, so the 14
    values a path writes per period fall in different cache sets)."""
    return length + (8 - length) % 512


def _compiled(
    p: Params, ctx: Context, *, trace: bool = False, keep_orders: bool = False
) -> tuple[dict[str, FloatArray], FloatArray]:
    """Run the compiled kernel: ``run_chain``'s dictionary, and the scalars (rows: bullwhip ratio
    per stage, order peak per stage, then the six of ``_scalar_names``)."""
    from capexwatch.models._supply_chain_kernel import PARAMS, chain_kernel

    cfg = ChainConfig.from_options(ctx.options)
    n, horizon, n_st = ctx.paths, ctx.horizon_quarters, cfg.stages
    prm = np.zeros((len(PARAMS), n))
    for j, name in enumerate(PARAMS):
        if name in p:
            prm[j] = p[name]
    shock = np.ascontiguousarray(p["demand_shock"][:, :horizon], dtype=np.float64)
    size = n * horizon
    stride = _series_stride(size)
    out = ctx.empty(N_SERIES * stride)  # the kernel writes every element of the series it returns
    series = [out[j * stride : j * stride + size].reshape(n, horizon) for j in range(N_SERIES)]
    scalars = np.empty((2 * n_st + 6, n))
    orders = np.empty((n_st, n, horizon) if keep_orders else (n_st, 0, 0))
    tr_stage = np.zeros((len(TRACE_STAGE), n, horizon, n_st) if trace else (len(TRACE_STAGE), 0, 0, 0))
    tr_src = np.zeros((len(TRACE_SOURCE), n, horizon) if trace else (len(TRACE_SOURCE), 0, 0))
    settings = _kernel_settings(cfg, p, horizon, trace=trace, keep_orders=keep_orders)
    chain_kernel(settings, prm, shock, out, scalars, orders, tr_stage, tr_src)
    result: dict[str, FloatArray] = {name: series[j] for j, name in enumerate((*SERIES, "capacity_units"))}
    result["write_downs_units"] = scalars[-1]
    if keep_orders:
        result["orders_by_stage"] = orders
    if trace:
        result.update({name: tr_stage[j] for j, name in enumerate(TRACE_STAGE)})
        result.update({name: tr_src[j] for j, name in enumerate(TRACE_SOURCE)})
    return result, scalars


def _scalar_names(stages: int) -> list[str]:
    """Names of the compiled kernel's scalar rows, in order."""
    return [
        *(f"bullwhip_ratio_stage_{k + 1}" for k in range(stages)),
        *(f"order_peak_stage_{k + 1}" for k in range(stages)),
        "phantom_share_peak",
        "backlog_drop_max_pct",
        "vendor_revenue_peak_to_trough_pct",
        "lead_time_peak_periods",
        "phantom_orders_total_units",
        "write_downs_units",
    ]


def _compiled_outputs(p: Params, ctx: Context) -> Outputs:
    """``double_ordering``'s outputs from the compiled kernel (series and scalars in one pass)."""
    cfg = ChainConfig.from_options(ctx.options)
    res, scalars = _compiled(p, ctx)
    out: Outputs = {name: res[name] for name in SERIES}
    if cfg.rationing:
        out["capacity_units"] = res["capacity_units"]
    out.update({name: scalars[j] for j, name in enumerate(_scalar_names(cfg.stages))})
    return out


# --- declarations --------------------------------------------------------------------------------


def check_settings(options: Mapping[str, Any], present: frozenset[str]) -> list[tuple[str, str]]:
    """Combinations the per-field checks cannot see: (field under parameters, message)."""
    problems: list[tuple[str, str]] = []
    if options.get("demand_process") == "step":
        if options.get("demand_step_at") is None:
            problems.append(("demand_process", "demand_process: step needs demand_step_at (the period of the step)"))
        if "demand_step_to" not in present:
            problems.append(("demand_process", "demand_process: step needs demand_step_to (the level after it)"))
    return problems


def _stage_outputs() -> tuple[Output, ...]:
    out: list[Output] = []
    for k in range(1, MAX_STAGES + 1):
        out.append(
            Output(
                f"bullwhip_ratio_stage_{k}",
                f"Var(orders placed by stage {k}) / Var(end demand) over the periods after burn-in",
                "ratio",
                min_options=(("stages", k),),
            )
        )
        out.append(
            Output(
                f"order_peak_stage_{k}",
                f"largest order placed by stage {k} in one period",
                "units",
                min_options=(("stages", k),),
            )
        )
    return tuple(out)


def _series(name: str, description: str, unit: str, **kw: Any) -> Output:
    return Output(name, description + " (per period)", unit, kind="series", **kw)


DOUBLE_ORDERING = ModelSpec(
    name="supply_chain.double_ordering",
    title="Double-ordering: bullwhip, rationing, shortage gaming and phantom orders in a supply chain",
    description="A multi-stage supply chain stepped weekly or quarterly: order-up-to or Sterman "
    "ordering, pro-rata rationing under capacity with order inflation (phantom orders), cancellation, "
    "capacity that lands after a build lag, inventories and write-downs.",
    func=double_ordering,
    time_series=True,
    default_horizon=200,
    periods=("week", "quarter"),
    params=(
        Param("demand_mean", "end demand per period at t = 0 (true need), units", "units", low=0, low_open=True),
        Param("demand_sd", "sd of the demand shock per period, units", "units", default=0.0, low=0),
        Param(
            "demand_rho",
            "AR(1) coefficient (demand_process: ar1)",
            "ratio",
            default=0.0,
            low=-1,
            high=1,
            low_open=True,
            high_open=True,
        ),
        Param(
            "demand_step_to", "demand level after the step (demand_process: step), units", "units", optional=True, low=0
        ),
        Param(
            "demand_growth",
            "growth of the demand level per period (0.01 = 1%)",
            "ratio",
            default=0.0,
            low=-1,
            low_open=True,
        ),
        Param(
            "demand_shock",
            "standardised demand shock per path and period (default: a fresh N(0, 1) draw each period)",
            "ratio",
            shape="quarterly",
            default_dist=(("dist", "normal"), ("mean", 0.0), ("sd", 1.0), ("per", "quarter")),
        ),
        Param(
            "safety_stock_periods",
            "safety stock, periods of initial demand (constant, as in Chen et al. 2000 with a known sd)",
            "periods",
            default=0.0,
            low=0,
        ),
        Param(
            "alpha_s",
            "Sterman: share of the inventory gap ordered per period (default 0.26, Sterman 1989 Table 4 mean)",
            "ratio",
            default=0.26,
            low=0,
            high=1,
        ),
        Param(
            "beta",
            "Sterman: weight of the supply line relative to inventory (default 0.34, Sterman 1989)",
            "ratio",
            default=0.34,
            low=0,
        ),
        Param(
            "theta",
            "Sterman: weight of the latest incoming orders in expected demand (default 0.36, Sterman 1989)",
            "ratio",
            default=0.36,
            low=0,
            high=1,
        ),
        Param(
            "capacity_ratio",
            "source capacity per period at t = 0 / demand_mean (rationing: true)",
            "ratio",
            default=1.0,
            low=0,
            low_open=True,
        ),
        Param(
            "inflation_cap",
            "largest order inflation under rationing (2: the 20,000 -> 40,000 case; 1: none)",
            "ratio",
            default=1.0,
            low=1,
        ),
        Param(
            "fill_smoothing",
            "weight of the latest observed fill rate in the expected fill rate",
            "ratio",
            default=1.0,
            low=0,
            high=1,
            low_open=True,
        ),
        Param(
            "cancellation_rate",
            "share of unwanted phantom backlog cancelled per period (1: all at once)",
            "ratio",
            default=1.0,
            low=0,
            high=1,
        ),
        Param(
            "capacity_gain",
            "share of the source's capacity gap started per period (0: capacity fixed)",
            "ratio",
            default=0.0,
            low=0,
            high=1,
        ),
        Param(
            "capacity_build_lag_periods",
            "periods from starting capacity to using it (fractional allowed)",
            "periods",
            default=1.0,
            low=1,
            high=400,
        ),
        Param("unit_price_usd", "vendor revenue per unit shipped to the buyers, USD", "USD", default=1.0, low=0),
    ),
    options=(
        Option(
            "stages",
            "ordering stages above end demand (1: buyers only)",
            "int",
            default=1,
            low=1,
            high=MAX_STAGES,
            in_parameters=True,
        ),
        Option(
            "policy",
            "ordering rule",
            "choice",
            default="order-up-to",
            choices=("order-up-to", "sterman"),
            in_parameters=True,
        ),
        Option(
            "forecast_periods",
            "p: moving-average window of the forecast, periods",
            "int",
            default=5,
            low=1,
            high=520,
            in_parameters=True,
        ),
        Option(
            "lead_time",
            "L: shipping delay between stages, periods",
            "int",
            default=2,
            low=1,
            high=104,
            in_parameters=True,
        ),
        Option(
            "order_delay",
            "periods an order takes to reach the supplier",
            "int",
            default=0,
            low=0,
            high=104,
            in_parameters=True,
        ),
        Option(
            "production_lead_time",
            "the source's delay to the top stage (default: lead_time)",
            "int",
            low=1,
            high=104,
            in_parameters=True,
        ),
        Option(
            "demand_process",
            "end demand: iid, ar1 or step",
            "choice",
            default="iid",
            choices=("iid", "ar1", "step"),
            in_parameters=True,
        ),
        Option(
            "demand_step_at",
            "first period (0-based) at demand_step_to (demand_process: step)",
            "int",
            low=0,
            high=400,
            in_parameters=True,
        ),
        Option(
            "rationing",
            "source capacity limited, pro-rata allocation, shortage gaming, capacity response",
            "bool",
            default=False,
            in_parameters=True,
        ),
        Option(
            "generation_periods",
            "write down idle and vendor stock older than this many periods",
            "int",
            low=1,
            high=400,
            in_parameters=True,
        ),
        Option(
            "burn_in_periods",
            "periods left out of the bullwhip ratios (default: stages x (p + 1))",
            "int",
            low=0,
            high=399,
            in_parameters=True,
        ),
    ),
    outputs=(
        _series("demand_units", "end demand (true need)", "units"),
        _series("orders_units", "orders placed by the buyers, phantom included", "units"),
        _series("true_orders_units", "the buyers' genuine orders (their ordering rule's need)", "units"),
        _series("phantom_orders_units", "phantom orders placed by the buyers (orders - genuine)", "units"),
        _series("backlog_units", "the vendor's backlog owed to the buyers", "units"),
        _series("phantom_backlog_units", "phantom part of that backlog", "units"),
        _series("lead_time_periods", "quoted lead time: transit + backlog / recent shipment rate", "periods"),
        _series("shipments_units", "units the vendor ships to the buyers", "units"),
        _series("vendor_revenue_usd", "shipments x unit price", "USD"),
        _series("vendor_inventory_units", "the vendor's inventory (stage 2; 0 with one stage)", "units"),
        _series("buyer_inventory_units", "the buyers' working inventory", "units"),
        _series("idle_capacity_units", "units the buyers received against phantom orders, not written down", "units"),
        _series("cancelled_units", "phantom orders the buyers cancelled", "units"),
        _series("capacity_units", "source capacity", "units", min_options=(("rationing", 1),)),
        *_stage_outputs(),
        Output("phantom_share_peak", "largest phantom share of the vendor's backlog", "ratio"),
        Output("backlog_drop_max_pct", "largest one-period fall of the vendor's backlog, % of its peak", "pct"),
        Output("vendor_revenue_peak_to_trough_pct", "fall of vendor revenue from its peak to the later low, %", "pct"),
        Output("lead_time_peak_periods", "longest quoted lead time", "periods"),
        Output("phantom_orders_total_units", "phantom orders the buyers placed over the horizon", "units"),
        Output("write_downs_units", "idle and vendor stock written down over the horizon", "units"),
    ),
    references=(CHEN_URL, STERMAN_URL, LEE_URL),
    check=check_settings,
)

SPECS: tuple[ModelSpec, ...] = (DOUBLE_ORDERING,)
