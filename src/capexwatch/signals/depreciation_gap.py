"""``depreciation_gap``: reported useful lives against the economic life of AI hardware.

Reported life: the latest ``useful_life_change`` event of the company (``new_value``, years) dated
on or before the quarter's end. Economic life: ``economic_life_years`` (the risk table: 3-4 years).

Vintage model (Burry's critique as published: straight line, zero salvage, published-analyses §5),
quarterly, on the short-lived share ``s`` of each quarter's capex::

    D_q(L) = s * sum_{a = 0}^{4L - 1} capex_{q-a} / (4L)
    U_q    = D_q(L_econ) - D_q(L_reported)            understated depreciation in quarter q
    share  = U_q / operating income_q;   shown annualised as 4 x U_q

U_q needs capex for the last ``4 * max(L)`` quarters. When only the last ``4 * L_econ`` are there,
the missing older vintages would have been depreciated under the reported life alone (a negative
term), so the computed U is an **upper bound** and is labelled so; with fewer quarters it is not
computed. The reported life is applied to every vintage (changes are in fact prospective).

Status per company: ok when the reported life is no longer than the economic life; watch when it
is longer; alert when the exact U_q is at least ``alert_share_of_operating_income_pct`` of
operating income (an upper bound above it stays watch, with a note). Board: the worst company.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from capexwatch.facts.periods import calendar_quarter_end, quarter_index
from capexwatch.signals._compare import ge, gt, isnum, le, text
from capexwatch.signals._current import history_from, pick_current, reference_quarter
from capexwatch.signals._evidence import event_evidence, row_evidence
from capexwatch.signals._inputs import Inputs
from capexwatch.signals._panel import memo, metric_rows, records, tuples
from capexwatch.signals._signal import Check, Evidence, Signal, SignalSpec, Status, Threshold, Value, worst
from capexwatch.signals._text import fmt_pct, fmt_usd
from capexwatch.signals.thresholds import max_lag, th

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SPEC", "compute", "company_table", "reported_life", "understatement", "vintage_depreciation"]


def vintage_depreciation(capex: list[float], life_years: float) -> float:
    """Straight-line, zero-salvage depreciation in the last quarter of *capex* (oldest first,
    one value per consecutive quarter) for assets with *life_years*; each vintage is depreciated
    from its own quarter for ``4 * life_years`` quarters. Needs ``len(capex) >= 4 * life_years``."""
    n = int(math.ceil(4 * life_years - 1e-9))
    if len(capex) < n:
        raise ValueError(f"need {n} quarters of capex for a {life_years}-year life, have {len(capex)}")
    return sum(capex[-n:]) / (4 * life_years)


def understatement(
    capex: list[float], econ_years: float, reported_years: float, share: float
) -> tuple[float | None, str]:
    """U for the last quarter of *capex* (oldest first, consecutive): ``(value, kind)`` with kind
    ``exact``, ``upper-bound`` (older vintages missing; they would lower it) or ``n/a``."""
    n_e = int(math.ceil(4 * econ_years - 1e-9))
    n_r = int(math.ceil(4 * reported_years - 1e-9))
    if len(capex) >= max(n_e, n_r):
        return share * (vintage_depreciation(capex, econ_years) - vintage_depreciation(capex, reported_years)), "exact"
    if reported_years > econ_years and len(capex) >= n_e:
        # the reported schedule over the vintages we have understates D(L_reported): U is too high
        partial = sum(capex) / (4 * reported_years)
        return share * (vintage_depreciation(capex, econ_years) - partial), "upper-bound"
    return None, "n/a"


def reported_life(inputs: Inputs, ticker: str) -> pd.DataFrame:
    """The company's useful-life events with a new life (years), oldest first (one per date)."""

    def make() -> tuple[pd.DataFrame, pd.Series]:
        import pandas as pd

        ev = inputs.events
        e = ev[(ev["kind"] == "useful_life_change") & ev["new_value"].notna()]
        e = e.sort_values(["date", "event_id"])
        entity = e["entity"].astype(str).str.upper()
        last = ~pd.DataFrame({"entity": entity, "date": e["date"]}).duplicated(keep="last")
        return e[last], entity[last]

    # every company's events sorted and de-duplicated at once: the sort is stable and the
    # de-duplication per (company, date), so a company's rows are those its own pass would give
    e, entity = memo(inputs, "depreciation_gap.life_events", make)
    return e[entity == ticker].reset_index(drop=True)


def company_table(inputs: Inputs, thresholds: Mapping[str, Threshold], ticker: str) -> pd.DataFrame:
    """Per fiscal quarter of *ticker*: reported life, U (quarter and TTM), operating income, status."""
    import pandas as pd

    econ = float(th(thresholds, "economic_life_years"))
    share = float(th(thresholds, "short_lived_share"))
    alert_pct = float(th(thresholds, "alert_share_of_operating_income_pct"))
    cap = metric_rows(inputs, "capex", [ticker]).sort_values("fidx").reset_index(drop=True)
    if cap.empty:
        return pd.DataFrame()
    lives = reported_life(inputs, ticker)
    oi = metric_rows(inputs, "operating_income", [ticker])
    oi_by = {int(r.fidx): r for r in tuples(oi)} if len(oi) else {}
    by_f = {int(f): float(v) for f, v in zip(cap["fidx"], cap["value"], strict=True)}
    cap_recs = records(cap)
    pos = {int(rec["fidx"]): i for i, rec in enumerate(cap_recs)}
    life_recs = [(pd.Timestamp(x["date"]), x) for x in records(lives)]
    recs = []
    for r in cap_recs:  # the same values itertuples() would give, as dicts
        f = int(r["fidx"])
        end = pd.Timestamp(r["period_end"])
        known = [x for t, x in life_recs if t <= end]
        life_row = known[-1] if known else None
        lr = float(life_row["new_value"]) if life_row is not None else None
        # consecutive capex ending at f (stop at the first gap)
        seq: list[float] = []
        k = f
        while k in by_f:
            seq.append(by_f[k])
            k -= 1
        seq.reverse()
        u, kind = understatement(seq, econ, lr, share) if lr is not None else (None, "n/a")
        o = oi_by.get(f)
        oi_q = float(o.value) if o is not None and isnum(o.value) else None
        pct = (u / oi_q * 100) if (u is not None and oi_q is not None and oi_q > 0) else None
        status: Status
        reason = None
        if lr is None:
            status, reason = (
                "insufficient-data",
                f"{ticker}: no disclosed useful life (useful_life_change event) by {end.date()}",
            )
        elif le(lr, econ):
            status = "ok"
        elif pct is not None and ge(pct, alert_pct) and kind == "exact":
            status = "alert"
        else:
            status = "watch"
            if pct is not None and ge(pct, alert_pct):
                reason = (
                    f"understatement {fmt_pct(pct)} of operating income is an upper bound (capex before "
                    f"{cap['fiscal_period'].iloc[0]} missing); exact value needs {int(math.ceil(4 * lr))} quarters"
                )
            elif u is None:
                reason = (
                    f"understated depreciation not computed: needs {int(math.ceil(4 * econ))} consecutive "
                    f"quarters of capex, have {len(seq)}"
                )
            elif oi_q is None:
                reason = "no operating income in the store: the share of operating income is not computed"
            elif oi_q <= 0:
                reason = "operating income not positive"
        recs.append(
            {
                "ticker": ticker,
                "quarter": r["calendar_quarter"],
                "fidx": f,
                "fiscal_period": r["fiscal_period"],
                "reported_life_years": lr,
                "life_event": life_row,
                "u_quarter_usd": u,
                "u_kind": kind,
                "u_annual_usd": 4 * u if u is not None else None,
                "operating_income_usd": oi_q,
                "share_of_oi_pct": pct,
                "status": status,
                "reason": reason,
                "capex_window": cap_recs[pos[f] - len(seq) + 1 : pos[f] + 1],
                "oi_row": o,
            }
        )
    t = pd.DataFrame(recs)
    t["value"] = t["u_annual_usd"]
    return t.drop_duplicates("quarter", keep="last").reset_index(drop=True)


def compute(inputs: Inputs, thresholds: Mapping[str, Threshold], ticker: str | None = None) -> Signal:
    """Evaluate ``depreciation_gap`` for every company with a disclosed life (or one *ticker*)."""
    import pandas as pd

    sig = SPEC.make(
        thresholds=dict(thresholds),
        scope=ticker or "group",
        unit="USD",
        value_label="understated depreciation, latest quarter annualised (sum over companies)",
        point_in_time=inputs.as_of,
    )
    sig.caveats = [
        "The vintage model applies one straight-line life to a fixed share of every quarter's capex; companies' "
        "schedules differ by asset class and life changes apply prospectively.",
        "Capex is cash purchases (Microsoft excludes finance leases), so the understatement is understated "
        "where assets arrive through leases.",
        "Operating income comes from SEC filings (`capexwatch update`); the bundled snapshot has none, so the "
        "share of operating income is usually not computed.",
    ]
    ev = inputs.events
    if ticker is not None:
        companies = [ticker]
    else:
        with_life = set(
            ev[(ev["kind"] == "useful_life_change") & ev["new_value"].notna()]["entity"].astype(str).str.upper()
        )
        companies = sorted(with_life & set(inputs.quarters[inputs.quarters["metric"] == "capex"]["ticker"]))
    tables = {c: company_table(inputs, thresholds, c) for c in companies}
    tables = {c: t for c, t in tables.items() if not t.empty}
    if not tables:
        sig.reason = (
            "no company has both capex and a disclosed useful life (useful_life_change events)"
            if ticker is None
            else f"{ticker} has no capex in the store"
        )
        sig.summary = sig.reason
        return sig
    lag = max_lag(thresholds)
    current: dict[str, Any] = {}
    for c, t in tables.items():
        row, why = pick_current(t, max_lag=lag, reference=reference_quarter(inputs, t["quarter"]))
        current[c] = row if row is not None else why
    # history: worst evaluable company status per calendar quarter
    allq = pd.concat([t[["quarter", "status", "u_annual_usd"]] for t in tables.values()], ignore_index=True)
    hist_rows = []
    for q, g in allq.groupby("quarter"):
        st = worst(g["status"])
        tot = g["u_annual_usd"].dropna()
        hist_rows.append(
            {"quarter": q, "status": st, "value": float(tot.sum()) if len(tot) else float("nan"), "reason": None}
        )
    hist = pd.DataFrame(hist_rows)
    sig.history = history_from(hist)
    rows = {c: r for c, r in current.items() if not isinstance(r, str)}
    if not rows:
        sig.reason = "; ".join(f"{c}: {r}" for c, r in current.items())
        sig.summary = f"insufficient data: {sig.reason}"
        return sig
    sig.status = worst(r["status"] for r in rows.values())
    latest = max((r["quarter"] for r in rows.values()), key=quarter_index)
    sig.as_of = latest
    sig.as_of_date = calendar_quarter_end(latest)
    exact_total = [r["u_annual_usd"] for r in rows.values() if isnum(r["u_annual_usd"])]
    sig.value = float(sum(exact_total)) if exact_total else None
    notes = [f"{c}: {r['reason']}" for c, r in rows.items() if text(r["reason"])]
    notes += [f"{c}: {r}" for c, r in current.items() if isinstance(r, str)]
    sig.reason = "; ".join(notes) or None
    evid: list[Evidence] = []
    econ = float(th(thresholds, "economic_life_years"))
    for c, r in rows.items():
        life = r["life_event"]
        if life is not None:
            evid.append(
                event_evidence(life, f"{c} reported useful life (years)", value=float(life["new_value"]), unit="years")
            )
        for _, imp in ev[
            (ev["kind"] == "useful_life_change") & (ev["entity"].astype(str).str.upper() == c) & ev["amount"].notna()
        ].iterrows():
            evid.append(event_evidence(imp, f"{c} disclosed impact ({imp['metric']}, context)"))
        for cr in r["capex_window"][-int(math.ceil(4 * max(econ, r["reported_life_years"] or 0))) :]:
            evid.append(row_evidence(cr, f"{c} capex (vintage)"))
        if r["oi_row"] is not None:
            evid.append(row_evidence(r["oi_row"], f"{c} operating income"))
        sig.values[f"{c}_reported_life_years"] = Value(r["reported_life_years"], "years", "latest disclosed life")
        sig.values[f"{c}_understated_depreciation_quarter_usd"] = Value(
            _f(r["u_quarter_usd"]), "USD", f"{r['u_kind']}; {r['quarter']} ({r['fiscal_period']})"
        )
        sig.values[f"{c}_understated_depreciation_annualised_usd"] = Value(
            _f(r["u_annual_usd"]), "USD_per_year", f"4 x quarter; {r['u_kind']}"
        )
        sig.values[f"{c}_share_of_operating_income_pct"] = Value(_f(r["share_of_oi_pct"]), "pct", r["u_kind"])
        sig.checks.append(
            Check(
                f"{c}_life_above_economic",
                None if r["reported_life_years"] is None else gt(r["reported_life_years"], econ),
                f"{c} {r['quarter']}: reported {r['reported_life_years']} y vs economic {econ:g} y; understated "
                f"{fmt_usd(r['u_quarter_usd'])} in the quarter ({r['u_kind']}), {fmt_pct(r['share_of_oi_pct'])} of "
                f"operating income",
                "watch",
            )
        )
    sig.values["understated_depreciation_annualised_usd"] = Value(
        sig.value, "USD_per_year", "sum over companies of 4 x latest quarter (exact or upper bound, see each)"
    )
    sig.evidence = evid
    sig.coverage = {
        "companies": {c: (r["status"] if not isinstance(r, str) else "insufficient-data") for c, r in current.items()},
        "exact": sorted(c for c, r in rows.items() if r["u_kind"] == "exact"),
        "upper_bound": sorted(c for c, r in rows.items() if r["u_kind"] == "upper-bound"),
        "not_computed": sorted(c for c, r in rows.items() if r["u_kind"] == "n/a"),
    }
    longer = [
        f"{c} {r['reported_life_years']:g}y"
        for c, r in rows.items()
        if r["reported_life_years"] is not None and gt(r["reported_life_years"], econ)
    ]
    kinds = sorted({r["u_kind"] for r in rows.values() if r["u_kind"] != "n/a"})
    sig.summary = (
        f"reported lives above {econ:g}y: {', '.join(longer) or 'none'}; understated depreciation "
        f"{fmt_usd(sig.value)}/yr annualised ({'/'.join(kinds) or 'not computed'}, vintage model)"
    )
    return sig


def _f(x: Any) -> float | None:
    return float(x) if isnum(x) else None


SPEC = SignalSpec(
    name="depreciation_gap",
    title="Depreciation gap",
    question="Are reported server and GPU lives longer than their economic life, flattering earnings?",
    description="Extending useful lives to 5-6 years lowers depreciation; if GPUs last 3-4 years, profits are "
    "overstated by the difference (Burry's $176B critique).",
    trigger="Reported useful life above the economic life; understated depreciation a large share of operating income.",
    definition="Latest disclosed useful life against an economic life of 3-4 years; understated "
    "depreciation from a "
    "straight-line vintage model on the short-lived share of capex, in the latest quarter, as a share "
    "of the quarter's operating income.",
    formula="U_q = s * (sum_{a<4Le} capex_{q-a}/(4Le) - sum_{a<4Lr} capex_{q-a}/(4Lr));  "
    "share = U_q / OI_q;  watch if Lr > Le;  alert if share >= 20%",
    compute=compute,
    order=7,
)
