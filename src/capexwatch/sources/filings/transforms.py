"""Inline XBRL transformation rules: the ``format`` of a tagged figure -> its XBRL value.

An iXBRL fact shows a figure as printed ("41,096", "—", "no", "July 27, 2025", "six years"); its
``format`` attribute names the rule that turns that text into the value the fact means. Two
registries are in use on EDGAR:

* ``ixt``: the XBRL International Transformation Registry, versions 1-5
  (https://www.xbrl.org/specification/inlinexbrl-transformationregistry/), whose namespaces are
  listed in :data:`IXT_NAMESPACES`. Version 4 (2020-02-12) renamed the rules with hyphens
  (``numdotdecimal`` -> ``num-dot-decimal``, ``zerodash`` -> ``fixed-zero``); both spellings are here.
* ``ixt-sec``: the SEC's own rules (https://www.sec.gov/info/edgar/specifications/edgarfm-vol2,
  "Inline XBRL Transformation Rules"; namespace ``http://www.sec.gov/inlineXBRL/transformation/2015-08-31``):
  numbers and durations written in words, durations in years/months/days, ballot boxes.

The table is deliberately small: the rules the SEC accepts for the facts capexwatch reads, each
tested on its own (``tests/sources/test_filings.py``). A name-to-code rule we do not translate
(``ixt-sec:stateprovnameen`` and the like, only used on cover-page ``dei`` facts) keeps the text
as displayed; an unknown rule on a *numeric* fact is an error, because its value cannot be known.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Final

__all__ = [
    "IXT_NAMESPACES",
    "IXT_SEC_NAMESPACE",
    "PASSTHROUGH",
    "RULES",
    "TransformError",
    "apply_format",
    "duration_years",
    "registry_of",
    "words_to_number",
]

IXT_NAMESPACES: Final = frozenset(
    {
        "http://www.xbrl.org/inlineXBRL/transformation/2010-04-20",  # TR1
        "http://www.xbrl.org/inlineXBRL/transformation/2011-07-31",  # TR2
        "http://www.xbrl.org/inlineXBRL/transformation/2015-02-26",  # TR3
        "http://www.xbrl.org/inlineXBRL/transformation/2020-02-12",  # TR4
        "http://www.xbrl.org/inlineXBRL/transformation/2022-02-16",  # TR5
    }
)
IXT_SEC_NAMESPACE: Final = "http://www.sec.gov/inlineXBRL/transformation/2015-08-31"


class TransformError(ValueError):
    """The displayed text does not fit the named rule (the caller names the file and the fact)."""


# -- numbers -----------------------------------------------------------------------------------------

_DIGITS_DOT: Final = re.compile(r"^\d{1,3}(?:[,\s\u00a0'\u2019]?\d{3})*(?:\.\d*)?$|^\d+(?:\.\d*)?$|^\.\d+$")
_DIGITS_COMMA: Final = re.compile(r"^\d{1,3}(?:[.\s\u00a0'\u2019]?\d{3})*(?:,\d*)?$|^\d+(?:,\d*)?$")


def _clean(text: str) -> str:
    return text.strip().replace("\u00a0", " ").strip()


def _num_dot_decimal(text: str) -> str:
    """``1,234.5`` / ``1 234.5`` / ``1234`` -> ``1234.5`` (grouping by comma, space or apostrophe)."""
    t = _clean(text)
    if not _DIGITS_DOT.match(t):
        raise TransformError(f"{text!r} is not a number with '.' as decimal separator")
    out = re.sub(r"[,\s'\u2019]", "", t)
    return out.rstrip(".") or "0"


def _num_comma_decimal(text: str) -> str:
    """``1.234,5`` / ``1 234,5`` -> ``1234.5``."""
    t = _clean(text)
    if not _DIGITS_COMMA.match(t):
        raise TransformError(f"{text!r} is not a number with ',' as decimal separator")
    out = re.sub(r"[.\s'\u2019]", "", t).replace(",", ".")
    return out.rstrip(".") or "0"


def _fixed_zero(text: str) -> str:
    """Any dash, "nil", "none" or blank shown where a zero is meant (TR4 fixed-zero, TR1-3 zerodash)."""
    return "0"


_UNITS: Final = {
    "zero": 0, "no": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_SCALES: Final = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


def words_to_number(text: str) -> int:
    """English number words to an integer: ``"no"``/``"none"`` -> 0, ``"twenty-one"`` -> 21,
    ``"one hundred and five"`` -> 105 (ixt-sec ``numwordsen``). Digits pass through (``"3"`` -> 3).

    Raises
    ------
    TransformError
        for any word that is not a number word
    """
    t = _clean(text).lower().replace(",", " ").replace("-", " ")
    if re.fullmatch(r"\d+", t):
        return int(t)
    words = [w for w in t.split() if w != "and"]
    if not words:
        raise TransformError(f"{text!r} has no number words")
    total = current = 0
    for w in words:
        if w in _UNITS:
            current += _UNITS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w in _SCALES:
            total += max(current, 1) * _SCALES[w]
            current = 0
        else:
            raise TransformError(f"{text!r}: {w!r} is not an English number word")
    return total + current


def _num_words_en(text: str) -> str:
    return str(words_to_number(text))


# -- booleans ----------------------------------------------------------------------------------------


def _fixed(value: str) -> Callable[[str], str]:
    def rule(text: str) -> str:
        return value

    return rule


def _ballot_box(text: str) -> str:
    """☐ -> false; ☑ ☒ -> true (ixt-sec ``boolballotbox``)."""
    t = _clean(text)
    if t == "\u2610":
        return "false"
    if t in ("\u2611", "\u2612"):
        return "true"
    raise TransformError(f"{text!r} is not a ballot box (\u2610, \u2611 or \u2612)")


# -- dates -------------------------------------------------------------------------------------------

_MONTHS: Final = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]  # fmt: skip
    )
    for m in names
}


def _month(name: str, text: str) -> int:
    try:
        return _MONTHS[name.lower().rstrip(".")]
    except KeyError:
        raise TransformError(f"{text!r}: {name!r} is not an English month name") from None


def _year(y: str) -> int:
    n = int(y)
    return n + 2000 if len(y) == 2 else n  # TR: two-digit years are 20xx


def _iso(text: str, y: int, m: int, d: int) -> str:
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        raise TransformError(f"{text!r} is not a valid date") from None


def _month_day(text: str, m: int, d: int) -> str:
    # --MM-DD (xs:gMonthDay); 2000 is a leap year, so 29 February is accepted
    _iso(text, 2000, m, d)
    return f"--{m:02d}-{d:02d}"


def _date_rule(pattern: str, build: Callable[[str, re.Match[str]], str]) -> Callable[[str], str]:
    rx = re.compile(pattern, re.IGNORECASE)

    def rule(text: str) -> str:
        m = rx.fullmatch(_clean(text))
        if not m:
            raise TransformError(f"{text!r} does not match the date layout")
        return build(text, m)

    return rule


_SEP: Final = r"\s*[/.\-\s]\s*"
_date_month_day_year = _date_rule(
    rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{2}}|\d{{4}})",
    lambda t, m: _iso(t, _year(m[3]), int(m[1]), int(m[2])),
)
_date_day_month_year = _date_rule(
    rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{2}}|\d{{4}})",
    lambda t, m: _iso(t, _year(m[3]), int(m[2]), int(m[1])),
)
_date_year_month_day = _date_rule(
    rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})", lambda t, m: _iso(t, int(m[1]), int(m[2]), int(m[3]))
)
_date_monthname_day_year = _date_rule(
    r"([A-Za-z]+\.?)\s*(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{2}|\d{4})",
    lambda t, m: _iso(t, _year(m[3]), _month(m[1], t), int(m[2])),
)
_date_day_monthname_year = _date_rule(
    r"(\d{1,2})(?:st|nd|rd|th)?\s*([A-Za-z]+\.?)\s*,?\s*(\d{2}|\d{4})",
    lambda t, m: _iso(t, _year(m[3]), _month(m[2], t), int(m[1])),
)
_date_month_day = _date_rule(rf"(\d{{1,2}}){_SEP}(\d{{1,2}})", lambda t, m: _month_day(t, int(m[1]), int(m[2])))
_date_day_month = _date_rule(rf"(\d{{1,2}}){_SEP}(\d{{1,2}})", lambda t, m: _month_day(t, int(m[2]), int(m[1])))
_date_monthname_day = _date_rule(
    r"([A-Za-z]+\.?)\s*(\d{1,2})(?:st|nd|rd|th)?", lambda t, m: _month_day(t, _month(m[1], t), int(m[2]))
)
_date_day_monthname = _date_rule(
    r"(\d{1,2})(?:st|nd|rd|th)?\s*([A-Za-z]+\.?)", lambda t, m: _month_day(t, _month(m[2], t), int(m[1]))
)


# -- durations (ixt-sec) -----------------------------------------------------------------------------


def _decimal(text: str) -> Decimal:
    try:
        d = Decimal(_num_dot_decimal(text))
    except (InvalidOperation, TransformError):
        raise TransformError(f"{text!r} is not a number") from None
    return d


def _dur_years(text: str) -> str:
    """``2.5`` years -> ``P2Y6M`` (whole months kept; a remainder below a month goes into days)."""
    d = _decimal(text)
    years = int(d)
    months_d = (d - years) * 12
    months = int(months_d)
    days = round((months_d - months) * Decimal("30.4375"))
    return _duration(years=years, months=months, days=days)


def _dur_months(text: str) -> str:
    d = _decimal(text)
    months = int(d)
    days = round((d - months) * Decimal("30.4375"))
    return _duration(months=months, days=days)


def _dur_days(text: str) -> str:
    d = _decimal(text)
    if d != int(d):
        raise TransformError(f"{text!r} is not a whole number of days")
    return _duration(days=int(d))


def _duration(*, years: int = 0, months: int = 0, days: int = 0) -> str:
    out = "P" + (f"{years}Y" if years else "") + (f"{months}M" if months else "") + (f"{days}D" if days else "")
    return out if out != "P" else "P0D"


_DUR_WORD: Final = re.compile(r"(.+?)\s+(year|month|week|day)s?\b", re.IGNORECASE)


def _dur_words_en(text: str) -> str:
    """``"five years, two months"`` -> ``P5Y2M``; ``"eighteen months"`` -> ``P18M`` (ixt-sec ``durwordsen``)."""
    # "364-day" and "five-year" are written with a hyphen; "twenty-one" too, which words_to_number reads
    t = re.sub(r"-(?=(?:year|month|week|day)s?\b)", " ", _clean(text).lower()).replace(" and ", ", ")
    parts = [p.strip() for p in t.split(",") if p.strip()]
    if not parts:
        raise TransformError(f"{text!r} is not a duration in words")
    y = mo = d = 0
    for p in parts:
        m = _DUR_WORD.fullmatch(p)
        if not m:
            raise TransformError(f"{text!r} is not a duration in words")
        n = words_to_number(m[1])
        unit = m[2].lower()
        if unit == "year":
            y += n
        elif unit == "month":
            mo += n
        elif unit == "week":
            d += 7 * n
        else:
            d += n
    return _duration(years=y, months=mo, days=d)


_ISO_DURATION: Final = re.compile(
    r"P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
)


def duration_years(value: str) -> float:
    """An ``xs:duration`` (``P5Y6M``, ``P18M``, ``P493D``) in years (365.25-day years, 12 months a year).

    Raises
    ------
    ValueError
        for text that is not a date-part ``xs:duration``
    """
    m = _ISO_DURATION.fullmatch(value.strip())
    if not m or not any(m.groups()):
        raise ValueError(f"{value!r} is not an xs:duration such as P5Y or P18M")
    y, mo, w, d = (float(g) if g else 0.0 for g in m.groups())
    return y + mo / 12 + (7 * w + d) / 365.25


# -- the table ---------------------------------------------------------------------------------------

#: (registry, rule name) -> function of the displayed text; registry is ``ixt`` or ``ixt-sec``
RULES: Final[dict[tuple[str, str], Callable[[str], str]]] = {}


def _register(registry: str, names: tuple[str, ...], fn: Callable[[str], str]) -> None:
    for n in names:
        RULES[(registry, n)] = fn


_register("ixt", ("num-dot-decimal", "numdotdecimal", "numcommadot", "numspacedot"), _num_dot_decimal)
_register("ixt", ("num-comma-decimal", "numcommadecimal", "numdotcomma", "numspacecomma"), _num_comma_decimal)
_register("ixt", ("fixed-zero", "zerodash", "numdash"), _fixed_zero)
_register("ixt", ("fixed-empty", "nocontent"), _fixed(""))
_register("ixt", ("fixed-false", "booleanfalse"), _fixed("false"))
_register("ixt", ("fixed-true", "booleantrue"), _fixed("true"))
_register("ixt", ("date-month-day-year", "datemonthdayyear", "dateslashus", "datedotus"), _date_month_day_year)
_register("ixt", ("date-day-month-year", "datedaymonthyear", "dateslasheu", "datedoteu"), _date_day_month_year)
_register("ixt", ("date-year-month-day", "dateyearmonthday"), _date_year_month_day)
_register(
    "ixt",
    ("date-monthname-day-year-en", "datemonthnamedayyearen", "datelongus", "dateshortus"),
    _date_monthname_day_year,
)
_register(
    "ixt",
    ("date-day-monthname-year-en", "datedaymonthnameyearen", "datelonguk", "dateshortuk"),
    _date_day_monthname_year,
)
_register("ixt", ("date-month-day", "datemonthday"), _date_month_day)
_register("ixt", ("date-day-month", "datedaymonth"), _date_day_month)
_register("ixt", ("date-monthname-day-en", "datemonthnamedayen", "datelongmonthday"), _date_monthname_day)
_register("ixt", ("date-day-monthname-en", "datedaymonthnameen", "datelongdaymonth"), _date_day_monthname)
_register("ixt-sec", ("numwordsen",), _num_words_en)
_register("ixt", ("num-word-en",), _num_words_en)
_register("ixt-sec", ("duryear",), _dur_years)
_register("ixt-sec", ("durmonth",), _dur_months)
_register("ixt-sec", ("durday",), _dur_days)
_register("ixt-sec", ("durwordsen",), _dur_words_en)
_register("ixt-sec", ("boolballotbox",), _ballot_box)

#: SEC rules that map a name to a code (state, exchange, country, filer category); only used on
#: cover-page ``dei`` facts, which capexwatch reads as text: the displayed text is kept.
PASSTHROUGH: Final = frozenset(
    {
        ("ixt-sec", "stateprovnameen"),
        ("ixt-sec", "exchnameen"),
        ("ixt-sec", "entityfilercategoryen"),
        ("ixt-sec", "countrynameen"),
        ("ixt-sec", "edgarprovcountryen"),
    }
)


def registry_of(namespace: str | None) -> str | None:
    """``ixt`` / ``ixt-sec`` for a transformation namespace URI; None for one we do not know."""
    if namespace in IXT_NAMESPACES:
        return "ixt"
    if namespace == IXT_SEC_NAMESPACE:
        return "ixt-sec"
    return None


def apply_format(registry: str | None, name: str, text: str) -> str | None:
    """The XBRL value of *text* displayed under rule *registry*:*name*.

    Returns
    -------
    str or None
        the lexical value (``"1234.5"``, ``"2025-07-27"``, ``"P6Y"``, ``"true"``); the stripped text
        itself for a :data:`PASSTHROUGH` rule; None when the rule is not known

    Raises
    ------
    TransformError
        when the text does not fit a known rule
    """
    if registry is None:
        return None
    fn = RULES.get((registry, name))
    if fn is not None:
        return fn(text)
    if (registry, name) in PASSTHROUGH:
        return _clean(text)
    return None
