"""Regression: a filer outside the universe was stored as ``CIK0000320193`` instead of ``AAPL``.

Ingesting a companyfacts document of a company the store did not know named it by its CIK, so a
user looking for ``AAPL`` found nothing. New filers are now named by the SEC's ticker map (the
bundled subset offline; the full ``company_tickers.json`` once ``update`` has cached it), and the
CLI takes a ticker or a CIK in any of its forms.

The document is the recorded NVIDIA companyfacts with its ``cik`` set to Apple's (320193, the
reference README): only the naming is under test, the figures are NVIDIA's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from capexwatch.sources.sec import parse_company_tickers, ticker_map
from capexwatch.sources.snapshot import company_tickers_bytes
from tests._support.cli import run_cli
from tests._support.data import RECORDED

CF = RECORDED / "sec" / "companyfacts" / "CIK0001045810.json"
APPLE_CIK = 320193


def _apple_doc(tmp_path: Path) -> Path:
    doc = CF.read_bytes().replace(b'"cik":1045810', f'"cik":{APPLE_CIK}'.encode(), 1)
    path = tmp_path / "CIK0000320193.json"
    path.write_bytes(doc)
    return path


def test_bundled_map_names_the_universe_and_apple() -> None:
    m = parse_company_tickers(company_tickers_bytes())
    assert m.ticker(APPLE_CIK) == "AAPL" and m.cik("aapl") == APPLE_CIK
    import tomllib
    from importlib import resources

    with resources.files("capexwatch").joinpath("universe.toml").open("rb") as fh:
        universe = tomllib.load(fh)["company"]
    for c in universe:
        if "cik" in c:
            assert m.ticker(c["cik"]) == c["ticker"], c["ticker"]
    assert ticker_map().ticker(APPLE_CIK) == "AAPL"  # nothing cached: the bundled subset


@pytest.mark.parametrize("key", [("--ticker", "AAPL"), ("--cik", "320193"), ("--ticker", "CIK0000320193")])
def test_quarters_of_an_ingested_filer_by_ticker_or_cik(tmp_path: Path, home: Path, key: tuple[str, str]) -> None:
    env = {"CAPEXWATCH_HOME": str(home)}
    got = run_cli("ingest", str(_apple_doc(tmp_path)), "--json", env=env)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["companies"][0]["ticker"] == "AAPL"
    q = run_cli("quarters", *key, "--metric", "revenue", "--json", env=env)
    assert q.returncode == 0, q.stderr
    rows = json.loads(q.stdout)
    assert rows and {r["ticker"] for r in rows} == {"AAPL"}


def test_update_takes_a_ticker_the_map_lists(store: object) -> None:
    """`update --tickers AAPL`: not in the store, but the ticker map gives its CIK (a new filer)."""
    from capexwatch.errors import UnknownTickerError
    from capexwatch.pipeline.update import resolve_targets

    (t,) = resolve_targets(store, ["AAPL"])  # type: ignore[arg-type]
    assert (t.cik, t.known, t.ticker) == (APPLE_CIK, False, None)
    with pytest.raises(UnknownTickerError):
        resolve_targets(store, ["NOPE"])  # type: ignore[arg-type]
