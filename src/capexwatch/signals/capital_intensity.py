"""``capital_intensity``: capex against revenue and against the cash the business generates.

Per company, over the trailing four fiscal quarters (TTM; all four must be present):

* capex / revenue and its trend: watch when it is more than ``capex_to_revenue_rise_pp``
  percentage points above its value four quarters earlier (the same companies). Whole-company
  capex / revenue is compared with itself, not with a level: the reference material has no
  published threshold for whole-company intensity, and Bain 2025's implied 0.25 (published-analyses
  §2) is data-centre capex over the revenue that capex must earn, a different pair of quantities
  (it was applied here until issue 13;
  ``tests/regression/test_capital_intensity_bain_ratio_on_whole_company.py``);
* capex / operating cash flow: alert above ``capex_to_ocf_alert`` (1.0: capex funded from outside,
  the risk table), or when TTM operating cash flow is not positive while capex is;
* free cash flow after capex (OCF - capex) and the trend of both ratios over four quarters.

The group is the Big Four, like-for-like: the members with all three TTM figures in the calendar
quarter (at least ``min_group_members``), their sums' ratios, and the trend over the same members.
The board status is the group's, raised to watch when a company is in alert. A ratio that could
not be computed never counts as below its threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from capexwatch.facts.periods import calendar_quarter_end, quarter_label
from capexwatch.metrics import caveats_for
from capexwatch.signals._compare import gt, isnum, text
from capexwatch.signals._current import history_from, pick_current, reference_quarter
from capexwatch.signals._evidence import ttm_evidence
from capexwatch.signals._growth import metric_ttm
from capexwatch.signals._inputs import Inputs
from capexwatch.signals._panel import tuples
from capexwatch.signals._runs import roll_up
from capexwatch.signals._signal import Check, Evidence, Signal, SignalSpec, Status, Threshold, Value
from capexwatch.signals._text import fmt_num, fmt_usd
from capexwatch.signals.thresholds import max_lag, th

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SPEC", "classify", "company_frame", "compute", "group_table"]

_METRICS = ("capex", "revenue", "operating_cash_flow")


def classify(
    capex_to_revenue: float | None,
    capex_to_ocf: float | None,
    ocf: float | None,
    capex: float | None,
    thresholds: Mapping[str, Threshold],
    capex_to_revenue_4q_ago: float | None = None,
) -> tuple[Status, str | None, bool | None, bool | None]:
    """Status from the two ratios: ``(status, reason, alert_check, watch_check)``.

    alert: capex/OCF > limit, or OCF <= 0 with positive capex; watch: capex/revenue more than
    ``capex_to_revenue_rise_pp`` percentage points above *capex_to_revenue_4q_ago* (TTM ratios,
    four quarters apart); ok only when both were evaluated.
    """
    ocf_lim = float(th(thresholds, "capex_to_ocf_alert"))
    rise_pp = float(th(thresholds, "capex_to_revenue_rise_pp"))
    a: bool | None = None
    if isnum(ocf) and isnum(capex):
        assert ocf is not None and capex is not None
        a = gt(capex / ocf, ocf_lim) if ocf > 0 else capex > 0
    elif isnum(capex_to_ocf):
        assert capex_to_ocf is not None
        a = gt(capex_to_ocf, ocf_lim)
    w: bool | None = None
    if isnum(capex_to_revenue) and isnum(capex_to_revenue_4q_ago):
        assert capex_to_revenue is not None and capex_to_revenue_4q_ago is not None
        w = gt((capex_to_revenue - capex_to_revenue_4q_ago) * 100.0, rise_pp)
    if a:
        return "alert", None, a, w
    if w:
        return (
            "watch",
            (None if a is not None else "capex / operating cash flow not evaluated (no TTM operating cash flow)"),
            a,
            w,
        )
    if a is None or w is None:
        missing = []
        if a is None:
            missing.append("no trailing-four-quarter operating cash flow")
        if w is None:
            missing.append(
                "no trailing-four-quarter revenue"
                if not isnum(capex_to_revenue)
                else "no capex / revenue four quarters earlier to compare with"
            )
        return "insufficient-data", " and ".join(missing), a, w
    return "ok", None, a, w


def company_frame(inputs: Inputs, tickers: list[str] | None = None) -> pd.DataFrame:
    """Per company and fiscal quarter: TTM capex, revenue, OCF, ratios, FCF (wide)."""
    import pandas as pd

    parts = {m: metric_ttm(inputs, m, tickers) for m in _METRICS}
    base = parts["capex"]
    if base.empty:
        return pd.DataFrame()
    keep = ["ticker", "fidx", "cidx", "calendar_quarter", "fiscal_period", "ttm", "ttm_from", "ttm_rows", "value"]
    w = base[keep].rename(
        columns={"ttm": "capex_ttm", "ttm_rows": "capex_rows", "value": "capex_q", "ttm_from": "capex_from"}
    )
    for m in ("revenue", "operating_cash_flow"):
        p = parts[m]
        if p.empty:
            w[f"{m}_ttm"] = float("nan")
            w[f"{m}_rows"] = [[] for _ in range(len(w))]
            continue
        w = w.merge(
            p[["ticker", "fidx", "ttm", "ttm_rows"]].rename(columns={"ttm": f"{m}_ttm", "ttm_rows": f"{m}_rows"}),
            on=["ticker", "fidx"],
            how="left",
        )
        w[f"{m}_rows"] = [r if isinstance(r, list) else [] for r in w[f"{m}_rows"]]
    w["capex_to_revenue"] = w["capex_ttm"] / w["revenue_ttm"]
    w["capex_to_ocf"] = (w["capex_ttm"] / w["operating_cash_flow_ttm"]).where(w["operating_cash_flow_ttm"] > 0)
    w["fcf_ttm"] = w["operating_cash_flow_ttm"] - w["capex_ttm"]
    w = w.sort_values(["ticker", "fidx"]).reset_index(drop=True)
    prev = w[["ticker", "fidx", "capex_to_revenue", "capex_to_ocf"]].copy()
    prev["fidx"] = prev["fidx"] + 4
    w = w.merge(
        prev.rename(columns={"capex_to_revenue": "capex_to_revenue_4q_ago", "capex_to_ocf": "capex_to_ocf_4q_ago"}),
        on=["ticker", "fidx"],
        how="left",
    )
    return w


def _company_table(w: pd.DataFrame, ticker: str, thresholds: Mapping[str, Threshold]) -> pd.DataFrame:
    t = w[w["ticker"] == ticker].copy()
    if t.empty:
        return t
    # column by column (the values itertuples() would give, without building a tuple per row)
    cols = ("capex_to_revenue", "capex_to_ocf", "operating_cash_flow_ttm", "capex_ttm", "capex_to_revenue_4q_ago")
    res = [classify(a, b, c, d, thresholds, e) for a, b, c, d, e in zip(*(t[c].tolist() for c in cols), strict=True)]
    t["status"] = [x[0] for x in res]
    t["reason"] = [
        (f"{ticker} {fp}: " + x[1]) if x[1] else None for x, fp in zip(res, t["fiscal_period"].tolist(), strict=True)
    ]
    t.loc[t["capex_ttm"].isna(), "status"] = "insufficient-data"
    t.loc[t["capex_ttm"].isna(), "reason"] = f"{ticker}: fewer than four consecutive quarters of capex"
    t["quarter"] = t["calendar_quarter"]
    t["value"] = t["capex_to_ocf"]
    return t.drop_duplicates("quarter", keep="last").reset_index(drop=True)


def group_table(
    w: pd.DataFrame, members: list[str], thresholds: Mapping[str, Threshold]
) -> tuple[pd.DataFrame, dict[Any, Any]]:
    """Big-Four sums per calendar quarter over members with all three TTM figures."""
    import pandas as pd

    need = int(th(thresholds, "min_group_members"))
    full = w[
        w["ticker"].isin(members)
        & w["capex_ttm"].notna()
        & w["revenue_ttm"].notna()
        & w["operating_cash_flow_ttm"].notna()
    ]
    by = {(r.ticker, r.cidx): r for r in tuples(full)}
    qs = sorted(set(w[w["ticker"].isin(members)]["cidx"]))
    recs = []
    for ci in qs:
        have = sorted(m for m in members if (m, ci) in by)
        rec: dict[str, Any] = {
            "quarter": quarter_label(ci),
            "cidx": ci,
            "members": have,
            "missing": [m for m in members if m not in have],
        }
        if len(have) >= need:
            cap = sum(by[(m, ci)].capex_ttm for m in have)
            rev = sum(by[(m, ci)].revenue_ttm for m in have)
            ocf = sum(by[(m, ci)].operating_cash_flow_ttm for m in have)
            rec.update(
                capex_ttm=cap,
                revenue_ttm=rev,
                operating_cash_flow_ttm=ocf,
                capex_to_revenue=cap / rev,
                capex_to_ocf=cap / ocf if ocf > 0 else float("nan"),
                fcf_ttm=ocf - cap,
            )
            old = [by.get((m, ci - 4)) for m in have]
            if all(o is not None for o in old):
                c4 = sum(o.capex_ttm for o in old)  # type: ignore[union-attr]
                r4 = sum(o.revenue_ttm for o in old)  # type: ignore[union-attr]
                o4 = sum(o.operating_cash_flow_ttm for o in old)  # type: ignore[union-attr]
                rec.update(capex_to_revenue_4q_ago=c4 / r4, capex_to_ocf_4q_ago=c4 / o4 if o4 > 0 else float("nan"))
            st, why, _, _ = classify(
                rec["capex_to_revenue"], rec["capex_to_ocf"], ocf, cap, thresholds, rec.get("capex_to_revenue_4q_ago")
            )
            rec.update(status=st, reason=why)
        else:
            rec.update(
                status="insufficient-data",
                reason=f"{quarter_label(ci)}: only {len(have)} of {len(members)} Big-Four companies have four quarters "
                f"of capex, revenue and operating cash flow (need {need}; missing: {', '.join(rec['missing'])})",
            )
        recs.append(rec)
    t = pd.DataFrame(recs)
    for c in (
        "capex_ttm",
        "revenue_ttm",
        "operating_cash_flow_ttm",
        "capex_to_revenue",
        "capex_to_ocf",
        "fcf_ttm",
        "capex_to_revenue_4q_ago",
        "capex_to_ocf_4q_ago",
    ):
        if c not in t:
            t[c] = float("nan")
    t["value"] = t["capex_to_ocf"]
    return t, by


def compute(inputs: Inputs, thresholds: Mapping[str, Threshold], ticker: str | None = None) -> Signal:
    """Evaluate ``capital_intensity`` for the Big Four (and every company), or for *ticker*."""
    sig = SPEC.make(
        thresholds=dict(thresholds),
        scope=ticker or "group",
        unit="ratio",
        value_label="capex / operating cash flow, trailing four quarters",
        point_in_time=inputs.as_of,
    )
    w = company_frame(inputs, [ticker] if ticker else None)
    sig.caveats = [
        "Capex is cash purchases of property and equipment: gross for Amazon, excluding finance "
        "leases for Microsoft (its capex incl. finance leases is higher)."
    ]
    if ticker:
        sig.caveats += [c for c in (caveats_for("capex", ticker),) if c]
    if w.empty:
        sig.reason = "no capex in the store" + (f" for {ticker}" if ticker else "")
        sig.summary = sig.reason
        return sig
    lag = max_lag(thresholds)
    if ticker:
        t = _company_table(w, ticker, thresholds)
        sig.history = history_from(t)
        row, why = pick_current(t, max_lag=lag, reference=reference_quarter(inputs, t["quarter"]))
        if row is None:
            sig.reason = why
            sig.summary = f"insufficient data: {why}"
            return sig
        _fill_company(sig, row, thresholds)
        return sig

    members = inputs.tickers(big_four=True)
    g, by = group_table(w, members, thresholds)
    sig.history = history_from(g)
    row, why = pick_current(g, max_lag=lag, reference=reference_quarter(inputs, g["quarter"]))
    comp: dict[str, tuple[Status, Any]] = {}
    for m in sorted(set(w["ticker"])):
        ct = _company_table(w, m, thresholds)
        crow, cwhy = pick_current(ct, max_lag=lag, reference=reference_quarter(inputs, ct["quarter"]))
        comp[m] = (crow["status"], crow) if crow is not None else ("insufficient-data", cwhy)
    group_status: Status = row["status"] if row is not None else "insufficient-data"
    status, note = roll_up(group_status, {m: s for m, (s, _) in comp.items()})
    sig.status = status
    sig.reason = why if row is None else text(row["reason"])
    if note:
        sig.reason = (sig.reason + "; " if sig.reason else "") + note
    ev: list[Evidence] = []
    if row is not None:
        sig.as_of = row["quarter"]
        sig.as_of_date = calendar_quarter_end(row["quarter"])
        sig.value = _f(row["capex_to_ocf"])
        for m in row["members"]:
            r = by[(m, row["cidx"])]
            for metric, rows, total in (
                ("capex", r.capex_rows, r.capex_ttm),
                ("revenue", r.revenue_rows, r.revenue_ttm),
                ("operating_cash_flow", r.operating_cash_flow_rows, r.operating_cash_flow_ttm),
            ):
                ev.extend(
                    ttm_evidence(
                        {
                            "ttm_rows": rows,
                            "ttm": total,
                            "ticker": m,
                            "ttm_from": rows[0]["fiscal_period"],
                            "fiscal_period": rows[-1]["fiscal_period"],
                        },
                        metric,
                    )
                )
        sig.values = _values(row, "Big-Four")
        sig.checks = _checks(row, thresholds)
    for m, (s, crow) in comp.items():
        if isinstance(crow, str) or crow is None:
            detail = crow or "no data"
        else:
            detail = (
                f"{crow['quarter']}: capex/revenue {fmt_num(crow['capex_to_revenue'])}, capex/OCF "
                f"{fmt_num(crow['capex_to_ocf'])}, FCF {fmt_usd(crow['fcf_ttm'])}"
            )
        sig.values[f"{m}_status"] = Value(s, "status", detail)
    sig.evidence = ev
    sig.coverage = {
        "group_members": members,
        "group_members_used": list(row["members"]) if row is not None else [],
        "group_members_missing": list(row["missing"]) if row is not None else members,
        "companies": {m: s for m, (s, _) in comp.items()},
    }
    flagged = [f"{m} {s}" for m, (s, _) in comp.items() if s in ("watch", "alert")]
    sig.summary = (
        (
            f"{row['quarter']} Big-Four TTM ({len(row['members'])} of {len(members)}): capex/revenue "
            f"{fmt_num(row['capex_to_revenue'])}, capex/OCF {fmt_num(row['capex_to_ocf'])}, FCF "
            f"{fmt_usd(row['fcf_ttm'])}"
        )
        if row is not None
        else f"group: {why}"
    ) + ("; " + ", ".join(flagged) if flagged else "")
    return sig


def _values(row: Any, who: str) -> dict[str, Value]:
    return {
        "capex_ttm_usd": Value(_f(row["capex_ttm"]), "USD", f"{who} capex, trailing four quarters"),
        "revenue_ttm_usd": Value(_f(row["revenue_ttm"]), "USD", f"{who} revenue, TTM"),
        "operating_cash_flow_ttm_usd": Value(
            _f(row["operating_cash_flow_ttm"]), "USD", f"{who} operating cash flow, TTM"
        ),
        "capex_to_revenue_ratio": Value(_f(row["capex_to_revenue"]), "ratio", "capex / revenue, TTM"),
        "capex_to_ocf_ratio": Value(_f(row["capex_to_ocf"]), "ratio", "capex / operating cash flow, TTM"),
        "fcf_after_capex_ttm_usd": Value(_f(row["fcf_ttm"]), "USD", "operating cash flow - capex, TTM"),
        "capex_to_revenue_change_4q": Value(
            _f(row["capex_to_revenue"] - row["capex_to_revenue_4q_ago"])
            if isnum(row.get("capex_to_revenue_4q_ago"))
            else None,
            "ratio_change",
            "change on four quarters earlier",
        ),
        "capex_to_ocf_change_4q": Value(
            _f(row["capex_to_ocf"] - row["capex_to_ocf_4q_ago"])
            if isnum(row.get("capex_to_ocf_4q_ago")) and isnum(row["capex_to_ocf"])
            else None,
            "ratio_change",
            "change on four quarters earlier",
        ),
    }


def _checks(row: Any, thresholds: Mapping[str, Threshold]) -> list[Check]:
    ocf_lim = th(thresholds, "capex_to_ocf_alert")
    rise_pp = th(thresholds, "capex_to_revenue_rise_pp")
    before = row.get("capex_to_revenue_4q_ago")
    _, _, a, w = classify(
        row["capex_to_revenue"],
        row["capex_to_ocf"],
        row["operating_cash_flow_ttm"],
        row["capex_ttm"],
        thresholds,
        before,
    )
    return [
        Check(
            "capex_exceeds_ocf",
            a,
            f"capex/OCF {fmt_num(row['capex_to_ocf'])} (alert above {ocf_lim}); FCF after "
            f"capex {fmt_usd(row['fcf_ttm'])}",
            "alert",
        ),
        Check(
            "capex_to_revenue_rising",
            w,
            f"capex/revenue {fmt_num(before) if isnum(before) else 'n/a'} four quarters earlier -> "
            f"{fmt_num(row['capex_to_revenue'])} (watch when up more than {rise_pp} pp)",
            "watch",
        ),
    ]


def _fill_company(sig: Signal, row: Any, thresholds: Mapping[str, Threshold]) -> None:
    sig.status = row["status"]
    sig.reason = text(row["reason"])
    sig.as_of = row["quarter"]
    sig.as_of_date = calendar_quarter_end(row["quarter"])
    sig.value = _f(row["capex_to_ocf"])
    t = row["ticker"]
    ev: list[Evidence] = []
    for metric, rows, total in (
        ("capex", row["capex_rows"], row["capex_ttm"]),
        ("revenue", row["revenue_rows"], row["revenue_ttm"]),
        ("operating_cash_flow", row["operating_cash_flow_rows"], row["operating_cash_flow_ttm"]),
    ):
        if rows and isnum(total):
            ev.extend(
                ttm_evidence(
                    {
                        "ttm_rows": rows,
                        "ttm": total,
                        "ticker": t,
                        "ttm_from": rows[0]["fiscal_period"],
                        "fiscal_period": rows[-1]["fiscal_period"],
                    },
                    metric,
                )
            )
    sig.evidence = ev
    sig.values = _values(row, t)
    sig.checks = _checks(row, thresholds)
    sig.coverage = {"ticker": t, "ttm_from": row["capex_from"], "ttm_to": row["fiscal_period"]}
    sig.summary = (
        f"{row['quarter']} ({row['fiscal_period']}) TTM: capex/revenue {fmt_num(row['capex_to_revenue'])}, "
        f"capex/OCF {fmt_num(row['capex_to_ocf'])}, FCF {fmt_usd(row['fcf_ttm'])}"
    )


def _f(x: Any) -> float | None:
    return float(x) if isnum(x) else None


SPEC = SignalSpec(
    name="capital_intensity",
    title="Capital intensity",
    question="Is capex outgrowing the revenue and the operating cash flow that pay for it?",
    description="When capex exceeds operating cash flow, the build-out is funded from outside (debt, equity, cash "
    "reserves) and free cash flow turns negative.",
    trigger="Trailing capex above operating cash flow (capex/OCF > 1); capex/revenue rising on a year earlier.",
    definition="Trailing-four-quarter capex / revenue, capex / operating cash flow and free cash flow after capex, "
    "per company and for the Big Four (like-for-like), with their change over four quarters.",
    formula="capex_TTM / revenue_TTM - (same, 4 quarters earlier) > rise_pp -> watch;  "
    "capex_TTM / OCF_TTM > 1 (or OCF_TTM <= 0) -> alert;  FCF = OCF_TTM - capex_TTM",
    compute=compute,
    order=2,
)
