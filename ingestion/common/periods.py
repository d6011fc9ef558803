"""Billing months and local input files, as the file-based sources read them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path


def parse_month(value: str | date) -> date:
    """`2025-01`, `2025-01-15` or a date -> first day of its month.

    Raises:
        ValueError: naming the value when it is not YYYY-MM.
    """
    if isinstance(value, date):
        return value.replace(day=1)
    try:
        return datetime.strptime(value.strip()[:7], "%Y-%m").date()
    except ValueError as error:
        raise ValueError(f"billing period {value!r} is not YYYY-MM") from error


def files_under(path: str, suffixes: tuple[str, ...]) -> list[Path]:
    """Files ending in `suffixes` (any case) under a folder, or the file itself, in name order.

    A path that does not exist gives no files: the caller reports the empty input.
    """
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name.lower().endswith(suffixes))
