"""Checks on the bundled, hand-curated snapshot files ``events.csv`` and ``published_figures.csv``.

Every row of both files was copied from ``published-analyses.md``, the curated list of published
figures with their sources (a verbatim copy is in ``tests/data/reference/``). These tests hold the
files to that reference: the format contract (columns, kinds, units, base-unit amounts), provenance
(every URL occurs verbatim in the reference) and spot checks that re-read figures from the
reference text instead of hard-coding them.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from tests._support.data import REFERENCE

SNAPSHOT_DIR = Path(__file__).resolve().parents[1] / "src" / "capexwatch" / "sources" / "snapshot"
EVENTS_CSV = SNAPSHOT_DIR / "events.csv"
PUBLISHED_CSV = SNAPSHOT_DIR / "published_figures.csv"

EVENT_COLUMNS = [
    "event_id", "date", "entity", "counterparty", "kind", "metric", "amount", "amount_high", "unit",
    "old_value", "new_value", "jurisdiction", "scope", "description", "source_url", "source_kind",
    "confidence",
]  # fmt: skip
PUBLISHED_COLUMNS = [
    "ticker", "metric", "fiscal_period", "period_end", "value", "unit", "source_url", "source_kind", "note",
]  # fmt: skip
KINDS = {
    "ai_revenue_run_rate", "useful_life_change", "capex_guidance", "circular_deal", "moratorium",
    "power_share", "gpu_backed_debt", "gpu_rental_price", "backlog", "published_model",
}  # fmt: skip
UNITS = {"USD", "USD_per_year", "USD_per_gpu_hour", "percent", "GW", "MW", "TWh", "years", "shares"}
SOURCE_KINDS = {"primary", "secondary", "derived"}
CONFIDENCES = {"high", "medium", "low"}
UNIVERSE = {"MSFT", "GOOGL", "AMZN", "META", "ORCL", "NVDA", "AMD", "AVGO", "MRVL", "TSM", "CRWV", "SPCX"}
# Canonical metric names, DESIGN.md "Canonical metrics (store and CLI names)".
CANONICAL_METRICS = {
    "revenue", "capex", "capex_incl_finance_leases", "capex_net", "operating_cash_flow",
    "depreciation_amortization", "cloud_revenue", "data_center_revenue", "ai_revenue_run_rate", "inventory",
    "purchase_obligations", "long_term_debt", "net_income", "operating_income",
}  # fmt: skip
SLUG = re.compile(r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$")
TICKER_LIKE = re.compile(r"^[A-Z]{2,5}$")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def _num(text: str) -> Decimal | None:
    if text == "":
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        pytest.fail(f"not a number: {text!r}")


@pytest.fixture(scope="module")
def events() -> list[dict[str, str]]:
    return _read(EVENTS_CSV)[1]


@pytest.fixture(scope="module")
def published() -> list[dict[str, str]]:
    return _read(PUBLISHED_CSV)[1]


@pytest.fixture(scope="module")
def reference_text() -> str:
    return (REFERENCE / "published-analyses.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reference_urls_text(reference_text: str) -> str:
    readme = REFERENCE / "README.md"
    return reference_text + "\n" + readme.read_text(encoding="utf-8")


def _section(text: str, heading_start: str) -> str:
    """Text of the markdown section whose ``## `` heading starts with ``heading_start``."""
    start = text.index("\n## " + heading_start)
    end = text.find("\n## ", start + 4)
    return text[start : end if end != -1 else len(text)]


def _table_row(section: str, first_cell: str) -> str:
    for line in section.splitlines():
        if line.startswith("| " + first_cell):
            return line
    raise AssertionError(f"no table row starting with {first_cell!r} in the reference")


def _by_id(rows: list[dict[str, str]], event_id: str) -> dict[str, str]:
    hits = [r for r in rows if r["event_id"] == event_id]
    assert len(hits) == 1, f"expected exactly one row {event_id!r}, found {len(hits)}"
    return hits[0]


def _number_in_text(value: Decimal, text: str) -> bool:
    """Whether ``|value|`` appears as a number in ``text`` at some display scale (milli, 1, k, M, B, T).

    Matches whole numbers only (not digits inside a longer number), tolerating thousands separators
    and trailing zeros, so 37e9 matches "$37B", 6.334 (TWh) matches "6,334" (GWh) and 5.4 matches "$5.40".
    """
    for scale in (
        Decimal("0.001"),
        Decimal(1),
        Decimal(10) ** 3,
        Decimal(10) ** 6,
        Decimal(10) ** 9,
        Decimal(10) ** 12,
    ):
        scaled = abs(value) / scale
        if scaled < Decimal("0.01") or scaled != scaled.quantize(Decimal("0.001")):
            continue
        whole, _, frac = format(scaled.normalize(), "f").partition(".")
        whole_re = r",?".join(re.escape(c) for c in whole) if len(whole) > 3 else re.escape(whole)
        frac_re = (r"\." + re.escape(frac) + "0*") if frac else r"(?:\.0+)?"
        if re.search(r"(?<![\d.,])" + whole_re + frac_re + r"(?![\d]|[.,]\d)", text):
            return True
    return False


# --- format: events.csv


def test_events_header_exact() -> None:
    header, _ = _read(EVENTS_CSV)
    assert header == EVENT_COLUMNS


def test_events_rows_well_formed(events: list[dict[str, str]]) -> None:
    assert len(events) >= 80
    ids = Counter(r["event_id"] for r in events)
    assert not [i for i, n in ids.items() if n > 1], "event_id must be unique"
    for r in events:
        where = r["event_id"]
        assert SLUG.match(r["event_id"]), where
        dt.date.fromisoformat(r["date"])
        assert r["entity"].strip(), where
        assert r["kind"] in KINDS, where
        assert r["metric"].strip(), where
        assert r["source_url"].startswith("http"), where
        assert " " not in r["source_url"] and ";" not in r["source_url"], f"{where}: one URL only"
        assert r["source_kind"] in SOURCE_KINDS, where
        assert r["confidence"] in CONFIDENCES, where
        assert r["description"].strip(), where
        amount, high = _num(r["amount"]), _num(r["amount_high"])
        old, new = _num(r["old_value"]), _num(r["new_value"])
        if amount is not None or high is not None or old is not None or new is not None:
            assert r["unit"] in UNITS, f"{where}: unit {r['unit']!r}"
        if high is not None:
            assert amount is not None and high >= amount, where
        for name in ("entity", "counterparty"):
            # An upper-case short name must be a universe ticker (catches GOOG vs GOOGL and the like).
            if TICKER_LIKE.match(r[name]):
                assert r[name] in UNIVERSE, f"{where}: {name} {r[name]!r} looks like a ticker outside the universe"


def test_amounts_are_base_units(events: list[dict[str, str]]) -> None:
    """Dollar amounts are written in USD, not billions; prices per GPU-hour stay small."""
    for r in events:
        amount = _num(r["amount"])
        if amount is None:
            continue
        if r["unit"] in {"USD", "USD_per_year"} and r["metric"] not in {"h100_all_in_capex"}:
            assert abs(amount) >= 10**6, f"{r['event_id']}: {amount} looks like billions, not USD"
        if r["unit"] == "USD_per_gpu_hour":
            assert 0 < amount < 20, r["event_id"]
        if r["unit"] == "percent":
            assert -100 <= amount <= 400, r["event_id"]


def test_kind_specific_fields(events: list[dict[str, str]]) -> None:
    by_kind: dict[str, list[dict[str, str]]] = {}
    for r in events:
        by_kind.setdefault(r["kind"], []).append(r)
    assert set(by_kind) == KINDS, "every kind should have at least one row"
    for r in by_kind["moratorium"]:
        assert r["jurisdiction"].strip() and r["scope"].strip(), r["event_id"]
    for r in by_kind["useful_life_change"]:
        old, new = _num(r["old_value"]), _num(r["new_value"])
        if new is not None:
            assert 1 <= new <= 10, r["event_id"]
        if old is not None and new is not None:
            assert old != new, r["event_id"]
        if old is None and new is None:
            assert r["amount"], f"{r['event_id']}: neither a life change nor an impact"
    for r in by_kind["gpu_rental_price"]:
        assert r["unit"] in {"USD_per_gpu_hour", "percent"}, r["event_id"]
    for r in by_kind["capex_guidance"]:
        assert r["metric"] in {"capex_guidance", "capex_actual"}, r["event_id"]
    for r in by_kind["ai_revenue_run_rate"]:
        assert r["unit"] == "USD_per_year", r["event_id"]


# --- format: published_figures.csv


def test_published_header_exact() -> None:
    header, _ = _read(PUBLISHED_CSV)
    assert header == PUBLISHED_COLUMNS


def test_published_rows_well_formed(published: list[dict[str, str]]) -> None:
    assert published
    keys = Counter((r["ticker"], r["metric"], r["fiscal_period"]) for r in published)
    assert not [k for k, n in keys.items() if n > 1]
    for r in published:
        where = f"{r['ticker']} {r['metric']} {r['fiscal_period']}"
        assert r["ticker"] in UNIVERSE, where
        assert r["metric"] in CANONICAL_METRICS, where
        assert re.fullmatch(r"FY\d{4}(Q[1-4])?", r["fiscal_period"]), where
        period_end = dt.date.fromisoformat(r["period_end"])
        assert str(period_end.year) in r["fiscal_period"] or r["ticker"] in {"MSFT", "ORCL", "NVDA"}, where
        value = _num(r["value"])
        assert value is not None and abs(value) >= 10**6, f"{where}: value must be in USD"
        assert r["unit"] == "USD", where
        assert r["source_url"].startswith("http"), where
        assert r["source_kind"] in SOURCE_KINDS, where
        assert r["note"].strip(), where


# --- provenance against the reference


def test_every_url_occurs_in_reference(
    events: list[dict[str, str]], published: list[dict[str, str]], reference_urls_text: str
) -> None:
    missing = sorted({r["source_url"] for r in events + published} - {""})
    missing = [u for u in missing if u not in reference_urls_text]
    assert not missing, f"URLs not found verbatim in the reference: {missing}"


def test_every_figure_occurs_in_reference(
    events: list[dict[str, str]], published: list[dict[str, str]], reference_text: str
) -> None:
    """No invented numbers: each amount / range end / life / value is a number printed in the reference."""
    absent = []
    for r in events:
        for col in ("amount", "amount_high", "old_value", "new_value"):
            value = _num(r[col])
            if value is not None and not _number_in_text(value, reference_text):
                absent.append((r["event_id"], col, r[col]))
    for r in published:
        value = _num(r["value"])
        assert value is not None
        if not _number_in_text(value, reference_text):
            absent.append((r["ticker"], r["fiscal_period"], r["value"]))
    assert not absent, f"figures not found in published-analyses.md: {absent}"


def test_published_quarters_not_in_company_quarters(published: list[dict[str, str]]) -> None:
    cq = REFERENCE / "company_quarters.csv"
    _, quarters = _read(cq)
    have = {(q["ticker"], q["fiscal_period"]) for q in quarters}
    dup = [(r["ticker"], r["fiscal_period"]) for r in published if (r["ticker"], r["fiscal_period"]) in have]
    # Fiscal-year totals never collide (company_quarters holds quarters only); quarters must be new.
    assert not dup, f"already in company_quarters.csv: {dup}"


def test_annual_capex_agrees_with_quarterly_reference(published: list[dict[str, str]]) -> None:
    """Independent check: published FY capex vs the sum of the four curated quarters (within 0.5%)."""
    cq = REFERENCE / "company_quarters.csv"
    _, quarters = _read(cq)
    checked = 0
    for r in published:
        if r["metric"] != "capex" or "Q" in r["fiscal_period"]:
            continue
        qs = [
            Decimal(q["value_usd_millions"]) * 10**6
            for q in quarters
            if q["ticker"] == r["ticker"]
            and q["metric"] == "capex_cash_purchases_ppe"
            and re.fullmatch(re.escape(r["fiscal_period"]) + r"Q[1-4]", q["fiscal_period"])
        ]
        if len(qs) != 4:
            continue
        total = sum(qs, Decimal(0))
        assert abs(Decimal(r["value"]) - total) / total < Decimal("0.005"), (r["ticker"], r["fiscal_period"])
        checked += 1
    assert checked >= 3  # GOOGL FY2024, GOOGL FY2025, AMZN FY2025


# --- spot checks re-read from the text


def test_microsoft_37b_run_rate(events: list[dict[str, str]], reference_text: str) -> None:
    row = _table_row(_section(reference_text, "11."), "Microsoft | AI business annual revenue run-rate")
    m = re.search(r"\*\*>\$(\d+)B, \+123% YoY\*\*", row)
    assert m, "reference no longer states the >$37B run-rate"
    r = _by_id(events, "msft-ai-runrate-2026-04-29")
    assert Decimal(r["amount"]) == Decimal(m.group(1)) * 10**9 == Decimal("37e9")
    assert r["entity"] == "MSFT" and r["kind"] == "ai_revenue_run_rate" and ">" in r["description"]
    assert r["source_url"] in row


def test_sequoia_chain_outputs(events: list[dict[str, str]], reference_text: str) -> None:
    m = re.search(r"f\(G=(\d+)\) = (\d+), f\(G=(\d+)\) = (\d+); Hole\((\d+), (\d+)\) = (\d+); "
                  r"Hole\((\d+), (\d+)\) = (\d+)", reference_text)  # fmt: skip
    assert m, "reproduction-check sentence missing from the reference"
    g1, r1, g2, r2, _, _, hole1, _, ai2, hole2 = (Decimal(x) * 10**9 for x in m.groups())
    assert Decimal(_by_id(events, "sequoia-200b-gpu-input-2023-09")["amount"]) == g1
    assert Decimal(_by_id(events, "sequoia-200b-required-revenue-2023-09")["amount"]) == r1
    assert Decimal(_by_id(events, "sequoia-600b-gpu-input-2024-06-20")["amount"]) == g2
    assert Decimal(_by_id(events, "sequoia-600b-required-revenue-2024-06-20")["amount"]) == r2
    assert Decimal(_by_id(events, "sequoia-125b-hole-2023-09")["amount"]) == hole1
    assert Decimal(_by_id(events, "sequoia-100b-ai-revenue-input-2024-06-20")["amount"]) == ai2
    assert Decimal(_by_id(events, "sequoia-500b-hole-2024-06-20")["amount"]) == hole2
    # The chain itself: R = 4 G.
    assert r1 == 4 * g1 and r2 == 4 * g2


def test_burry_and_alphabet_2023_life_change(events: list[dict[str, str]], reference_text: str) -> None:
    sec5 = _section(reference_text, "5.")
    burry = re.search(r"2026–2028 cumulative \| \*\*\$(\d+)B\*\*", sec5)
    assert burry
    assert Decimal(_by_id(events, "burry-176b-understated-depreciation-2025-11-10")["amount"]) == (
        Decimal(burry.group(1)) * 10**9
    )
    row = _table_row(sec5, "Alphabet | FY2023")
    m = re.search(r"depreciation \*\*−\$([\d.]+)B\*\*, NI \*\*\+\$([\d.]+)B\*\*", row)
    assert m
    dep = _by_id(events, "googl-life-2023-fy-dep")
    ni = _by_id(events, "googl-life-2023-fy-ni")
    assert Decimal(dep["amount"]) == -Decimal(m.group(1)) * 10**9
    assert Decimal(ni["amount"]) == Decimal(m.group(2)) * 10**9
    life = re.search(r"\| (\d) → (\d) yrs; ", row)
    assert life and (Decimal(dep["old_value"]), Decimal(dep["new_value"])) == tuple(map(Decimal, life.groups()))
    assert dep["source_url"] in row and ni["source_url"] in row


def test_useful_life_table_fully_covered(events: list[dict[str, str]], reference_text: str) -> None:
    """Every company/effective-date row of the disclosed useful-life table has at least one event."""
    table = _section(reference_text, "5.").split("### Disclosed useful-life changes")[1].split("Aggregates:")[0]
    name_to_entity = {"Microsoft": "MSFT", "Alphabet": "GOOGL", "Meta": "META", "Amazon": "AMZN",
                      "Oracle": "ORCL", "CoreWeave": "CRWV", "Nebius (comparator)": "Nebius"}  # fmt: skip
    per_table = Counter(
        name_to_entity[line.split("|")[1].strip()]
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith("| Company") and not line.startswith("|---")
    )
    ulc = [r for r in events if r["kind"] == "useful_life_change"]
    for entity, n_changes in per_table.items():
        distinct = {(r["date"], r["new_value"]) for r in ulc if r["entity"] == entity and r["new_value"]}
        assert len(distinct) >= n_changes, f"{entity}: {len(distinct)} changes in events vs {n_changes} in table"


def test_h100_rental_low_and_rebound(events: list[dict[str, str]], reference_text: str) -> None:
    sec6 = _section(reference_text, "6.")
    low = re.search(r"\| Oct 2025 \| \*\*\$([\d.]+)\*\* cycle low", sec6)
    rebound = re.search(r"\| Mar 2026 \| \*\*\$([\d.]+)\*\* \(\+40% from low\)", sec6)
    assert low and rebound
    r_low = _by_id(events, "h100-rental-low-2025-10")
    r_reb = _by_id(events, "h100-rental-rebound-2026-03")
    assert Decimal(r_low["amount"]) == Decimal(low.group(1))
    assert Decimal(r_reb["amount"]) == Decimal(rebound.group(1))
    # the reference gives the month only: dated at its last day (point in time, issue 13)
    assert r_low["date"] == "2025-10-31" and r_reb["date"] == "2026-03-31"
    assert r_low["unit"] == r_reb["unit"] == "USD_per_gpu_hour"


def test_oracle_rpo_and_st_charles_dates(events: list[dict[str, str]], reference_text: str) -> None:
    rpo = re.search(r"RPO \*\*\$(\d+)B\*\* \(\+359%, quarter to (\d+ \w+ \d{4})", reference_text)
    assert rpo
    row = _by_id(events, "orcl-rpo-2025-08-31")
    assert Decimal(row["amount"]) == Decimal(rpo.group(1)) * 10**9
    assert dt.date.fromisoformat(row["date"]) == dt.datetime.strptime(rpo.group(2), "%d %b %Y").date()
    sec10 = _section(reference_text, "10.")
    st_charles = _table_row(sec10, "St. Charles, Missouri")
    dates = re.search(r"\| (\d+ \w+ \d{4}); made a permanent ban (\d+ \w+ \d{4});", st_charles)
    assert dates
    halt = _by_id(events, "st-charles-dc-moratorium-2025-08-22")
    permanent = _by_id(events, "st-charles-dc-ban-permanent-2026-05-20")
    assert halt["date"] == dt.datetime.strptime(dates.group(1), "%d %b %Y").date().isoformat()
    assert permanent["date"] == dt.datetime.strptime(dates.group(2), "%d %b %Y").date().isoformat()
    assert halt["kind"] == permanent["kind"] == "moratorium"
    assert halt["source_url"] in st_charles and permanent["source_url"] in st_charles


def test_spacex_s1_figures(published: list[dict[str, str]], reference_text: str) -> None:
    row = _table_row(_section(reference_text, "13."), "S-1 (filed")
    m = re.search(
        r"2025 revenue \*\*\$([\d.]+)B\*\*; 2025 net loss \*\*\$([\d.]+)B\*\* \(2024: \+\$(\d+)M profit\); "
        r"Q1 2026 net loss \$([\d.]+)B; 2025 capex \*\*\$([\d.]+)B\*\*; Q1 2026 capex \$([\d.]+)B;.*"
        r"long-term debt \$([\d.]+)B",
        row,
    )
    assert m, "S-1 row of the reference changed shape"
    rev, loss25, profit24, loss_q1, capex25, capex_q1, debt = (Decimal(x) for x in m.groups())
    got = {(r["metric"], r["fiscal_period"]): Decimal(r["value"]) for r in published if r["ticker"] == "SPCX"}
    b, mn = Decimal(10) ** 9, Decimal(10) ** 6
    assert got[("revenue", "FY2025")] == rev * b
    assert got[("net_income", "FY2025")] == -loss25 * b
    assert got[("net_income", "FY2024")] == profit24 * mn
    assert got[("net_income", "FY2026Q1")] == -loss_q1 * b
    assert got[("capex", "FY2025")] == capex25 * b
    assert got[("capex", "FY2026Q1")] == capex_q1 * b
    assert got[("long_term_debt", "FY2026Q1")] == debt * b
    assert all(r["source_url"] in row for r in published if r["ticker"] == "SPCX")


def test_not_found_figures_left_out(events: list[dict[str, str]]) -> None:
    """Where the reference says NOT FOUND the row carries no amount (Meta 2022, Oracle FY24/25, CoreWeave)."""
    for event_id in ("meta-life-2022-q2", "meta-life-2022-q4", "orcl-life-fy24-25", "crwv-life-2023"):
        row = _by_id(events, event_id)
        assert row["amount"] == "" and "NOT FOUND" in row["description"]
    assert _by_id(events, "orcl-life-fy24-25")["confidence"] == "low"  # UNVERIFIED in the reference
