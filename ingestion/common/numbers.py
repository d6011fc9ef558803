"""Amounts written as text, parsed only under a locale the source declares.

`1,234` is one thousand two hundred thirty-four in `en`, one point two three four in `de`, and
ambiguous when no locale is declared: such a value is refused, never guessed.

Locales:
    plain: `1234.56`, `-0.5`, `1.2E-5`; no grouping separator at all (the default).
    en:    `1,234.56` (comma groups thousands, dot is the decimal mark).
    de:    `1.234,56` (dot groups thousands, comma is the decimal mark).
    fr:    `1 234,56` (space or no-break space groups thousands, comma is the decimal mark).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

LOCALES = ("plain", "en", "de", "fr")

_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_PATTERNS = {
    "en": re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$"),
    "de": re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"),
    "fr": re.compile(r"^[+-]?(\d{1,3}([ \u00a0\u202f]\d{3})+|\d+)(,\d+)?$"),
}


class AmbiguousNumber(ValueError):
    """A value that cannot be read as a number under the declared locale."""


def check_locale(locale: str) -> str:
    """The locale, or a ValueError listing the known ones."""
    if locale not in LOCALES:
        raise ValueError(f"unknown number locale {locale!r}; known: {', '.join(LOCALES)}")
    return locale


def parse_amount(text: str | None, locale: str = "plain") -> Decimal | None:
    """The exact decimal value of `text` under `locale`; None for empty.

    Args:
        text: the value as written in the file.
        locale: one of LOCALES.

    Returns:
        The value, or None when the text is empty.

    Raises:
        AmbiguousNumber: the text is not a number written the way the locale writes them
            (e.g. `1,234` with no locale declared).
    """
    check_locale(locale)
    if text is None or not text.strip():
        return None
    value = text.strip()
    if _PLAIN.match(value) and (locale in ("plain", "en") or "." not in value):
        normalized = value
    elif locale != "plain" and _PATTERNS[locale].match(value):
        normalized = _normalize(value, locale)
    else:
        hint = "" if locale != "plain" else " (declare the source's number locale to read it)"
        raise AmbiguousNumber(f"{text!r} is not a number in locale {locale!r}{hint}")
    try:
        return Decimal(normalized)
    except InvalidOperation as error:  # pragma: no cover - the patterns above exclude this
        raise AmbiguousNumber(f"{text!r} is not a number") from error


def _normalize(value: str, locale: str) -> str:
    if locale == "en":
        return value.replace(",", "")
    grouped = value.replace(".", "") if locale == "de" else re.sub(r"[ \u00a0\u202f]", "", value)
    return grouped.replace(",", ".")


def amount_sql(expr: str, locale: str = "plain") -> str:
    """DuckDB SQL turning the text `expr` into normalized plain-number text, or NULL if invalid.

    Pair it with `try_cast(... as decimal(38, 10))`: a non-empty input whose result is NULL is
    a value to refuse with its row and column. Same rules as `parse_amount`.

    Args:
        expr: SQL expression of a text value.
        locale: one of LOCALES.

    Returns:
        A SQL expression.
    """
    check_locale(locale)
    value = f"trim({expr})"
    plain = f"regexp_full_match({value}, '[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?')"
    if locale == "plain":
        return f"case when {plain} then {value} end"
    if locale == "en":
        pattern = r"[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]+)?"
        return (
            f"case when {plain} then {value} "
            f"when regexp_full_match({value}, '{pattern}') then replace({value}, ',', '') end"
        )
    if locale == "de":
        pattern = r"[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]+)(,[0-9]+)?"
        return (
            f"case when regexp_full_match({value}, '{pattern}') "
            f"then replace(replace({value}, '.', ''), ',', '.') end"
        )
    pattern = "[+-]?([0-9]{1,3}([ \u00a0\u202f][0-9]{3})+|[0-9]+)(,[0-9]+)?"
    return (
        f"case when regexp_full_match({value}, '{pattern}') "
        f"then replace(regexp_replace({value}, '[ \u00a0\u202f]', '', 'g'), ',', '.') end"
    )
