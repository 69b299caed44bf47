"""The selection rules one by one, on small hand-made filings, and the panel contract."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from capexwatch.errors import DataError, UnknownMetricError
from capexwatch.facts.audit import AUDIT_COLUMNS
from capexwatch.facts.audit import audit_quarters as audit
from capexwatch.facts.select import (
    PANEL_COLUMNS,
    derive_annual,
    derive_quarters,
    filing_url,
    non_usd_units,
)
from tests._support.facts_ref import facts_of
from tests._support.facts_synth import to_frame

D = dt.date
CIK = 1234567
M = 1e6
REV = ("us-gaap", "RevenueFromContractWithCustomerExcludingAssessedTax")
REV2 = ("us-gaap", "Revenues")
CAPEX = ("us-gaap", "PaymentsToAcquirePropertyPlantAndEquipment")
# a calendar-year filer: 2024 quarters end 31 Mar, 30 Jun, 30 Sep, 31 Dec
Y0, Q1E, Q2E, Q3E, FYE = D(2024, 1, 1), D(2024, 3, 31), D(2024, 6, 30), D(2024, 9, 30), D(2024, 12, 31)
_seq = iter(range(1, 10_000))


def fact(tag: tuple[str, str], start: D | None, end: D, val: float, filed: D, form: str = "10-Q",
         accn: str | None = None, unit: str = "USD") -> dict[str, object]:  # fmt: skip
    return {"taxonomy": tag[0], "tag": tag[1], "unit": unit, "period_start": start, "period_end": end,
            "value": val, "accn": accn or f"0001234567-{filed.year % 100}-{next(_seq):06d}", "form": form,
            "filed": filed}  # fmt: skip


def ytd_ladder(tag: tuple[str, str], q: list[float]) -> list[dict[str, object]]:
    """Cash-flow style: year-to-date facts only, as a 10-Q/10-K series would file them."""
    acc = [sum(q[: i + 1]) * M for i in range(4)]
    return [
        fact(tag, Y0, Q1E, acc[0], D(2024, 5, 1), accn="0001234567-24-000001"),
        fact(tag, Y0, Q2E, acc[1], D(2024, 8, 1), accn="0001234567-24-000002"),
        fact(tag, Y0, Q3E, acc[2], D(2024, 11, 1), accn="0001234567-24-000003"),
        fact(tag, Y0, FYE, acc[3], D(2025, 2, 1), "10-K", accn="0001234567-25-000004"),
    ]


def derive(rows: list[dict[str, object]], **kw: object) -> pd.DataFrame:
    return derive_quarters(to_frame(rows, CIK), ticker="test", fye_month=12, **kw)  # type: ignore[arg-type]


def row(p: pd.DataFrame, metric: str, period: str, view: str = "latest") -> pd.Series:
    sel = p[(p["metric"] == metric) & (p["fiscal_period"] == period) & (p["view"] == view)]
    assert len(sel) == 1, f"{metric} {period} {view}: {len(sel)} rows"
    return sel.iloc[0]


def test_ytd_ladder_gives_discrete_quarters() -> None:
    p = derive(ytd_ladder(CAPEX, [10, 20, 30, 40]))
    for k, v in enumerate([10, 20, 30, 40], 1):
        r = row(p, "capex", f"FY2024Q{k}")
        assert r["status"] == "ok" and r["value"] == v * M
    q4 = row(p, "capex", "FY2024Q4")
    assert q4["method"] == "derived" and q4["period_start"] == pd.Timestamp("2024-10-01")
    assert "full-year" in q4["derived_from"] and "9-month" in q4["derived_from"]
    assert q4["accn"] == "0001234567-25-000004" and q4["known_at"] == pd.Timestamp("2025-02-01")
    assert q4["source_url"] == filing_url(CIK, "0001234567-25-000004")
    assert row(p, "capex", "FY2024Q1")["method"] == "reported"


def test_missing_operand_fails_closed_and_ytd_never_becomes_a_quarter() -> None:
    rows = [r for r in ytd_ladder(CAPEX, [10, 20, 30, 40]) if r["period_end"] != Q3E]
    p = derive(rows)
    q4 = row(p, "capex", "FY2024Q4")
    assert q4["status"] == "not-derivable" and math.isnan(q4["value"])
    assert "9-month" in q4["reason"]
    assert row(p, "capex", "FY2024Q2")["value"] == 20 * M
    # no Q3 row at all: nothing in the filings ends at 30 September
    assert p[(p["fiscal_period"] == "FY2024Q3")].empty
    # and no ok row anywhere holds a year-to-date or full-year amount
    ok = p[p["status"] == "ok"]
    assert not set(ok["value"]) & {30 * M, 60 * M, 100 * M}


def test_q4_is_not_the_full_year_when_9m_is_missing() -> None:
    """edgartools#1179/#1180: a missing 9-month figure must not relabel FY as Q4."""
    p = derive([fact(CAPEX, Y0, FYE, 100 * M, D(2025, 2, 1), "10-K")])
    q4 = row(p, "capex", "FY2024Q4")
    assert q4["status"] == "not-derivable" and math.isnan(q4["value"])


def test_only_periodic_forms_count() -> None:
    rows = ytd_ladder(CAPEX, [10, 20, 30, 40])
    clean = derive(rows)
    noise = [
        fact(CAPEX, Y0, FYE, 100_000 * M, D(2025, 4, 1), "DEF 14A"),  # a proxy, filed later, scaled
        fact(CAPEX, Y0, Q3E, 7 * M, D(2025, 3, 1), "8-K"),
        fact(CAPEX, Y0, Q2E, 7 * M, D(2025, 3, 1), "424B5"),
        fact(CAPEX, Y0, Q2E, 7 * M, D(2025, 3, 1), "10-KT"),
    ]
    pd.testing.assert_frame_equal(derive(rows + noise), clean)


def test_latest_and_first_filed_views_after_a_restatement() -> None:
    rows = ytd_ladder(CAPEX, [10, 20, 30, 40])
    # next year's 10-Qs restate 2024's year-to-date comparatives (consistently: Q1 +5)
    rows += [
        fact(CAPEX, Y0, Q1E, 15 * M, D(2025, 5, 1), accn="0001234567-25-000005"),
        fact(CAPEX, Y0, Q2E, 35 * M, D(2025, 8, 1), accn="0001234567-25-000006"),
        fact(CAPEX, Y0, Q3E, 65 * M, D(2025, 11, 1), accn="0001234567-25-000007"),
        fact(CAPEX, Y0, FYE, 105 * M, D(2026, 2, 1), "10-K", accn="0001234567-26-000008"),
    ]
    p = derive(rows)
    assert row(p, "capex", "FY2024Q1")["value"] == 15 * M
    assert row(p, "capex", "FY2024Q1", "first-filed")["value"] == 10 * M
    assert row(p, "capex", "FY2024Q2")["value"] == 20 * M  # 35 - 15
    assert row(p, "capex", "FY2024Q4")["value"] == 40 * M
    ff = row(p, "capex", "FY2024Q4", "first-filed")
    assert ff["value"] == 40 * M and ff["known_at"] == pd.Timestamp("2025-02-01")
    assert row(p, "capex", "FY2024Q1", "first-filed")["known_at"] == pd.Timestamp("2024-05-01")


def test_restated_year_with_stale_9m_is_not_derivable() -> None:
    """Q4 = FY(restated) - 9M(never re-filed) would move the whole restatement into Q4."""
    rows = ytd_ladder(CAPEX, [10, 20, 30, 40])
    rows.append(fact(CAPEX, Y0, FYE, 112 * M, D(2026, 2, 1), "10-K"))  # FY restated a year later
    p = derive(rows)
    q4 = row(p, "capex", "FY2024Q4")
    assert q4["status"] == "not-derivable" and "restated" in q4["reason"]
    assert row(p, "capex", "FY2024Q4", "first-filed")["value"] == 40 * M
    assert row(p, "capex", "FY2024Q3")["value"] == 30 * M


def test_most_recent_fact_across_the_chain_wins_and_ties_go_to_chain_order() -> None:
    rows = [
        fact(REV, Y0, Q1E, 100 * M, D(2024, 5, 1), accn="0001234567-24-000001"),
        fact(REV2, Y0, Q1E, 101 * M, D(2025, 5, 1), accn="0001234567-25-000002"),  # tag switch, later
        fact(REV, D(2024, 4, 1), Q2E, 50 * M, D(2024, 8, 1), accn="0001234567-24-000003"),
        fact(REV2, D(2024, 4, 1), Q2E, 60 * M, D(2024, 8, 1), accn="0001234567-24-000003"),  # same filing
    ]
    p = derive(rows, metrics=["revenue"])
    r1 = row(p, "revenue", "FY2024Q1")
    assert r1["value"] == 101 * M and r1["tag"] == "us-gaap:Revenues"
    assert row(p, "revenue", "FY2024Q1", "first-filed")["value"] == 100 * M
    r2 = row(p, "revenue", "FY2024Q2")
    assert r2["value"] == 50 * M and r2["tag"] == "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"


def test_negative_derived_value_is_kept() -> None:
    ocf = ("us-gaap", "NetCashProvidedByUsedInOperatingActivities")
    p = derive(ytd_ladder(ocf, [10, -25, 30, 5]))
    q2 = row(p, "operating_cash_flow", "FY2024Q2")
    assert q2["status"] == "ok" and q2["value"] == -25 * M and "negative" in q2["note"]


def test_reported_quarter_disagreeing_with_ladder_fails_closed() -> None:
    rows = ytd_ladder(REV, [10, 20, 30, 40])
    rows.append(fact(REV, D(2024, 4, 1), Q2E, 27 * M, D(2024, 8, 1), accn="0001234567-24-000002"))
    p = derive(rows, metrics=["revenue"])
    q2 = row(p, "revenue", "FY2024Q2")
    assert q2["status"] == "not-derivable" and "disagree" in q2["reason"]
    # which of the 3-month, the 6-month and the Q1 figure is wrong cannot be told: Q1 and
    # Q3 = 9M - 6M rest on figures of the conflict and fail closed; Q4 = FY - 9M rests on none of
    # them and stands, with the failed year identity as a warning (issue 13, item 2)
    latest = p[p["view"] == "latest"].set_index("fiscal_period")
    assert (latest.loc[["FY2024Q1", "FY2024Q2", "FY2024Q3"], "status"] == "not-derivable").all()
    assert latest.loc["FY2024Q4", "status"] == "ok" and latest.loc["FY2024Q4", "value"] == 40 * M
    assert "warning on fiscal year" in latest.loc["FY2024Q4", "note"]
    # within the rounding of the figures (1 million) the reported value stands
    rows[-1] = fact(REV, D(2024, 4, 1), Q2E, 21 * M, D(2024, 8, 1), accn="0001234567-24-000002")
    q2 = row(derive(rows, metrics=["revenue"]), "revenue", "FY2024Q2")
    assert q2["status"] == "ok" and q2["value"] == 21 * M and q2["method"] == "reported"


def test_quarters_that_do_not_sum_to_the_year_fail_closed() -> None:
    rows = [
        fact(REV, Y0, Q1E, 10 * M, D(2024, 5, 1)),
        fact(REV, D(2024, 4, 1), Q2E, 20 * M, D(2024, 8, 1)),
        fact(REV, D(2024, 7, 1), Q3E, 30 * M, D(2024, 11, 1)),
        fact(REV, D(2024, 10, 1), FYE, 40 * M, D(2025, 2, 1), "10-K"),
        fact(REV, Y0, FYE, 130 * M, D(2025, 2, 1), "10-K"),
    ]
    p = derive(rows, metrics=["revenue"])
    latest = p[p["view"] == "latest"]
    assert (latest["status"] == "not-derivable").all() and len(latest) == 4
    assert latest["reason"].str.contains("sum to 100,000,000").all()
    # the first-filed Q1-Q3 were fine when filed (the year was not known yet)
    assert row(p, "revenue", "FY2024Q1", "first-filed")["value"] == 10 * M


def test_instants_by_period_end() -> None:
    inv = ("us-gaap", "InventoryNet")
    rows = ytd_ladder(CAPEX, [1, 1, 1, 1]) + [
        fact(inv, None, Q2E, 5 * M, D(2024, 8, 1)),
        fact(inv, None, Q2E, 6 * M, D(2025, 8, 1)),  # re-filed (restated) as a comparative
        fact(inv, None, D(2024, 5, 15), 9 * M, D(2024, 8, 1)),  # not a quarter end
    ]
    p = derive(rows, metrics=["inventory"])
    assert row(p, "inventory", "FY2024Q2")["value"] == 6 * M
    assert row(p, "inventory", "FY2024Q2", "first-filed")["value"] == 5 * M
    assert pd.isna(row(p, "inventory", "FY2024Q2")["period_start"])
    assert 9 * M not in set(p["value"])


def test_panel_columns_match_the_store_contract() -> None:
    from capexwatch.store.db import PANEL_COLUMNS as STORE_COLUMNS

    p = derive(ytd_ladder(CAPEX, [10, 20, 30, 40]))
    assert list(p.columns) == PANEL_COLUMNS == STORE_COLUMNS
    assert set(p["view"]) == {"latest", "first-filed"}
    assert set(p["source"]) == {"sec"} and set(p["source_kind"]) == {"sec-xbrl"}
    assert (p["known_at"] == p["filed"]).all() and (p["unit"] == "USD").all()
    assert p["ticker"].eq("TEST").all()
    empty = derive_quarters(to_frame([], CIK), ticker="X", fye_month=12)
    assert list(empty.columns) == PANEL_COLUMNS and empty.empty


def test_panel_round_trips_through_the_store(store: object) -> None:
    """Written with Store.write_panel and read back with Store.quarters, values intact."""
    ft = facts_of("NVDA")
    p = derive_quarters(ft, ticker="NVDA", fye_month=1)
    n = store.write_panel(p, kind="sec", origin="test")  # type: ignore[attr-defined]
    assert n == len(p)
    back = store.quarters("NVDA", "revenue", source="sec")  # type: ignore[attr-defined]
    mine = p[(p["metric"] == "revenue") & (p["view"] == "latest")]
    assert len(back) == len(mine)
    assert sorted(back["value"].dropna()) == sorted(mine["value"].dropna())
    ff = store.quarters("NVDA", "revenue", source="sec", view="first-filed", as_of="2024-03-01")  # type: ignore[attr-defined]
    assert ff["known_at"].max() <= pd.Timestamp("2024-03-01")


def test_currencies_kept_apart() -> None:
    ft = facts_of("TSM")
    usd = derive_quarters(ft, ticker="TSM", fye_month=12)
    assert (usd["unit"] == "USD").all()
    # TSMC's only USD figures are the 20-F's convenience translations: said so on every row
    assert usd["note"].str.contains("convenience translation").all()
    twd = derive_quarters(ft, ticker="TSM", fye_month=12, currency="TWD")
    assert (twd["unit"] == "TWD").all() and len(twd) > len(usd)
    assert non_usd_units(ft, ticker="TSM")["revenue"] == ["TWD"]
    ann = derive_annual(ft, ticker="TSM", fye_month=12, currency="TWD", metrics=["revenue"]).set_index("fiscal_year")
    doc_twd = ft.df[(ft.df["tag"] == "Revenue") & (ft.df["unit"] == "TWD") & (ft.df["form"] == "20-F")]
    fy2024 = doc_twd[doc_twd["period_end"] == "2024-12-31"]
    assert ann.loc[2024, "value"] == fy2024.sort_values("filed")["value"].iloc[-1]
    # annual-only filer: no quarter of a flow is ever invented from a year; year-end balances
    # (inventory at 31 December) are the fourth quarter's balances
    flows = twd[twd["metric"] != "inventory"]
    assert len(flows) and not (flows["status"] == "ok").any()
    assert (twd[twd["metric"] == "inventory"]["fiscal_quarter"] == 4).all()


def test_audit_explains_each_number() -> None:
    a = audit(facts_of("NVDA"), ticker="NVDA", fye_month=1, metric="capex", view="latest")
    assert list(a.columns) == AUDIT_COLUMNS and set(a["metric"]) == {"capex"}
    r = a[a["fiscal_period"] == "FY2026Q4"].iloc[0]
    assert r["method"] == "derived" and r["status"] == "ok"
    roles = [o["role"] for o in r["derived_from"]]
    assert roles == ["full-year", "9-month year-to-date"]
    assert all(o["accn"] and o["filed"] <= r["known_at"] for o in r["derived_from"])
    assert "quarters sum to year" in r["checks_passed"] and not r["checks_failed"]
    both = audit(facts_of("NVDA"), ticker="NVDA", fye_month=1, metric="capex")
    assert set(both["view"]) == {"latest", "first-filed"}
    with pytest.raises(DataError):
        audit(facts_of("NVDA"), ticker="NVDA", fye_month=1, view="newest")


def test_unknown_metric_and_missing_columns() -> None:
    with pytest.raises(UnknownMetricError):
        derive(ytd_ladder(CAPEX, [1, 2, 3, 4]), metrics=["capexx"])
    with pytest.raises(DataError, match="lacks columns"):
        derive_quarters(pd.DataFrame({"tag": []}), ticker="X", fye_month=12)
    with pytest.raises(DataError, match="fiscal-year end"):
        derive_quarters(to_frame([], CIK), ticker="X", fye_month=None)
