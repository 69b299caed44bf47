"""The analog view: past cycles from published-analyses.md sections 7-8, the AI cycle from the store."""

from __future__ import annotations

import pytest

from capexwatch.signals.analogs import COLUMNS, analog_frame, historical_cycles


def test_historical_points_are_the_published_figures() -> None:
    h = historical_cycles().set_index(["series", "period"])
    # section 8: RHK $92B (2000) -> $77B (2001, revised) -> $46-51B (2002); ABN AMRO $274B (-1%), $228B (-17%)
    assert h.loc[("na_wireline_capex", 2000), "value_usd"] == 92e9
    assert h.loc[("na_wireline_capex", 2002), "value_usd"] == pytest.approx((46e9 + 51e9) / 2)
    assert h.loc[("global_carrier_capex", 2002), "growth_yoy"] == -0.17
    # section 7: SIA 2022 $574.1B (+3.2%), 2023 $526.8B (-8.2%)
    assert h.loc[("world_semiconductor_sales", 2023), "value_usd"] == 526.8e9
    assert h["source_url"].str.startswith("http").all()


def test_cycles_align_on_peak_growth(store: object) -> None:
    df = analog_frame(store)
    assert list(df.columns) == COLUMNS
    anchors = df.groupby("cycle")["anchor_period"].first().to_dict()
    # telecom: 2000 is the +30% year of carrier equipment spending; semis: 2022 (+3.2%, then -8.2%)
    assert anchors["telecom"] == "2000" and anchors["semiconductor"] == "2022"
    tel = df[df["series"] == "na_wireline_capex"].set_index("offset_quarters")["index"]
    assert tel[0] == 1.0 and tel[8] == pytest.approx(48.5 / 92)  # -47%: inside section 8's -42..-50%
    # AI: the quarter where Big-Four capex grew most on the same quarter a year earlier
    q = store.quarters(["MSFT", "GOOGL", "AMZN", "META"], "capex", ok_only=True)  # type: ignore[attr-defined]
    wide = q.pivot(index="calendar_quarter", columns="ticker", values="value").dropna()
    total = wide.sum(axis=1)
    growth = {
        cq: total[cq] / total[f"{int(cq[:4]) - 1}{cq[4:]}"] - 1
        for cq in total.index
        if f"{int(cq[:4]) - 1}{cq[4:]}" in total.index
    }
    assert anchors["ai"] == max(growth, key=lambda k: growth[k])
    ai = df[df["cycle"] == "ai"]
    assert ai.loc[ai["offset_quarters"] == 0, "index"].item() == 1.0
    assert ai["value_usd"].sum() == pytest.approx(total.sum())
