"""Read the facts of one filing document: inline XBRL (``.htm``) or a classic XBRL instance (``.xml``).

Both formats carry the same information: facts (a concept, a value, a unit, decimals) that point at
*contexts* (the entity, the period, and the dimension -> member pairs that put the fact in a segment,
a product line, a customer) and *units*. The inline form hides them in the XHTML of the printed
report (``ix:nonFraction`` / ``ix:nonNumeric``), with the figure as printed plus ``scale``,
``sign`` and ``format`` to turn it back into a value (Inline XBRL 1.1,
https://www.xbrl.org/specification/inlinexbrl-part1/rec-2013-11-18/inlinexbrl-part1-rec-2013-11-18.html).

Parsed with lxml (libxml2) and a small transformation table (:mod:`.transforms`); the choice
against ixbrlparse and Arelle, with measurements, is in ``sources/NOTES.md``. Offline: no schema or
taxonomy is fetched, so a concept's type is not known; a fact is numeric when it is written as a
numeric fact (``ix:nonFraction``, or a classic fact with a ``unitRef``).

Every problem raises :class:`~capexwatch.errors.InputFileError` naming the file and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final, Literal

from capexwatch.errors import InputFileError
from capexwatch.sources.filings.transforms import TransformError, apply_format, registry_of

__all__ = [
    "MAX_BYTES",
    "Fact",
    "Filing",
    "parse_filing",
    "read_filing",
]

#: refuse documents larger than this (bytes). The largest 10-K iXBRL documents on EDGAR are some tens
#: of MB; a document of hundreds of MB is not a periodic report and would hold ~10x its size in memory.
MAX_BYTES: Final = 100 * 1024 * 1024

_IX_NS: Final = ("http://www.xbrl.org/2013/inlineXBRL", "http://www.xbrl.org/2008/inlineXBRL")
_XBRLI: Final = "http://www.xbrl.org/2003/instance"
_XBRLDI: Final = "http://xbrl.org/2006/xbrldi"
_XSI_NIL: Final = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_LINK: Final = "http://www.xbrl.org/2003/linkbase"

#: canonical prefixes for the standard taxonomies, by namespace URI prefix (a filer may bind any
#: prefix; companyfacts and metrics.py use these)
_CANONICAL: Final = (
    ("http://fasb.org/us-gaap/", "us-gaap"),
    ("http://fasb.org/srt/", "srt"),
    ("http://xbrl.sec.gov/dei/", "dei"),
    ("http://xbrl.ifrs.org/taxonomy/", "ifrs-full"),
    ("http://xbrl.sec.gov/ecd/", "ecd"),
    ("http://xbrl.sec.gov/country/", "country"),
    ("http://www.xbrl.org/2003/iso4217", "iso4217"),
    ("http://www.xbrl.org/2003/instance", "xbrli"),
)

_HINT: Final = (
    "Give the filing's primary document as EDGAR serves it: the inline XBRL .htm of a 10-K/10-Q, or the "
    "XBRL instance .xml (the *_htm.xml file of the filing's index). Download it again if it was cut short."
)

_ACCESSION: Final = re.compile(r"(?<!\d)(\d{10})-?(\d{2})-?(\d{6})(?!\d)")
_FORM_DATE: Final = re.compile(r"-(10-k|10-q|20-f|40-f)(?:-a)?-(\d{4}-\d{2}-\d{2})", re.IGNORECASE)


# -- results -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fact:
    """One fact of a filing.

    Attributes
    ----------
    concept : ``prefix:Name`` with the standard taxonomies' usual prefixes (``us-gaap``, ``srt``,
        ``dei``, ``ifrs-full``) whatever the filer bound; filer extensions keep the filer's prefix
    value : numeric value in base units (after ``scale`` and ``sign``: USD, not millions; 0.23 for
        23 % shown with scale -2); None for a non-numeric or nil fact
    text : the value of a non-numeric fact (after its ``format``: ``2025-07-27``, ``P6Y``, text);
        None for numeric facts
    unit : ``USD``, ``shares``, ``USD/shares``, ``pure``, ... (measure local names); None if non-numeric
    period_start : first day of a duration; None for an instant (or ``forever``)
    period_end : last day of a duration, or the instant's date (XBRL's end-of-day convention)
    dimensions : sorted ``(axis, member)`` pairs; members of typed dimensions are their text
    decimals : stated precision (``-6`` = to the million); None for ``INF`` or non-numeric
    context : the context id, fact_id : the element's ``id`` (may be None), for messages
    """

    concept: str
    value: float | None
    text: str | None
    unit: str | None
    period_start: dt.date | None
    period_end: dt.date | None
    dimensions: tuple[tuple[str, str], ...]
    decimals: int | None
    context: str
    fact_id: str | None = None

    @property
    def is_instant(self) -> bool:
        return self.period_start is None

    def member(self, axis: str) -> str | None:
        """The member on *axis*, or None when the fact is not on that axis."""
        for a, m in self.dimensions:
            if a == axis:
                return m
        return None


@dataclass(frozen=True)
class Filing:
    """The facts of one document, and what it says about itself.

    ``form``, ``cik``, ``entity_name``, ``period_end`` and ``fye_month`` come from the document's
    ``dei`` cover facts; ``accession`` and ``filed`` are not in the document (EDGAR assigns them):
    they come from the caller, or from the file name where it holds them.
    """

    source: str
    kind: Literal["ixbrl", "xbrl"]
    facts: tuple[Fact, ...]
    form: str | None = None
    cik: int | None = None
    entity_name: str | None = None
    period_end: dt.date | None = None
    fye_month: int | None = None
    accession: str | None = None
    filed: dt.date | None = None
    warnings: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.facts)

    def dimensional(self) -> list[Fact]:
        """The facts that carry at least one dimension."""
        return [f for f in self.facts if f.dimensions]


@dataclass(frozen=True, slots=True)
class _Context:
    start: dt.date | None
    end: dt.date | None
    dims: tuple[tuple[str, str], ...]
    cik: str | None


# -- helpers -----------------------------------------------------------------------------------------


def _err(source: str, message: str) -> InputFileError:
    return InputFileError(source, message, hint=_HINT)


def _canonical_prefix(uri: str | None, prefix: str | None) -> str:
    if uri:
        for start, canon in _CANONICAL:
            if uri.startswith(start):
                return canon
    return prefix or ""


def _qname_text(text: str, nsmap: dict[str | None, str]) -> str:
    """A QName written as text (a member, a measure, a format) with its prefix made canonical."""
    t = text.strip()
    prefix, sep, local = t.partition(":")
    if not sep:
        return t
    return f"{_canonical_prefix(nsmap.get(prefix), prefix)}:{local}"


def _date(source: str, text: str | None, *, end: bool) -> dt.date:
    """An XBRL date; a date-time ``...T00:00:00`` at an end or instant means the day before ends
    (XBRL 2.1 §4.7.2: a date-only end is the end of that day)."""
    t = (text or "").strip()
    try:
        if "T" not in t:
            return dt.date.fromisoformat(t)
        stamp = dt.datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise _err(source, f"bad period date {t!r} (expected YYYY-MM-DD)") from None
    day = stamp.date()
    if end and stamp.time() == dt.time(0, 0):
        day -= dt.timedelta(days=1)
    return day


def _decimals(source: str, raw: str | None, where: str) -> int | None:
    if raw is None or raw.strip() == "INF":
        return None
    try:
        return int(raw)
    except ValueError:
        raise _err(source, f"{where}: decimals={raw!r} is neither an integer nor INF") from None


# -- contexts and units (shared by both formats) -----------------------------------------------------


def _contexts(source: str, root: Any) -> dict[str, _Context]:
    out: dict[str, _Context] = {}
    for c in root.iter(f"{{{_XBRLI}}}context"):
        cid = c.get("id")
        if not cid:
            raise _err(source, "an xbrli:context has no id")
        period = c.find(f"{{{_XBRLI}}}period")
        if period is None:
            raise _err(source, f"context {cid!r} has no period")
        instant = period.find(f"{{{_XBRLI}}}instant")
        start: dt.date | None
        if instant is not None:
            start, end = None, _date(source, instant.text, end=True)
        elif period.find(f"{{{_XBRLI}}}forever") is not None:
            start, end = None, None
        else:
            s, e = period.find(f"{{{_XBRLI}}}startDate"), period.find(f"{{{_XBRLI}}}endDate")
            if s is None or e is None:
                raise _err(source, f"context {cid!r}: period has neither an instant nor a start and end date")
            start, end = _date(source, s.text, end=False), _date(source, e.text, end=True)
        dims: list[tuple[str, str]] = []
        for m in c.iter(f"{{{_XBRLDI}}}explicitMember", f"{{{_XBRLDI}}}typedMember"):
            axis = _qname_text(m.get("dimension") or "", m.nsmap)
            if m.tag.endswith("explicitMember"):
                dims.append((axis, _qname_text(m.text or "", m.nsmap)))
            else:
                dims.append((axis, "".join(m.itertext()).strip()))
        ident = c.find(f"{{{_XBRLI}}}entity/{{{_XBRLI}}}identifier")
        out[cid] = _Context(
            start, end, tuple(sorted(dims)), ident.text.strip() if ident is not None and ident.text else None
        )
    return out


def _units(root: Any) -> dict[str, str]:
    """unit id -> ``USD``, ``shares``, ``USD/shares`` (measures' local names, as companyfacts writes them)."""
    out: dict[str, str] = {}

    def names(parent: Any) -> str:
        return "*".join(sorted((m.text or "").strip().rpartition(":")[2] for m in parent.iter(f"{{{_XBRLI}}}measure")))

    for u in root.iter(f"{{{_XBRLI}}}unit"):
        uid = u.get("id") or ""
        div = u.find(f"{{{_XBRLI}}}divide")
        if div is not None:
            num = div.find(f"{{{_XBRLI}}}unitNumerator")
            den = div.find(f"{{{_XBRLI}}}unitDenominator")
            out[uid] = f"{names(num) if num is not None else ''}/{names(den) if den is not None else ''}"
        else:
            out[uid] = names(u)
    return out


# -- building facts ----------------------------------------------------------------------------------


#: what makes two facts duplicates: concept, unit, period start and end, dimensions
_Key = tuple[str, str | None, dt.date | None, dt.date | None, tuple[tuple[str, str], ...]]


class _Builder:
    """Resolves contexts and units, removes duplicates, and collects the document's facts."""

    def __init__(self, source: str, contexts: dict[str, _Context], units: dict[str, str]) -> None:
        self.source = source
        self.contexts = contexts
        self.units = units
        self.facts: dict[_Key, Fact] = {}
        self.warnings: list[str] = []

    def _where(self, concept: str, fact_id: str | None) -> str:
        return f"fact {concept}" + (f" (id {fact_id})" if fact_id else "")

    def context(self, ref: str | None, concept: str, fact_id: str | None) -> _Context:
        where = self._where(concept, fact_id)
        if not ref:
            raise _err(self.source, f"{where} has no contextRef")
        ctx = self.contexts.get(ref)
        if ctx is None:
            raise _err(self.source, f"{where} refers to context {ref!r}, which the document does not define")
        return ctx

    def unit(self, ref: str | None, concept: str, fact_id: str | None) -> str:
        where = self._where(concept, fact_id)
        if not ref:
            raise _err(self.source, f"{where} is numeric but has no unitRef")
        unit = self.units.get(ref)
        if unit is None:
            raise _err(self.source, f"{where} refers to unit {ref!r}, which the document does not define")
        return unit

    def number(self, lexical: str, concept: str, fact_id: str | None, scale: int = 0, negate: bool = False) -> float:
        try:
            d = Decimal(lexical.strip())
        except InvalidOperation:
            raise _err(self.source, f"{self._where(concept, fact_id)}: {lexical!r} is not a number") from None
        if not d.is_finite():
            raise _err(self.source, f"{self._where(concept, fact_id)}: {lexical!r} is not a finite number")
        d = d.scaleb(scale)
        return float(-d if negate else d)

    def add(self, fact: Fact) -> None:
        """Keep one fact per (concept, period, dimensions, unit); duplicates must agree.

        Duplicates are normal in iXBRL (a figure tagged in a table and again in the text). Numeric
        duplicates must agree to the coarser of their precisions, and the more precise one is kept;
        a document whose duplicates disagree contradicts itself, and EDGAR rejects such filings
        (EDGAR Filer Manual vol. II, 6.5.12), so it is refused rather than guessed at.
        """
        key = (fact.concept, fact.unit, fact.period_start, fact.period_end, fact.dimensions)
        old = self.facts.get(key)
        if old is None:
            self.facts[key] = fact
            return
        if fact.value is None or old.value is None:
            if old.value is None and fact.value is not None:
                self.facts[key] = fact
            return
        if not _consistent(old, fact):
            raise _err(
                self.source,
                f"fact {fact.concept} is reported twice for context {fact.context!r} with different values "
                f"({old.value:,.6g} and {fact.value:,.6g}): the document contradicts itself",
            )
        if _precision(fact) > _precision(old):
            self.facts[key] = fact


def _precision(f: Fact) -> float:
    return float("inf") if f.decimals is None else f.decimals


def _consistent(a: Fact, b: Fact) -> bool:
    assert a.value is not None and b.value is not None
    dec = min(_precision(a), _precision(b))
    if dec == float("inf"):
        return a.value == b.value
    unit: float = 10.0 ** (-dec)
    # round each to the coarser precision (XBRL 2.1 §4.6.6); tolerate float noise in the scaled values
    return bool(abs(round(a.value / unit) - round(b.value / unit)) < 1 or abs(a.value - b.value) <= unit * 1e-9)


# -- inline XBRL -------------------------------------------------------------------------------------


def _ix_text(el: Any, ix: str) -> str:
    """The text of an ix element, nested ix elements included, ``ix:exclude`` content left out."""
    exclude = f"{{{ix}}}exclude"
    if next(el.iter(exclude), None) is None:
        return "".join(el.itertext())
    parts: list[str] = []

    def walk(node: Any) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag != exclude:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return "".join(parts)


def _format(builder: _Builder, el: Any, text: str, concept: str, fact_id: str | None, numeric: bool) -> str:
    fmt = el.get("format")
    if not fmt:
        return text.strip()
    prefix, sep, name = fmt.strip().partition(":")
    if not sep:
        prefix, name = "", prefix
    registry = registry_of(el.nsmap.get(prefix))
    try:
        out = apply_format(registry, name, text)
    except TransformError as exc:
        if numeric:
            raise _err(builder.source, f"{builder._where(concept, fact_id)} with format {fmt}: {exc}") from None
        # a text fact's value is still readable as displayed; a caller that needs it typed says so
        builder.warnings.append(f"{concept}: {exc} (format {fmt}); the displayed text is kept")
        return text.strip()
    if out is None:
        if numeric:
            raise _err(builder.source, f"{builder._where(concept, fact_id)}: unknown number format {fmt!r}")
        builder.warnings.append(f"{concept}: format {fmt!r} is not known; the displayed text is kept")
        return text.strip()
    return out


def _continuations(root: Any, ix: str) -> dict[str, Any]:
    return {c.get("id"): c for c in root.iter(f"{{{ix}}}continuation")}


def _follow(builder: _Builder, el: Any, ix: str, conts: dict[str, Any], concept: str) -> str:
    """The text of a nonNumeric and of the ``ix:continuation`` chain it starts (``continuedAt``)."""
    parts = [_ix_text(el, ix)]
    seen: set[str] = set()
    nxt = el.get("continuedAt")
    while nxt:
        if nxt in seen:
            raise _err(builder.source, f"fact {concept}: ix:continuation chain loops at {nxt!r}")
        seen.add(nxt)
        c = conts.get(nxt)
        if c is None:
            raise _err(builder.source, f"fact {concept}: continuedAt={nxt!r} names no ix:continuation")
        parts.append(_ix_text(c, ix))
        nxt = c.get("continuedAt")
    return "".join(parts)


def _ixbrl_facts(builder: _Builder, root: Any, ix: str) -> None:
    conts = _continuations(root, ix)
    non_fraction, non_numeric = f"{{{ix}}}nonFraction", f"{{{ix}}}nonNumeric"
    for el in root.iter(non_fraction, non_numeric):
        name = el.get("name")
        fact_id = el.get("id")
        if not name:
            raise _err(builder.source, f"an ix fact (id {fact_id}) has no name")
        concept = _qname_text(name, el.nsmap)
        ctx_ref = el.get("contextRef")
        builder.context(ctx_ref, concept, fact_id)
        if el.tag == non_fraction:
            unit = builder.unit(el.get("unitRef"), concept, fact_id)
            decimals = _decimals(builder.source, el.get("decimals"), builder._where(concept, fact_id))
            value: float | None = None
            if el.get(_XSI_NIL) not in ("true", "1"):
                lexical = _format(builder, el, _ix_text(el, ix), concept, fact_id, numeric=True)
                scale = el.get("scale")
                try:
                    k = int(scale) if scale else 0
                except ValueError:
                    raise _err(builder.source, f"{builder._where(concept, fact_id)}: scale={scale!r}") from None
                value = builder.number(lexical, concept, fact_id, k, el.get("sign") == "-")
            builder.add(Fact(concept, value, None, unit, *_period(builder, ctx_ref), decimals, ctx_ref, fact_id))
        else:
            text = _format(builder, el, _follow(builder, el, ix, conts, concept), concept, fact_id, numeric=False)
            builder.add(Fact(concept, None, text, None, *_period(builder, ctx_ref), None, ctx_ref, fact_id))


def _period(builder: _Builder, ref: str) -> tuple[dt.date | None, dt.date | None, tuple[tuple[str, str], ...]]:
    ctx = builder.contexts[ref]
    return ctx.start, ctx.end, ctx.dims


# -- classic XBRL instance -----------------------------------------------------------------------------

_NOT_FACTS: Final = frozenset({_XBRLI, _LINK})


def _xbrl_facts(builder: _Builder, root: Any) -> None:
    reverse = {uri: p for p, uri in root.nsmap.items() if p}
    for el in root:
        tag = el.tag
        if not isinstance(tag, str) or not tag.startswith("{"):
            continue  # comments, processing instructions
        uri, _, local = tag[1:].partition("}")
        if uri in _NOT_FACTS:
            continue
        ctx_ref = el.get("contextRef")
        if ctx_ref is None:
            continue  # a tuple or a footnote; not used by SEC filers (EFM forbids tuples)
        concept = f"{_canonical_prefix(uri, reverse.get(uri) or el.prefix)}:{local}"
        fact_id = el.get("id")
        builder.context(ctx_ref, concept, fact_id)
        nil = el.get(_XSI_NIL) in ("true", "1")
        if el.get("unitRef") is not None:
            unit = builder.unit(el.get("unitRef"), concept, fact_id)
            decimals = _decimals(builder.source, el.get("decimals"), builder._where(concept, fact_id))
            value = None if nil else builder.number(el.text or "", concept, fact_id)
            builder.add(Fact(concept, value, None, unit, *_period(builder, ctx_ref), decimals, ctx_ref, fact_id))
        else:
            text = None if nil else "".join(el.itertext()).strip()
            builder.add(Fact(concept, None, text, None, *_period(builder, ctx_ref), None, ctx_ref, fact_id))


# -- document ------------------------------------------------------------------------------------------


def _xml_root(source: str, raw: bytes) -> Any:
    from lxml import etree

    head = raw[:2048].lstrip().lower()
    # entities are never expanded and nothing is fetched (no XXE, offline); huge_tree admits the very
    # long text nodes of embedded images that some filers put in their iXBRL
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)
    try:
        return etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        at = f" (line {line})" if line else ""
        html = b"<html" in head or b"<!doctype html" in head
        kind = "is not well-formed XHTML" if html else "is not well-formed XML"
        # a download cut short ends before the root element's closing tag
        ends_early = re.search(rb"</[\w:.-]*(?:html|xbrl)>\s*$", raw[-512:], re.IGNORECASE) is None
        why = "; it ends before its closing tag, so the file looks cut short" if ends_early else ""
        raise _err(source, f"{kind}{at}: {exc.msg}{why}") from None


def _ix_namespace(root: Any) -> str | None:
    for ns in _IX_NS:
        if ns in root.nsmap.values():
            return ns
    return None


def _dei(facts: dict[str, list[Fact]], name: str) -> str | None:
    """A cover fact's text (or number as text), from its context without dimensions."""
    for f in facts.get(f"dei:{name}", ()):
        if not f.dimensions:
            if f.text is not None:
                return f.text
            if f.value is not None:
                return f"{f.value:.0f}"
    return None


def _document_info(
    source: str, facts: tuple[Fact, ...], accession: str | None, filed: dt.date | None
) -> dict[str, Any]:
    by: dict[str, list[Fact]] = {}
    for f in facts:
        if f.concept.startswith("dei:"):
            by.setdefault(f.concept, []).append(f)
    cik_text = _dei(by, "EntityCentralIndexKey")
    form = _dei(by, "DocumentType")
    amended = (_dei(by, "AmendmentFlag") or "").lower() == "true"
    if form and amended and not form.endswith("/A"):
        form += "/A"
    period = _dei(by, "DocumentPeriodEndDate")
    fye = _dei(by, "CurrentFiscalYearEndDate")  # --MM-DD
    fye_m = re.fullmatch(r"--(\d{2})-\d{2}", fye or "")
    name = Path(source).name
    if accession is None and (m := _ACCESSION.search(source)):
        accession = f"{m[1]}-{m[2]}-{m[3]}"
    if filed is None and (m := _FORM_DATE.search(name)):
        filed = dt.date.fromisoformat(m[2])
    period_end: dt.date | None = None
    if period:
        try:
            period_end = dt.date.fromisoformat(period.strip())
        except ValueError:
            period_end = None  # cover-page dates are sometimes free text; the facts' own periods still work
    return {
        "form": form,
        "cik": int(cik_text) if cik_text and cik_text.strip().isdigit() else None,
        "entity_name": _dei(by, "EntityRegistrantName"),
        "period_end": period_end,
        "fye_month": int(fye_m[1]) if fye_m else None,
        "accession": accession,
        "filed": filed,
    }


def parse_filing(
    raw: bytes,
    *,
    source: str = "filing",
    accession: str | None = None,
    filed: dt.date | None = None,
    max_bytes: int = MAX_BYTES,
) -> Filing:
    """Parse an inline XBRL document or a classic XBRL instance into its facts.

    Parameters
    ----------
    raw : the document's bytes
    source : a name for messages (path or URL); an accession number in it (``0001018724-23-000004``
        or its 18 digits, as in EDGAR's archive paths) is taken as the accession, and a name such as
        ``nvda-10-q-2025-08-27.htm`` gives the filing date
    accession, filed : the filing's accession number and filing date when the caller knows them
        (the submissions API does); they override what the name says
    max_bytes : refuse larger documents (default :data:`MAX_BYTES`)

    Returns
    -------
    Filing
        one :class:`Fact` per distinct (concept, period, dimensions, unit), in document order

    Raises
    ------
    InputFileError
        empty, too large, not well-formed, not XBRL; a fact that names a context or unit the
        document does not define; a figure that does not fit its format; duplicates that disagree
    """
    if not raw:
        raise _err(source, "is empty")
    if len(raw) > max_bytes:
        raise _err(
            source,
            f"is {len(raw) / 2**20:,.0f} MB, more than the {max_bytes / 2**20:,.0f} MB a filing document may be",
        )
    root = _xml_root(source, raw)
    contexts = _contexts(source, root)
    builder = _Builder(source, contexts, _units(root))
    kind: Literal["ixbrl", "xbrl"]
    ix = _ix_namespace(root)
    if root.tag == f"{{{_XBRLI}}}xbrl":
        kind = "xbrl"
        _xbrl_facts(builder, root)
    elif ix is not None:
        kind = "ixbrl"
        _ixbrl_facts(builder, root, ix)
    else:
        raise _err(source, "is not an XBRL document: neither inline XBRL (no ix: namespace) nor an xbrli:xbrl instance")
    if not builder.facts:
        raise _err(source, "holds no XBRL facts")
    facts = tuple(builder.facts.values())
    info = _document_info(source, facts, accession, filed)
    return Filing(source=source, kind=kind, facts=facts, warnings=tuple(builder.warnings), **info)


def read_filing(
    path: str | os.PathLike[str],
    *,
    accession: str | None = None,
    filed: dt.date | None = None,
    max_bytes: int = MAX_BYTES,
) -> Filing:
    """Read and parse a filing document from disk (size checked before reading). See :func:`parse_filing`."""
    p = Path(path)
    source = str(p)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise _err(
                source,
                f"is {size / 2**20:,.0f} MB, more than the {max_bytes / 2**20:,.0f} MB a filing document may be",
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise InputFileError(source, f"cannot read the file ({exc.strerror})") from exc
    return parse_filing(raw, source=source, accession=accession, filed=filed, max_bytes=max_bytes)


def iter_facts(filing: Filing, concept: str) -> Iterator[Fact]:
    """The facts of *concept* in *filing*."""
    return (f for f in filing.facts if f.concept == concept)
