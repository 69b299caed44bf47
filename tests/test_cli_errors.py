"""Every user error the CLI can meet ends with a documented exit code, a message, and no traceback.

Table-driven (issue 14, items 8-10): each row is a command line a user might type, the exit code the
README's table promises for it, and a phrase the message must contain. Every row runs twice: as
typed (the human message on stderr) and with ``--json`` (one JSON object ``{"error", "hint",
"exit_code"}`` on stdout). Before the fixes, these rows exited 70 (bad dates, a bad scheduler), 5
(``--top 0``), 3 (``cache clear --kind bogus``), 1 (an unwritable ``--out``, an unreachable
scheduler), 0 (``events --kind nope``) or ran for ever (``--paths 1e23``).
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from capexwatch import errors
from capexwatch.cli._errors import DOCUMENTED_EXIT_CODES
from tests._support.cli import invoke

ROOT = Path(__file__).resolve().parents[1]

# "billion laughs": nine levels of nine aliases, 9**9 values from 400 bytes
BOMB = "model: sequoia\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)

# (command line, exit code, phrase in the message); {tmp} is the test's own directory
CASES: list[tuple[str, int, str]] = [
    ("series DGS10 --start garbage", 2, "--start"),
    ("series DGS10 --start 2025-02-30", 2, "--start"),
    ("series DGS10 --end x", 2, "--end"),
    ("series DGS10 --start 2025-06-01 --end 2025-01-01", 2, "is after --end"),
    ("series DGS10 --start 2100-01-01", 5, "the store holds"),
    ("series NOPE", 5, "Known series"),
    ("screen --since garbage", 2, "--since"),
    ("screen --as-of x", 2, "--as-of"),
    ("screen --top 0", 2, "--top"),
    ("screen --metric nope", 2, "Unknown metric"),
    ("cache clear --kind bogus", 2, "Kinds: companyfacts"),
    ("events --kind nope", 2, "Known kinds"),
    ("backtest --start garbage", 2, "--start"),
    ("signals --as-of soon", 2, "--as-of"),
    ("signal nope", 2, "Unknown signal"),
    ("quarters --ticker NOPE --metric capex", 2, "Unknown ticker"),
    ("quarters --ticker MSFT --metric nope", 2, "Unknown metric"),
    ("quarters --metric capex", 2, "exactly one of"),
    ("ingest {tmp}/missing.csv", 2, "no such file"),
    ("ingest {tmp}/empty.zip", 2, "no companyfacts documents"),
    ("simulate sequoia-2024 --no-store --paths 99999999999999999999999", 2, "paths must be between"),
    ("simulate sequoia-2024 --no-store --scheduler notaurl", 2, "not a Dask scheduler address"),
    ("simulate sequoia-2024 --no-store --scheduler tcp://127.0.0.1:1", 6, "Cannot connect to the Dask scheduler"),
    ("simulate {tmp}/bomb.yaml --no-store", 2, "expands to more than"),
    ("simulate nope-preset", 2, "Unknown preset"),
    ("report --out /proc/nope/r.html", 2, "cannot write the report"),
    ("nosuchcommand", 2, "No such command"),
]


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store loaded with the bundled snapshot, built once for the module."""
    import capexwatch

    path = tmp_path_factory.mktemp("template") / "capexwatch.duckdb"
    capexwatch.open(path).close()
    return path


@pytest.fixture
def files(_template: Path, home: Path, tmp_path: Path) -> Path:
    """The test's home with its own copy of the store, and the files the table names."""
    shutil.copyfile(_template, home / "capexwatch.duckdb")
    (tmp_path / "bomb.yaml").write_text(BOMB, encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "empty.zip", "w") as zf:
        zf.writestr("README.txt", "no companyfacts here")
    return tmp_path


def _argv(line: str, tmp: Path) -> list[str]:
    return line.replace("{tmp}", str(tmp)).split()


@pytest.mark.parametrize(("line", "code", "phrase"), CASES, ids=[c[0] for c in CASES])
def test_user_error_exits_with_its_documented_code(files: Path, line: str, code: int, phrase: str) -> None:
    got, _, err = invoke(*_argv(line, files))
    assert got == code, err
    assert code in DOCUMENTED_EXIT_CODES
    assert phrase in err
    assert "Traceback" not in err and "Internal error" not in err


@pytest.mark.parametrize(("line", "code", "phrase"), CASES, ids=[c[0] for c in CASES])
def test_user_error_with_json_prints_a_json_error_on_stdout(files: Path, line: str, code: int, phrase: str) -> None:
    got, out, _ = invoke(*_argv(line, files), "--json")
    doc = json.loads(out)
    assert set(doc) == {"error", "hint", "exit_code"}
    assert got == doc["exit_code"] == code
    assert phrase in f"{doc['error']}\n{doc['hint'] or ''}"


def test_every_error_kind_has_a_documented_code() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        if cls is not errors.CapexwatchError:
            assert cls.exit_code in DOCUMENTED_EXIT_CODES, name


def test_no_module_raises_the_bare_base_error() -> None:
    # the base class would exit 1, which the README does not list: every raise names its kind
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*.py")
                 if re.search(r"raise CapexwatchError\(", p.read_text(encoding="utf-8"))]  # fmt: skip
    assert offenders == []


def test_readme_table_lists_exactly_the_codes_the_cli_uses() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Exit codes") :]
    section = section[: section.index("\n#", 1)]
    codes = {int(m) for m in re.findall(r"^\| `(\d+)` \|", section, flags=re.MULTILINE)}
    assert codes == set(DOCUMENTED_EXIT_CODES)
