"""``capex_vs_cloud``: rising capex paired with decelerating cloud revenue growth.

The analysts' trigger (the risk table): "a two-quarter trend of rising capex paired with decelerating
cloud revenue growth": capex up on the previous quarter N quarters running while cloud revenue
growth year on year falls N quarters running (N = ``quarters_running``).

Per company (fiscal quarters): capex is the cash ``capex`` metric; cloud growth is y/y growth of
one cloud measure, never mixed: ``cloud_revenue`` first; for Microsoft, where Intelligent Cloud
growth cannot be computed because the FY2025 re-segmentation (break at 2024-09-30) lies between
the two quarters, Microsoft's reported Azure growth (``azure_growth_yoy_pct``); for Oracle, its
three cloud measures are separate series and growth is only ever computed within one of them.
A deceleration compares two growth rates of the same measure.

Group (calendar quarters, like-for-like): companies with a cloud segment. At each quarter both legs
are computed over one set of companies: those with cloud growth y/y in this and the previous quarter
*and* capex in both. (Capex was once summed over every company reporting it while cloud growth was
over those with growth, four companies against two: issue 13,
``tests/regression/test_capex_vs_cloud_legs_over_different_companies.py``.) Each company's own
result (its capex change, cloud measure and growth, status) is shown beside the group's.

Status: alert when both legs run N quarters; watch when both legs are up in the latest quarter and
one of them runs N; ok otherwise. A leg whose earlier quarters are unknown is not assumed short:
if the status could be alert it is reported as ``insufficient-data`` (or ``watch`` with a note).
The board status is the group's, raised to watch when a company is in alert.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from capexwatch.facts.periods import calendar_quarter_end, quarter_label
from capexwatch.metrics import caveats_for, get_metric
from capexwatch.signals._compare import as_int, at_least, gt, isnum, text
from capexwatch.signals._current import history_from, pick_current, reference_quarter
from capexwatch.signals._evidence import row_evidence
from capexwatch.signals._growth import with_prev, yoy
from capexwatch.signals._inputs import Inputs
from capexwatch.signals._panel import metric_rows, records, tuples
from capexwatch.signals._runs import roll_up, run_lengths, two_leg_status
from capexwatch.signals._signal import Check, Evidence, Signal, SignalSpec, Status, Threshold, Value
from capexwatch.signals._text import fmt_pct
from capexwatch.signals.thresholds import max_lag, th

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CLOUD_MEASURES", "SPEC", "company_table", "compute", "group_table"]

#: cloud growth measures in order of preference; each is a separate series (never mixed)
CLOUD_MEASURES = (
    "cloud_revenue",
    "azure_growth_yoy_pct",
    "oracle_cloud_services_license_support_revenue",
    "oracle_oci_revenue",
)


def _growth_by_measure(inputs: Inputs, ticker: str) -> dict[str, pd.DataFrame]:
    """Per measure: rows with ``growth_pct`` (y/y, break-aware; Azure's is reported)."""
    out: dict[str, pd.DataFrame] = {}
    for m in CLOUD_MEASURES:
        rows = metric_rows(inputs, m, [ticker])
        if rows.empty:
            continue
        if m == "azure_growth_yoy_pct":
            g = rows.copy()
            g["growth_pct"] = g["value"]
            g["growth_reason"] = None
        else:
            g = yoy(rows, get_metric(m).breaks if m in _BREAK_METRICS else None)
            g["growth_pct"] = g["yoy_pct"]
            g["growth_reason"] = g["yoy_reason"]
        out[m] = g.sort_values("fidx").reset_index(drop=True)
    return out


_BREAK_METRICS = {"cloud_revenue", "oracle_cloud_services_license_support_revenue", "oracle_oci_revenue"}


def company_table(inputs: Inputs, thresholds: Mapping[str, Threshold], ticker: str) -> pd.DataFrame:
    """Per fiscal quarter of *ticker*: capex change, the cloud measure used, its growth and
    deceleration, the two runs and the status. Empty when the company has no cloud measure."""
    import pandas as pd

    n = int(th(thresholds, "quarters_running"))
    rise_min = float(th(thresholds, "min_capex_rise_pct"))
    decel_min = float(th(thresholds, "min_decel_pp"))
    measures = _growth_by_measure(inputs, ticker)
    if not measures:
        return pd.DataFrame()
    cap = with_prev(metric_rows(inputs, "capex", [ticker]))
    cap["capex_change_pct"] = (
        [
            (v / p - 1) * 100 if isnum(p) and p > 0 else float("nan")
            for v, p in zip(cap["value"], cap["prev_value"], strict=True)
        ]
        if len(cap)
        else []
    )
    cap = cap.set_index("fidx") if len(cap) else cap

    # deceleration flags and runs within each measure
    dec: dict[str, dict[int, dict[str, Any]]] = {}
    for m, g in measures.items():
        prev_by_f = dict(zip(g["fidx"], g["growth_pct"], strict=True))
        flags: list[bool | None] = []
        for f, gr in zip(g["fidx"], g["growth_pct"], strict=True):
            p = prev_by_f.get(f - 1)
            flags.append(None if not (isnum(gr) and isnum(p)) else gt(p - gr, decel_min))
        # runs over consecutive fiscal quarters only: a gap is an unknown
        runs = run_lengths(list(g["fidx"]), flags)
        dec[m] = {
            int(f): {"flag": fl, "run": r, "open": o, "growth": gr, "row": row}
            for f, fl, (r, o), gr, row in zip(g["fidx"], flags, runs, g["growth_pct"], records(g), strict=True)
        }

    cap_flags: list[bool | None] = []
    cap_f = list(cap.index) if len(cap) else []
    # per fiscal quarter, what ``cap.loc[f]`` gives (a row with NumPy scalars for the numeric
    # columns; its ``to_dict()``), looked up by fidx rather than with a pandas row lookup per
    # quarter; pandas' lookups are kept for the duplicate fiscal quarters a malformed panel could have
    unique = not len(cap) or cap.index.is_unique
    cap_rows: dict[Any, Any] = {}
    if unique and len(cap):
        nums = {c: cap[c].to_numpy() for c in ("value", "capex_change_pct")}
        for i, (f, rec) in enumerate(zip(cap_f, records(cap), strict=True)):
            row = {**rec, "value": nums["value"][i], "capex_change_pct": nums["capex_change_pct"][i]}
            cap_rows[f] = (row, rec)
    for f in cap_f:
        # a NumPy scalar either way (so the flags are NumPy booleans, as they always were)
        ch = cap_rows[f][0]["capex_change_pct"] if unique else cap.loc[f, "capex_change_pct"]
        cap_flags.append(None if not isnum(ch) else gt(ch, rise_min))
    cap_runs = dict(zip(cap_f, run_lengths(cap_f, cap_flags), strict=True))
    cap_flag = dict(zip(cap_f, cap_flags, strict=True))

    all_f = sorted(set(cap_f) | {f for d in dec.values() for f in d})
    recs = []
    for f in all_f:
        chosen = None
        for m in CLOUD_MEASURES:
            d = dec.get(m, {}).get(f)
            if d is not None and d["flag"] is not None:
                chosen = (m, d)
                break
        crow = (cap_rows[f][0] if f in cap_rows else None) if unique else (cap.loc[f] if f in cap_f else None)
        label = (
            crow["calendar_quarter"]
            if crow is not None
            else next(d[f]["row"]["calendar_quarter"] for d in dec.values() if f in d)
        )
        c_flag = cap_flag.get(f)
        c_run, c_open = cap_runs.get(f, (None, True))
        d_flag = chosen[1]["flag"] if chosen else None
        d_run, d_open = (chosen[1]["run"], chosen[1]["open"]) if chosen else (None, True)
        status, note = two_leg_status(c_flag, c_run, c_open, d_flag, d_run, d_open, n)
        reason = note
        if status == "insufficient-data" and not note:
            missing = []
            if c_flag is None:
                missing.append("capex for this and the previous fiscal quarter")
            if d_flag is None:
                why = [
                    f"{m}: {r['row'].get('growth_reason') or 'no growth'}"
                    for m, dd in dec.items()
                    for ff, r in dd.items()
                    if ff == f and not isnum(r["growth"])
                ]
                missing.append(
                    "cloud growth y/y for this and the previous quarter on one measure"
                    + (" (" + "; ".join(why) + ")" if why else "")
                )
            reason = f"{ticker}: no " + " and no ".join(missing)
        recs.append(
            {
                "quarter": label,
                "fidx": f,
                "ticker": ticker,
                "fiscal_period": (crow["fiscal_period"] if crow is not None else None),
                "capex_usd": crow["value"] if crow is not None else float("nan"),
                "capex_change_pct": crow["capex_change_pct"] if crow is not None else float("nan"),
                "capex_rising": c_flag,
                "capex_run": c_run,
                "measure": chosen[0] if chosen else None,
                "growth_pct": chosen[1]["growth"] if chosen else float("nan"),
                "prev_growth_pct": (dec[chosen[0]].get(f - 1, {}).get("growth") if chosen else float("nan")),
                "decelerating": d_flag,
                "decel_run": d_run,
                "status": status,
                "reason": reason,
                "capex_row": (dict(cap_rows[f][1]) if unique else crow.to_dict()) if crow is not None else None,
                "capex_prev_row": None,
                "growth_rows": _growth_rows(dec, chosen[0], f, n) if chosen else [],
            }
        )
    t = pd.DataFrame(recs)
    t["value"] = t["growth_pct"]
    # one row per calendar quarter (52/53-week drift keeps the later fiscal quarter)
    return t.drop_duplicates("quarter", keep="last").reset_index(drop=True)


def _growth_rows(dec: dict[str, dict[int, dict[str, Any]]], m: str, f: int, n: int) -> list[dict[str, Any]]:
    out = []
    for k in range(f - n, f + 1):
        d = dec[m].get(k)
        if d is not None:
            out.append(d["row"])
    return out


def group_table(inputs: Inputs, thresholds: Mapping[str, Threshold]) -> tuple[pd.DataFrame, list[str], dict[str, Any]]:
    """Per calendar quarter, like-for-like over the companies with a cloud segment."""
    import pandas as pd

    n = int(th(thresholds, "quarters_running"))
    rise_min = float(th(thresholds, "min_capex_rise_pct"))
    decel_min = float(th(thresholds, "min_decel_pp"))
    min_members = int(th(thresholds, "min_group_members"))
    cloud = metric_rows(inputs, "cloud_revenue")
    members = sorted(set(cloud["ticker"]))
    if not members:
        return pd.DataFrame(), members, {"cloud": {}, "capex": {}}
    breaks = get_metric("cloud_revenue").breaks
    cl = yoy(cloud, breaks)
    cl = cl[cl["yoy_pct"].notna()]
    # per company and calendar quarter: current and year-earlier cloud revenue
    cur = {(r.ticker, r.cidx): r for r in tuples(cl)}
    cap = metric_rows(inputs, "capex", members)
    capq = {(r.ticker, r.cidx): r for r in tuples(cap)}
    qs = sorted({c for _, c in cur} | {c for _, c in capq})
    recs = []
    for ci in qs:
        with_growth = [t for t in members if (t, ci) in cur and (t, ci - 1) in cur]
        with_capex = [t for t in members if (t, ci) in capq and (t, ci - 1) in capq]
        # one set of companies on both legs: a group's capex and its cloud growth are the same firms'
        s = sorted(set(with_growth) & set(with_capex))
        g_now = g_prev = c_now = c_prev = float("nan")
        d_flag: bool | None = None
        c_flag: bool | None = None
        if len(s) >= min_members:
            g_now = (sum(cur[(t, ci)].value for t in s) / sum(cur[(t, ci)].prev_value for t in s) - 1) * 100
            g_prev = (sum(cur[(t, ci - 1)].value for t in s) / sum(cur[(t, ci - 1)].prev_value for t in s) - 1) * 100
            d_flag = gt(g_prev - g_now, decel_min)
            c_now = sum(capq[(t, ci)].value for t in s)
            c_prev = sum(capq[(t, ci - 1)].value for t in s)
            c_flag = c_prev > 0 and gt((c_now / c_prev - 1) * 100, rise_min)
        recs.append(
            {
                "quarter": quarter_label(ci),
                "cidx": ci,
                "members": s,
                "cloud_members": sorted(with_growth),
                "capex_members": sorted(with_capex),
                "growth_pct": g_now,
                "prev_growth_pct": g_prev,
                "decelerating": d_flag,
                "capex_usd": c_now,
                "prev_capex_usd": c_prev,
                "capex_change_pct": (c_now / c_prev - 1) * 100 if isnum(c_prev) and c_prev > 0 else float("nan"),
                "capex_rising": c_flag,
            }
        )
    t = pd.DataFrame(recs)
    c_runs = run_lengths(list(t["cidx"]), list(t["capex_rising"]))
    d_runs = run_lengths(list(t["cidx"]), list(t["decelerating"]))
    statuses: list[Status] = []
    reasons: list[str | None] = []
    for rec, (cr, co), (dr, do) in zip(records(t), c_runs, d_runs, strict=True):
        st, note = two_leg_status(rec["capex_rising"], cr, co, rec["decelerating"], dr, do, n)
        if st == "insufficient-data" and not note:
            note = (
                f"fewer than {min_members} companies with both cloud growth y/y and capex in "
                f"{quarter_label(rec['cidx'] - 1)} and {rec['quarter']} (have: {', '.join(rec['members']) or 'none'}; "
                f"cloud growth: {', '.join(rec['cloud_members']) or 'none'}; capex: "
                f"{', '.join(rec['capex_members']) or 'none'})"
            )
        statuses.append(st)
        reasons.append(note)
    t["capex_run"] = [r for r, _ in c_runs]
    t["decel_run"] = [r for r, _ in d_runs]
    t["status"] = statuses
    t["reason"] = reasons
    t["value"] = t["growth_pct"]
    # the rows behind each quarter, for evidence (kept out of DataFrame.attrs, which pandas deep-copies)
    lookups = {"cloud": cur, "capex": capq}
    return t, members, lookups


def compute(inputs: Inputs, thresholds: Mapping[str, Threshold], ticker: str | None = None) -> Signal:
    """Evaluate ``capex_vs_cloud`` for the group (and each company), or for *ticker*."""
    sig = SPEC.make(
        thresholds=dict(thresholds),
        scope=ticker or "group",
        unit="pct",
        value_label="cloud revenue growth y/y (latest quarter)",
        point_in_time=inputs.as_of,
    )
    n = int(th(thresholds, "quarters_running"))
    if ticker is not None:
        t = company_table(inputs, thresholds, ticker)
        sig.caveats = [c for c in (caveats_for("capex", ticker), caveats_for("cloud_revenue", ticker)) if c]
        if t.empty:
            sig.reason = f"{ticker} has no cloud revenue measure in the store ({', '.join(CLOUD_MEASURES)})"
            sig.summary = sig.reason
            return sig
        row, why = pick_current(t, max_lag=max_lag(thresholds), reference=reference_quarter(inputs, t["quarter"]))
        sig.history = history_from(t)
        if row is None:
            sig.reason = why
            sig.summary = f"insufficient data: {why}"
            return sig
        _company_values(sig, row, n)
        return sig

    t, members, lookups = group_table(inputs, thresholds)
    companies = {m: company_table(inputs, thresholds, m) for m in members}
    sig.caveats = [
        "Microsoft Intelligent Cloud: no y/y growth across the FY2025 re-segmentation (2024-09-30); "
        "Azure growth (reported) is used for Microsoft where Intelligent Cloud growth is blank.",
        "Oracle's three cloud measures are separate series; growth is never computed across them.",
        "Capex is cash purchases of property and equipment (gross for Amazon; Microsoft excludes finance leases).",
    ]
    if t.empty:
        sig.reason = "no cloud revenue in the store"
        sig.summary = sig.reason
        return sig
    row, why = pick_current(t, max_lag=max_lag(thresholds), reference=reference_quarter(inputs, t["quarter"]))
    sig.history = history_from(t)
    comp_status: dict[str, tuple[Status, str | None, Any]] = {}
    # the row whose figures stand beside the group: the company's current quarter, else its latest
    shown: dict[str, Any] = {}
    for m, ct in companies.items():
        if ct.empty:
            comp_status[m] = ("insufficient-data", "no cloud measure", None)
            shown[m] = None
            continue
        crow, cwhy = pick_current(ct, max_lag=max_lag(thresholds), reference=reference_quarter(inputs, ct["quarter"]))
        comp_status[m] = (crow["status"], cwhy, crow) if crow is not None else ("insufficient-data", cwhy, None)
        shown[m] = crow if crow is not None else ct.iloc[-1]
    group_status: Status = row["status"] if row is not None else "insufficient-data"
    status, note = roll_up(group_status, {m: s for m, (s, _, _) in comp_status.items()})
    sig.status = status
    sig.reason = why if row is None else (text(row["reason"]) if row["status"] == "insufficient-data" else None)
    if note:
        sig.reason = (sig.reason + "; " if sig.reason else "") + note
    ev: list[Evidence] = []
    if row is not None:
        sig.as_of = row["quarter"]
        sig.as_of_date = calendar_quarter_end(row["quarter"])
        sig.value = float(row["growth_pct"]) if isnum(row["growth_pct"]) else None
        cur, capq = lookups["cloud"], lookups["capex"]
        ci = int(row["cidx"])
        for k in range(ci - n, ci + 1):
            for m in row["members"]:
                r = cur.get((m, k))
                if r is not None:
                    ev.append(row_evidence(r, f"{m} cloud revenue"))
                    ev.append(row_evidence(r.prev_row, f"{m} cloud revenue, year earlier"))
            for m in row["members"]:
                r = capq.get((m, k))
                if r is not None:
                    ev.append(row_evidence(r, f"{m} capex"))
        sig.values = {
            "group_cloud_growth_yoy_pct": Value(
                _f(row["growth_pct"]), "pct", f"group cloud revenue growth y/y ({', '.join(row['members'])})"
            ),
            "group_cloud_growth_prev_pct": Value(_f(row["prev_growth_pct"]), "pct", "same companies, previous quarter"),
            "group_capex_usd": Value(_f(row["capex_usd"]), "USD", "group capex, quarter (the same companies)"),
            "group_capex_change_pct": Value(
                _f(row["capex_change_pct"]), "pct", "on the previous quarter, same companies"
            ),
            "capex_rising_run": Value(_f(row["capex_run"]), "quarters", "quarters of rising capex running"),
            "decelerating_run": Value(_f(row["decel_run"]), "quarters", "quarters of decelerating growth running"),
        }
        sig.checks = [
            Check(
                "capex_rising",
                at_least(row["capex_run"], n),
                f"group capex up {as_int(row['capex_run'])} quarter(s) running "
                f"({fmt_pct(row['capex_change_pct'])} latest)",
                "alert",
            ),
            Check(
                "cloud_decelerating",
                at_least(row["decel_run"], n),
                f"group cloud growth down {as_int(row['decel_run'])} quarter(s) "
                f"running ({fmt_pct(row['prev_growth_pct'])} -> {fmt_pct(row['growth_pct'])})",
                "alert",
            ),
        ]
    for m, (s, cwhy, crow) in comp_status.items():
        detail = cwhy or ""
        if crow is not None:
            detail = (
                f"{crow['quarter']}: capex {fmt_pct(crow['capex_change_pct'])} q/q (run {as_int(crow['capex_run'])}), "
                f"{crow['measure']} growth {fmt_pct(crow['prev_growth_pct'])} -> {fmt_pct(crow['growth_pct'])} "
                f"(run {as_int(crow['decel_run'])})"
            )
            for r in crow["growth_rows"]:
                label = f"{m} {crow['measure']}" + (
                    " (reported y/y %)" if crow["measure"] == "azure_growth_yoy_pct" else ""
                )
                ev.append(row_evidence(r, label))
        sig.values[f"{m}_status"] = Value(s, "status", detail)
        sig.values.update(_company_figures(m, shown[m]))
        sig.checks.append(Check(f"{m}", None if s == "insufficient-data" else s == "alert", detail, "alert"))
    sig.evidence = ev
    used = list(row["members"]) if row is not None else []
    sig.coverage = {
        "group_members": members,
        "group_members_used": used,
        # both legs run over the same companies (kept under their earlier names for readers of the JSON)
        "cloud_members_used": used,
        "capex_members_used": used,
        "companies": {m: s for m, (s, _, _) in comp_status.items()},
        "company_results": {m: _company_result(s, shown[m]) for m, (s, _, _) in comp_status.items()},
    }
    flagged = [m for m, (s, _, _) in comp_status.items() if s in ("watch", "alert")]
    sig.summary = (
        f"{row['quarter']}: group capex {fmt_pct(row['capex_change_pct'])} q/q, cloud growth "
        f"{fmt_pct(row['prev_growth_pct'])} -> {fmt_pct(row['growth_pct'])} y/y"
        if row is not None
        else f"group: {why}"
    ) + ("; firing: " + ", ".join(f"{m} {comp_status[m][0]}" for m in flagged) if flagged else "")
    return sig


def _company_figures(ticker: str, crow: Any) -> dict[str, Value]:
    """The company's own two legs at its current quarter, shown beside the group's figures."""
    if crow is None:
        return {}
    where = f"{crow['quarter']}, {text(crow['measure']) or 'no cloud measure'}"
    return {
        f"{ticker}_capex_change_pct": Value(
            _f(crow["capex_change_pct"]), "pct", f"{ticker} capex on the previous fiscal quarter ({crow['quarter']})"
        ),
        f"{ticker}_cloud_growth_yoy_pct": Value(_f(crow["growth_pct"]), "pct", f"{ticker} cloud growth y/y ({where})"),
        f"{ticker}_cloud_growth_prev_pct": Value(
            _f(crow["prev_growth_pct"]), "pct", f"{ticker} cloud growth y/y, previous quarter, same measure"
        ),
    }


def _company_result(status: Status, crow: Any) -> dict[str, Any]:
    """One company's row of the per-company table beside the group (JSON-ready)."""
    if crow is None:
        return {"status": status}
    return {
        "status": status,
        "quarter": crow["quarter"],
        "capex_change_pct": _f(crow["capex_change_pct"]),
        "capex_rising_run": as_int(crow["capex_run"]),
        "cloud_measure": text(crow["measure"]),
        "cloud_growth_yoy_pct": _f(crow["growth_pct"]),
        "cloud_growth_prev_pct": _f(crow["prev_growth_pct"]),
        "decelerating_run": as_int(crow["decel_run"]),
    }


def _company_values(sig: Signal, row: Any, n: int) -> None:
    sig.status = row["status"]
    sig.reason = text(row["reason"])
    sig.as_of = row["quarter"]
    sig.as_of_date = calendar_quarter_end(row["quarter"])
    sig.value = _f(row["growth_pct"])
    ev = []
    if row["capex_row"] is not None:
        ev.append(row_evidence(row["capex_row"], f"{row['ticker']} capex"))
    for r in row["growth_rows"]:
        ev.append(row_evidence(r, f"{row['ticker']} {row['measure']}"))
        if isinstance(r.get("prev_row"), dict):
            ev.append(row_evidence(r["prev_row"], f"{row['ticker']} {row['measure']}, year earlier"))
    sig.evidence = ev
    sig.values = {
        "capex_usd": Value(_f(row["capex_usd"]), "USD", "capex, quarter"),
        "capex_change_pct": Value(_f(row["capex_change_pct"]), "pct", "on the previous fiscal quarter"),
        "cloud_measure": Value(row["measure"], "name", "cloud measure used for growth"),
        "cloud_growth_yoy_pct": Value(_f(row["growth_pct"]), "pct", "y/y"),
        "cloud_growth_prev_pct": Value(_f(row["prev_growth_pct"]), "pct", "previous quarter, same measure"),
        "capex_rising_run": Value(_f(row["capex_run"]), "quarters", ""),
        "decelerating_run": Value(_f(row["decel_run"]), "quarters", ""),
    }
    sig.checks = [
        Check(
            "capex_rising",
            at_least(row["capex_run"], n),
            f"capex up {as_int(row['capex_run'])} quarter(s) running",
            "alert",
        ),
        Check(
            "cloud_decelerating",
            at_least(row["decel_run"], n),
            f"{row['measure']} growth down {as_int(row['decel_run'])} quarter(s) running",
            "alert",
        ),
    ]
    sig.coverage = {"ticker": row["ticker"], "measure": row["measure"]}
    sig.summary = (
        f"{row['quarter']}: capex {fmt_pct(row['capex_change_pct'])} q/q (run {as_int(row['capex_run'])}), "
        f"{row['measure']} growth {fmt_pct(row['prev_growth_pct'])} -> {fmt_pct(row['growth_pct'])}"
    )


def _f(x: Any) -> float | None:
    return float(x) if isnum(x) else None


SPEC = SignalSpec(
    name="capex_vs_cloud",
    title="Rising capex vs slowing cloud growth",
    question="Are hyperscalers still raising capex while their cloud revenue growth slows?",
    description="Capex that keeps rising while the cloud business it serves decelerates is spending ahead of demand.",
    trigger="A two-quarter trend of rising capex paired with decelerating cloud revenue growth.",
    definition="Capex up on the previous quarter N quarters running, and cloud revenue growth year on year "
    "lower than the quarter before N quarters running; per hyperscaler and for the group "
    "(like-for-like: both legs over the same companies with a cloud segment); no growth across definitional "
    "breaks, one cloud measure at a time.",
    formula="alert if run(capex_q > capex_{q-1}) >= N and run(g_q < g_{q-1}) >= N, "
    "g_q = cloud_q / cloud_{q-4} - 1 (same definition)",
    compute=compute,
    order=5,
)
