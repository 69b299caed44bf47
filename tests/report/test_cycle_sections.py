"""The model sections of the report: present in the HTML, with the terminal line and JSON data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from capexwatch.report.build import build_report
from capexwatch.report.html import write_html


def test_report_has_the_model_sections(store: object, tmp_path: Path) -> None:
    rep = build_report(store)  # type: ignore[arg-type]
    assert not [n for n in rep.data.get("notes", []) if "could not be built" in n]
    ids = {s["id"] for s in rep.sections}
    assert {"double-ordering", "who-holds-the-bag", "contagion"} <= ids
    html = write_html(rep.data, tmp_path / "r.html", extra_sections=rep.sections).read_text()
    for title in ("Double-ordering", "Who holds the bag", "Contagion"):
        assert title in html
    assert "Calibration: chips-2021" in html  # the calibration table, without refitting
    assert "Where the AI cycle stands" in html  # the analog chart
    lines = [str(r) for r in rep.renderables if type(r).__name__ == "Text"]
    assert any(line.startswith("Double-ordering") for line in lines)
    assert any(line.startswith("Who holds the bag") for line in lines)
    assert any(line.startswith("Contagion") and "NVIDIA customer share 39.0% filed" in line for line in lines)
    cal = rep.data["double_ordering"]["calibration"]
    assert cal["scenario"] == "chips-2021" and cal["evaluations"] == 1
    assert {r["vendor"] for r in rep.data["contagion"]["drawdowns"]} >= {"NVIDIA", "TSMC"}
    shares = {r["vendor"]: r for r in rep.data["contagion"]["share_sources"]}
    assert shares["NVIDIA"]["origin"] == "filed" and "0001045810-25-000209" in shares["NVIDIA"]["filing"]


def _records(df: pd.DataFrame) -> list[dict[str, object]]:
    return df.astype(object).where(df.notna(), None).to_dict(orient="records")


def test_memo_store_gives_the_store_answers(store: object) -> None:
    from capexwatch.report.cycles_report import MemoStore

    memo = MemoStore(store)
    for tickers in (["NVDA"], ["MSFT", "META"], "amd"):
        want = store.quarters(tickers, "capex", ok_only=True)  # type: ignore[attr-defined]
        got = memo.quarters(tickers, "capex", ok_only=True)
        # the same rows and values (a missing text may read None or NaN, as DuckDB hands it over)
        assert _records(got) == _records(want)
