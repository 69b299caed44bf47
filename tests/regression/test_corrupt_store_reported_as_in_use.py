"""Regression: a corrupt store was reported as "in use by another process"; a foreign DuckDB file
was taken over; ``CAPEXWATCH_HOME=""`` silently meant the default directory.

DuckDB reports a damaged block as "Corrupt database file: computed checksum ... in block at
location N"; the store's check looked for "lock" in the message and found it in "block". Garbage
in a block read later (by a query) ended as an internal error (exit 70). Now both say the store is
corrupt and how to recover (exit 4), a DuckDB database without capexwatch's ``schema_version`` is
refused unchanged, and an empty ``CAPEXWATCH_HOME`` or ``CAPEXWATCH_DB`` is a settings error (exit 3).

Each case uses a real store file built from the bundled snapshot; the damaged block is found with
DuckDB's ``pragma_storage_info`` (block ``b`` starts at byte 3 x 4096 + b x 262144 of the file).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import capexwatch
from capexwatch.config import get_settings
from capexwatch.errors import ConfigError, StoreError
from capexwatch.store.db import Store, store_open_error
from tests._support.cli import run_cli

#: DuckDB's file layout: three 4 KiB headers, then blocks of ``block_size`` bytes
HEADER_BYTES = 3 * 4096


def _built_store(home: Path) -> Path:
    path = home / "capexwatch.duckdb"
    capexwatch.open(path).close()
    return path


def _damage_block_of(path: Path, table: str) -> None:
    """Overwrite 4 KiB of *table*'s first stored segment with garbage (DuckDB checksums the used
    part of a block, so the garbage goes where the table's data is)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        block_size = int(con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0])  # type: ignore[index]
        row = con.execute(
            f"SELECT block_id, block_offset FROM pragma_storage_info('{table}') WHERE block_id >= 0 "
            "ORDER BY block_id, block_offset LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    offset = HEADER_BYTES + int(row[0]) * block_size + int(row[1])
    with path.open("r+b") as fh:
        fh.seek(offset)
        fh.write(bytes(range(256)) * 16)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _env(home: Path) -> dict[str, str]:
    return {"CAPEXWATCH_HOME": str(home)}


def test_block_damaged_where_open_reads_is_corrupt_not_in_use(home: Path) -> None:
    path = _built_store(home)
    _damage_block_of(path, "loads")  # read on every open (is the snapshot loaded?)
    before = _digest(path)
    with pytest.raises(StoreError, match="is corrupt") as exc:
        capexwatch.open(path).close()
    assert "in use" not in str(exc.value) and "mv " in str(exc.value)
    res = run_cli("info", env=_env(home))
    assert res.returncode == 4, res.stderr
    assert "is corrupt" in res.stderr and "in use" not in res.stderr
    assert _digest(path) == before  # nothing written to the damaged file


def test_damaged_header_found_on_connect_is_corrupt_not_in_use(home: Path) -> None:
    """The exact report of the issue: DuckDB's connect fails with "... in block at location 4096"."""
    path = _built_store(home)
    with path.open("r+b") as fh:
        fh.seek(4096 + 64)  # the first of DuckDB's two database headers, past its checksum
        fh.write(bytes(range(256)))
    res = run_cli("info", env=_env(home))
    assert res.returncode == 4, res.stderr
    assert "is corrupt" in res.stderr and "in use" not in res.stderr


def test_block_damaged_mid_file_is_corrupt_when_a_query_meets_it(home: Path) -> None:
    path = _built_store(home)
    _damage_block_of(path, "series")  # read only when a command asks for macro series
    res = run_cli("series", "DGS10", env=_env(home))
    assert res.returncode == 4, res.stderr
    assert "is corrupt" in res.stderr and "Internal error" not in res.stderr


def test_lock_held_by_another_process_is_still_in_use(home: Path) -> None:
    path = _built_store(home)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print(1, flush=True); "
         "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "1"
        with pytest.raises(duckdb.Error) as exc:
            duckdb.connect(str(path))
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert "in use by another process" in str(store_open_error(path, exc.value))


def test_foreign_duckdb_file_is_refused_not_taken_over(home: Path) -> None:
    path = home / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE measurements (id INTEGER, reading DOUBLE)")
    con.execute("INSERT INTO measurements VALUES (1, 2.5)")
    con.close()
    for read_only in (False, True):
        with pytest.raises(StoreError, match="not a capexwatch store"):
            Store.open(path, read_only=read_only)
    res = run_cli("info", env={**_env(home), "CAPEXWATCH_DB": str(path)})
    assert res.returncode == 4 and "not a capexwatch store" in res.stderr
    con = duckdb.connect(str(path), read_only=True)
    tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    con.close()
    assert tables == ["measurements"]


@pytest.mark.parametrize("name", ["CAPEXWATCH_HOME", "CAPEXWATCH_DB"])
def test_empty_home_or_db_is_a_settings_error(home: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(name, "")
    with pytest.raises(ConfigError, match=f"{name} is set but empty"):
        get_settings()
    res = run_cli("info", env={**_env(home), name: ""})
    assert res.returncode == 3 and f"{name} is set but empty" in res.stderr
    assert not (home / "capexwatch.duckdb").exists() or name == "CAPEXWATCH_DB"
