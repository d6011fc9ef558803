"""What one utilization run loads: find files, parse each, keep the newest per unit.

Metric samples are replaced per (billing_period, resource_id, metric): one resource's CPU (or
memory) over one month, taken from the newest file holding it, so a re-exported month never
duplicates. Inventory rows are upserted per resource_id from the newest file listing it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingestion.common.periods import files_under, parse_month
from ingestion.common.report import LoadedUnit, SourceReport

from .reader import ParsedFile, UtilizationError, read_file

SUFFIXES = (".csv", ".csv.gz")
Unit = tuple[date, str, str]  # (billing_period, resource_id, metric)
SAMPLE_SCHEMA = pa.schema(
    [
        ("resource_id", pa.string()),
        ("metric", pa.string()),
        ("source_metric", pa.string()),
        ("sample_time", pa.timestamp("us")),
        ("average", pa.float64()),
        ("maximum", pa.float64()),
        ("unit", pa.string()),
        ("account_id", pa.string()),
        ("billing_period", pa.date32()),
        ("x_source_row", pa.int64()),
        ("x_export_id", pa.string()),
        ("x_source_file", pa.string()),
    ]
)


@dataclass
class Input:
    """One parsed file."""

    label: str
    location: Path
    modified: float
    checksum: str = ""
    parsed: ParsedFile = field(default_factory=lambda: ParsedFile("metrics"))


class UtilizationPlan:
    """Parsed, validated inputs of one run, computed on first use."""

    def __init__(
        self,
        path: str,
        billing_periods: list[str] | None,
        report: SourceReport,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.periods = {parse_month(p) for p in billing_periods} if billing_periods else None
        self.report = report
        self.progress = progress or (lambda message: None)
        self.detected_at = datetime.now(UTC)
        self._inputs: list[Input] | None = None
        self._quarantined: list[tuple[Input, str]] = []

    def inputs(self) -> list[Input]:
        """Every file that parsed; the others are quarantined with file, row and column."""
        if self._inputs is not None:
            return self._inputs
        self._inputs = []
        root = Path(self.path)
        files = files_under(self.path, SUFFIXES)
        self.report.root = self.path
        if not files:
            self.report.notes.append(f"{self.path}: no utilization CSV files found")
        for file in files:
            label = str(file.relative_to(root)) if root.is_dir() else str(file)
            item = Input(label, file, file.stat().st_mtime)
            item.checksum = hashlib.md5(file.read_bytes(), usedforsecurity=False).hexdigest()
            try:
                item.parsed = read_file(file, label)
            except UtilizationError as error:
                self.report.quarantine(str(file), str(error))
                self._quarantined.append((item, str(error)))
                self.progress(f"quarantined {label}: {error}")
                continue
            if item.parsed.ignored:
                names = ", ".join(sorted(item.parsed.ignored))
                self.report.notes.append(f"{label}: metrics not used for rightsizing: {names}")
            self.progress(f"validated {label}: {len(item.parsed.rows)} {item.parsed.kind} rows")
            self._inputs.append(item)
        return self._inputs

    def _newest(self, kind: str, key: Callable[[dict[str, Any]], Any]) -> dict[Any, Input]:
        """Unit -> the newest input holding it (modification time, then name)."""
        chosen: dict[Any, Input] = {}
        ordered = sorted(self.inputs(), key=lambda item: (item.modified, item.label))
        for item in ordered:
            if item.parsed.kind != kind:
                continue
            for row in item.parsed.rows:
                unit = key(row)
                if unit is None:
                    continue
                previous = chosen.get(unit)
                if previous is not None and previous is not item and kind == "metrics":
                    self.report.notes.append(
                        f"{unit[0]:%Y-%m} {unit[1]} {unit[2]}: in {previous.label} and "
                        f"{item.label}; kept {item.label}"
                    )
                chosen[unit] = item
        return chosen

    def _metric_unit(self, row: dict[str, Any]) -> Unit | None:
        if self.periods is not None and row["billing_period"] not in self.periods:
            return None
        return (row["billing_period"], row["resource_id"], row["metric"])

    def metric_units(self) -> dict[Unit, Input]:
        """Each (billing_period, resource_id, metric) of the requested months -> its input."""
        return self._newest("metrics", self._metric_unit)

    def _unit_counts(self, chosen: dict[Unit, Input]) -> dict[Unit, int]:
        counts: dict[Unit, int] = {}
        for item in self.inputs():
            for row in item.parsed.rows if item.parsed.kind == "metrics" else ():
                unit = self._metric_unit(row)
                if unit is not None and chosen.get(unit) is item:
                    counts[unit] = counts.get(unit, 0) + 1
        return counts

    def samples(self) -> Iterator[pa.Table]:
        """Metric samples of the chosen units, one Arrow table per input."""
        chosen = self.metric_units()
        for item in self.inputs():
            rows = [
                row | {"x_export_id": item.checksum, "x_source_file": item.label}
                for row in item.parsed.rows
                if item.parsed.kind == "metrics" and chosen.get(self._metric_unit(row)) is item
            ]
            if rows:
                yield pa.Table.from_pylist(rows, schema=SAMPLE_SCHEMA)
                self.progress(f"extracted {item.label}")
        for unit, count in sorted(self._unit_counts(chosen).items()):
            self.report.loaded.append(
                LoadedUnit(unit[0], f"{unit[1]}|{unit[2]}", count, None, (chosen[unit].label,))
            )

    def resources(self) -> list[dict[str, Any]]:
        """Inventory rows, the newest listing of each resource."""
        chosen = self._newest("inventory", lambda row: row["resource_id"])
        return [
            row
            | {"snapshot_at": datetime.fromtimestamp(item.modified, UTC).replace(tzinfo=None)}
            | {"x_export_id": item.checksum, "x_source_file": item.label}
            for item in self.inputs()
            if item.parsed.kind == "inventory"
            for row in item.parsed.rows
            if chosen[row["resource_id"]] is item
        ]

    def load_records(self) -> list[dict[str, Any]]:
        """`loads` rows: one per replaced metric unit and one per quarantined file."""
        chosen = self.metric_units()
        counts = self._unit_counts(chosen)
        rows = [
            self._load(unit[0], f"{unit[1]}|{unit[2]}", chosen[unit], count, "loaded", None)
            for unit, count in sorted(counts.items())
        ]
        rows += [
            self._load(None, item.label, item, 0, "quarantined", reason)
            for item, reason in self._quarantined
        ]
        return rows

    def _load(
        self,
        period: date | None,
        key: str,
        item: Input,
        count: int,
        status: str,
        error: str | None,
    ) -> dict[str, Any]:
        return {
            "billing_period": period,
            "unit_key": key,
            "status": status,
            "source_file": item.label,
            "checksum": item.checksum or None,
            "row_count": count,
            "error": error,
            "detected_at": self.detected_at.replace(tzinfo=None),
        }

    def months(self) -> list[str]:
        """Months with metric samples in any readable file."""
        return sorted(
            {
                f"{row['billing_period']:%Y-%m}"
                for item in self.inputs()
                if item.parsed.kind == "metrics"
                for row in item.parsed.rows
            }
        )
