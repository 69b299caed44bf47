"""Decode SEC companyfacts JSON into a flat table of facts, fast.

A companyfacts document (``https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json``, and each
member of the nightly ``companyfacts.zip``) nests ``facts -> taxonomy -> tag -> units -> unit ->
[fact, ...]``. We decode it with msgspec into typed Structs. Where only some tags are wanted (the
default: every tag of every metric's chain, plus the whole ``dei`` taxonomy) the Structs *name* just
those tags, so msgspec skips every other tag without building a Python object for it; that is where
the speed comes from (ecosystem-notes §3: typed, field-skipping decoding beat orjson and simdjson;
msgspec's conda-repodata example, https://jcristharif.com/msgspec/examples/conda-repodata.html).
``benchmarks/bench_decode.py`` measures it against plain ``json`` + pandas.

No I/O here: callers hand in the bytes (HTTP body, zip member, file contents). Malformed input raises
:class:`~capexwatch.errors.InputFileError` naming the source and what is wrong, never a msgspec
traceback.

Units are kept as filed: an ifrs-full filer such as TSMC decodes with its ``TWD`` facts labelled
``TWD`` (and its USD convenience translations labelled ``USD``); choosing a currency is the job of
:mod:`capexwatch.facts.select`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, Literal

import msgspec

from capexwatch.errors import DataError, InputFileError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ALL",
    "FACT_COLUMNS",
    "FactsTable",
    "decode_companyfacts",
    "decode_many",
    "default_tags",
    "empty_facts_frame",
    "metric_tags",
]

#: pass as ``tags=`` to keep every fact of every taxonomy
ALL: Final = "all"

#: the columns of :attr:`FactsTable.df`, in order
FACT_COLUMNS: Final = [
    "cik",
    "entity_name",
    "taxonomy",
    "tag",
    "unit",
    "period_start",
    "period_end",
    "value",
    "accn",
    "fy",
    "fp",
    "form",
    "filed",
    "frame",
]

TagSpec = Collection[str] | Literal["all"] | None


# -- typed schema -----------------------------------------------------------------------------------


class _Fact(msgspec.Struct, gc=False):
    """One fact as served. ``start`` is absent for instants; ``frame`` on one fact per period only."""

    end: str
    val: float
    accn: str
    form: str
    filed: str
    start: str | None = None
    fy: int | None = None
    fp: str | None = None
    frame: str | None = None


class _Concept(msgspec.Struct, gc=False):
    # label and description are skipped (not named, so msgspec never builds them)
    units: dict[str, list[_Fact]] = {}


class _AllDoc(msgspec.Struct, gc=False):
    facts: dict[str, dict[str, _Concept]]
    cik: int | str | None = None
    entityName: str | None = None  # noqa: N815 - the SEC's field name


@dataclass(frozen=True)
class _Plan:
    """A compiled tag filter: the decoder and how to walk what it returns."""

    decoder: msgspec.json.Decoder[Any]
    # (taxonomy, struct attribute, whole-taxonomy?, [(tag, attribute), ...])
    walk: tuple[tuple[str, str, bool, tuple[tuple[str, str], ...]], ...]


@lru_cache(maxsize=1)
def metric_tags() -> frozenset[str]:
    """Every ``taxonomy:Tag`` named by a canonical metric's tag chain or per-company override."""
    from capexwatch.metrics import METRICS

    out: set[str] = set()
    for m in METRICS.values():
        out.update(m.tags)
        for chain in m.overrides.values():
            out.update(chain)
    return frozenset(out)


@lru_cache(maxsize=1)
def default_tags() -> frozenset[str]:
    """The default filter: :func:`metric_tags` plus the whole ``dei`` taxonomy (``dei:*``)."""
    return metric_tags() | {"dei:*"}


def _split(spec: str) -> tuple[str, str]:
    tax, sep, tag = spec.partition(":")
    if not sep or not tax or not tag:
        raise DataError(
            f"Bad tag {spec!r}: expected 'taxonomy:Tag' (e.g. 'us-gaap:Revenues') or 'taxonomy:*'.",
        )
    return tax, tag


@lru_cache(maxsize=32)
def _plan(tags: frozenset[str]) -> _Plan:
    by_tax: dict[str, set[str]] = {}
    for spec in tags:
        tax, tag = _split(spec)
        by_tax.setdefault(tax, set()).add(tag)
    tax_fields: list[tuple[str, Any, Any]] = []
    tax_rename: dict[str, str] = {}
    walk: list[tuple[str, str, bool, tuple[tuple[str, str], ...]]] = []
    for i, tax in enumerate(sorted(by_tax)):
        attr = f"t{i}"
        tax_rename[attr] = tax
        names = by_tax[tax]
        if "*" in names:
            tax_fields.append((attr, dict[str, _Concept] | None, None))
            walk.append((tax, attr, True, ()))
            continue
        fields = [(f"f{j}", _Concept | None, None) for j in range(len(names))]
        ordered = tuple(sorted(names))
        rename = {f"f{j}": tag for j, tag in enumerate(ordered)}
        tax_struct = msgspec.defstruct(f"_Tax{i}", fields, rename=rename, gc=False)
        tax_fields.append((attr, tax_struct | None, None))
        walk.append((tax, attr, False, tuple((tag, f"f{j}") for j, tag in enumerate(ordered))))
    facts_struct = msgspec.defstruct("_Facts", tax_fields, rename=tax_rename, gc=False)
    doc = msgspec.defstruct(
        "_Doc",
        [("facts", facts_struct), ("cik", int | str | None, None), ("entityName", str | None, None)],
        gc=False,
    )
    return _Plan(msgspec.json.Decoder(doc), tuple(walk))


_ALL_DECODER: Final = msgspec.json.Decoder(_AllDoc)


# -- columns ---------------------------------------------------------------------------------------


class _Columns:
    """Column lists being filled, one entry per fact (cheap to extend, turned into arrays once).

    Columns that repeat for every fact of a concept (cik, name, taxonomy, tag, unit) are kept as
    runs ``(value, count)`` and expanded with ``numpy.repeat`` at the end.
    """

    __slots__ = ("runs", "n", "start", "end", "val", "accn", "fy", "fp", "form", "filed", "frame")

    def __init__(self) -> None:
        self.runs: list[tuple[int, str, str, str, str, int]] = []
        self.n = 0
        self.start: list[str | None] = []
        self.end: list[str] = []
        self.val: list[float] = []
        self.accn: list[str] = []
        self.fy: list[int | None] = []
        self.fp: list[str | None] = []
        self.form: list[str] = []
        self.filed: list[str] = []
        self.frame: list[str | None] = []

    def add(self, cik: int, name: str, tax: str, tag: str, concept: _Concept) -> None:
        for unit, recs in concept.units.items():
            n = len(recs)
            if not n:
                continue
            self.runs.append((cik, name, tax, tag, unit, n))
            self.n += n
            # one list comprehension per column is several times faster than appending per fact
            self.start += [f.start for f in recs]
            self.end += [f.end for f in recs]
            self.val += [f.val for f in recs]
            self.accn += [f.accn for f in recs]
            self.fy += [f.fy for f in recs]
            self.fp += [f.fp for f in recs]
            self.form += [f.form for f in recs]
            self.filed += [f.filed for f in recs]
            self.frame += [f.frame for f in recs]

    def truncate(self, n: int) -> None:
        """Drop every fact after the first *n* (a member that failed half-way)."""
        while self.n > n:
            cik, name, tax, tag, unit, k = self.runs.pop()
            if self.n - k < n:
                self.runs.append((cik, name, tax, tag, unit, k - (self.n - n)))
                self.n = n
            else:
                self.n -= k
        for slot in ("start", "end", "val", "accn", "fy", "fp", "form", "filed", "frame"):
            del getattr(self, slot)[n:]

    def frame_(self, source: str) -> pd.DataFrame:
        import numpy as np
        import pandas as pd

        def obj(values: list[Any]) -> pd.Series:
            # object dtype, no copy: pandas 3 would otherwise re-validate every string into its
            # ``str`` dtype, which costs more than the decoding itself
            return pd.Series(np.array(values, dtype=object), dtype=object, copy=False)

        starts = np.array([s if s is not None else "NaT" for s in self.start], dtype="datetime64[D]")
        fy_mask = np.array([y is None for y in self.fy], dtype=bool)
        fy_vals = np.array([0 if y is None else y for y in self.fy], dtype="int64")
        counts = np.array([r[5] for r in self.runs], dtype="int64")

        def rep(i: int) -> pd.Series:
            vals = np.array([r[i] for r in self.runs], dtype=object)
            return pd.Series(np.repeat(vals, counts), dtype=object, copy=False)

        data = {
            "cik": np.repeat(np.array([r[0] for r in self.runs], dtype="int64"), counts),
            "entity_name": rep(1),
            "taxonomy": rep(2),
            "tag": rep(3),
            "unit": rep(4),
            "period_start": starts.astype("datetime64[s]"),
            "period_end": np.array(self.end, dtype="datetime64[D]").astype("datetime64[s]"),
            "value": np.array(self.val, dtype="float64"),
            "accn": obj(self.accn),
            "fy": pd.arrays.IntegerArray(fy_vals, fy_mask),
            "fp": obj(self.fp),
            "form": obj(self.form),
            "filed": np.array(self.filed, dtype="datetime64[D]").astype("datetime64[s]"),
            "frame": obj(self.frame),
        }
        return pd.DataFrame(data, columns=FACT_COLUMNS, copy=False)


#: date strings already checked; dates repeat across companies (quarter ends, filing days), so in
#: a bulk run almost every check is a set lookup. Bounded: cleared when it grows past the limit.
_GOOD_DATES: set[str] = set()
_GOOD_DATES_LIMIT: Final = 200_000


def _check_dates(source: str, cols: _Columns, mark: int) -> None:
    """Refuse anything but ISO ``YYYY-MM-DD`` dates (NumPy would read ``'2026'`` as 2026-01-01).

    Checks the facts added since row *mark*; distinct strings only, so it costs little.
    """
    seen: set[str | None] = set(cols.end[mark:])
    seen.update(cols.filed[mark:])
    seen.update(cols.start[mark:])
    seen.discard(None)
    new = seen - _GOOD_DATES
    for s in new:
        assert s is not None
        if len(s) != 10 or s[4] != "-" or s[7] != "-":
            raise InputFileError(source, f"bad date {s!r} (expected YYYY-MM-DD)", hint=_HINT)
        try:
            dt.date.fromisoformat(s)
        except ValueError:
            raise InputFileError(source, f"bad date {s!r} (expected YYYY-MM-DD)", hint=_HINT) from None
    if len(_GOOD_DATES) > _GOOD_DATES_LIMIT:
        _GOOD_DATES.clear()
    _GOOD_DATES.update(new)  # type: ignore[arg-type]


def empty_facts_frame() -> pd.DataFrame:
    """A facts table with no rows and the right columns and dtypes."""
    return _Columns().frame_("<empty>")


# -- public API ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FactsTable:
    """The facts of one companyfacts document.

    Attributes
    ----------
    cik : SEC Central Index Key
    entity_name : ``entityName`` as served
    df : one row per fact, columns :data:`FACT_COLUMNS`: ``period_start`` (NaT for instants),
        ``period_end`` and ``filed`` as ``datetime64[s]``; ``value`` float64 in the fact's own unit
        (``unit`` says which: ``USD``, ``TWD``, ``shares``, ``USD/shares``, ...); ``fy``/``fp``
        describe the *filing*, not the period, and are kept only as evidence
    source : where the bytes came from (URL, path or zip member), for messages
    """

    cik: int
    entity_name: str
    df: pd.DataFrame
    source: str = ""

    def __len__(self) -> int:
        return len(self.df)

    def units(self) -> list[str]:
        """The distinct units present, sorted."""
        return sorted(set(self.df["unit"]))


_HINT: Final = (
    "Expected an SEC companyfacts JSON document "
    "(https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json or a member of companyfacts.zip). "
    "Download it again; if it keeps failing, report the file."
)


def _as_bytes(raw: bytes | bytearray | memoryview | str, source: str) -> bytes | bytearray | memoryview | str:
    if not isinstance(raw, (bytes, bytearray, memoryview, str)):
        raise InputFileError(source, f"expected bytes, got {type(raw).__name__}", hint=_HINT)
    if len(raw) == 0:
        raise InputFileError(source, "is empty", hint=_HINT)
    return raw


def _decode_error(source: str, raw: bytes | bytearray | memoryview | str, exc: Exception) -> InputFileError:
    head = bytes(raw[:64]) if not isinstance(raw, str) else raw[:64].encode()
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        return InputFileError(
            source,
            "is an HTML/XML page, not companyfacts JSON (the SEC answers errors and rate limits with an HTML page)",
            hint=_HINT,
        )
    if isinstance(exc, msgspec.ValidationError):
        return InputFileError(source, f"is not a companyfacts document: {exc}", hint=_HINT)
    msg = str(exc)
    if "truncated" in msg:
        return InputFileError(source, "is truncated (the JSON ends early)", hint=_HINT)
    return InputFileError(source, f"is not valid JSON: {msg}", hint=_HINT)


def _normalise_tags(tags: TagSpec) -> frozenset[str] | None:
    """None means every fact; otherwise the set of ``taxonomy:Tag`` / ``taxonomy:*`` to keep."""
    if tags is None:
        return default_tags()
    if isinstance(tags, str):
        if tags == ALL:
            return None
        tags = [tags]
    out = frozenset(tags)
    for spec in out:
        _split(spec)
    return out


def _cik_of(value: int | str | None, source: str) -> int:
    if value is None:
        return 0
    try:
        return int(value)
    except ValueError:
        raise InputFileError(source, f"bad cik {value!r} (expected a number)", hint=_HINT) from None


def _decode_into(
    cols: _Columns, raw: bytes | bytearray | memoryview | str, spec: frozenset[str] | None, source: str
) -> tuple[int, str]:
    raw = _as_bytes(raw, source)
    mark = cols.n
    try:
        if spec is None:
            doc: Any = _ALL_DECODER.decode(raw)
        else:
            plan = _plan(spec)
            doc = plan.decoder.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise _decode_error(source, raw, exc) from None
    cik = _cik_of(doc.cik, source)
    name = doc.entityName or ""
    if spec is None:
        for tax, concepts in doc.facts.items():
            for tag, concept in concepts.items():
                cols.add(cik, name, tax, tag, concept)
        _check_dates(source, cols, mark)
        return cik, name
    facts = doc.facts
    for tax, attr, whole, tags in plan.walk:
        sub = getattr(facts, attr)
        if sub is None:
            continue
        if whole:
            for tag, concept in sub.items():
                cols.add(cik, name, tax, tag, concept)
        else:
            for tag, tattr in tags:
                concept = getattr(sub, tattr)
                if concept is not None:
                    cols.add(cik, name, tax, tag, concept)
    _check_dates(source, cols, mark)
    return cik, name


def decode_companyfacts(
    raw: bytes | bytearray | memoryview | str,
    *,
    tags: TagSpec = None,
    source: str = "companyfacts JSON",
) -> FactsTable:
    """Decode one SEC companyfacts JSON document into a :class:`FactsTable`.

    Parameters
    ----------
    raw : the document's bytes (an HTTP body, a file's contents, a zip member)
    tags : which facts to keep: None (default) for every tag of the canonical metrics' chains
        (:func:`metric_tags`) plus the whole ``dei`` taxonomy; ``"all"`` for every fact; or a
        collection of ``"taxonomy:Tag"`` / ``"taxonomy:*"``. Unwanted tags are skipped by the
        decoder without being built, which is what makes the default several times faster than
        ``"all"``.
    source : a name for messages (URL, path or zip member)

    Returns
    -------
    FactsTable
        values in the fact's own unit (base units: USD, not millions), dates as ``datetime64[s]``

    Raises
    ------
    InputFileError
        for empty input, an HTML error page, malformed or truncated JSON, a document that is not
        companyfacts (wrong types, no ``facts``), or a date that is not ``YYYY-MM-DD``.
    """
    spec = _normalise_tags(tags)
    cols = _Columns()
    cik, name = _decode_into(cols, raw, spec, source)
    return FactsTable(cik, name, cols.frame_(source), source)


def decode_many(
    members: Iterable[tuple[str, bytes | bytearray | memoryview | str]],
    *,
    tags: TagSpec = None,
    skip_errors: bool = False,
    batch_facts: int = 2_000_000,
) -> Iterator[tuple[pd.DataFrame, list[InputFileError]]]:
    """Decode many documents (the members of ``companyfacts.zip``) into batches of facts.

    Facts from consecutive documents are gathered into one DataFrame (columns :data:`FACT_COLUMNS`)
    of about *batch_facts* rows, so that the per-DataFrame overhead is paid per batch rather than
    per company and memory stays bounded whatever the number of members.

    Parameters
    ----------
    members : ``(name, bytes)`` pairs, e.g. streamed from a :class:`zipfile.ZipFile` member by member
    tags : as :func:`decode_companyfacts`
    skip_errors : when True a malformed member is reported in the batch's error list and skipped;
        when False (default) its :class:`InputFileError` is raised
    batch_facts : rows per yielded batch (approximate: a document is never split)

    Yields
    ------
    (pandas.DataFrame, list[InputFileError])
        a batch of facts and the errors of the members skipped while gathering it
    """
    spec = _normalise_tags(tags)
    cols = _Columns()
    errors: list[InputFileError] = []
    for name, raw in members:
        mark = cols.n
        try:
            _decode_into(cols, raw, spec, name)
        except InputFileError as exc:
            if not skip_errors:
                raise
            cols.truncate(mark)  # a member that failed half-way leaves nothing behind
            errors.append(exc)
            continue
        if cols.n >= batch_facts:
            yield cols.frame_("companyfacts batch"), errors
            cols, errors = _Columns(), []
    if cols.n or errors:
        yield cols.frame_("companyfacts batch"), errors
