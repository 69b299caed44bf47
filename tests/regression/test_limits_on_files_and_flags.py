"""Regression (issue 14, item 7): what a file or a flag can cost.

* ``simulate --paths 99999999999999999999999`` ran for ever: the flag had no cap, though a scenario
  file's ``paths:`` is capped at 2,000,000,000.
* A 700-byte YAML alias bomb ("billion laughs") took 28 s and 2.5 GB before it was refused.
* Zip members were read whole whatever their size (a 900 MB bomb took 2 GB), and a zip with no
  companyfacts members exited 0 with "Nothing changed".
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from capexwatch.errors import InputFileError, ScenarioError
from capexwatch.models import scenario as scn
from capexwatch.models.engine import simulate
from capexwatch.models.scenario import MAX_PATHS, load_scenario, parse_scenario
from capexwatch.sources import sec
from tests._support.data import SEC

BOMB = "model: sequoia\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_paths_above_the_scenario_cap_are_refused_before_running() -> None:
    s = load_scenario("sequoia-2024")
    with pytest.raises(ScenarioError, match="paths must be between 1 and 2,000,000,000"):
        simulate(s, paths=MAX_PATHS + 1)


def test_alias_bomb_is_refused_quickly() -> None:
    assert len(BOMB) < 700
    t0 = time.monotonic()
    with pytest.raises(ScenarioError, match="expands to more than"):
        parse_scenario(BOMB, filename="bomb.yaml")
    assert time.monotonic() - t0 < 2


def test_a_few_aliases_still_work() -> None:
    # aliases themselves are fine: this file fails on its unknown fields, not on the budget
    with pytest.raises(ScenarioError) as info:  # unknown field, but parsed: no budget error
        parse_scenario("model: sequoia\nx: &x [1, 2]\ny: *x\n", filename="small.yaml")
    assert "expands" not in str(info.value)


def test_a_mapping_key_must_be_a_name() -> None:
    # a list as a key would be turned into text: an aliased list there is the bomb by another door
    with pytest.raises(ScenarioError, match="a key must be a plain name"):
        parse_scenario("model: sequoia\n? [1, 2]\n: 1\n", filename="k.yaml")


def test_oversized_scenario_file_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * (scn.MAX_SCENARIO_BYTES // 10 + 1), encoding="utf-8")
    with pytest.raises(ScenarioError, match="over the 1,000,000 a scenario file may have"):
        load_scenario(big)


def test_zip_member_over_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    z = tmp_path / "companyfacts.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("CIK0000000001.json", b" " * 50_000)  # compresses to ~100 bytes
    monkeypatch.setattr(sec, "MAX_DOCUMENT_BYTES", 10_000)
    with pytest.raises(InputFileError, match="member CIK0000000001.json"):
        list(sec.iter_bulk(z))


def test_document_file_over_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sec, "MAX_DOCUMENT_BYTES", 1_000)
    with pytest.raises(InputFileError, match="the file is"):
        sec.read_document(SEC / "CIK0001045810_excerpt.json")


def test_zip_without_companyfacts_members_is_an_error(tmp_path: Path) -> None:
    import capexwatch

    z = tmp_path / "other.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("notes.txt", "hello")
    with capexwatch.open(tmp_path / "s.duckdb") as store, pytest.raises(InputFileError, match="no companyfacts"):
        capexwatch.ingest(store, z)
