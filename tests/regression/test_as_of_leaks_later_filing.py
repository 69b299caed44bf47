"""Regression: ``--as-of`` showed figures, accessions and filing dates from after that date.

``quarters --ticker GOOGL --metric capex --view first-filed --as-of 2022-06-30 --json`` returned
FY2022Q1 with ``accn 0001652044-23-000045`` ``filed 2023-04-26``: the curated figure cites the
comparative in Alphabet's 2023 10-Q, but its ``known_at`` was the *earlier* of that filing and
period end + 45 days. A row is now public from the filing whose value and accession it shows;
``--as-of`` also checks ``filed`` itself, and a migration corrects stores loaded before.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

import capexwatch
from capexwatch.pipeline.files import ingest_path
from capexwatch.store.db import Store
from capexwatch.store.schema import MIGRATIONS
from tests._support.cli import run_cli
from tests._support.data import SEC

AS_OF = "2022-06-30"
#: a non-SEC row said to be public before the filing it cites
AS_OF_LEAK = "source <> 'sec' AND known_at < filed"


def _assert_public_by(rows: list[dict[str, object]], as_of: str) -> None:
    for r in rows:
        assert str(r["known_at"])[:10] <= as_of, r
        assert r["filed"] is None or str(r["filed"])[:10] <= as_of, r


def test_cli_as_of_shows_nothing_filed_later(home: Path) -> None:
    res = run_cli("quarters", "--ticker", "GOOGL", "--metric", "capex", "--view", "first-filed",
                  "--as-of", AS_OF, "--json", env={"CAPEXWATCH_HOME": str(home)})  # fmt: skip
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    _assert_public_by(rows, AS_OF)
    # the curated FY2022Q1 row cites accession 0001652044-23-000045, filed 2023-04-26
    assert "0001652044-23-000045" not in {r["accn"] for r in rows}


def test_sec_rows_as_of_are_those_filed_by_then(home: Path) -> None:
    """With Alphabet's companyfacts ingested, FY2022Q1 as of 2022-06-30 is the original 10-Q."""
    store = capexwatch.open(home / "cw.duckdb")
    try:
        ingest_path(store, SEC / "CIK0001652044.json")
        for view in ("first-filed", "latest"):
            q = store.quarters("GOOGL", "capex", view=view, as_of=AS_OF)
            _assert_public_by(q.to_dict(orient="records"), AS_OF)
        q = store.quarters("GOOGL", "capex", view="first-filed", as_of=AS_OF)
    finally:
        store.close()
    q1 = q[q["fiscal_period"] == "FY2022Q1"].iloc[0]
    # Alphabet's 10-Q for the quarter ended 2022-03-31, read from the companyfacts document
    facts = json.loads((SEC / "CIK0001652044.json").read_bytes())["facts"]["us-gaap"]
    first = [f for f in facts["PaymentsToAcquirePropertyPlantAndEquipment"]["units"]["USD"]
             if f.get("start") == "2022-01-01" and f["end"] == "2022-03-31" and f["filed"] <= AS_OF]  # fmt: skip
    assert len(first) == 1
    assert (q1["source"], q1["accn"], q1["value"]) == ("sec", first[0]["accn"], first[0]["val"])
    assert str(q1["filed"])[:10] == first[0]["filed"]


def test_migration_corrects_a_store_loaded_before(home: Path) -> None:
    path = home / "old.duckdb"
    capexwatch.open(path).close()
    con = duckdb.connect(str(path))
    try:
        # what the old loader wrote: known_at = period end + 45 days although the figure cites a later filing
        con.execute("""UPDATE panel SET known_at = period_end + INTERVAL 45 DAY
                       WHERE source = 'curated' AND filed IS NOT NULL""")
        leaked = con.execute(f"SELECT count(*) FROM panel WHERE {AS_OF_LEAK}").fetchone()
        assert leaked is not None and leaked[0] > 0
        # the migration that corrects it, as Store.open applies it to a store loaded before
        (statements,) = [sql for _, what, sql in MIGRATIONS if "known from their filing date" in what]
        for sql in statements:
            con.execute(sql)
        assert con.execute(f"SELECT count(*) FROM panel WHERE {AS_OF_LEAK}").fetchone() == (0,)
    finally:
        con.close()
    store = Store.open(path)
    try:
        q = store.quarters("GOOGL", "capex", view="first-filed", as_of=AS_OF)
    finally:
        store.close()
    assert (q["filed"].dropna() <= pd.Timestamp(AS_OF)).all()
