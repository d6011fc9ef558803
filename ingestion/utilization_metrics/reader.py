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
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
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
    "metric": ("metric_name", "metric", "name"),
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
STATES = {
    "running": "running",
    "vm_running": "running",
    "stopped": "stopped",
    "vm_stopped": "stopped",
    "stopped_(deallocated)": "stopped",
    "vm_deallocated": "stopped",
    "in_use": "in-use",
    "attached": "in-use",
    "available": "available",
    "unattached": "available",
}


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


def _open_text(path: Path) -> io.TextIOBase:
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _pick(headers: list[str]) -> dict[str, str]:
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
    try:
        value = float(text)
    except ValueError:
        raise UtilizationError(f"{where}: {text!r} is not a number") from None
    if math.isnan(value) or math.isinf(value):
        raise UtilizationError(f"{where}: {text!r} is not a finite number")
    return value


def parse_timestamp(text: str, where: str) -> datetime:
    """ISO 8601 (`2025-01-01T00:00:00Z`, with offset, or naive = UTC) -> naive UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UtilizationError(f"{where}: {text!r} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


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
            columns = _pick(headers)
            if "resource_id" not in columns:
                names = ", ".join(ALIASES["resource_id"])
                raise UtilizationError(f"{label}: no resource id column (one of {names})")
            index = {name: headers.index(header) for name, header in columns.items()}
            if "metric" in columns:
                return _metrics(reader, index, columns, label)
            if "state" in columns:
                return _inventory(reader, index, columns, label)
            raise UtilizationError(
                f"{label}: neither metrics (a 'MetricName' column) nor an inventory "
                "(a 'State' column)"
            )
    except (OSError, UnicodeDecodeError, csv.Error, EOFError, gzip.BadGzipFile) as error:
        raise UtilizationError(f"{label}: cannot be read: {error}") from error


def _cells(
    reader: Iterator[list[str]], index: dict[str, int], label: str
) -> Iterator[tuple[int, dict[str, str]]]:
    width = max(index.values()) + 1
    for number, record in enumerate(reader, start=1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) < width:
            raise UtilizationError(
                f"{label}: row {number}: {len(record)} fields, expected at least {width}"
            )
        yield number, {name: record[position] for name, position in index.items()}


def _required(cells: dict[str, str], name: str, columns: dict[str, str], where: str) -> str:
    value = cells.get(name, "").strip()
    if not value:
        raise UtilizationError(f"{where}, column {columns.get(name, name)!r}: empty")
    return value


def _metrics(
    reader: Iterator[list[str]], index: dict[str, int], columns: dict[str, str], label: str
) -> ParsedFile:
    if "timestamp" not in columns:
        raise UtilizationError(f"{label}: required column 'Timestamp' is missing")
    if not {"average", "value"} & set(columns):
        raise UtilizationError(f"{label}: needs an 'Average' (or 'Value') column")
    parsed = ParsedFile("metrics")
    samples: dict[tuple[str, str, datetime], dict[str, Any]] = {}
    for number, cells in _cells(reader, index, label):
        where = f"{label}: row {number}"
        name = _required(cells, "metric", columns, where)
        known = METRIC_NAMES.get(normalize(name))
        if known is None:
            parsed.ignored.add(name)
            continue
        kind, inverted = known
        resource = _required(cells, "resource_id", columns, where)
        moment = parse_timestamp(
            _required(cells, "timestamp", columns, where),
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


def _inventory(
    reader: Iterator[list[str]], index: dict[str, int], columns: dict[str, str], label: str
) -> ParsedFile:
    parsed = ParsedFile("inventory")
    seen: dict[str, int] = {}
    for number, cells in _cells(reader, index, label):
        where = f"{label}: row {number}"
        resource = _required(cells, "resource_id", columns, where)
        if resource in seen:
            raise UtilizationError(f"{where}: {resource} is also in row {seen[resource]}")
        seen[resource] = number
        state_text = _required(cells, "state", columns, where)
        state = STATES.get(normalize(state_text))
        if state is None:
            raise UtilizationError(
                f"{where}, column {columns['state']!r}: unknown state {state_text!r} "
                f"(known: {', '.join(sorted(set(STATES.values())))})"
            )
        kind = (cells.get("resource_type", "").strip() or "").lower()
        if not kind:
            kind = "volume" if state in ("in-use", "available") else "instance"
        if kind not in ("instance", "volume"):
            raise UtilizationError(
                f"{where}, column {columns['resource_type']!r}: {kind!r} is not instance or volume"
            )
        parsed.rows.append(
            {
                "resource_id": resource,
                "resource_type": kind,
                "instance_type": cells.get("instance_type", "").strip() or None,
                "state": state,
                "account_id": cells.get("account_id", "").strip() or None,
                "region": cells.get("region", "").strip() or None,
                "x_source_row": number,
            }
        )
    return parsed
