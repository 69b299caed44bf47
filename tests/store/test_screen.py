"""``capexwatch screen`` over the real bundled snapshot, against an independent pandas computation."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import pytest

from capexwatch.cli import main
from capexwatch.errors import DataError
from capexwatch.store.screen import RATIOS, screen


def ttm_ratio_by_hand(store: Any, num: str, den: str, **kw: Any) -> dict[str, tuple[float, str]]:
    """Per ticker: TTM num / TTM den over the latest four consecutive fiscal quarters with both."""
    q = store.quarters(None, [num, den], ok_only=True, **kw)
    out: dict[str, tuple[float, str]] = {}
    for t, g in q.groupby("ticker"):
        p = g.pivot_table(index=["fiscal_year", "fiscal_quarter", "fiscal_period"], columns="metric", values="value")
        if num not in p or den not in p:
            continue
        p = p.dropna().reset_index()
        p["i"] = p["fiscal_year"] * 4 + p["fiscal_quarter"]
        p = p.sort_values("i").reset_index(drop=True)
        for end in range(len(p) - 1, 2, -1):
            w = p.iloc[end - 3 : end + 1]
            if w["i"].iloc[-1] - w["i"].iloc[0] == 3 and w[den].sum() > 0:
                out[str(t)] = (w[num].sum() / w[den].sum(), str(w["fiscal_period"].iloc[-1]))
                break
    return out


@pytest.mark.parametrize("name", list(RATIOS))
def test_ratio_screens_match_a_pandas_computation(store: Any, name: str) -> None:
    num, den, _ = RATIOS[name]
    expected = ttm_ratio_by_hand(store, num, den)
    got = screen(store, name, top=None)
    assert set(got["ticker"]) == set(expected)
    for r in got.to_dict(orient="records"):
        value, period = expected[r["ticker"]]
        assert math.isclose(r["value"], value, rel_tol=1e-12)
        assert r["as_of_period"] == period and r["quarters"] == 4
        assert math.isclose(r["numerator_usd"] / r["denominator_usd"], r["value"], rel_tol=1e-12)
    assert list(got["value"]) == sorted(got["value"], reverse=True)
    assert list(got["rank"]) == list(range(1, len(got) + 1))


def test_capex_intensity_has_companies(store: Any) -> None:
    got = screen(store, "capex_intensity")
    # the snapshot holds four consecutive quarters of capex and revenue for these (reference README §1)
    assert {"MSFT", "GOOGL", "AMZN", "META", "NVDA"} <= set(got["ticker"])


def test_first_filed_as_of(store: Any) -> None:
    got = screen(store, "capex_intensity", view="first-filed", as_of="2024-06-30", top=None)
    expected = ttm_ratio_by_hand(store, "capex", "revenue", view="first-filed", as_of="2024-06-30")
    assert {r["ticker"]: r["value"] for r in got.to_dict(orient="records")} == pytest.approx(
        {t: v for t, (v, _) in expected.items()}
    )
    assert (pd.to_datetime(got["period_end"]) <= "2024-06-30").all()


def test_plain_metric_latest_and_ttm(store: Any) -> None:
    latest = screen(store, "revenue", top=None)
    q = store.quarters(None, "revenue", ok_only=True)
    last = q.sort_values(["fiscal_year", "fiscal_quarter"]).groupby("ticker").tail(1).set_index("ticker")
    assert dict(zip(latest["ticker"], latest["value"], strict=True)) == last["value"].to_dict()
    ttm = screen(store, "capex", ttm=True, top=3)
    assert len(ttm) == 3 and (ttm["quarters"] == 4).all()
    with pytest.raises(DataError, match="trailing-four-quarter"):
        screen(store, "inventory", ttm=True)


def test_since_and_top_and_ascending(store: Any) -> None:
    full = screen(store, "capex_intensity", top=None)
    recent = screen(store, "capex_intensity", since="2026-01-01", top=None)
    assert set(recent["ticker"]) == set(full[pd.to_datetime(full["period_end"]) >= "2026-01-01"]["ticker"])
    low = screen(store, "capex_intensity", top=2, ascending=True)
    assert list(low["ticker"]) == list(full["ticker"])[::-1][:2]


def test_cli(store: Any, capsys: pytest.CaptureFixture[str]) -> None:
    store.close()
    assert main(["screen", "--metric", "capex_intensity", "--top", "3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["rank"] for r in rows] == [1, 2, 3] and rows[0]["unit"] == "ratio"
    assert main(["screen", "--top", "3"]) == 0
    assert "capex_intensity" in capsys.readouterr().out
    assert main(["screen", "--metric", "bogus"]) == 2
    err = capsys.readouterr().err
    assert "capex_intensity" in err and "revenue" in err
