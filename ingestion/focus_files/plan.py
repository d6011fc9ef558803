"""Decide what one run loads: discover files, validate them, quarantine the bad ones.

Validation finishes before any row is handed to dlt, so a bad file never half-replaces a unit.
A unit of replacement is (billing period, billing account, provider); every file of the run
that holds rows of a unit is loaded into it together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from ingestion.common.report import LoadedUnit, SourceReport
from ingestion.common.storage import open_store

from .discovery import Delivery, FocusFile, LoadError, discover
from .reader import FocusReader, UnitStats

UnitKey = tuple[date, str, str]


def parse_month(value: str | date) -> date:
    """`2025-01`, `2025-01-01` or a date -> first day of the month."""
    if isinstance(value, date):
        return value.replace(day=1)
    return datetime.strptime(value.strip()[:7], "%Y-%m").date()


def unit_label(key: UnitKey) -> str:
    """`<account>|<provider>`: the unit key text of the loads table."""
    return f"{key[1]}|{key[2]}"


class FocusPlan:
    """Validated FOCUS files of one root; computed on first use."""

    def __init__(
        self,
        path: str,
        billing_periods: Iterable[str | date] | None,
        report: SourceReport,
        progress: Callable[[str], None] | None = None,
        number_locale: str = "plain",
        focus_version: str | None = None,
        storage_options: dict[str, Any] | None = None,
        memory_limit: str = "2GB",
        threads: int = 2,
        connection_string: str | None = None,
    ) -> None:
        self.path = path
        self.connection_string = connection_string
        self.periods = {parse_month(p) for p in billing_periods} if billing_periods else None
        self.report = report
        self.progress = progress or (lambda message: None)
        self.locale = number_locale
        self.focus_version = focus_version
        self.storage_options = storage_options
        self.memory_limit, self.threads = memory_limit, threads
        self.reader: FocusReader | None = None
        self.accepted: list[tuple[FocusFile, Delivery]] = []
        self.units: dict[UnitKey, list[tuple[FocusFile, UnitStats]]] = {}
        self.refused: list[tuple[FocusFile, str]] = []
        self._ready = False

    def prepare(self) -> None:
        """Discover and validate (once)."""
        if self._ready:
            return
        self._ready = True
        store = open_store(self.path, self.storage_options, self.connection_string)
        self.report.root = self.path
        self.reader = FocusReader(
            store, self.locale, self.focus_version, self.memory_limit, self.threads
        )
        deliveries, notes = discover(store)
        self.report.notes.extend(notes)
        if not deliveries:
            self.report.notes.append(f"{self.path}: no FOCUS files (csv, csv.gz, parquet) found")
        seen: dict[str, str] = {}
        for delivery in deliveries:
            if self.periods is not None and delivery.period not in (None, *self.periods):
                continue
            self._validate(delivery, seen)
        for key, parts in sorted(self.units.items()):
            self.report.loaded.append(
                LoadedUnit(
                    key[0],
                    unit_label(key),
                    sum(stats.rows for _, stats in parts),
                    sum((stats.billed_total for _, stats in parts), Decimal(0)),
                    tuple(file.name for file, _ in parts),
                )
            )

    def _validate(self, delivery: Delivery, seen: dict[str, str]) -> None:
        assert self.reader is not None
        if delivery.problem is not None:  # a broken manifest: its month cannot be told
            if delivery.manifest is not None:
                self._refuse(delivery.manifest, delivery.problem)
            for file in delivery.files:
                self._refuse(file, f"{file.name}: not loaded: {delivery.problem}")
            return
        found: list[tuple[FocusFile, dict[UnitKey, UnitStats]]] = []
        for index, file in enumerate(delivery.files):
            try:
                self.reader.fetch(file)
            except LoadError as error:
                self._fail(delivery, index, error, found)
                return
            if file.md5 in seen:
                self.reader.release(file)
                self._refuse(
                    file,
                    f"{file.name}: same content (MD5) as {seen[file.md5]}; "
                    "a duplicated file is not loaded twice",
                )
                continue
            seen[file.md5] = file.name
            try:
                info = self.reader.validate(file, delivery.period)
            except LoadError as error:
                self._fail(delivery, index, error, found)
                return
            self.report.notes.extend(info.notes)
            found.append((file, info.units))
            self.progress(f"validated {file.name}")
        for file, units in found:
            kept = {k: u for k, u in units.items() if self.periods is None or k[0] in self.periods}
            if not kept:
                self.reader.release(file)
                continue
            self.accepted.append((file, delivery))
            for key, stats in kept.items():
                self.units.setdefault(key, []).append((file, stats))

    def _fail(
        self,
        delivery: Delivery,
        index: int,
        error: LoadError,
        found: list[tuple[FocusFile, dict[UnitKey, UnitStats]]],
    ) -> None:
        """Refuse a bad file and the rest of its delivery, which must not replace it alone."""
        assert self.reader is not None
        file = delivery.files[index]
        self.reader.release(file)
        self._refuse(file, str(error))
        for other, _ in found:
            self.reader.release(other)
            self._refuse(other, f"{other.name}: not loaded: {error}")
        for other in delivery.files[index + 1 :]:
            self._refuse(other, f"{other.name}: not loaded: {error}")

    def _refuse(self, file: FocusFile, reason: str) -> None:
        self.refused.append((file, reason))
        self.report.quarantine(file.name, reason)
        self.progress(f"quarantined {reason}")

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Raw rows of every accepted file."""
        self.prepare()
        assert self.reader is not None
        for file, delivery in self.accepted:
            reader = self.reader.batches(file, delivery.period, file.md5)
            for batch in reader:
                if self.periods is not None:
                    batch = _only_periods(batch, self.periods)
                yield batch
            self.progress(f"extracted {file.name}")

    def load_records(self) -> list[dict[str, Any]]:
        """One row per loaded unit and per quarantined file."""
        self.prepare()
        now = datetime.now(UTC).replace(tzinfo=None)
        records = []
        for key, parts in sorted(self.units.items()):
            files = [file for file, _ in parts]
            versions = sorted({self._version(file) for file in files})
            currencies = sorted(set().union(*(stats.currencies for _, stats in parts)))
            records.append(
                {
                    "billing_period": key[0],
                    "unit_key": unit_label(key),
                    "status": "loaded",
                    "source_file": ", ".join(f.name for f in files),
                    "checksum": files[0].md5 if len(files) == 1 else _combined(files),
                    "row_count": sum(stats.rows for _, stats in parts),
                    "cost_total": sum((stats.billed_total for _, stats in parts), Decimal(0)),
                    "currency": ",".join(currencies) or None,
                    "error": None,
                    "detected_at": now,
                    "focus_version": ",".join(versions),
                    "files": json.dumps(
                        [{"path": f.name, "md5": f.md5, "size": f.size} for f in files]
                    ),
                }
            )
        for file, reason in self.refused:
            records.append(
                {
                    "billing_period": None,
                    "unit_key": None,
                    "status": "quarantined",
                    "source_file": file.name,
                    "checksum": file.md5,
                    "row_count": 0,
                    "cost_total": None,
                    "currency": None,
                    "error": reason,
                    "detected_at": now,
                    "focus_version": None,
                    "files": json.dumps([{"path": file.name, "md5": file.md5, "size": file.size}]),
                }
            )
        return records

    def _version(self, file: FocusFile) -> str:
        assert self.reader is not None
        return self.reader.info[file.uri].layout.version.version

    def close(self) -> None:
        """Release the DuckDB session."""
        if self.reader is not None:
            self.reader.close()


def _combined(files: list[FocusFile]) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for md5 in sorted(f.md5 for f in files):
        digest.update(md5.encode())
    return digest.hexdigest()


def _only_periods(batch: pa.RecordBatch, periods: set[date]) -> pa.RecordBatch:
    import pyarrow.compute as pc

    mask = pc.is_in(batch.column("billing_period"), value_set=pa.array(sorted(periods)))
    return batch.filter(mask)
