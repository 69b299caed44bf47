"""``roi_gap``: the revenue AI infrastructure needs against the AI revenue disclosed.

Required revenue by the Sequoia chain (Cahn, "AI's $200B Question", Sep 2023, and "AI's $600B
Question", 20 Jun 2024; published-analyses §1)::

    G          = GPU vendors' data-centre revenue, latest quarter x 4       (USD per year)
    R_required = G x k_tco x k_margin                                         (k_tco = k_margin = 2)

and by a capex-based alternative (the risk table: "trailing hyperscaler capex over a payback horizon")::

    R_capex    = Big-Four capex over the trailing four quarters / payback_years x k_margin

AI revenue ``R_AI`` is the sum of the latest disclosed annualised AI revenue of each entity
(events of kind ``ai_revenue_run_rate`` and the panel metric ``ai_revenue_run_rate``), each
disclosed by the quarter's end plus ``ai_disclosure_lag_days`` and no older than
``ai_disclosure_max_age_days``. Gap = R_required - R_AI; coverage ratio = R_AI / R_required.

Triggers, each like-for-like (AI revenue of the entities disclosed in both quarters compared):

* the seed's own trigger: alert when like-for-like AI revenue falls quarter on quarter by more
  than ``ai_decline_pct``;
* widening: a quarter widens the gap when the coverage ratio ``R_AI / R_required`` falls by more
  than ``coverage_fall_pct`` percent on the previous quarter, both ratios over the same entities
  (``R_AI,lfl,q / R_required,q < R_AI,lfl,q-1 / R_required,q-1``): AI revenue growing more slowly,
  in proportion, than the revenue required. Alert after ``widening_quarters_alert`` such quarters
  running, watch after ``widening_quarters_watch``.

The ratio compares like with like. The dollar change it replaced (``dR_required > dR_AI``) set
16 x the change in NVIDIA's quarterly data-centre revenue against the change in AI revenue, and so
fired in any growth phase: AI revenue growing 30% against required revenue growing 20% "widened"
the gap (issue 13; ``tests/regression/test_roi_gap_widening_fires_in_any_growth.py``).
``basis`` chooses which required revenue drives the status (``sequoia`` or ``capex``); both are
always reported.

The Sequoia number is, in the 2023 essay's words, lifetime revenue "for each year of current GPU
capex"; 2024 press read $600B as annual. capexwatch shows it as the essay computes it, not
annualised or discounted (published-analyses §1, semantics caveat).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from capexwatch.facts.periods import calendar_quarter_end, quarter_label
from capexwatch.signals._compare import as_int, flag, gt, isnum, lt
from capexwatch.signals._current import history_from, pick_current, reference_quarter
from capexwatch.signals._evidence import event_evidence, row_evidence, ttm_evidence
from capexwatch.signals._growth import metric_ttm
from capexwatch.signals._inputs import Inputs
from capexwatch.signals._panel import metric_rows, records
from capexwatch.signals._runs import streaks
from capexwatch.signals._signal import Check, Evidence, Signal, SignalSpec, Status, Threshold, Value
from capexwatch.signals._text import fmt_pct, fmt_usd
from capexwatch.signals.thresholds import load_thresholds, max_lag, th, thresholds_for

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LOW_CONFIDENCE",
    "SEQUOIA_SOURCE",
    "SPEC",
    "ai_disclosures",
    "ai_revenue_at",
    "capex_required_revenue",
    "compute",
    "headline",
    "quarter_table",
    "sequoia_required_revenue",
]


def sequoia_required_revenue(gpu_run_rate_usd: float, k_tco: float = 2.0, k_margin: float = 2.0) -> float:
    """Revenue end users must earn for a GPU spend run-rate ``G`` (USD/year): ``G x k_tco x k_margin``.

    Cahn (Sequoia, 2023/2024): f(50e9) = 200e9, f(150e9) = 600e9.
    """
    return gpu_run_rate_usd * k_tco * k_margin


def capex_required_revenue(ttm_capex_usd: float, payback_years: float, k_margin: float = 2.0) -> float:
    """Revenue that earns back trailing-year capex over *payback_years* at margin ``1 - 1/k_margin``."""
    return ttm_capex_usd / payback_years * k_margin


def ai_disclosures(inputs: Inputs, ticker: str | None = None) -> pd.DataFrame:
    """Every AI revenue run-rate disclosure: columns ``entity, date, amount, origin, confidence,
    source_url, row``.

    Events of kind ``ai_revenue_run_rate`` (metric ``ai_revenue_run_rate`` or blank; other
    metrics such as ``annual_revenue`` are not run-rates) and panel rows of the metric
    ``ai_revenue_run_rate`` (dated at their period end, e.g. from a user's CSV; no confidence).
    """
    import pandas as pd

    ev = inputs.events
    e = ev[(ev["kind"] == "ai_revenue_run_rate") & ev["amount"].notna()]
    e = e[e["metric"].isna() | (e["metric"] == "ai_revenue_run_rate")]
    rows: list[dict[str, Any]] = [
        {
            "entity": str(r["entity"]),
            "date": r["date"],
            "amount": float(r["amount"]),
            "origin": "event",
            "confidence": _str_or_none(r["confidence"]),
            "source_url": _str_or_none(r["source_url"]),
            "row": r,
        }
        for _, r in e.iterrows()
    ]
    p = metric_rows(inputs, "ai_revenue_run_rate")
    for _, r in p.iterrows():
        rows.append(
            {
                "entity": str(r["ticker"]),
                "date": r["period_end"],
                "amount": float(r["value"]),
                "origin": "panel",
                "confidence": None,
                "source_url": _str_or_none(r["source_url"]),
                "row": r,
            }
        )
    out = pd.DataFrame(rows, columns=_DISCLOSURE_COLUMNS)
    if ticker is not None and len(out):
        out = out[out["entity"].str.upper() == ticker.upper()]
    return out.sort_values(["entity", "date"]).reset_index(drop=True) if len(out) else out


_DISCLOSURE_COLUMNS = ["entity", "date", "amount", "origin", "confidence", "source_url", "row"]

#: the events' confidence label of a figure the reference material marks as weak
LOW_CONFIDENCE = "low"


def _str_or_none(x: Any) -> str | None:
    return x if isinstance(x, str) and x else None


def ai_revenue_at(disclosures: pd.DataFrame, cutoff: Any, max_age_days: float) -> tuple[pd.DataFrame, list[str]]:
    """The disclosure that counts for each entity at *cutoff*, and the entities left out as stale.

    Rule: among the entity's disclosures dated on or before *cutoff* and no older than
    *max_age_days* (fresh), the latest firm one (confidence not ``low``) or, when none is firm, the
    latest of them. A newer low-confidence report does not replace a firmer figure (the reference
    material marks such points as weak: published-analyses §11, "later points low confidence");
    it is listed beside it in the ``newer_low`` column (``date, amount_usd, source_url``, by date).
    An entity with no fresh disclosure is stale and listed as ``"ENTITY (last DATE)"``, by date.

    Returns the rows used (sorted by entity) and the stale list.
    """
    import pandas as pd

    if disclosures.empty:
        return disclosures, []
    ts = pd.Timestamp(cutoff)
    known = disclosures[disclosures["date"] <= ts]
    if known.empty:
        return known, []
    fresh = known[known["date"] > ts - pd.Timedelta(days=max_age_days)]
    low = fresh["confidence"] == LOW_CONFIDENCE
    firm_entities = set(fresh.loc[~low, "entity"])
    pool = fresh[~low | ~fresh["entity"].isin(firm_entities)]
    used = pool.sort_values("date").groupby("entity", sort=True).tail(1).sort_values("entity")
    old = known[~known["entity"].isin(set(fresh["entity"]))]
    last = old.sort_values("date").groupby("entity", sort=True).tail(1)
    stale = [f"{r.entity} (last {r.date.date()})" for r in last.itertuples()]
    weak = known[known["confidence"] == LOW_CONFIDENCE].sort_values("date", kind="stable")
    newer = [
        _newer_items(weak[(weak["entity"] == e) & (weak["date"] > d)])
        for e, d in zip(used["entity"], used["date"], strict=True)
    ]
    return used.assign(newer_low=newer), stale


def _newer_items(rows: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"date": d, "amount_usd": float(a), "source_url": u}
        for d, a, u in zip(rows["date"], rows["amount"], rows["source_url"], strict=True)
    ]


def _by_quarter(df: pd.DataFrame, col: str) -> list[tuple[int, list[str], float, list[Any]]]:
    """Per calendar quarter (``cidx`` ascending): its tickers, the sum of *col* and its rows (Series)."""
    import pandas as pd

    if df.empty:
        return []
    rows = [r for _, r in df.iterrows()]
    tickers = df["ticker"].tolist()
    values = df[col].to_numpy()
    out = []
    for cidx, pos in sorted(df.groupby("cidx").indices.items()):
        p = pos.tolist()
        out.append((int(cidx), [tickers[i] for i in p], float(pd.Series(values[pos]).sum()), [rows[i] for i in p]))
    return out


class _AiRevenueAt:
    """:func:`ai_revenue_at` per quarter, as ``(sum, rows as dicts, stale)``, computed once per
    distinct result: it depends on the cutoff only through which disclosures are dated on or
    before it and which are within the age limit, and most quarters share those with another.

    The selection itself (the counting disclosure per entity, fresh or stale) is made on plain
    lists; where pandas' sort of equal dates would decide it (two disclosures of one entity with
    the same date and confidence, two stale entities with the same last date) :func:`ai_revenue_at`
    decides.
    """

    def __init__(self, disclosures: pd.DataFrame, max_age_days: float) -> None:
        import pandas as pd

        self.disclosures, self.max_age = disclosures, max_age_days
        self.age = pd.Timedelta(days=max_age_days)
        self.dates = disclosures["date"].to_numpy(dtype="datetime64[ns]") if len(disclosures) else None
        self.entities = disclosures["entity"].tolist() if len(disclosures) else []
        self.low = (disclosures["confidence"] == LOW_CONFIDENCE).tolist() if len(disclosures) else []
        self.done: dict[Any, tuple[float, list[dict[str, Any]], list[str]]] = {}

    def __call__(self, cutoff: pd.Timestamp) -> tuple[float, list[dict[str, Any]], list[str]]:
        import numpy as np

        if self.dates is None:
            key: Any = None
            known: list[int] = []
            fresh: set[int] = set()
        else:
            known = np.flatnonzero(self.dates <= cutoff.to_datetime64()).tolist()
            fresh = set(np.flatnonzero(self.dates > (cutoff - self.age).to_datetime64()).tolist())
            key = (tuple(known), tuple(sorted(fresh)))
        out = self.done.get(key)
        if out is None:
            picked = self._select(known, fresh) if known else None
            if picked is None:
                rows, stale = ai_revenue_at(self.disclosures, cutoff, self.max_age)
            else:
                positions, newer, stale = picked
                rows = self.disclosures.iloc[positions].assign(newer_low=newer)
            total = float(rows["amount"].sum()) if len(rows) else float("nan")
            out = self.done[key] = (total, records(rows) if len(rows) else [], stale)
        return out

    def _select(self, known: list[int], fresh: set[int]) -> tuple[list[int], list[Any], list[str]] | None:
        """Positions of the counting disclosures in entity order, their newer low-confidence
        reports, and the stale entities in date order, as :func:`ai_revenue_at` gives them; None
        where equal dates make it ambiguous."""
        import pandas as pd

        assert self.dates is not None
        dates, ent, low = self.dates, self.entities, self.low
        best: dict[Any, int] = {}
        last: dict[Any, int] = {}
        tied: set[Any] = set()
        for i in known:
            e = ent[i]
            j = last.get(e)
            if j is None or dates[i] >= dates[j]:
                last[e] = i
            if i not in fresh:
                continue
            j = best.get(e)
            # a firm disclosure beats a low-confidence one; then the later one counts
            rank_i, rank_j = (not low[i], dates[i]), None if j is None else (not low[j], dates[j])
            if rank_j is None or rank_i > rank_j:
                best[e] = i
                tied.discard(e)
            elif rank_i == rank_j:
                tied.add(e)
        if tied:
            return None
        old = sorted((i for e, i in last.items() if e not in best), key=lambda i: dates[i])
        if len({dates[i] for i in old}) < len(old):
            return None
        stale = [f"{ent[i]} (last {pd.Timestamp(dates[i]).date()})" for i in old]
        used = sorted(best.values(), key=lambda i: ent[i])
        weak = sorted((k for k in known if low[k]), key=lambda k: dates[k])
        newer = [self._items([k for k in weak if ent[k] == ent[i] and dates[k] > dates[i]]) for i in used]
        return used, newer, stale

    def _items(self, positions: list[int]) -> list[dict[str, Any]]:
        return _newer_items(self.disclosures.iloc[positions]) if positions else []


def _gpu_rows(inputs: Inputs, vendors: list[str]) -> pd.DataFrame:
    return metric_rows(inputs, "data_center_revenue", vendors)


def quarter_table(
    inputs: Inputs, thresholds: Mapping[str, Threshold], ticker: str | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per calendar quarter: required revenue (both bases), AI revenue, gap, checks and status.

    Group mode (``ticker=None``): G from ``gpu_vendors``; capex basis over the Big Four.
    Company mode: G from the company's own ``data_center_revenue`` if it has one; capex basis
    from its own capex; AI revenue from its own disclosures.
    """
    import pandas as pd

    k_tco = float(th(thresholds, "k_tco"))
    k_margin = float(th(thresholds, "k_margin"))
    payback = float(th(thresholds, "payback_years"))
    basis = str(th(thresholds, "basis"))
    if basis not in ("sequoia", "capex"):
        from capexwatch.errors import ConfigError

        raise ConfigError(
            f"roi_gap.basis must be 'sequoia' or 'capex', got {basis!r}.", hint="Fix $CAPEXWATCH_HOME/thresholds.toml."
        )
    lag = pd.Timedelta(days=float(th(thresholds, "ai_disclosure_lag_days")))
    max_age = float(th(thresholds, "ai_disclosure_max_age_days"))
    decline_pct = float(th(thresholds, "ai_decline_pct"))
    fall_pct = float(th(thresholds, "coverage_fall_pct"))
    n_alert = int(th(thresholds, "widening_quarters_alert"))
    n_watch = int(th(thresholds, "widening_quarters_watch"))

    if ticker is None:
        vendors = [v.upper() for v in th(thresholds, "gpu_vendors")]
        spenders = inputs.tickers(big_four=True)
    else:
        vendors = [ticker]
        spenders = [ticker]
    gpu = _gpu_rows(inputs, vendors)
    if ticker is not None and gpu.empty:
        # a company without data-centre revenue (a hyperscaler, a user's company): capex basis
        basis = "capex"
    cap = metric_ttm(inputs, "capex", spenders)
    disclosures = ai_disclosures(inputs, ticker)

    # --- per calendar quarter: G (all vendors present) and capex TTM (members present)
    # (what iterating ``groupby("cidx")`` gives, without a sub-frame per quarter: each quarter's
    # rows in order, their sum as pandas sums them, and the rows as iterrows() Series)
    g_by_q: dict[int, tuple[float, list[Any]]] = {}
    for cidx, tickers, total, rows in _by_quarter(gpu, "value"):
        if set(tickers) >= set(vendors):
            g_by_q[cidx] = (total, rows)
    c_by_q: dict[int, tuple[float, list[Any], list[str]]] = {}
    capt = cap[cap["ttm"].notna()] if len(cap) else cap
    for cidx, tickers, total, rows in _by_quarter(capt, "ttm"):
        c_by_q[cidx] = (total, rows, sorted(tickers))

    qs = sorted(set(g_by_q) | set(c_by_q))
    ai_at = _AiRevenueAt(disclosures, max_age)
    recs: list[dict[str, Any]] = []
    for ci in qs:
        label = quarter_label(ci)
        cutoff = pd.Timestamp(calendar_quarter_end(label)) + lag
        ai, ai_list, stale = ai_at(cutoff)
        g = g_by_q.get(ci)
        c = c_by_q.get(ci)
        r_seq = sequoia_required_revenue(g[0] * 4, k_tco, k_margin) if g else float("nan")
        complete_capex = c is not None and (ticker is not None or set(c[2]) >= set(spenders))
        r_cap = capex_required_revenue(c[0], payback, k_margin) if c and complete_capex else float("nan")
        recs.append(
            {
                "quarter": label,
                "cidx": ci,
                "gpu_quarter_usd": g[0] if g else float("nan"),
                "gpu_rows": g[1] if g else [],
                "required_sequoia_usd": r_seq,
                "capex_ttm_usd": c[0] if c else float("nan"),
                "capex_rows": c[1] if c else [],
                "capex_members": c[2] if c else [],
                "required_capex_usd": r_cap,
                "ai_usd": ai,
                "ai_rows": ai_list,
                "ai_stale": stale,
                "ai_cutoff": cutoff,
            }
        )
    t = pd.DataFrame(recs)
    if t.empty:
        return t, {"vendors": vendors, "spenders": spenders, "basis": basis}
    t["required_usd"] = t["required_sequoia_usd"] if basis == "sequoia" else t["required_capex_usd"]
    t["gap_usd"] = t["required_usd"] - t["ai_usd"]
    t["gap_capex_usd"] = t["required_capex_usd"] - t["ai_usd"]
    t["coverage_ratio"] = t["ai_usd"] / t["required_usd"]

    # --- like-for-like changes against the previous calendar quarter
    declines: list[bool | None] = []
    widened: list[bool | None] = []
    lfl_changes: list[float] = []
    ratios: list[tuple[float, float]] = []
    prev: dict[str, Any] | None = None
    for rec in records(t):
        d_flag: bool | None = None
        w_flag: bool | None = None
        lfl = float("nan")
        ratio = (float("nan"), float("nan"))
        if prev is not None and prev["cidx"] == rec["cidx"] - 1 and len(rec["ai_rows"]) and len(prev["ai_rows"]):
            cur = {a["entity"]: a["amount"] for a in rec["ai_rows"]}
            old = {a["entity"]: a["amount"] for a in prev["ai_rows"]}
            both = sorted(set(cur) & set(old))
            if both:
                c_sum, o_sum = sum(cur[e] for e in both), sum(old[e] for e in both)
                lfl = c_sum - o_sum
                d_flag = o_sum > 0 and gt((o_sum - c_sum) / o_sum * 100.0, decline_pct) and lt(c_sum, o_sum)
                w_flag, ratio = _coverage_fell(c_sum, o_sum, rec["required_usd"], prev["required_usd"], fall_pct)
        declines.append(d_flag)
        widened.append(w_flag)
        lfl_changes.append(lfl)
        ratios.append(ratio)
        prev = rec
    t["ai_decline"] = declines
    t["gap_widened"] = widened
    t["ai_lfl_change_usd"] = lfl_changes
    t["coverage_lfl_ratio"] = [r for r, _ in ratios]
    t["coverage_lfl_prev_ratio"] = [p for _, p in ratios]
    t["widening_streak"] = streaks(widened)

    statuses: list[Status] = []
    reasons: list[str | None] = []
    for rec in records(t):
        if not isnum(rec["required_usd"]):
            statuses.append("insufficient-data")
            need = (
                f"GPU-vendor data-centre revenue ({', '.join(vendors)})"
                if basis == "sequoia"
                else "complete trailing-four-quarter capex"
            )
            reasons.append(f"no {need} for {rec['quarter']}")
        elif not len(rec["ai_rows"]):
            statuses.append("insufficient-data")
            why = f"no AI revenue run-rate disclosed by {rec['ai_cutoff'].date()}"
            if rec["ai_stale"]:
                why += " (stale: " + ", ".join(rec["ai_stale"]) + ")"
            reasons.append(why)
        elif flag(rec["ai_decline"]) is True or (as_int(rec["widening_streak"]) or 0) >= n_alert:
            statuses.append("alert")
            reasons.append(None)
        elif (as_int(rec["widening_streak"]) or 0) >= n_watch:
            statuses.append("watch")
            reasons.append(None)
        elif as_int(rec["widening_streak"]) is None and flag(rec["ai_decline"]) is not False:
            # neither trigger could be evaluated (first quarter, or no entity in both quarters)
            statuses.append("insufficient-data")
            reasons.append("no like-for-like AI revenue in the previous quarter to compare with")
        else:
            statuses.append("ok")
            reasons.append(None)
    t["status"] = statuses
    t["reason"] = reasons
    t["value"] = t["gap_usd"]
    return t, {"vendors": vendors, "spenders": spenders, "basis": basis}


def _coverage_fell(
    ai_now: float, ai_prev: float, req_now: Any, req_prev: Any, fall_pct: float
) -> tuple[bool | None, tuple[float, float]]:
    """Did the like-for-like coverage ratio fall by more than *fall_pct* percent?

    ``ai_now``/``ai_prev``: AI revenue of the same entities in the two quarters (USD/yr);
    ``req_now``/``req_prev``: required revenue (USD/yr). Returns the flag (None when either
    required revenue is unknown or not positive) and the two ratios ``(now, previous)``.
    """
    nan = float("nan")
    if not (isnum(req_now) and isnum(req_prev)) or req_now <= 0 or req_prev <= 0:
        return None, (nan, nan)
    now, before = ai_now / req_now, ai_prev / req_prev
    if before <= 0:
        return False, (now, before)  # nothing covered before: the ratio cannot fall
    return gt((before - now) / before * 100.0, fall_pct) and lt(now, before), (now, before)


def compute(inputs: Inputs, thresholds: Mapping[str, Threshold], ticker: str | None = None) -> Signal:
    """Evaluate ``roi_gap`` (group, or one company with *ticker*)."""
    t, ctx = quarter_table(inputs, thresholds, ticker)
    used = {k: thresholds[k] for k in thresholds}
    scope = ticker or "group"
    sig = SPEC.make(
        thresholds=used,
        scope=scope,
        unit="USD",
        value_label="gap: required revenue - AI revenue",
        point_in_time=inputs.as_of,
    )
    sig.caveats = [
        "The Sequoia figure is lifetime revenue 'for each year of current GPU capex' (2023 essay); 2024 press "
        "read the $600B as annual. Shown as the essay computes it, not annualised or discounted.",
        "AI revenue sums the latest disclosed run-rate of each entity; one firm's AI revenue can be another's "
        "cost (OpenAI pays Microsoft for Azure), so the sum can double-count; it is listed by entity.",
        "Run-rates are company statements reported by the press (events.csv confidence column); a newer "
        "low-confidence report does not replace a firmer figure: it is listed in coverage.",
        "Widening is a fall in coverage (AI revenue / required revenue, the same entities in both quarters). "
        "A run-rate counts until a newer one is disclosed, so a quarter with no new disclosure holds AI revenue "
        "flat and coverage falls whenever required revenue grows.",
    ]
    if t.empty:
        sig.status = "insufficient-data"
        sig.reason = f"no data-centre revenue for {', '.join(ctx['vendors'])} and no trailing capex" + (
            f" for {ticker}" if ticker else ""
        )
        sig.coverage = {"gpu_vendors": ctx["vendors"], "capex_companies": ctx["spenders"]}
        sig.summary = sig.reason
        return sig
    row, why = _current(inputs, thresholds, t)
    sig.history = history_from(t)
    if row is None:
        sig.status = "insufficient-data"
        sig.reason = why
        last = t.iloc[-1]
        _fill_values(sig, last, ctx)
        sig.as_of = None
        sig.summary = f"insufficient data: {why}"
        return sig
    _fill_values(sig, row, ctx)
    sig.status = row["status"]
    sig.as_of = row["quarter"]
    sig.as_of_date = calendar_quarter_end(row["quarter"])
    sig.value = float(row["gap_usd"])
    n_alert = int(th(thresholds, "widening_quarters_alert"))
    streak = as_int(row["widening_streak"])
    sig.checks = [
        Check(
            "ai_revenue_decline_qoq",
            flag(row["ai_decline"]),
            "like-for-like AI revenue change on the previous quarter: "
            + (fmt_usd(row["ai_lfl_change_usd"]) if isnum(row["ai_lfl_change_usd"]) else "not comparable"),
            "alert",
        ),
        Check(
            "gap_widening",
            None if streak is None else streak >= n_alert,
            f"coverage ratio (AI / required revenue, like-for-like) "
            f"{_ratio_text(row['coverage_lfl_prev_ratio'], row['coverage_lfl_ratio'])}; fell "
            f"{streak if streak is not None else 'n/a'} quarter(s) running (alert at {n_alert}, "
            f"watch at {int(th(thresholds, 'widening_quarters_watch'))})",
            "alert",
        ),
    ]
    sig.summary = (
        f"{row['quarter']}: required {fmt_usd(row['required_usd'])}/yr ({ctx['basis']}) vs AI run-rate "
        f"{fmt_usd(row['ai_usd'])} -> gap {fmt_usd(row['gap_usd'])}, covered {fmt_pct(row['coverage_ratio'] * 100)}; "
        f"widening {streak if streak is not None else 'n/a'} qtr running"
    )
    return sig


def _ratio_text(before: Any, now: Any) -> str:
    if not (isnum(before) and isnum(now)):
        return "not comparable"
    return f"{fmt_pct(before * 100)} -> {fmt_pct(now * 100)}"


def _fill_values(sig: Signal, row: Any, ctx: dict[str, Any]) -> None:
    sig.values = {
        "gpu_quarter_usd": Value(_f(row["gpu_quarter_usd"]), "USD", "GPU vendors' data-centre revenue, quarter"),
        "gpu_run_rate_usd": Value(_f(row["gpu_quarter_usd"] * 4), "USD_per_year", "G = quarter x 4"),
        "required_revenue_sequoia_usd": Value(
            _f(row["required_sequoia_usd"]), "USD_per_year", "Sequoia chain: G x k_tco x k_margin"
        ),
        "capex_ttm_usd": Value(_f(row["capex_ttm_usd"]), "USD", "hyperscaler capex, trailing four quarters"),
        "required_revenue_capex_usd": Value(
            _f(row["required_capex_usd"]), "USD_per_year", "capex basis: TTM capex / payback_years x k_margin"
        ),
        "ai_revenue_usd": Value(_f(row["ai_usd"]), "USD_per_year", "sum of latest disclosed AI run-rates"),
        "gap_usd": Value(_f(row["gap_usd"]), "USD_per_year", f"required ({ctx['basis']}) - AI revenue"),
        "gap_capex_basis_usd": Value(_f(row["gap_capex_usd"]), "USD_per_year", "capex-basis required - AI revenue"),
        "coverage_ratio": Value(_f(row["coverage_ratio"]), "ratio", "AI revenue / required revenue"),
        "ai_lfl_change_usd": Value(
            _f(row["ai_lfl_change_usd"]), "USD_per_year", "like-for-like AI revenue change on the previous quarter"
        ),
        "coverage_lfl_ratio": Value(
            _f(row["coverage_lfl_ratio"]),
            "ratio",
            "AI revenue of the entities in both quarters / required",
        ),
        "coverage_lfl_prev_ratio": Value(
            _f(row["coverage_lfl_prev_ratio"]), "ratio", "the same entities' AI revenue / required, previous quarter"
        ),
        "widening_streak": Value(
            _f(row["widening_streak"]), "quarters", "quarters running in which the coverage ratio fell"
        ),
    }
    ev: list[Evidence] = []
    for r in row["gpu_rows"]:
        ev.append(row_evidence(r, f"{r['ticker']} data-centre revenue"))
    for r in row["capex_rows"]:
        ev.extend(ttm_evidence(r, "capex"))
    ai_rows = row["ai_rows"]
    for a in ai_rows:
        if a["origin"] == "event":
            ev.append(event_evidence(a["row"], f"{a['entity']} AI revenue run-rate"))
        else:
            ev.append(row_evidence(a["row"], f"{a['entity']} AI revenue run-rate", unit="USD_per_year"))
    sig.evidence = ev
    sig.coverage = {
        "gpu_vendors": ctx["vendors"],
        "capex_companies_required": ctx["spenders"],
        "capex_companies_used": list(row["capex_members"]),
        "ai_entities": sorted(a["entity"] for a in ai_rows),
        "ai_entities_stale": list(row["ai_stale"]),
        "ai_newer_low_confidence": [
            f"{a['entity']} {fmt_usd(n['amount_usd'])} ({n['date'].date()})" for a in ai_rows for n in a["newer_low"]
        ],
        "ai_disclosures_through": str(row["ai_cutoff"].date()) if hasattr(row["ai_cutoff"], "date") else None,
        "basis": ctx["basis"],
    }


def _f(x: Any) -> float | None:
    return float(x) if isnum(x) else None


def _current(inputs: Inputs, thresholds: Mapping[str, Threshold], t: pd.DataFrame) -> tuple[Any, str | None]:
    """The row of :func:`quarter_table` the signal reports (None and why when there is none)."""
    if t.empty:
        return None, "no quarter has the data this signal needs"
    ref = reference_quarter(inputs, t["quarter"])
    return pick_current(t, max_lag=max_lag(thresholds), reference=ref)


#: Cahn, "AI's $600B Question" (Sequoia, 20 Jun 2024): the chain the headline follows
SEQUOIA_SOURCE = "https://sequoiacap.com/article/ais-600b-question"


def headline(inputs: Inputs, thresholds: Mapping[str, Threshold] | None = None) -> dict[str, Any]:
    """The report's ROI-gap headline: the group signal's current quarter, on the Sequoia chain.

    The same row the ``roi_gap`` signal shows its values for (its current quarter, else its latest
    quarter), so the report and the signal show the same figures: ``required = G x k_tco x
    k_margin`` with ``G`` the GPU vendors' data-centre revenue of the quarter x 4 (Cahn 2024),
    against the AI revenue run-rates that count at the quarter (:func:`ai_revenue_at`), each with
    its date and source and any newer low-confidence report beside it. The sum can double-count
    where one firm's AI revenue is another's cost (OpenAI pays Microsoft for Azure); it is shown by
    component.

    Parameters
    ----------
    inputs : the frames (:meth:`Inputs.from_store`, with ``as_of`` for a point-in-time report)
    thresholds : the signal's thresholds (default: :func:`~capexwatch.signals.thresholds.load_thresholds`)

    Returns
    -------
    dict
        ``status`` (``ok`` or ``insufficient-data`` with ``reason``) and, when ok: the GPU quarter
        (``nvda_fiscal_period``, ``nvda_period_end``, ``nvda_data_center_quarter_usd``, its
        ``..._source_url``), ``gpu_run_rate_usd``, ``tco_multiplier``, ``margin_multiplier``,
        ``required_revenue_usd``, ``ai_revenue_usd``, ``ai_revenue_components``, ``gap_usd``,
        ``coverage_ratio`` and ``method_source_url``; USD per year except the quarter.
    """
    if thresholds is None:
        thresholds = thresholds_for(load_thresholds(), SPEC.name)
    t, _ctx = quarter_table(inputs, thresholds)
    row, why = _current(inputs, thresholds, t)
    if row is None and t.empty:
        return {"status": "insufficient-data", "reason": why}
    if row is None:
        row = t.iloc[-1]  # the quarter whose values the signal shows when it has no current status
    if not row["gpu_rows"] or not isnum(row["required_sequoia_usd"]):
        return {"status": "insufficient-data", "reason": f"no GPU-vendor data-centre revenue for {row['quarter']}"}
    if not row["ai_rows"]:
        return {"status": "insufficient-data", "reason": f"no AI revenue run-rate disclosed for {row['quarter']}"}
    gpu = row["gpu_rows"][0]
    required = float(row["required_sequoia_usd"])
    ai = float(row["ai_usd"])
    return {
        "status": "ok",
        "reason": None,
        "nvda_fiscal_period": gpu["fiscal_period"],
        "nvda_period_end": gpu["period_end"],
        "nvda_data_center_quarter_usd": float(row["gpu_quarter_usd"]),
        "nvda_data_center_source_url": gpu["source_url"],
        "gpu_run_rate_usd": float(row["gpu_quarter_usd"]) * 4,
        "tco_multiplier": float(th(thresholds, "k_tco")),
        "margin_multiplier": float(th(thresholds, "k_margin")),
        "required_revenue_usd": required,
        "ai_revenue_usd": ai,
        "ai_revenue_components": [_component(a) for a in row["ai_rows"]],
        "gap_usd": required - ai,
        "coverage_ratio": ai / required if required else None,
        "method_source_url": SEQUOIA_SOURCE,
    }


def _component(a: dict[str, Any]) -> dict[str, Any]:
    """One disclosed run-rate of the headline, with its source and any newer weak report."""
    src = a["row"]
    return {
        "entity": a["entity"],
        "date": a["date"],
        "amount_usd": float(a["amount"]),
        "description": src.get("description") if a["origin"] == "event" else src.get("note"),
        "source_url": a["source_url"],
        "confidence": a["confidence"],
        "newer_low_confidence": list(a["newer_low"]),
    }


SPEC = SignalSpec(
    name="roi_gap",
    title="ROI gap",
    question="Is the revenue that AI infrastructure needs running further ahead of the AI revenue actually disclosed?",
    description="GPU and data-centre spending implies a revenue requirement (Sequoia's '$600B question') that "
    "disclosed AI revenue has to close.",
    trigger="AI-attributed revenue falls quarter on quarter, or the share of required revenue that AI revenue "
    "covers falls N quarters running.",
    definition="Required revenue = GPU vendors' data-centre revenue run-rate x 2 (full data-centre cost) x 2 (50% "
    "end-user margin), or trailing hyperscaler capex over a payback horizon x 2; AI revenue = the "
    "latest disclosed annualised AI revenue of each company; gap = required - AI revenue.",
    formula="R_req = 4*DC_q * k_tco * k_margin  |  R_capex = capex_TTM / payback * k_margin  |  "
    "gap = R_req - sum_e runrate_e;  cov = AI_lfl / R_req;  alert if dAI_lfl < 0 or streak(cov_q < cov_{q-1}) >= N",
    compute=compute,
    order=1,
)
