"""Point in time: --as-of and the backtest read only what was public then; no look-ahead."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from capexwatch import signals as S
from capexwatch.signals.backtest import backtest, backtest_inputs, default_dates, episodes
from capexwatch.store.db import Store
from tests._support.sigdata import cal_rows, evaluate, inputs

DATES = ["2022-09-30", "2025-12-31"]


def test_backtest_slices_equal_the_store_as_of_reads(real_store_path: Path) -> None:
    with Store.open(real_store_path) as store:
        bt = backtest(backtest_inputs(store), dates=DATES)
        for d in DATES:
            direct = {s.name: (s.status, s.as_of) for s in S.run(store, as_of=d)}
            rows = bt.table[bt.table["date"] == pd.Timestamp(d).date()]
            got = {r.signal: (r.status, None if pd.isna(r.as_of) else r.as_of) for r in rows.itertuples()}
            assert got == direct, d


def test_no_evidence_was_public_after_the_date(real_store_path: Path) -> None:
    d = pd.Timestamp("2024-06-30")
    with Store.open(real_store_path) as store:
        first = store.quarters(view="first-filed")
        sigs = S.run(store, as_of=d.date())
    known = {(r.ticker, r.metric, r.fiscal_period): r.known_at for r in first.itertuples()}
    checked = 0
    for s in sigs:
        assert s.point_in_time == d.date()
        if s.as_of_date is not None:
            assert pd.Timestamp(s.as_of_date) <= d, s.name
        for e in s.evidence:
            if e.source == "event" or e.source == "fred":
                assert e.period is not None and pd.Timestamp(e.period) <= d, (s.name, e.label)
            elif e.source != "derived" and e.period:
                fp = e.period.split(" ")[0]
                assert known[(e.ticker, e.metric, fp)] <= d, (s.name, e.label)
                checked += 1
    assert checked > 20


def test_a_later_filed_figure_cannot_change_an_earlier_status() -> None:
    # NVIDIA data-centre revenue flat in 2025Q4 (filed 2026-02-25) turns the vendor check on;
    # on 2026-01-31 that figure was not public, so the status then must not know it
    buyers = []
    for t in ("MSFT", "GOOGL", "AMZN", "META"):
        buyers += cal_rows(t, "capex", (2025, 1), [100, 110, 121, 133])
    dc = cal_rows("NVDA", "data_center_revenue", (2025, 1), [10, 12, 14, 14])
    for r in dc:
        r["known_at"] = pd.Timestamp(r["period_end"]) + pd.Timedelta(days=56)
    inp = inputs(buyers + dc)
    then = evaluate("hardware_saturation", inp.known_by("2026-01-31"))
    now = evaluate("hardware_saturation", inp.known_by("2026-03-31"))
    assert then.as_of == "2025Q3" and then.status == "ok"
    assert now.as_of == "2025Q4" and now.status == "watch"


def test_first_filed_not_restated_values_are_used(tmp_path: Path) -> None:
    """A restatement filed later changes the latest view, not what --as-of saw."""
    from capexwatch.store.load import fill_panel_columns

    store = Store.open(tmp_path / "db.duckdb")
    store.upsert_entity(ticker="ORCL", name="Oracle", role="hyperscaler", fye_month=5, origin="test")
    rows = pd.DataFrame(
        [
            {
                "ticker": "ORCL",
                "metric": m,
                "fiscal_period": f"FY{fy}Q{q}",
                "period_end": e,
                "value": v,
                "unit": "USD",
                "source_url": "https://example.org/orcl",
                "source_kind": "primary",
                "note": None,
            }
            # two fiscal years: capital_intensity compares capex / revenue with a year earlier
            for fy, ends in (
                (2024, ["2023-08-31", "2023-11-30", "2024-02-29", "2024-05-31"]),
                (2025, ["2024-08-31", "2024-11-30", "2025-02-28", "2025-05-31"]),
            )
            for q, e in enumerate(ends, start=1)
            for m, v in (("capex", 10e9), ("revenue", 100e9), ("operating_cash_flow", 20e9))
        ]
    )
    panel = fill_panel_columns(rows, source="user")
    # the latest view restates FY2025Q4 operating cash flow, filed in 2026
    restated = (
        (panel["view"] == "latest")
        & (panel["metric"] == "operating_cash_flow")
        & (panel["fiscal_period"] == "FY2025Q4")
    )
    panel.loc[restated, "value"] = 5e9
    panel.loc[restated, "known_at"] = pd.Timestamp("2026-01-15")
    store.write_panel(panel, kind="test", origin="test")
    then = S.run(store, as_of="2025-09-30", names=["capital_intensity"], ticker="ORCL")[0]
    now = S.run(store, names=["capital_intensity"], ticker="ORCL")[0]
    store.close()
    assert then.values["capex_to_ocf_ratio"].value == pytest.approx(40 / 80)  # first-filed
    assert now.values["capex_to_ocf_ratio"].value == pytest.approx(40 / 65)  # restated
    assert then.status == "watch" or then.status == "ok"


def test_episodes() -> None:
    t = pd.DataFrame(
        {
            "date": pd.to_datetime(["2022-03-31", "2022-06-30", "2022-09-30", "2022-12-31", "2023-03-31"]).date,
            "status": ["ok", "watch", "alert", "insufficient-data", "watch"],
        }
    )
    eps = episodes(t)
    assert [(str(e["start"]), str(e["end"]), e["peak"], str(e["first_alert"])) for e in eps] == [
        ("2022-06-30", "2022-09-30", "alert", "2022-09-30"),
        ("2023-03-31", "2023-03-31", "watch", "None"),
    ]


def test_real_backtest_fires_when_the_record_says(real_store_path: Path) -> None:
    with Store.open(real_store_path) as store:
        inp = backtest_inputs(store)
    dates = default_dates(inp, "2022-01-01", "2024-12-31")
    assert [str(d) for d in dates[:3]] == ["2022-03-31", "2022-06-30", "2022-09-30"]
    bt = backtest(inp, dates=dates, names=["liquidity_drain", "energy_constraints"])
    liq = bt.episodes["liquidity_drain"]
    # 2022: +300 bp of hikes and HY spreads +~200 bp off their lows (FRED): the first alert is mid-2022
    assert liq and str(liq[0]["first_alert"]) == "2022-06-30"
    w = bt.wide()
    assert w.loc[pd.Timestamp("2024-06-30").date(), "liquidity_drain"] == "ok"
    assert w.loc[pd.Timestamp("2022-09-30").date(), "energy_constraints"] == "alert"  # Loudoun, Dublin
