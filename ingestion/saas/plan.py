"""What one SaaS run loads: every invoice file validated before any row goes to dlt.

Files under a local folder are read in place; files under an S3 or Azure Blob prefix
(ingestion/common/storage.py) are streamed one by one into a private temp folder (MD5 taken on
the way) and read from there; the copies of refused files are removed at once, the others when
the run ends (invoice CSVs are small).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingestion.common.report import LoadedUnit, SourceReport
from ingestion.common.storage import StorageError, open_store

from .reader import InvoiceError, InvoiceReader, UnitStats

SUFFIXES = (".csv", ".csv.gz")
UnitKey = tuple[date, str]


def parse_month(value: str | date) -> date:
    """`2025-01`, `2025-01-01` or a date -> first day of the month."""
    if isinstance(value, date):
        return value.replace(day=1)
    return datetime.strptime(value.strip()[:7], "%Y-%m").date()


class InvoicePlan:
    """Validated invoice files of one root; computed on first use."""

    def __init__(
        self,
        path: str,
        billing_periods: Iterable[str | date] | None,
        report: SourceReport,
        progress: Callable[[str], None] | None = None,
        number_locale: str = "plain",
        storage_options: dict[str, Any] | None = None,
        connection_string: str | None = None,
    ) -> None:
        self.path = path
        self.storage_options = storage_options
        self.connection_string = connection_string
        self._tmp = tempfile.TemporaryDirectory(prefix="finops-saas-")
        self.periods = {parse_month(p) for p in billing_periods} if billing_periods else None
        self.report = report
        self.progress = progress or (lambda message: None)
        self.reader = InvoiceReader(number_locale)
        self.files: list[tuple[str, str, str]] = []  # (location, relative name, md5)
        self.units: dict[UnitKey, list[tuple[str, str, UnitStats]]] = {}
        self.refused: list[tuple[str, str | None, str]] = []
        self._ready = False

    def prepare(self) -> None:
        """Find and validate the files (once)."""
        if self._ready:
            return
        self._ready = True
        store = open_store(self.path, self.storage_options, self.connection_string)
        self.report.root = self.path
        found = [o for o in store.list() if o.relative_path.lower().endswith(SUFFIXES)]
        if not found:
            self.report.notes.append(f"{self.path}: no invoice CSV files found")
        seen: dict[str, str] = {}
        for obj in found:
            name = store.lineage(obj)
            try:
                local, md5 = store.fetch(obj.key, Path(self._tmp.name))
            except StorageError as error:
                self._refuse(name, None, f"{name}: cannot be fetched: {error}")
                continue
            location = str(local)
            if obj.size == 0:
                self._refuse(name, md5, f"{name}: file is empty (0 bytes)")
                self._drop(store.remote, local)
                continue
            if md5 in seen:
                self._refuse(
                    name, md5, f"{name}: same content (MD5) as {seen[md5]}; not loaded twice"
                )
                self._drop(store.remote, local)
                continue
            seen[md5] = name
            try:
                units = self.reader.validate(location, name)
            except InvoiceError as error:
                self._refuse(name, md5, str(error))
                self._drop(store.remote, local)
                continue
            kept = {k: u for k, u in units.items() if self.periods is None or k[0] in self.periods}
            if kept:
                self.files.append((location, name, md5))
                self.progress(f"validated {name}")
            else:
                self._drop(store.remote, local)
            for key, stats in kept.items():
                self.units.setdefault(key, []).append((name, md5, stats))
        for key, parts in sorted(self.units.items()):
            self.report.loaded.append(
                LoadedUnit(
                    key[0],
                    key[1],
                    sum(s.rows for *_, s in parts),
                    sum((s.amount_total for *_, s in parts), Decimal(0)),
                    tuple(name for name, *_ in parts),
                )
            )
            currencies = set().union(*(s.currencies for *_, s in parts))
            if len(currencies) > 1:
                self.report.notes.append(
                    f"{key[0]:%Y-%m} {key[1]}: several currencies ({', '.join(sorted(currencies))})"
                )

    @staticmethod
    def _drop(remote: bool, local: Path) -> None:
        """Remove the temp copy of a remote file that will not be read again."""
        if remote:
            local.unlink(missing_ok=True)

    def _refuse(self, name: str, md5: str | None, reason: str) -> None:
        self.refused.append((name, md5, reason))
        self.report.quarantine(name, reason)
        self.progress(f"quarantined {reason}")

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Raw rows of every accepted file."""
        self.prepare()
        for location, name, md5 in self.files:
            yield from self.reader.batches(location, name, md5, self.periods)
            self.progress(f"extracted {name}")

    def load_records(self) -> list[dict[str, Any]]:
        """One row per loaded unit and per quarantined file."""
        self.prepare()
        now = datetime.now(UTC).replace(tzinfo=None)
        records = []
        for key, parts in sorted(self.units.items()):
            md5s = sorted(md5 for _, md5, _ in parts)
            records.append(
                {
                    "billing_period": key[0],
                    "unit_key": key[1],
                    "status": "loaded",
                    "source_file": ", ".join(name for name, *_ in parts),
                    "checksum": md5s[0]
                    if len(md5s) == 1
                    else hashlib.md5("".join(md5s).encode(), usedforsecurity=False).hexdigest(),
                    "row_count": sum(s.rows for *_, s in parts),
                    "cost_total": sum((s.amount_total for *_, s in parts), Decimal(0)),
                    "currency": ",".join(sorted(set().union(*(s.currencies for *_, s in parts))))
                    or None,
                    "error": None,
                    "detected_at": now,
                }
            )
        for name, md5, reason in self.refused:
            records.append(
                {
                    "billing_period": None,
                    "unit_key": None,
                    "status": "quarantined",
                    "source_file": name,
                    "checksum": md5,
                    "row_count": 0,
                    "cost_total": None,
                    "currency": None,
                    "error": reason,
                    "detected_at": now,
                }
            )
        return records

    def close(self) -> None:
        """Release the DuckDB session and the temp copies."""
        self.reader.close()
        self._tmp.cleanup()
