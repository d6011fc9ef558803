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

from .discovery import Delivery, FocusFile, LoadError, discover, open_root
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
    ) -> None:
        self.path = path
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
        fs, root = open_root(self.path, self.storage_options)
        self.report.root = self.path
        self.reader = FocusReader(
            fs, self.locale, self.focus_version, self.memory_limit, self.threads
        )
        deliveries, notes = discover(fs, root)
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
                    tuple(file.relative_path for file, _ in parts),
                )
            )

    def _validate(self, delivery: Delivery, seen: dict[str, str]) -> None:
        assert self.reader is not None
        found: list[tuple[FocusFile, dict[UnitKey, UnitStats]]] = []
        for file in delivery.files:
            if file.md5 in seen:
                self._refuse(
                    file,
                    f"{file.relative_path}: same content (MD5) as {seen[file.md5]}; "
                    "a duplicated file is not loaded twice",
                )
                continue
            seen[file.md5] = file.relative_path
            try:
                info = self.reader.validate(file, delivery.period)
            except LoadError as error:
                self.reader.release(file)
                self._refuse(file, str(error))
                for other, _ in found:  # the rest of a partition must not replace it alone
                    self._refuse(other, f"{other.relative_path}: not loaded: {error}")
                for other in delivery.files[delivery.files.index(file) + 1 :]:
                    self._refuse(other, f"{other.relative_path}: not loaded: {error}")
                return
            self.report.notes.extend(info.notes)
            found.append((file, info.units))
            self.progress(f"validated {file.relative_path}")
        for file, units in found:
            kept = {k: u for k, u in units.items() if self.periods is None or k[0] in self.periods}
            if not kept:
                continue
            self.accepted.append((file, delivery))
            for key, stats in kept.items():
                self.units.setdefault(key, []).append((file, stats))

    def _refuse(self, file: FocusFile, reason: str) -> None:
        self.refused.append((file, reason))
        self.report.quarantine(file.relative_path, reason)
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
            self.progress(f"extracted {file.relative_path}")

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
                    "source_file": ", ".join(f.relative_path for f in files),
                    "checksum": files[0].md5 if len(files) == 1 else _combined(files),
                    "row_count": sum(stats.rows for _, stats in parts),
                    "cost_total": sum((stats.billed_total for _, stats in parts), Decimal(0)),
                    "currency": ",".join(currencies) or None,
                    "error": None,
                    "detected_at": now,
                    "focus_version": ",".join(versions),
                    "files": json.dumps(
                        [{"path": f.relative_path, "md5": f.md5, "size": f.size} for f in files]
                    ),
                }
            )
        for file, reason in self.refused:
            records.append(
                {
                    "billing_period": None,
                    "unit_key": None,
                    "status": "quarantined",
                    "source_file": file.relative_path,
                    "checksum": file.md5,
                    "row_count": 0,
                    "cost_total": None,
                    "currency": None,
                    "error": reason,
                    "detected_at": now,
                    "focus_version": None,
                    "files": json.dumps(
                        [{"path": file.relative_path, "md5": file.md5, "size": file.size}]
                    ),
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
