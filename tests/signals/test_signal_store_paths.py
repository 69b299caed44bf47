"""Constructed data through a real store, and a user's CSV feeding the signals like any figures."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from capexwatch import signals as S
from capexwatch.pipeline.files import ingest_path
from capexwatch.signals._inputs import Inputs
from capexwatch.store.db import Store
from capexwatch.store.load import fill_panel_columns
from tests._support.cli import run_cli
from tests._support.sigdata import cal_rows

B = 1e9


def _to_panel(rows: list[dict[str, object]]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["fiscal_period"] = [f"FY{y}Q{q}" for y, q in zip(df["fiscal_year"], df["fiscal_quarter"], strict=True)]
    df["note"] = None
    return fill_panel_columns(
        df[["ticker", "metric", "fiscal_period", "period_end", "value", "unit", "source_url", "source_kind", "note"]],
        source="user",
    )


@pytest.mark.parametrize(("ocf", "status"), [(10.0, "ok"), (9.99, "alert")])
def test_constructed_frames_give_the_same_status_through_a_real_store(tmp_path: Path, ocf: float, status: str) -> None:
    # eight quarters: the capex / revenue trend compares each TTM with the one a year earlier
    rows = cal_rows("ORCL", "capex", (2024, 1), [10 * B] * 8) + cal_rows("ORCL", "revenue", (2024, 1), [100 * B] * 8)
    rows += cal_rows("ORCL", "operating_cash_flow", (2024, 1), [ocf * B] * 8)
    pure = S.evaluate(Inputs.from_frames(pd.DataFrame(rows)), "capital_intensity", ticker="ORCL")
    with Store.open(tmp_path / "db.duckdb") as store:
        store.upsert_entity(ticker="ORCL", name="Oracle", role="hyperscaler", fye_month=12, origin="test")
        store.write_panel(_to_panel(rows), kind="test", origin="constructed")
        via_store = S.run(store, names=["capital_intensity"], ticker="ORCL")[0]
    assert pure.status == via_store.status == status
    assert via_store.values["capex_to_ocf_ratio"].value == pytest.approx(pure.values["capex_to_ocf_ratio"].value)
    assert {e.source for e in via_store.evidence} <= {"user", "derived"}


def test_macro_and_events_through_a_real_store(tmp_path: Path) -> None:
    d = pd.date_range("2023-01-01", "2024-06-30", freq="D")
    series = pd.concat(
        [
            pd.DataFrame(
                {
                    "series_id": "DFF",
                    "date": d,
                    "value": [1.0 if x < pd.Timestamp("2024-04-01") else 2.0 for x in d],
                    "source": "test",
                }
            ),
            pd.DataFrame({"series_id": "BAMLH0A0HYM2", "date": d, "value": 3.0, "source": "test"}),
            pd.DataFrame(
                {
                    "series_id": "NFCI",
                    "date": pd.date_range("2023-01-06", "2024-06-28", freq="W-FRI"),
                    "value": 0.2,
                    "source": "test",
                }
            ),
        ]
    )
    ev = pd.DataFrame(
        [
            {
                "event_id": "halt",
                "date": "2024-05-01",
                "entity": "Dublin",
                "kind": "moratorium",
                "metric": "moratorium",
                "jurisdiction": "Ireland (Dublin region)",
                "scope": "new DCs",
                "source_url": "https://example.org/halt",
            }
        ]
    )
    with Store.open(tmp_path / "db.duckdb") as store:
        store.upsert_series(series, origin="test")
        store.upsert_events(ev, origin="test")
        liq, energy = S.run(store, names=["liquidity_drain", "energy_constraints"], as_of="2024-06-30")
    assert liq.status == "alert"  # +100 bp and NFCI > 0
    assert energy.status == "alert"


CSV = (
    "ticker,metric,fiscal_period,period_end,value,unit,source,name\n"
    + "".join(
        f"NEBX,{m},FY2025Q{q},{e},{v},USD_billions,https://example.org/nebx-q{q},Nebula Compute\n"
        for q, e in enumerate(["2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"], start=1)
        for m, v in (("capex", 3.0), ("revenue", 2.0), ("operating_cash_flow", 1.0))
    )
    + "NEBX,ai_revenue_run_rate,FY2025Q3,2025-09-30,4,USD_billions,https://example.org/nebx-ai,Nebula Compute\n"
    + "NEBX,ai_revenue_run_rate,FY2025Q4,2025-12-31,5,USD_billions,https://example.org/nebx-ai,Nebula Compute\n"
)


def test_user_csv_company_feeds_the_signals(store: Store, tmp_path: Path) -> None:
    p = tmp_path / "mine.csv"
    p.write_text(CSV)
    ingest_path(store, p)
    ci, hw, roi = S.run(store, names=["capital_intensity", "hardware_saturation", "roi_gap"], ticker="nebx")
    # capex 12B vs operating cash flow 4B over four quarters: funded from outside
    assert ci.status == "alert" and ci.scope == "NEBX"
    assert ci.values["capex_to_ocf_ratio"].value == pytest.approx(3.0)
    assert ci.values["capex_to_revenue_ratio"].value == pytest.approx(1.5)
    srcs = {e.source_url for e in ci.evidence if e.source == "user"}
    assert srcs == {f"https://example.org/nebx-q{q}" for q in range(1, 5)}
    assert hw.status == "watch"  # flat capex for three quarters: the company's own plateau
    # roi_gap on the capex basis: 12B / 4 years x 2 = 6B required against a 5B disclosed run-rate
    assert roi.values["required_revenue_capex_usd"].value == pytest.approx(6 * B)
    assert roi.values["ai_revenue_usd"].value == pytest.approx(5 * B)
    # the group board is unaffected by a non-Big-Four company
    board = {s.name: s.status for s in S.run(store, names=["capital_intensity"])}
    assert board["capital_intensity"] in ("watch", "alert")


def test_user_csv_then_cli_signal_with_ticker(home: Path, tmp_path: Path) -> None:
    p = tmp_path / "mine.csv"
    p.write_text(CSV)
    env = {"CAPEXWATCH_HOME": str(home)}
    assert run_cli("ingest", str(p), env=env).returncode == 0
    r = run_cli("signal", "capital_intensity", "--ticker", "NEBX", "--json", env=env)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["status"] == "alert" and d["scope"] == "NEBX" and d["as_of"] == "2025Q4"
    assert any(e["source"] == "user" and e["source_url"].startswith("https://example.org/") for e in d["evidence"])
