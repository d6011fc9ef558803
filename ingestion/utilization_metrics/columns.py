"""Shared by the metrics and inventory readers: header aliases, typed cells, the error type."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ALIASES: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp", "time_stamp", "time", "datetime", "time_generated"),
    "resource_id": (
        "resource_id",
        "instance_id",
        "volume_id",
        "resource",
        "resource_name",
        "vm_name",
    ),
    "metric": ("metric_name", "metric"),
    "statistic": ("statistic", "stat", "aggregation"),
    "value": ("value", "sample"),
    "average": ("average", "avg", "mean"),
    "maximum": ("maximum", "max"),
    "minimum": ("minimum", "min"),
    "unit": ("unit",),
    "account_id": ("account_id", "subscription_id", "owner_account"),
    "resource_type": ("resource_type", "type"),
    "instance_type": ("instance_type", "vm_size", "size", "sku"),
    "state": ("state", "instance_state", "status", "power_state"),
    "region": ("region", "location", "availability_zone"),
}
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class UtilizationError(ValueError):
    """A file that cannot load; the message names it, the row and the column."""


@dataclass
class ParsedFile:
    """Rows of one file, already typed and normalized.

    Attributes:
        kind: `metrics` or `inventory`.
        rows: metric samples or inventory records (dicts of raw-table columns).
        ignored: metric names present in the file but not read (network, disk, ...).
    """

    kind: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    ignored: set[str] = field(default_factory=set)


def normalize(header: str) -> str:
    """`Metric Name` / `metric-name` / `MetricName` -> `metric_name` (`CPUUtilization` stays
    one word: only a lower-case letter or digit followed by a capital splits)."""
    split = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", header.strip())
    return re.sub(r"[\s\-]+", "_", split.lower())


def pick_columns(headers: list[str]) -> dict[str, str]:
    """Canonical name -> header, for the aliases present (the first alias found wins)."""
    found = {normalize(h): h for h in headers}
    picked: dict[str, str] = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if alias in found and found[alias] not in picked.values():
                picked[name] = found[alias]
                break
    return picked


def parse_number(text: str, where: str) -> float | None:
    """A plain decimal number (`12.5`, `1e-3`); empty is None; anything else is an error."""
    text = text.strip()
    if not text:
        return None
    # float() would also take `1_000`, `nan` and `inf`; exports write plain decimals only
    if not PLAIN_NUMBER.fullmatch(text):
        raise UtilizationError(f"{where}: {text!r} is not a number")
    return float(text)


def parse_timestamp(text: str, where: str) -> datetime:
    """ISO 8601 (`2025-01-01T00:00:00Z`, with offset, or naive = UTC) -> naive UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UtilizationError(f"{where}: {text!r} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def data_rows(
    reader: Iterator[list[str]], index: dict[str, int], columns: dict[str, str], label: str
) -> Iterator[tuple[int, dict[str, str]]]:
    width = max(index.values()) + 1
    for number, record in enumerate(reader, start=1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) < width:
            # a truncated file ends mid-row: name the first column the row lacks
            _, missing = min((p, n) for n, p in index.items() if p >= len(record))
            raise UtilizationError(
                f"{label}: row {number}, column {columns[missing]!r}: missing "
                f"({len(record)} fields, expected at least {width}; a truncated file?)"
            )
        yield number, {name: record[position] for name, position in index.items()}


def required(cells: dict[str, str], name: str, columns: dict[str, str], where: str) -> str:
    value = cells.get(name, "").strip()
    if not value:
        raise UtilizationError(f"{where}, column {columns.get(name, name)!r}: empty")
    return value
