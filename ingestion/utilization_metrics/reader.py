"""Read one utilization CSV: CloudWatch / Azure Monitor metric rows, or a resource inventory.

Headers are matched case- and space-insensitively through aliases, so a CloudWatch export
(`Timestamp, InstanceId, MetricName, Average, Maximum, Unit`) and an Azure Monitor one
(`TimeStamp, ResourceId, Metric, Average, Maximum, Minimum, Unit`) read alike. A bad value stops
the file with its row (1-based data row) and column; nothing of that file loads.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .columns import (
    ALIASES,
    ParsedFile,
    UtilizationError,
    data_rows,
    normalize,
    parse_number,
    parse_timestamp,
    pick_columns,
    required,
)
from .inventory import read_inventory

__all__ = ["ParsedFile", "UtilizationError", "read_file"]

# metric names of CloudWatch (incl. the CloudWatch agent) and Azure Monitor -> (kind, inverted):
# an inverted metric reports what is free, so used = 100 - value
METRIC_NAMES: dict[str, tuple[str, bool]] = {
    "cpuutilization": ("cpu_percent", False),
    "percentage_cpu": ("cpu_percent", False),
    "cpu_usage_active": ("cpu_percent", False),
    "mem_used_percent": ("memory_percent", False),
    "memory_utilization": ("memory_percent", False),
    "memory_used_percent": ("memory_percent", False),
    "available_memory_percentage": ("memory_percent", True),
}


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def read_file(path: Path, label: str) -> ParsedFile:
    """Parse a metrics or inventory CSV (`.csv` or `.csv.gz`).

    Args:
        path: the file.
        label: how errors name it (path relative to the configured root).

    Returns:
        The typed rows.

    Raises:
        UtilizationError: unreadable file, missing column, or a bad value (row and column named).
    """
    try:
        with _open_text(path) as handle:
            reader = csv.reader(handle)
            headers = next(reader, None)
            if not headers:
                raise UtilizationError(f"{label}: empty file, no header row")
            columns = pick_columns(headers)
            if "resource_id" not in columns:
                names = ", ".join(ALIASES["resource_id"])
                raise UtilizationError(f"{label}: no resource id column (one of {names})")
            index = {name: headers.index(header) for name, header in columns.items()}
            if "metric" in columns:
                return _metrics(reader, index, columns, label)
            if "state" in columns:
                return read_inventory(reader, index, columns, label)
            raise UtilizationError(
                f"{label}: neither metrics (a 'MetricName' column) nor an inventory "
                "(a 'State' column)"
            )
    except (OSError, UnicodeDecodeError, csv.Error, EOFError, gzip.BadGzipFile) as error:
        raise UtilizationError(f"{label}: cannot be read: {error}") from error


def _metrics(
    reader: Iterator[list[str]], index: dict[str, int], columns: dict[str, str], label: str
) -> ParsedFile:
    if "timestamp" not in columns:
        raise UtilizationError(f"{label}: required column 'Timestamp' is missing")
    if not {"average", "value"} & set(columns):
        raise UtilizationError(f"{label}: needs an 'Average' (or 'Value') column")
    parsed = ParsedFile("metrics")
    samples: dict[tuple[str, str, datetime], dict[str, Any]] = {}
    for number, cells in data_rows(reader, index, columns, label):
        where = f"{label}: row {number}"
        name = required(cells, "metric", columns, where)
        known = METRIC_NAMES.get(normalize(name))
        if known is None:
            parsed.ignored.add(name)
            continue
        kind, inverted = known
        resource = required(cells, "resource_id", columns, where)
        moment = parse_timestamp(
            required(cells, "timestamp", columns, where),
            f"{where}, column {columns['timestamp']!r}",
        )
        stats = _statistics(cells, columns, where)
        if inverted:
            stats = {
                "average": None if stats["average"] is None else 100.0 - stats["average"],
                "maximum": None if stats["minimum"] is None else 100.0 - stats["minimum"],
            }
        key = (resource, kind, moment)
        sample = samples.setdefault(
            key,
            {
                "resource_id": resource,
                "metric": kind,
                "source_metric": name,
                "sample_time": moment,
                "average": None,
                "maximum": None,
                "unit": cells.get("unit", "").strip() or None,
                "account_id": cells.get("account_id", "").strip() or None,
                "billing_period": date(moment.year, moment.month, 1),
                "x_source_row": number,
            },
        )
        for stat in ("average", "maximum"):
            if stats.get(stat) is None:
                continue
            if sample[stat] is not None:
                raise UtilizationError(
                    f"{where}: {resource} {name} {stat} at {moment:%Y-%m-%d %H:%M} "
                    f"is also in row {sample['x_source_row']}"
                )
            sample[stat] = stats[stat]
    for sample in samples.values():
        if sample["average"] is None:
            raise UtilizationError(
                f"{label}: row {sample['x_source_row']}: {sample['resource_id']} "
                f"{sample['source_metric']} has no average at {sample['sample_time']}"
            )
        if sample["maximum"] is None:
            sample["maximum"] = sample["average"]
    parsed.rows = list(samples.values())
    return parsed


def _statistics(cells: dict[str, str], columns: dict[str, str], where: str) -> dict[str, Any]:
    """Average / maximum / minimum of one row: wide (one column each) or long (statistic)."""
    stats: dict[str, float | None] = {"average": None, "maximum": None, "minimum": None}
    for stat in stats:
        if stat in columns:
            stats[stat] = parse_number(cells[stat], f"{where}, column {columns[stat]!r}")
    if "value" in columns and "average" not in columns:
        value = parse_number(cells["value"], f"{where}, column {columns['value']!r}")
        statistic = normalize(cells.get("statistic", "") or "average")
        target = {"average": "average", "avg": "average", "maximum": "maximum", "max": "maximum"}
        if statistic in ("minimum", "min"):
            stats["minimum"] = value
        elif statistic in target:
            stats[target[statistic]] = value
        else:
            return stats  # p99, SampleCount, ...: not read
    for stat, value in stats.items():
        if value is not None and not -0.001 <= value <= 100.001:
            raise UtilizationError(
                f"{where}, column {columns.get(stat, columns.get('value'))!r}: {value} is not "
                "a percentage (0..100)"
            )
    return stats
