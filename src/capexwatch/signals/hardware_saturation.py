"""``hardware_saturation``: a plateau in GPU orders from the Big Four.

Checks (the risk table's triggers), per calendar quarter:

A. **Buyers plateau**: Big-Four capex growth quarter on quarter (like-for-like: the companies
   reporting in both quarters) at or below ``plateau_growth_pct`` for ``plateau_quarters`` running.
B. **Vendor stalls**: GPU-vendor data-centre revenue growth q/q at or below
   ``vendor_flat_growth_pct`` ("flat or negative").
C. **Double ordering** (where the store has the metrics): a vendor's inventory and purchase
   obligations both growing faster y/y than its revenue (by ``double_ordering_margin_pp``), the
   signature of the 2021-22 shortage (published-analyses §7).
D. **Rental glut**: the latest H100 market rental price below the hardware breakeven
   (``rental_breakeven_usd_per_gpu_hour``, Latent Space; published-analyses §6).

Evidence only (no check): the GPU vendors' customer concentration from their own filings -- the
largest direct customers' share of revenue in the latest disclosure at or before the signal's
quarter, against the same period a year earlier, with the Big-Four capex growth of that quarter
(:mod:`capexwatch.signals._concentration`). No published threshold calibrates it, so it never
moves the status; the caveats say so.

Status: alert when A and B fire together (buyers plateau and the vendor stalls); watch when any
check fires; ok when A and B were both evaluated and nothing fired; otherwise insufficient-data.
With ``--ticker``: the company's own capex plateau (A), data-centre revenue (B) and double-ordering
(C); alert when two of them fire, watch on one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from capexwatch.facts.periods import calendar_quarter_end, quarter_index, quarter_label
from capexwatch.signals._compare import as_int, gt, isnum, le, lt, text
from capexwatch.signals._concentration import (
    EVIDENCE_ONLY,
    concentration_coverage,
    concentration_evidence,
    concentration_text,
    concentration_values,
    vendor_concentration,
)
from capexwatch.signals._current import history_from, pick_current, reference_quarter
from capexwatch.signals._evidence import event_evidence, row_evidence
from capexwatch.signals._growth import yoy
from capexwatch.signals._inputs import Inputs
from capexwatch.signals._panel import memo, metric_rows, tuples
from capexwatch.signals._runs import run_lengths
from capexwatch.signals._signal import Check, Evidence, Signal, SignalSpec, Status, Threshold, Value
from capexwatch.signals._text import fmt_pct
from capexwatch.signals.thresholds import max_lag, th

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SPEC", "compute", "double_ordering", "latest_rental_price", "quarter_table"]


def _sum_growth(rows: pd.DataFrame, members: list[str] | None) -> dict[int, dict[str, Any]]:
    """Like-for-like q/q growth of the sum over *members* (all present tickers if None) per cidx."""
    by = {(r.ticker, r.cidx): r for r in tuples(rows)}
    tick = sorted(set(rows["ticker"])) if members is None else members
    out: dict[int, dict[str, Any]] = {}
    for ci in sorted({c for _, c in by}):
        common = [t for t in tick if (t, ci) in by and (t, ci - 1) in by]
        if members is not None and len(common) < len(members):
            out[ci] = {
                "growth": float("nan"),
                "members": common,
                "rows": [by[(t, ci)] for t in tick if (t, ci) in by],
                "missing": [t for t in members if t not in common],
            }
            continue
        if not common:
            continue
        now = sum(by[(t, ci)].value for t in common)
        prev = sum(by[(t, ci - 1)].value for t in common)
        out[ci] = {
            "growth": (now / prev - 1) * 100 if prev > 0 else float("nan"),
            "members": common,
            "now": now,
            "prev": prev,
            "rows": [by[(t, k)] for t in common for k in (ci - 1, ci)],
            "missing": [],
        }
    return out


def double_ordering(inputs: Inputs, vendors: list[str], margin_pp: float) -> dict[int, dict[str, Any]]:
    """Per calendar quarter: vendors whose inventory and purchase obligations both grew faster y/y
    than revenue (``fired``), and those evaluated. Needs all three metrics for the vendor."""
    found: dict[int, dict[str, Any]] = {}
    series = {m: yoy(metric_rows(inputs, m, vendors)) for m in ("revenue", "inventory", "purchase_obligations")}
    if any(s.empty for s in series.values()):
        return found
    idx = {m: {(r.ticker, r.cidx): r for r in tuples(s) if isnum(r.yoy_pct)} for m, s in series.items()}
    keys = set(idx["revenue"]) & set(idx["inventory"]) & set(idx["purchase_obligations"])
    for t, ci in sorted(keys):
        rev, inv, po = idx["revenue"][(t, ci)], idx["inventory"][(t, ci)], idx["purchase_obligations"][(t, ci)]
        fired = gt(inv.yoy_pct - rev.yoy_pct, margin_pp) and gt(po.yoy_pct - rev.yoy_pct, margin_pp)
        d = found.setdefault(ci, {"evaluated": [], "fired": [], "rows": [], "detail": []})
        d["evaluated"].append(t)
        d["rows"].extend([rev, inv, po])
        d["detail"].append(
            f"{t}: inventory {fmt_pct(inv.yoy_pct)}, purchase obligations {fmt_pct(po.yoy_pct)}, "
            f"revenue {fmt_pct(rev.yoy_pct)} y/y"
        )
        if fired:
            d["fired"].append(t)
    return found


def latest_rental_price(inputs: Inputs, when: Any, max_age_days: float) -> tuple[float | None, list[Any]]:
    """Median H100 market rental price (USD per GPU-hour) of the latest date on or before *when*,
    no older than *max_age_days*; hyperscaler list prices (events whose entity is a company in the
    store) are left out: the breakeven is about the market price."""
    import pandas as pd

    e, dates = _rental_quotes(inputs)
    ts = pd.Timestamp(when)
    sel = (dates <= ts.to_datetime64()) & (dates > (ts - pd.Timedelta(days=max_age_days)).to_datetime64())
    if not sel.any():
        return None, []
    e = e[sel]
    last = e[e["date"] == e["date"].max()]
    return float(last["amount"].median()), [r for _, r in last.iterrows()]


def _rental_quotes(inputs: Inputs) -> tuple[pd.DataFrame, Any]:
    """H100 market rental quotes (hyperscalers' list prices left out) and their dates, once per inputs."""

    def make() -> tuple[pd.DataFrame, Any]:
        ev = inputs.events
        e = ev[
            (ev["kind"] == "gpu_rental_price")
            & (ev["metric"] == "h100_rental_price")
            & (ev["unit"] == "USD_per_gpu_hour")
            & ev["amount"].notna()
        ]
        e = e[~e["entity"].astype(str).str.upper().isin(set(inputs.entities["ticker"]))]
        return e, e["date"].to_numpy(dtype="datetime64[ns]")

    return memo(inputs, "hardware_saturation.rental_quotes", make)


def quarter_table(inputs: Inputs, thresholds: Mapping[str, Threshold], ticker: str | None = None) -> pd.DataFrame:
    """Per calendar quarter: the four checks and the status (group, or one company)."""
    import pandas as pd

    plateau = float(th(thresholds, "plateau_growth_pct"))
    n = int(th(thresholds, "plateau_quarters"))
    flat = float(th(thresholds, "vendor_flat_growth_pct"))
    margin = float(th(thresholds, "double_ordering_margin_pp"))
    breakeven = float(th(thresholds, "rental_breakeven_usd_per_gpu_hour"))
    max_age = float(th(thresholds, "rental_max_age_days"))
    if ticker is None:
        buyers: list[str] | None = inputs.tickers(big_four=True)
        vendors = [v.upper() for v in th(thresholds, "gpu_vendors")]
        do_vendors = [v.upper() for v in th(thresholds, "double_ordering_vendors")]
    else:
        buyers, vendors, do_vendors = [ticker], [ticker], [ticker]
    cap = _sum_growth(metric_rows(inputs, "capex", buyers), buyers)
    dc = _sum_growth(metric_rows(inputs, "data_center_revenue", vendors), vendors)
    dbl = double_ordering(inputs, do_vendors, margin)
    qs = sorted(set(cap) | set(dc) | set(dbl))
    if not qs:
        return pd.DataFrame()
    qs = list(range(qs[0], qs[-1] + 1))
    a_flags: list[bool | None] = [
        le(cap[c]["growth"], plateau) if c in cap and isnum(cap[c]["growth"]) else None for c in qs
    ]
    a_runs = run_lengths(qs, a_flags)
    recs = []
    for c, a_flag, (a_run, a_open) in zip(qs, a_flags, a_runs, strict=True):
        label = quarter_label(c)
        a: bool | None
        if a_flag is None:
            a = None
        elif not a_flag:
            a = False
        else:
            a = True if (a_run or 0) >= n else (None if a_open else False)
        b = le(dc[c]["growth"], flat) if c in dc and isnum(dc[c]["growth"]) else None
        d = dbl.get(c)
        c_fired = (len(d["fired"]) > 0) if d else None
        price, price_rows = (
            latest_rental_price(inputs, calendar_quarter_end(label), max_age) if ticker is None else (None, [])
        )
        d_fired = lt(price, breakeven) if price is not None else None
        if ticker is None:
            if a and b:
                status: Status = "alert"
            elif a or b or c_fired or d_fired:
                status = "watch"
            elif a is not None and b is not None:
                status = "ok"
            else:
                status = "insufficient-data"
        else:
            fired = [x for x in (a, b, c_fired) if x]
            known = [x for x in (a, b, c_fired) if x is not None]
            status = "alert" if len(fired) >= 2 else "watch" if fired else "ok" if known else "insufficient-data"
        reason = None
        if status == "insufficient-data":
            parts = []
            if a is None:
                who = ", ".join(buyers or [])
                parts.append(
                    f"capex growth q/q for {who}"
                    + (" (a plateau run may reach back before the data)" if a_flag else "")
                )
            if b is None:
                parts.append(f"data-centre revenue growth q/q for {', '.join(vendors)}")
            reason = f"{label}: no " + " and no ".join(parts)
        recs.append(
            {
                "quarter": label,
                "cidx": c,
                "capex_growth_pct": cap[c]["growth"] if c in cap else float("nan"),
                "capex_members": cap[c]["members"] if c in cap else [],
                "capex_missing": cap[c]["missing"] if c in cap else list(buyers or []),
                "capex_rows": cap[c]["rows"] if c in cap else [],
                "plateau_run": a_run,
                "plateau": a,
                "vendor_growth_pct": dc[c]["growth"] if c in dc else float("nan"),
                "vendor_rows": dc[c]["rows"] if c in dc else [],
                "vendor_flat": b,
                "double_ordering": c_fired,
                "double_ordering_detail": d,
                "rental_price": price if price is not None else float("nan"),
                "rental_rows": price_rows,
                "rental_below_breakeven": d_fired,
                "status": status,
                "reason": reason,
            }
        )
    t = pd.DataFrame(recs)
    t["value"] = (
        t["capex_growth_pct"] if ticker is None or t["capex_growth_pct"].notna().any() else t["vendor_growth_pct"]
    )
    # quarters before the first with any data on buyers or vendors carry no information
    has = t["capex_growth_pct"].notna() | t["vendor_growth_pct"].notna() | t["double_ordering"].notna()
    first = has.idxmax() if has.any() else len(t)
    return t.iloc[first:].reset_index(drop=True)


def compute(inputs: Inputs, thresholds: Mapping[str, Threshold], ticker: str | None = None) -> Signal:
    """Evaluate ``hardware_saturation`` (group, or one company)."""
    sig = SPEC.make(
        thresholds=dict(thresholds),
        scope=ticker or "group",
        unit="pct",
        value_label="Big-Four capex growth q/q" if ticker is None else f"{ticker} capex growth q/q",
        point_in_time=inputs.as_of,
    )
    sig.caveats = [
        "Capex is a proxy for GPU orders: it includes land, buildings and non-GPU equipment.",
        "Inventory and purchase obligations come only from SEC filings loaded with `capexwatch update`; "
        "the bundled snapshot has none, so the double-ordering check is usually not evaluated.",
    ]
    t = quarter_table(inputs, thresholds, ticker)
    if t.empty:
        sig.reason = "no capex or data-centre revenue" + (f" for {ticker}" if ticker else "") + " in the store"
        sig.summary = sig.reason
        return sig
    sig.history = history_from(t)
    row, why = pick_current(t, max_lag=max_lag(thresholds), reference=reference_quarter(inputs, t["quarter"]))
    if row is None:
        sig.reason = why
        sig.summary = f"insufficient data: {why}"
        return sig
    sig.status = row["status"]
    sig.reason = text(row["reason"])
    sig.as_of = row["quarter"]
    sig.as_of_date = calendar_quarter_end(row["quarter"])
    sig.value = (
        float(row["capex_growth_pct"])
        if isnum(row["capex_growth_pct"])
        else (float(row["vendor_growth_pct"]) if isnum(row["vendor_growth_pct"]) else None)
    )
    n = int(th(thresholds, "plateau_quarters"))
    d = row["double_ordering_detail"]
    sig.checks = [
        Check(
            "buyers_plateau",
            row["plateau"],
            f"capex growth q/q {fmt_pct(row['capex_growth_pct'])} (plateau at <= "
            f"{th(thresholds, 'plateau_growth_pct')}%; run {as_int(row['plateau_run'])} of {n})"
            + (f"; missing {', '.join(row['capex_missing'])}" if row["capex_missing"] else ""),
            "alert",
        ),
        Check(
            "vendor_flat",
            row["vendor_flat"],
            f"data-centre revenue growth q/q {fmt_pct(row['vendor_growth_pct'])} (flat at <= "
            f"{th(thresholds, 'vendor_flat_growth_pct')}%)",
            "alert",
        ),
        Check(
            "double_ordering",
            row["double_ordering"],
            "; ".join(d["detail"])
            if isinstance(d, dict)
            else "not evaluated: no inventory / purchase obligations / revenue y/y for the vendors",
            "watch",
        ),
    ]
    if ticker is None:
        sig.checks.append(
            Check(
                "rental_below_breakeven",
                row["rental_below_breakeven"],
                f"latest H100 market rental {row['rental_price']:.2f} USD/GPU-hour vs breakeven "
                f"{th(thresholds, 'rental_breakeven_usd_per_gpu_hour')}"
                if isnum(row["rental_price"])
                else "no H100 market rental price in the window",
                "watch",
            )
        )
    ev: list[Evidence] = []
    for r in row["capex_rows"]:
        ev.append(row_evidence(r, f"{r.ticker} capex"))
    for r in row["vendor_rows"]:
        ev.append(row_evidence(r, f"{r.ticker} data-centre revenue"))
    if isinstance(d, dict):
        for r in d["rows"]:
            ev.append(row_evidence(r, f"{r.ticker} {r.metric}"))
    for r in row["rental_rows"]:
        ev.append(event_evidence(r, "H100 rental price", unit="USD_per_gpu_hour"))
    if ticker is None:
        ev.extend(_guidance_context(inputs))
    conc = _concentration(inputs, vendors_of(thresholds, ticker), row["quarter"], t)
    for c in conc:
        ev.extend(concentration_evidence(c))
    sig.evidence = ev
    sig.values = {
        "capex_growth_qoq_pct": Value(_f(row["capex_growth_pct"]), "pct", "capex growth q/q, like-for-like"),
        "plateau_run": Value(_f(row["plateau_run"]), "quarters", "plateau quarters running"),
        "vendor_dc_growth_qoq_pct": Value(_f(row["vendor_growth_pct"]), "pct", "data-centre revenue growth q/q"),
        "h100_rental_usd_per_gpu_hour": Value(
            _f(row["rental_price"]),
            "USD_per_gpu_hour",
            "latest H100 market rental price (median of that date's quotes)",
        ),
    }
    sig.coverage = {
        "buyers": list(row["capex_members"]),
        "buyers_missing": list(row["capex_missing"]),
        "double_ordering_vendors_evaluated": d["evaluated"] if isinstance(d, dict) else [],
        "customer_concentration": [c["coverage"] for c in conc],
    }
    for c in conc:
        sig.values |= concentration_values(c)
    if conc:
        sig.caveats.append(EVIDENCE_ONLY)
    fired = [c.name for c in sig.checks if c.fired]
    sig.summary = (
        f"{row['quarter']}: capex {fmt_pct(row['capex_growth_pct'])} q/q, vendor DC "
        f"{fmt_pct(row['vendor_growth_pct'])} q/q"
        + (f"; firing: {', '.join(fired)}" if fired else "")
        + "".join(f"; {concentration_text(c)}" for c in conc)
    )
    return sig


def vendors_of(thresholds: Mapping[str, Threshold], ticker: str | None) -> list[str]:
    """The GPU vendors the signal reads (``gpu_vendors``), or the one company asked for."""
    return [ticker] if ticker is not None else [v.upper() for v in th(thresholds, "gpu_vendors")]


def _concentration(inputs: Inputs, vendors: list[str], quarter: str, t: pd.DataFrame) -> list[dict[str, Any]]:
    """Each vendor's customer concentration up to *quarter* (evidence only), with the Big-Four capex
    growth q/q of the disclosure's quarter and of the quarter before it from the signal's table *t*:
    concentration rising while that growth slows is the pattern the evidence is shown for."""
    out = []
    growth = dict(zip(t["quarter"], t["capex_growth_pct"], strict=True))
    for v in vendors:
        c = vendor_concentration(inputs, v, quarter)
        if c is None:
            continue
        cq = c["now"]["calendar_quarter"]
        now, before = _f(growth.get(cq)), _f(growth.get(quarter_label(quarter_index(cq) - 1)))
        cov = concentration_coverage(c)
        cov["capex_growth_qoq_pct"] = None if now is None else round(now, 2)
        cov["capex_growth_qoq_pct_quarter_before"] = None if before is None else round(before, 2)
        rising = _f(c["top1_change_pp"])
        cov["rising_while_capex_slows"] = (
            None if rising is None or now is None or before is None else bool(rising > 0 and now < before)
        )
        c["coverage"] = cov
        out.append(c)
    return out


def _guidance_context(inputs: Inputs) -> list[Evidence]:
    """The latest capex guidance per entity (context for the plateau question, not a trigger)."""
    ev = inputs.events
    g = ev[(ev["kind"] == "capex_guidance") & (ev["metric"] == "capex_guidance")]
    out = []
    for _, r in g.sort_values("date").groupby("entity").tail(1).iterrows():
        out.append(event_evidence(r, f"{r['entity']} capex guidance (context)"))
    return out


def _f(x: Any) -> float | None:
    return float(x) if isnum(x) else None


SPEC = SignalSpec(
    name="hardware_saturation",
    title="Hardware saturation",
    question="Are the Big Four's GPU orders plateauing while GPU vendors' data-centre sales stall?",
    description="A plateau in GPU orders from the largest buyers would end the vendors' growth and expose "
    "inventory built on double-ordering.",
    trigger="Big-Four capex growth below a threshold for N quarters, with Nvidia data-centre revenue flat or "
    "negative; vendor inventory and purchase obligations outgrowing revenue.",
    definition="Big-Four capex growth q/q (like-for-like) at or below the plateau threshold N quarters running; "
    "GPU-vendor data-centre revenue growth q/q at or below the flat band; double-ordering where "
    "inventory and purchase obligations are in the store; H100 rental price below breakeven.",
    formula="A: run(capex_q/capex_{q-1} - 1 <= p) >= N;  B: DC_q/DC_{q-1} - 1 <= f;  "
    "C: g_inv > g_rev and g_po > g_rev (y/y);  alert = A and B",
    compute=compute,
    order=3,
)
