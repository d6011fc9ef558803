"""Decide what one ingestion run loads: discover deliveries, validate them, keep the good ones.

Validation finishes before any row is handed to dlt, so a bad file never half-loads a month:
the delivery it belongs to is quarantined with the reason, and every other delivery loads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import fsspec

from .discovery import DataFile, Delivery, DeliveryError, discover, open_root
from .reader import ExportReader, UnitStats


def parse_billing_period(value: str | date) -> date:
    """Accept `2025-01`, `2025-01-01` or a date; return the first day of the month."""
    if isinstance(value, date):
        return value.replace(day=1)
    text = value.strip()
    try:
        return datetime.strptime(text[:7], "%Y-%m").date()
    except ValueError as error:
        raise ValueError(f"billing period {value!r} is not YYYY-MM") from error


@dataclass
class Quarantined:
    """A delivery that was not loaded, and why."""

    delivery: Delivery
    reason: str


@dataclass
class IngestReport:
    """What a run found, loaded and refused; filled in as the run goes."""

    root: str = ""
    loaded: list[tuple[Delivery, UnitStats]] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Rows accepted for loading."""
        return sum(unit.row_count for _, unit in self.loaded)

    @property
    def billing_periods(self) -> list[str]:
        """Billing periods loaded, as YYYY-MM."""
        return sorted({unit.billing_period.strftime("%Y-%m") for _, unit in self.loaded})

    def summary(self) -> dict[str, Any]:
        """Plain-data summary for logs, CLI output and Dagster metadata."""
        return {
            "root": self.root,
            "rows": self.rows,
            "billing_periods": self.billing_periods,
            "units_loaded": len(self.loaded),
            "quarantined": [q.reason for q in self.quarantined],
            "notes": self.notes,
        }


class ExportPlan:
    """Validated deliveries of one root, ready to stream; computed lazily on first use."""

    def __init__(
        self,
        path: str,
        billing_periods: Iterable[str | date] | None,
        report: IngestReport,
        storage_options: dict[str, Any] | None = None,
        memory_limit: str = "2GB",
        threads: int = 2,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.progress = progress or (lambda message: None)
        self.periods = (
            {parse_billing_period(p) for p in billing_periods} if billing_periods else None
        )
        self.report = report
        self.storage_options = storage_options
        self.memory_limit, self.threads = memory_limit, threads
        self._accepted: list[tuple[Delivery, dict[tuple[date, str], UnitStats]]] | None = None
        self._fs: fsspec.AbstractFileSystem | None = None
        self._reader: ExportReader | None = None
        self._written: list[str] = []

    def accepted(self) -> list[tuple[Delivery, dict[tuple[date, str], UnitStats]]]:
        """Deliveries that passed validation, with the units each one replaces."""
        if self._accepted is None:
            self._accepted = self._prepare()
        return self._accepted

    def _prepare(self) -> list[tuple[Delivery, dict[tuple[date, str], UnitStats]]]:
        self._fs, root = open_root(self.path, self.storage_options)
        self.report.root = self.path
        deliveries, notes = discover(self._fs, root)
        self.report.notes.extend(notes)
        if not deliveries:
            self.report.notes.append(f"{self.path}: no CUR manifests or data files found")
        self._reader = ExportReader(self._fs, self.memory_limit, self.threads)
        chosen: dict[tuple[date, str], tuple[Delivery, UnitStats]] = {}
        for delivery in deliveries:
            if self.periods is not None and delivery.billing_period not in (None, *self.periods):
                continue
            month = f"{delivery.billing_period:%Y-%m}" if delivery.billing_period else ""
            label = f"{delivery.export_name} {month}".strip()
            try:
                units = self._validate(delivery)
            except DeliveryError as error:
                self.report.quarantined.append(Quarantined(delivery, str(error)))
                self.progress(f"quarantined {label}: {error}")
                continue
            rows = sum(unit.row_count for unit in units.values())
            self.progress(f"validated {label}: {len(delivery.files)} file(s), {rows:,} rows")
            for key, unit in units.items():
                if self.periods is not None and key[0] not in self.periods:
                    continue
                previous = chosen.get(key)
                if previous is None or previous[0].modified <= delivery.modified:
                    if previous is not None:
                        self.report.notes.append(
                            f"{key[0]:%Y-%m} payer {key[1]}: two deliveries; kept the newer "
                            f"{delivery.export_name} ({delivery.export_id})"
                        )
                    chosen[key] = (delivery, unit)
        grouped: dict[int, tuple[Delivery, dict[tuple[date, str], UnitStats]]] = {}
        for key, (delivery, unit) in sorted(chosen.items()):
            grouped.setdefault(id(delivery), (delivery, {}))[1][key] = unit
            self.report.loaded.append((delivery, unit))
        return list(grouped.values())

    def _validate(self, delivery: Delivery) -> dict[tuple[date, str], UnitStats]:
        if delivery.problem:
            raise DeliveryError(delivery.problem)
        assert self._reader is not None
        units: dict[tuple[date, str], UnitStats] = {}
        for file in delivery.files:
            for key, stats in self._reader.validate(file, delivery).items():
                if key in units:
                    _merge(units[key], stats)
                else:
                    units[key] = stats
        if not units:
            where = delivery.manifest_uri or self.path
            raise DeliveryError(
                f"{where}: export has no rows; a billing period is never replaced by nothing"
            )
        return units

    def loader_files(
        self, directory: str, file_format: str, load_id: str
    ) -> Iterator[tuple[str, int]]:
        """Write every accepted file's rows as a dlt loader file under `directory`.

        Args:
            directory: where to write (the pipeline's folder, so dlt can hard-link the files).
            file_format: `parquet` or `csv`.
            load_id: the dlt load id stamped on every row.

        Yields:
            (path, row count) per data file.
        """
        for number, (delivery, units) in enumerate(self.accepted()):
            periods = {key[0] for key in units}
            for index, file in enumerate(delivery.files):
                target = f"{directory}/{number:05d}-{index:05d}.{file_format}"
                assert self._reader is not None
                rows = self._reader.write(file, delivery, periods, target, file_format, load_id)
                self.progress(f"extracted {file.relative_path}")
                yield target, rows

    def units(self) -> list[tuple[date, str]]:
        """(billing period, payer account) of every unit this run replaces."""
        return sorted(key for _, units in self.accepted() for key in units)

    def load_records(self) -> list[dict[str, Any]]:
        """One lineage row per loaded unit and per quarantined delivery."""
        now = datetime.now(UTC)
        records = []
        for delivery, units in self.accepted():
            files = _file_records(self._fs, delivery.files)
            for unit in units.values():
                records.append(_record(delivery, files, now, unit=unit))
        for item in self.report.quarantined:
            records.append(
                _record(
                    item.delivery, _file_records(None, item.delivery.files), now, error=item.reason
                )
            )
        return records

    def close(self) -> None:
        """Release the DuckDB session."""
        if self._reader is not None:
            self._reader.close()


def _merge(into: UnitStats, other: UnitStats) -> None:
    into.row_count += other.row_count
    into.unblended_cost_total += other.unblended_cost_total
    if other.net_unblended_cost_total is not None:
        into.net_unblended_cost_total = (
            into.net_unblended_cost_total or 0
        ) + other.net_unblended_cost_total
    into.currencies |= other.currencies


def _file_records(
    fs: fsspec.AbstractFileSystem | None, files: list[DataFile]
) -> list[dict[str, Any]]:
    records = []
    for file in files:
        record: dict[str, Any] = {
            "path": file.relative_path,
            "size": file.size,
            "version": file.version,
        }
        if fs is not None:
            digest = hashlib.md5(usedforsecurity=False)
            with fs.open(file.uri, "rb") as handle:
                for chunk in iter(lambda h=handle: h.read(8 << 20), b""):
                    digest.update(chunk)
            record["md5"] = digest.hexdigest()
        records.append(record)
    return records


def _record(
    delivery: Delivery,
    files: list[dict[str, Any]],
    now: datetime,
    unit: UnitStats | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "billing_period": unit.billing_period if unit else delivery.billing_period,
        "bill_payer_account_id": unit.payer_account_id if unit else None,
        "export_id": delivery.export_id,
        "export_kind": delivery.kind,
        "export_name": delivery.export_name,
        "source_uri": delivery.manifest_uri or (files[0]["path"] if files else None),
        "files": json.dumps(files),
        "file_count": len(files),
        "row_count": unit.row_count if unit else 0,
        "unblended_cost_total": unit.unblended_cost_total if unit else None,
        "net_unblended_cost_total": unit.net_unblended_cost_total if unit else None,
        "currency_codes": ",".join(sorted(unit.currencies)) if unit else None,
        "status": "loaded" if unit else "quarantined",
        "error": error,
        "detected_at": now,
    }
