"""Shared pieces of the suites: reference lists and the billing-window filter."""

from __future__ import annotations

import csv
from datetime import date
from functools import lru_cache
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "reference"

# ISO 4217 codes in the FOCUS list that are not money a bill can be in: "no currency", the
# testing code, precious metals, bond-market units and SDR-like units
NON_BILLING_CODES = frozenset(
    {"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"}
)


@lru_cache(maxsize=1)
def currency_codes() -> list[str]:
    """ISO 4217 codes of the FOCUS validator (reference/SOURCES.md) a bill can be in."""
    with open(REFERENCE / "currency_codes.csv", newline="") as handle:
        codes = {row["currency_codes"].strip() for row in csv.DictReader(handle)}
    return sorted(codes - NON_BILLING_CODES)


def period_filter(column: str, first: date, last: date) -> str:
    """SQL predicate keeping billing periods first..last (first days of months) inclusive.

    Dates come from the partition window, never from users, so inlining them is safe and
    keeps the SQL identical on DuckDB and PostgreSQL.
    """
    return f"{column} between date '{first.isoformat()}' and date '{last.isoformat()}'"
