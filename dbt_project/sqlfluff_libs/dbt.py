"""`dbt.*` cross-database macros as sqlfluff sees them (representative DuckDB SQL)."""

from __future__ import annotations


def type_timestamp() -> str:
    """dbt.type_timestamp()."""
    return "timestamp"


def type_bigint() -> str:
    """dbt.type_bigint()."""
    return "bigint"


def type_string() -> str:
    """dbt.type_string()."""
    return "varchar"


def hash(field: str) -> str:
    """dbt.hash(field)."""
    return f"md5(cast({field} as varchar))"


def concat(fields: list[str]) -> str:
    """dbt.concat(fields)."""
    return f"concat({', '.join(fields)})"


def dateadd(datepart: str, interval: int, from_date_or_timestamp: str) -> str:
    """dbt.dateadd(datepart, interval, from_date_or_timestamp)."""
    return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"


def date_trunc(datepart: str, date: str) -> str:
    """dbt.date_trunc(datepart, date)."""
    return f"date_trunc('{datepart}', {date})"


def safe_cast(field: str, type: str) -> str:
    """dbt.safe_cast(field, type)."""
    return f"cast({field} as {type})"


def type_float() -> str:
    """dbt.type_float()."""
    return "double"


def current_timestamp() -> str:
    """dbt.current_timestamp()."""
    return "current_timestamp"
