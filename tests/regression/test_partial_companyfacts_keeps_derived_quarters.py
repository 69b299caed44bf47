"""Regression: a smaller companyfacts document must not take away quarters already derived.

Ingesting NVIDIA's full companyfacts and then the small excerpt of the same filer turned NVDA
capex FY2020Q3 (derived: 9-month minus 6-month year to date) from $103.0M into "not derivable":
the excerpt lacks the 6-month fact, and the quarters were derived from the new document alone
although the store held every fact of the first (the facts table is append-only). The run then
showed a "Revisions" table and closed with "0 revisions". Quarters are now derived from the
stored facts and the document's together, and the summary counts what its tables list.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import capexwatch
from capexwatch.pipeline.files import ingest_path
from capexwatch.report.pipeline_tables import update_renderables
from tests._support.cli import run_cli
from tests._support.data import SEC

FULL = SEC / "CIK0001045810.json"
EXCERPT = SEC / "CIK0001045810_excerpt.json"
CAPEX_TAG = "PaymentsToAcquirePropertyPlantAndEquipment"


def _ytd(start: str, end: str) -> float:
    """NVIDIA's capex year to date *start*..*end*, read from the full document (one value filed)."""
    facts = json.loads(FULL.read_bytes())["facts"]["us-gaap"][CAPEX_TAG]["units"]["USD"]
    values = {f["val"] for f in facts if f.get("start") == start and f["end"] == end}
    assert len(values) == 1, values
    return float(values.pop())


def _sec_capex(store: capexwatch.Store) -> dict[str, tuple[float, str]]:
    q = store.quarters("NVDA", "capex", source="sec")
    return {r["fiscal_period"]: (r["value"], r["status"]) for r in q.to_dict(orient="records")}


def test_excerpt_after_full_document_keeps_every_quarter(home: Path) -> None:
    # FY2020Q3 = 9 months to 2019-10-27 less 6 months to 2019-07-28 (NVIDIA's 10-Qs): $103.0M
    expected = _ytd("2019-01-28", "2019-10-27") - _ytd("2019-01-28", "2019-07-28")
    assert expected == 103e6
    store = capexwatch.open(home / "cw.duckdb")
    try:
        ingest_path(store, FULL)
        before = _sec_capex(store)
        assert before["FY2020Q3"] == (expected, "ok")
        out = ingest_path(store, EXCERPT)
        after = _sec_capex(store)
    finally:
        store.close()
    assert after["FY2020Q3"] == (expected, "ok")
    lost = [fp for fp, (_, status) in before.items() if status == "ok" and after[fp][1] != "ok"]
    assert lost == []
    assert out["withdrawn"] == 0 and out["revisions"] == 0
    assert [c for c in out["changes"] if c["kind"] != "new"] == []


def test_excerpt_ingest_through_the_cli_says_nothing_was_lost(home: Path) -> None:
    env = {"CAPEXWATCH_HOME": str(home)}
    assert run_cli("ingest", str(FULL), env=env).returncode == 0
    res = run_cli("ingest", str(EXCERPT), "--json", env=env)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["withdrawn"] == 0 and out["revisions"] == 0
    q = run_cli("quarters", "--ticker", "NVDA", "--metric", "capex", "--source", "sec", "--json", env=env)
    rows = {r["fiscal_period"]: r for r in json.loads(q.stdout)}
    assert rows["FY2020Q3"]["status"] == "ok" and rows["FY2020Q3"]["value"] == 103e6


def test_summary_counts_what_its_tables_list() -> None:
    """A withdrawal shown in the changes table is counted in the closing line, not hidden."""
    summary = {
        "written": True, "new_quarters": 0, "revisions": 0, "withdrawn": 1,
        "changes": [{
            "kind": "withdrawn", "ticker": "NVDA", "metric": "capex", "fiscal_period": "FY2020Q3",
            "period_end": "2019-10-27", "old": 103e6, "new": None, "old_accn": "0001045810-19-000170",
            "new_accn": None, "reason": "no 6-month year-to-date fact",
        }],
    }  # fmt: skip
    lines = [r for r in update_renderables(summary) if isinstance(r, str)]
    assert "1 withdrawn" in lines[-1]


def test_excerpt_in_a_bulk_zip_keeps_every_quarter(home: Path, tmp_path: Path) -> None:
    """The bulk path derives each known filer with its stored facts too (one query per batch)."""
    z = tmp_path / "companyfacts.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("CIK0001045810.json", EXCERPT.read_bytes())
    store = capexwatch.open(home / "cw.duckdb")
    try:
        ingest_path(store, FULL)
        out = ingest_path(store, z)
        after = _sec_capex(store)
    finally:
        store.close()
    assert out["withdrawn"] == 0
    assert after["FY2020Q3"] == (103e6, "ok")
