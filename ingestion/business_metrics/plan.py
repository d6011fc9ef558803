"""What one business-metrics run loads: find inputs, validate each, keep the newest per unit.

The unit of replacement is (billing_period, product, metric): one product's metric over one
month. A later file holding the same unit replaces it as a whole, so a restated month never
duplicates and a file with only some metrics leaves the others alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingestion.common.periods import files_under, parse_month
from ingestion.common.report import LoadedUnit, SourceReport

from . import api
from .reader import RECORDS_HINT, MetricsError, MetricsReader, UnitStats

SUFFIXES = (".csv", ".csv.gz", ".json")


@dataclass
class Input:
    """One file or API response, staged."""

    label: str
    location: str
    modified: float
    checksum: str = ""
    table: str = ""
    units: list[UnitStats] = field(default_factory=list)


def records_of(document: Any, label: str) -> list[Any]:
    """Records of a JSON file: an array, or an object with a records list."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in api.RECORD_KEYS:
            if isinstance(document.get(key), list):
                return document[key]
    raise MetricsError(f"{label}: {RECORDS_HINT}")


class MetricsPlan:
    """Validated inputs of one run, computed on first use."""

    def __init__(
        self,
        path: str,
        billing_periods: list[str] | None,
        report: SourceReport,
        locale: str = "plain",
        timeout: float = 30.0,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.periods = {parse_month(p) for p in billing_periods} if billing_periods else None
        self.report = report
        self.locale, self.timeout = locale, timeout
        self.progress = progress or (lambda message: None)
        self.detected_at = datetime.now(UTC)
        self.reader: MetricsReader | None = None
        self._chosen: dict[tuple[date, str, str], tuple[Input, UnitStats]] | None = None
        self._quarantined: list[tuple[Input, str]] = []

    def stage(self, item: Input) -> None:
        """Stage one input in the reader (CSV through DuckDB, JSON through records)."""
        assert self.reader is not None
        if api.is_url(item.location):
            records, item.checksum = api.fetch(item.location, self.timeout)
            item.table = self.reader.stage_records(records, item.label)
            return
        data = Path(item.location).read_bytes()
        item.checksum = hashlib.md5(data, usedforsecurity=False).hexdigest()
        if item.location.lower().endswith(".json"):
            try:
                document = json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
            except (UnicodeDecodeError, ValueError) as error:
                raise MetricsError(f"{item.label}: not valid JSON ({error})") from error
            item.table = self.reader.stage_records(records_of(document, item.label), item.label)
        else:
            item.table = self.reader.stage_csv(item.location, item.label)

    def inputs(self) -> list[Input]:
        """Inputs named by the path (an API URL, a file or a folder)."""
        if api.is_url(self.path):
            return [Input(self.path, self.path, self.detected_at.timestamp())]
        files = files_under(self.path, SUFFIXES)
        root = Path(self.path)
        return [
            Input(str(f.relative_to(root)) if root.is_dir() else str(f), str(f), f.stat().st_mtime)
            for f in files
        ]

    def chosen(self) -> dict[tuple[date, str, str], tuple[Input, UnitStats]]:
        """The newest valid input of every unit in the requested months."""
        if self._chosen is not None:
            return self._chosen
        self.reader = MetricsReader(self.locale)
        self.report.root = self.path
        self._chosen = {}
        items = self.inputs()
        if not items:
            self.report.notes.append(f"{self.path}: no business metric files found")
        for item in items:
            try:
                self.stage(item)
                noun = (
                    "record" if not item.location.lower().endswith((".csv", ".csv.gz")) else "row"
                )
                item.units = self.reader.validate(item.table, item.label, noun)
            except MetricsError as error:
                self.report.quarantine(item.location, str(error))
                self._quarantined.append((item, str(error)))
                self.progress(f"quarantined {item.label}: {error}")
                continue
            self.progress(f"validated {item.label}: {sum(u.rows for u in item.units)} values")
            for unit in item.units:
                if self.periods is not None and unit.billing_period not in self.periods:
                    continue
                key = (unit.billing_period, unit.product, unit.metric)
                previous = self._chosen.get(key)
                if previous is not None:
                    older, newer = sorted(
                        [previous, (item, unit)], key=lambda p: (p[0].modified, p[0].label)
                    )
                    self.report.notes.append(
                        f"{key[0]:%Y-%m} {key[1]} {key[2]}: in {older[0].label} and "
                        f"{newer[0].label}; kept {newer[0].label}"
                    )
                    self._chosen[key] = newer
                else:
                    self._chosen[key] = (item, unit)
        for (_, _, _), (item, unit) in sorted(self._chosen.items()):
            self.report.loaded.append(
                LoadedUnit(
                    unit.billing_period,
                    f"{unit.product}|{unit.metric}",
                    unit.rows,
                    unit.total,
                    (item.label,),
                )
            )
        return self._chosen

    def tables(self) -> Iterator[pa.Table]:
        """Raw rows of the chosen units, one Arrow table per input."""
        by_input: dict[int, tuple[Input, set[tuple[date, str, str]]]] = {}
        for key, (item, _) in self.chosen().items():
            by_input.setdefault(id(item), (item, set()))[1].add(key)
        assert self.reader is not None
        for item, keys in by_input.values():
            lineage = {"x_export_id": item.checksum, "x_source_file": item.label}
            yield self.reader.arrow(item.table, keys, lineage)
            self.progress(f"extracted {item.label}")

    def load_records(self) -> list[dict[str, Any]]:
        """`loads` rows: one per replaced unit and one per quarantined input."""
        rows = []
        for (period, product, metric), (item, unit) in sorted(self.chosen().items()):
            rows.append(
                self._load(
                    period,
                    f"{product}|{metric}",
                    item,
                    unit.rows,
                    "loaded",
                    unit.total,
                    unit.unit,
                    None,
                )
            )
        for item, reason in self._quarantined:
            rows.append(self._load(None, item.label, item, 0, "quarantined", None, None, reason))
        return rows

    def _load(
        self,
        period: date | None,
        key: str,
        item: Input,
        count: int,
        status: str,
        total: Decimal | None,
        unit: str | None,
        error: str | None,
    ) -> dict[str, Any]:
        return {
            "billing_period": period,
            "unit_key": key,
            "status": status,
            "source_file": item.label,
            "checksum": item.checksum or None,
            "row_count": count,
            "cost_total": total,
            "currency": unit,
            "error": error,
            "detected_at": self.detected_at,
        }

    def months(self) -> list[str]:
        """Months with readable dates in any input (unvalidated; for planning only)."""
        self.reader = MetricsReader(self.locale)
        found: set[str] = set()
        try:
            for item in self.inputs():
                try:
                    self.stage(item)
                    found |= self.reader.months(item.table)
                except MetricsError:
                    continue
        finally:
            self.close()
        return sorted(found)

    def close(self) -> None:
        """Release the DuckDB session."""
        if self.reader is not None:
            self.reader.close()
