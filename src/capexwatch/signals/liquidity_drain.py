"""``liquidity_drain``: the price of money, the price of credit and broad financial conditions.

Checks at an evaluation date ``d`` (the risk table's triggers), on FRED series as stored:

* **rate hikes**: fed funds at ``d`` minus its low over the previous ``window_days`` >=
  ``hike_bp``. Daily DFF where it covers the window, else monthly FEDFUNDS (a monthly average
  counts from its month's end, when it is known).
* **credit spreads**: ICE BofA US high-yield OAS (BAMLH0A0HYM2) at ``d`` minus its low over the
  window >= ``spread_widening_bp``.
* **financial conditions**: Chicago Fed NFCI > ``nfci_level`` (0 = average; positive = tighter
  than average, Chicago Fed).

Status: alert when ``alert_checks`` (2) or more fire, watch on one, ok when at least two checks
were evaluated and none fired, otherwise insufficient-data. A series whose last observation is
more than ``max_staleness_days`` before ``d`` is not used. The 10-year Treasury yield (DGS10) and
the adjusted NFCI (ANFCI) are reported as context, not triggers.

Series are the latest FRED vintage truncated at the date: NFCI revisions are not tracked, so a
backtest reads today's NFCI values for past weeks (a known, small look-ahead; see coverage).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from capexwatch.facts.periods import calendar_quarter_end, calendar_quarter_of, quarter_label
from capexwatch.signals._compare import ge, gt, isnum
from capexwatch.signals._evidence import series_evidence
from capexwatch.signals._inputs import Inputs
from capexwatch.signals._panel import series_rows
from capexwatch.signals._signal import Check, Evidence, HistoryPoint, Signal, SignalSpec, Status, Threshold, Value
from capexwatch.signals._text import fmt_num
from capexwatch.signals.thresholds import th

if TYPE_CHECKING:
    import numpy as np

__all__ = ["SPEC", "compute", "evaluate_at", "rise_from_low"]

_CONTEXT = ("DGS10", "ANFCI")


def _arrays(inputs: Inputs, sid: str) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    rows = series_rows(inputs).get(sid)
    s = inputs.series.iloc[rows if rows is not None else []]  # the rows of series_id == sid, in order
    dates = s["date"].to_numpy(dtype="datetime64[ns]")
    if sid == "FEDFUNDS" and len(dates):
        # a monthly average is known at the end of its month, not on the 1st
        import pandas as pd

        dates = (pd.DatetimeIndex(dates) + pd.offsets.MonthEnd(0)).to_numpy(dtype="datetime64[ns]")
    return dates, s["value"].to_numpy(dtype=np.float64)


def rise_from_low(dates: np.ndarray, values: np.ndarray, when: Any, window_days: float) -> dict[str, Any] | None:
    """Value at *when* (last observation on or before it) less the minimum over the window
    ``(when - window_days, when]``, in the series' unit; None without observations.

    Returns ``{"value", "date", "low", "low_date", "rise", "first_date"}``.
    """
    import numpy as np
    import pandas as pd

    if len(dates) == 0:
        return None
    t = np.datetime64(pd.Timestamp(when).to_datetime64(), "ns")
    hi = int(np.searchsorted(dates, t, side="right"))
    if hi == 0:
        return None
    start: Any = t - np.timedelta64(int(window_days * 86400), "s")
    lo = int(np.searchsorted(dates, start, side="right"))
    lo = min(lo, hi - 1)
    win = values[lo:hi]
    k = int(np.argmin(win))
    return {
        "value": float(values[hi - 1]),
        "date": pd.Timestamp(dates[hi - 1]).date(),
        "low": float(win[k]),
        "low_date": pd.Timestamp(dates[lo + k]).date(),
        "rise": float(values[hi - 1] - win[k]),
        "first_date": pd.Timestamp(dates[0]).date(),
    }


def evaluate_at(
    inputs: Inputs, thresholds: Mapping[str, Threshold], when: Any, arrays: dict[str, tuple[Any, Any]] | None = None
) -> dict[str, Any]:
    """The three checks at *when* (pure; *arrays* caches the series as NumPy arrays)."""
    import pandas as pd

    arr = (
        arrays
        if arrays is not None
        else {s: _arrays(inputs, s) for s in ("DFF", "FEDFUNDS", "BAMLH0A0HYM2", "NFCI", *_CONTEXT)}
    )
    window = float(th(thresholds, "window_days"))
    stale = float(th(thresholds, "max_staleness_days"))
    d = pd.Timestamp(when).date()

    def fresh(x: dict[str, Any] | None) -> bool:
        return x is not None and (d - x["date"]).days <= stale

    def covers(x: dict[str, Any] | None) -> bool:
        return x is not None and (d - x["first_date"]).days >= window

    checks: dict[str, dict[str, Any]] = {}
    # -- rates: DFF if fresh and covering the window, else FEDFUNDS
    rate_sid, rate = None, None
    for sid in ("DFF", "FEDFUNDS"):
        x = rise_from_low(arr[sid][0], arr[sid][1], d, window)
        if fresh(x) and covers(x):
            rate_sid, rate = sid, x
            break
    if rate is not None:
        bp = rate["rise"] * 100
        checks["rate_hikes"] = {
            "fired": ge(bp, float(th(thresholds, "hike_bp"))),
            "value": bp,
            "unit": "bp",
            "series": rate_sid,
            "obs": rate,
            "detail": f"{rate_sid} {rate['value']:.2f}% on {rate['date']} vs 6-month low "
            f"{rate['low']:.2f}% on {rate['low_date']}: +{bp:.0f} bp "
            f"(fires at {th(thresholds, 'hike_bp'):.0f} bp)",
        }
    else:
        checks["rate_hikes"] = {
            "fired": None,
            "value": None,
            "unit": "bp",
            "series": None,
            "obs": None,
            "detail": f"no fed funds series (DFF or FEDFUNDS) fresh at {d} and covering the window",
        }
    # -- credit spreads
    x = rise_from_low(arr["BAMLH0A0HYM2"][0], arr["BAMLH0A0HYM2"][1], d, window)
    if fresh(x) and covers(x):
        assert x is not None
        bp = x["rise"] * 100
        checks["credit_spreads"] = {
            "fired": ge(bp, float(th(thresholds, "spread_widening_bp"))),
            "value": bp,
            "unit": "bp",
            "series": "BAMLH0A0HYM2",
            "obs": x,
            "detail": f"HY OAS {x['value']:.2f}% on {x['date']} vs 6-month low {x['low']:.2f}% "
            f"on {x['low_date']}: +{bp:.0f} bp (fires at "
            f"{th(thresholds, 'spread_widening_bp'):.0f} bp)",
        }
    else:
        checks["credit_spreads"] = {
            "fired": None,
            "value": None,
            "unit": "bp",
            "series": "BAMLH0A0HYM2",
            "obs": x,
            "detail": f"no high-yield OAS fresh at {d} and covering the window",
        }
    # -- financial conditions
    x = rise_from_low(arr["NFCI"][0], arr["NFCI"][1], d, 7)
    if fresh(x):
        assert x is not None
        lvl = float(th(thresholds, "nfci_level"))
        checks["financial_conditions"] = {
            "fired": gt(x["value"], lvl),
            "value": x["value"],
            "unit": "index",
            "series": "NFCI",
            "obs": x,
            "detail": f"NFCI {x['value']:.3f} in the week to {x['date']} (fires above {lvl})",
        }
    else:
        checks["financial_conditions"] = {
            "fired": None,
            "value": None,
            "unit": "index",
            "series": "NFCI",
            "obs": x,
            "detail": f"no NFCI observation fresh at {d}",
        }
    fired = sum(1 for c in checks.values() if c["fired"])
    known = sum(1 for c in checks.values() if c["fired"] is not None)
    need = int(th(thresholds, "alert_checks"))
    status: Status
    if fired >= need:
        status = "alert"
    elif fired >= 1:
        status = "watch"
    elif known >= 2:
        status = "ok"
    else:
        status = "insufficient-data"
    context = {sid: rise_from_low(arr[sid][0], arr[sid][1], d, window) for sid in _CONTEXT}
    missing = [k for k, c in checks.items() if c["fired"] is None]
    return {
        "date": d,
        "status": status,
        "checks": checks,
        "fired": fired,
        "known": known,
        "context": context,
        "reason": (
            f"only {known} of 3 checks could be evaluated at {d}: " + "; ".join(checks[k]["detail"] for k in missing)
        )
        if status == "insufficient-data"
        else None,
    }


def _eval_date(inputs: Inputs, arrays: dict[str, tuple[Any, Any]]) -> dt.date | None:
    if inputs.as_of is not None:
        return inputs.as_of
    import pandas as pd

    lasts = [pd.Timestamp(a[0][-1]).date() for s, a in arrays.items() if s not in _CONTEXT and len(a[0])]
    return max(lasts) if lasts else None


def compute(inputs: Inputs, thresholds: Mapping[str, Threshold], ticker: str | None = None) -> Signal:
    """Evaluate ``liquidity_drain`` at the latest observation (or the ``--as-of`` date); history at
    each calendar quarter's end."""
    sig = SPEC.make(
        thresholds=dict(thresholds),
        scope="market",
        unit="bp",
        value_label="high-yield OAS rise from its six-month low",
        point_in_time=inputs.as_of,
    )
    sig.caveats = [
        "FRED series as stored in public repositories (latest vintage); NFCI revisions are not "
        "tracked, so backtests read revised NFCI values.",
        "A market-wide signal: --ticker does not change it.",
    ]
    arrays = {s: _arrays(inputs, s) for s in ("DFF", "FEDFUNDS", "BAMLH0A0HYM2", "NFCI", *_CONTEXT)}
    d = _eval_date(inputs, arrays)
    if d is None:
        sig.reason = "no macro series in the store (DFF/FEDFUNDS, BAMLH0A0HYM2, NFCI)"
        sig.summary = sig.reason
        return sig
    now = evaluate_at(inputs, thresholds, d, arrays)
    _fill(sig, inputs, now)
    if ticker:
        sig.reason = (sig.reason + "; " if sig.reason else "") + f"market-wide signal (not specific to {ticker})"
    # history: each calendar quarter end from the first with all three series
    import pandas as pd

    firsts = [pd.Timestamp(arrays[s][0][0]).date() for s in ("BAMLH0A0HYM2", "NFCI") if len(arrays[s][0])]
    rate_first = [pd.Timestamp(arrays[s][0][0]).date() for s in ("DFF", "FEDFUNDS") if len(arrays[s][0])]
    if firsts and rate_first:
        start = max([*firsts, min(rate_first)])
        q = calendar_quarter_of(start)
        from capexwatch.facts.periods import quarter_index

        hist = []
        for ci in range(quarter_index(q), quarter_index(calendar_quarter_of(d)) + 1):
            label = quarter_label(ci)
            end = min(calendar_quarter_end(label), d)
            r = evaluate_at(inputs, thresholds, end, arrays)
            v = r["checks"]["credit_spreads"]["value"]
            hist.append(
                HistoryPoint(
                    label,
                    end,
                    r["status"],
                    float(v) if isnum(v) else None,
                    f"{r['fired']} of {r['known']} checks fired",
                )
            )
        sig.history = hist
    return sig


def _fill(sig: Signal, inputs: Inputs, r: dict[str, Any]) -> None:
    sig.status = r["status"]
    sig.reason = r["reason"]
    sig.as_of = calendar_quarter_of(r["date"])
    sig.as_of_date = r["date"]
    c = r["checks"]
    v = c["credit_spreads"]["value"]
    sig.value = float(v) if isnum(v) else None
    sig.checks = [Check(k, x["fired"], x["detail"], "watch") for k, x in c.items()]
    ev: list[Evidence] = []
    labels = {"rate_hikes": "fed funds", "credit_spreads": "HY OAS", "financial_conditions": "NFCI"}
    for k, x in c.items():
        obs = x["obs"]
        if obs is None or x["fired"] is None:
            continue
        unit = "index" if k == "financial_conditions" else "pct"
        ev.append(series_evidence(inputs, x["series"], obs["date"], obs["value"], f"{labels[k]} ({x['series']})", unit))
        if k != "financial_conditions":
            ev.append(
                series_evidence(
                    inputs, x["series"], obs["low_date"], obs["low"], f"{labels[k]} six-month low ({x['series']})", unit
                )
            )
    for sid, obs in r["context"].items():
        if obs is not None:
            ev.append(
                series_evidence(
                    inputs, sid, obs["date"], obs["value"], f"{sid} (context)", "pct" if sid == "DGS10" else "index"
                )
            )
    sig.evidence = ev
    sig.values = {
        "fed_funds_rise_bp": Value(c["rate_hikes"]["value"], "bp", "fed funds above its six-month low"),
        "hy_oas_rise_bp": Value(c["credit_spreads"]["value"], "bp", "HY OAS above its six-month low"),
        "nfci": Value(c["financial_conditions"]["value"], "index", "Chicago Fed NFCI"),
        "checks_fired": Value(float(r["fired"]), "checks", "of 3"),
    }
    dgs = r["context"].get("DGS10")
    if dgs is not None:
        sig.values["dgs10_pct"] = Value(dgs["value"], "pct", "10-year Treasury yield (context)")
    sig.coverage = {
        "evaluation_date": r["date"],
        "checks_evaluated": r["known"],
        "rate_series": c["rate_hikes"]["series"],
        "series_last_observation": {k: (x["obs"]["date"] if x["obs"] else None) for k, x in c.items()},
    }
    sig.summary = (
        f"{r['date']}: fed funds +{fmt_num(c['rate_hikes']['value'], 0)} bp, HY OAS "
        f"+{fmt_num(c['credit_spreads']['value'], 0)} bp off 6-mo lows, NFCI "
        f"{fmt_num(c['financial_conditions']['value'], 2)}; {r['fired']} of 3 checks fired"
    )


SPEC = SignalSpec(
    name="liquidity_drain",
    title="Liquidity drain",
    question="Is money getting dearer and credit tighter for debt-funded AI infrastructure?",
    description="Rate hikes, widening high-yield spreads and tight financial conditions raise the cost of the "
    "debt (GPU-backed loans, neocloud notes) that funds part of the build-out.",
    trigger="Aggressive rate hikes (>= 75 bp in six months), high-yield spreads >= 150 bp off their six-month low, "
    "financial conditions tighter than average (NFCI > 0).",
    definition="Three checks on FRED series at the evaluation date: fed funds rise from its six-month low, "
    "high-yield OAS rise from its six-month low, NFCI level; alert when two fire.",
    formula="hike = FF_d - min(FF_(d-6m..d));  widen = OAS_d - min(OAS_(d-6m..d));  NFCI_d > 0;  "
    "alert if #fired >= 2, watch if >= 1",
    compute=compute,
    order=4,
)
