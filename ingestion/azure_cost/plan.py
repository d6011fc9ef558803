"""Decide what one run loads: discover deliveries, validate them, keep the newest per unit.

Validation finishes before any row is handed to dlt, so a bad file never half-loads a unit:
its delivery is quarantined with the reason, and every other delivery loads. The unit of
replacement is (billing period, scope, cost view): actual and amortized exports are two views
of the same charges, each replacing only its own view.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingestion.common.periods import parse_month

from ..common.report import LoadedUnit, SourceReport
from .discovery import Delivery, DeliveryError, discover
from .reader import FileReader, UnitStats
from .settings import ACTUAL, AMORTIZED, COST_VIEWS
from .storage import StoredFile, list_files


@dataclass
class Options:
    """Source options (dlt config); see the package README."""

    number_locale: str = "plain"
    date_order: str = "mdy"
    encoding: str = "utf-8"
    default_cost_view: str = ACTUAL
    header_aliases: dict[str, str] | None = None
    connection_string: str | None = None
    memory_limit: str = "2GB"
    threads: int = 2


@dataclass
class Accepted:
    """A validated delivery and the units it replaces."""

    delivery: Delivery
    view: str
    checksums: dict[str, str]
    units: dict[tuple[date, str], UnitStats] = field(default_factory=dict)


UnitKey = tuple[date, str, str]  # billing period, scope, cost view


class ExportPlan:
    """Validated deliveries under one root, ready to stream; computed on first use."""

    def __init__(
        self,
        path: str,
        billing_periods: Iterable[str | date] | None,
        report: SourceReport,
        options: Options,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        if options.default_cost_view not in COST_VIEWS:
            raise ValueError(f"default_cost_view must be one of {', '.join(COST_VIEWS)}")
        self.path, self.report, self.options = path, report, options
        self.progress = progress or (lambda message: None)
        self.periods = {parse_month(p) for p in billing_periods} if billing_periods else None
        self._accepted: list[Accepted] | None = None
        self._quarantined: list[tuple[Delivery, str, str | None]] = []
        self._reader: FileReader | None = None
        self._staging: Path | None = None

    def accepted(self) -> list[Accepted]:
        """Deliveries that passed validation, each with the units it replaces."""
        if self._accepted is None:
            self._accepted = self._prepare()
        return self._accepted

    def _prepare(self) -> list[Accepted]:
        self.report.root = self.path
        self._staging = Path(tempfile.mkdtemp(prefix="finops-azure-"))
        files = list_files(self.path, self._staging, self.options.connection_string)
        deliveries, notes = discover(files)
        self.report.notes.extend(notes)
        if not deliveries:
            self.report.notes.append(f"{self.path}: no Azure cost export files found")
        o = self.options
        self._reader = FileReader(
            o.number_locale, o.date_order, o.encoding, o.header_aliases, o.memory_limit, o.threads
        )
        seen: dict[tuple[str, str], str] = {}  # (cost view, md5) -> file already accepted
        chosen: dict[UnitKey, tuple[Accepted, UnitStats]] = {}
        for delivery in deliveries:
            if self.periods is not None and delivery.billing_period not in (None, *self.periods):
                continue
            try:
                accepted = self._validate(delivery, seen)
            except DeliveryError as error:
                self._quarantine(delivery, str(error))
                continue
            seen.update({(accepted.view, md5): r for r, md5 in accepted.checksums.items()})
            rows = sum(u.row_count for u in accepted.units.values())
            self.progress(f"validated {delivery.label}: {rows:,} rows ({accepted.view} cost)")
            for (period, scope), unit in accepted.units.items():
                if self.periods is not None and period not in self.periods:
                    continue
                key = (period, scope, accepted.view)
                previous = chosen.get(key)
                if previous is None or previous[0].delivery.modified <= delivery.modified:
                    if previous is not None:
                        self.report.notes.append(
                            f"{period:%Y-%m} {scope} ({accepted.view}): superseded "
                            f"{previous[0].delivery.label} by the newer {delivery.label}"
                        )
                    chosen[key] = (accepted, unit)
        return self._group(chosen)

    def _validate(self, delivery: Delivery, seen: dict[tuple[str, str], str]) -> Accepted:
        if delivery.problem:
            raise DeliveryError(delivery.problem)
        assert self._reader is not None
        checksums: dict[str, str] = {}
        for file in delivery.files:
            md5 = _md5(file)
            if md5 in checksums.values():
                first = next(r for r, m in checksums.items() if m == md5)
                raise DeliveryError(
                    f"{file.relative_path}: duplicate file, same content (md5 {md5}) as {first}"
                )
            checksums[file.relative_path] = md5
        accepted = Accepted(delivery, ACTUAL, checksums)
        for file in delivery.files:
            stats = self._reader.validate(file, delivery)
            expected = delivery.expected_rows.get(file.relative_path)
            found = sum(u.row_count for u in stats.values())
            if expected is not None and expected != found:
                raise DeliveryError(
                    f"{file.relative_path}: manifest {delivery.label} lists {expected} rows, the "
                    f"file has {found} (truncated or replaced file)"
                )
            for key, unit in stats.items():
                _merge(accepted.units.setdefault(key, UnitStats(*key)), unit)
        if not accepted.units:
            self.report.notes.append(
                f"{delivery.label}: empty export (header only, no charges); nothing replaced"
            )
            raise DeliveryError(
                f"{delivery.label}: export has no rows (header only): an empty export never "
                "replaces a billing period"
            )
        accepted.view = delivery.cost_view or self._infer_view(delivery, accepted)
        # the same bytes in the other view are expected (usage without commitments is
        # identical in actual and amortized data); within one view they are a copy
        for rel, md5 in checksums.items():
            if (accepted.view, md5) in seen:
                raise DeliveryError(
                    f"{rel}: duplicate file, same content (md5 {md5}) as "
                    f"{seen[(accepted.view, md5)]} ({accepted.view} cost)"
                )
        return accepted

    def _infer_view(self, delivery: Delivery, accepted: Accepted) -> str:
        """The view of an export that does not say: Azure puts unused-commitment rows and
        commitment usage with a cost only in amortized data, commitment purchases only in
        actual data; without either, the configured default."""
        amortized = sum(u.amortized_signs for u in accepted.units.values())
        actual = sum(u.actual_signs for u in accepted.units.values())
        if amortized and not actual:
            view, why = AMORTIZED, "it has unused-commitment or commitment-usage cost rows"
        elif actual and not amortized:
            view, why = ACTUAL, "it has commitment purchase rows"
        else:
            view, why = self.options.default_cost_view, "default_cost_view"
        self.report.notes.append(f"{delivery.label}: cost view not named; read as {view} ({why})")
        return view

    def _quarantine(self, delivery: Delivery, reason: str) -> None:
        self.report.quarantine(delivery.label, reason)
        checksum = None
        if len(delivery.files) == 1 and delivery.files[0].local_path.exists():
            checksum = _md5(delivery.files[0])
        self._quarantined.append((delivery, reason, checksum))
        self.progress(f"quarantined {delivery.label}: {reason}")

    def _group(self, chosen: dict[UnitKey, tuple[Accepted, UnitStats]]) -> list[Accepted]:
        grouped: dict[int, Accepted] = {}
        views: dict[tuple[date, str], set[str]] = {}
        for (period, scope, view), (accepted, unit) in sorted(chosen.items()):
            target = grouped.setdefault(
                id(accepted), Accepted(accepted.delivery, accepted.view, accepted.checksums)
            )
            target.units[(period, scope)] = unit
            views.setdefault((period, scope), set()).add(view)
            self.report.loaded.append(
                LoadedUnit(
                    period,
                    _unit_key(period, scope, view),
                    unit.row_count,
                    unit.cost_total,
                    tuple(accepted.checksums),
                )
            )
        for (period, scope), present in sorted(views.items()):
            if len(present) == 1:
                view = next(iter(present))
                missing = "effective (amortized)" if view == ACTUAL else "billed (actual)"
                self.report.notes.append(
                    f"{period:%Y-%m} {scope}: only the {view} cost export was loaded in this run; "
                    f"{missing} cost is unavailable (null in silver) until its export is loaded"
                )
        return list(grouped.values())

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Raw rows of every accepted delivery, one Arrow batch at a time."""
        for accepted in self.accepted():
            assert self._reader is not None
            for file in accepted.delivery.files:
                yield from self._reader.batches(
                    file, accepted.delivery, accepted.view, set(accepted.units)
                )
                self.progress(f"extracted {file.relative_path}")

    def load_records(self) -> list[dict[str, Any]]:
        """One `loads` row per replaced unit and per quarantined delivery."""
        now = datetime.now(UTC).replace(tzinfo=None)
        records = []
        for accepted in self.accepted():
            d = accepted.delivery
            checksum = _combined(accepted.checksums)
            for (period, scope), unit in accepted.units.items():
                records.append(
                    {
                        "billing_period": period,
                        "unit_key": _unit_key(period, scope, accepted.view),
                        "status": "loaded",
                        "source_file": d.label,
                        "checksum": checksum,
                        "row_count": unit.row_count,
                        "cost_total": unit.cost_total,
                        "currency": ",".join(sorted(unit.currencies)) or None,
                        "error": None,
                        "detected_at": now,
                        "scope_id": scope,
                        "cost_view": accepted.view,
                        "export_id": d.export_id,
                        "export_name": d.export_name,
                        "data_version": d.data_version,
                        "file_count": len(d.files),
                    }
                )
        for d, reason, checksum in self._quarantined:
            records.append(
                {
                    "billing_period": d.billing_period,
                    "unit_key": None,
                    "status": "quarantined",
                    "source_file": d.label,
                    "checksum": checksum,
                    "row_count": 0,
                    "cost_total": None,
                    "currency": None,
                    "error": reason,
                    "detected_at": now,
                    "scope_id": d.scope_id,
                    "cost_view": d.cost_view,
                    "export_id": d.export_id,
                    "export_name": d.export_name,
                    "data_version": d.data_version,
                    "file_count": len(d.files),
                }
            )
        return records

    def close(self) -> None:
        """Release the DuckDB session and staged blobs."""
        if self._reader is not None:
            self._reader.close()
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)


def _unit_key(period: date, scope: str, view: str) -> str:
    return f"{period:%Y-%m}|{scope}|{view}"


def _merge(into: UnitStats, other: UnitStats) -> None:
    into.row_count += other.row_count
    into.cost_total += other.cost_total
    into.currencies |= other.currencies
    into.amortized_signs += other.amortized_signs
    into.actual_signs += other.actual_signs


def _md5(file: StoredFile) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with file.local_path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(8 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _combined(checksums: dict[str, str]) -> str:
    """The file's md5, or for several files the md5 of their sorted `path:md5` lines."""
    if len(checksums) == 1:
        return next(iter(checksums.values()))
    lines = "\n".join(f"{p}:{m}" for p, m in sorted(checksums.items()))
    return hashlib.md5(lines.encode(), usedforsecurity=False).hexdigest()
