"""Locale-aware amounts: Python and DuckDB SQL agree, and ambiguous text is refused."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from ingestion.common.numbers import AmbiguousNumber, amount_sql, parse_amount

CASES = [
    ("plain", "1234.56", "1234.56"),
    ("plain", "1,234", None),
    ("plain", "1.2E-5", "0.000012"),
    ("plain", "-3", "-3"),
    ("plain", "1.234,5", None),
    ("en", "1,234", "1234"),
    ("en", "1,234.5", "1234.5"),
    ("en", "1.5", "1.5"),
    ("en", "12,34", None),
    ("de", "1,234", "1.234"),
    ("de", "1.234,5", "1234.5"),
    ("de", "1.5", None),
    ("de", "1.234", "1234"),
    ("fr", "1\u00a0234,5", "1234.5"),
    ("fr", "1,5", "1.5"),
    ("fr", "1.5", None),
]


@pytest.mark.parametrize(("locale", "text", "expected"), CASES)
def test_python_and_sql_read_the_same_value(locale: str, text: str, expected: str | None) -> None:
    want = Decimal(expected) if expected is not None else None
    if want is None:
        with pytest.raises(AmbiguousNumber, match=locale):
            parse_amount(text, locale)
    else:
        assert parse_amount(text, locale) == want
    sql = f"select try_cast({amount_sql('v', locale)} as decimal(38, 10)) from (select ? as v)"
    assert duckdb.connect().execute(sql, [text]).fetchall()[0][0] == want


def test_empty_is_null_and_unknown_locale_is_an_error() -> None:
    assert parse_amount("  ", "en") is None
    with pytest.raises(ValueError, match="known: plain, en, de, fr"):
        parse_amount("1", "es")
