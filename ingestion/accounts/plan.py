"""What one accounts run reads: each configured location becomes hierarchy snapshots (units).

`path` lists one or more locations separated by commas:
- `aws-organizations://`, `azure-management-groups://<groupId>`, `gcp-resource-manager://[?query=]`
  read the provider APIs;
- a JSON file or a folder of them holds the same documents (AWS snapshot, Azure group tree and
  subscription list, GCP projects.search with folders), and CSV files are overrides.

A unit of replacement is (x_source, x_source_key): one source kind read from one configured
location. A location or file that fails is quarantined with the reason; the others still load.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ingestion.common.report import LoadedUnit, SourceReport

from . import aws_org, azure_mg, gcp_rm
from .overrides import SOURCE as OVERRIDE_SOURCE
from .overrides import read_overrides
from .records import Snapshot, SnapshotError


@dataclass
class Options:
    """Endpoints and limits of the API readers."""

    aws_endpoint: str | None = None
    azure_endpoint: str = azure_mg.DEFAULT_ENDPOINT
    gcp_endpoint: str = gcp_rm.DEFAULT_ENDPOINT
    timeout: float = 30.0


@dataclass
class Unit:
    """Rows of one (x_source, x_source_key) unit, or why it was refused."""

    source: str
    key: str
    files: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    checksums: list[str] = field(default_factory=list)


def split_locations(path: str) -> list[str]:
    """The comma-separated locations of `path`, trimmed, empty ones dropped."""
    return [part.strip() for part in path.split(",") if part.strip()]


class HierarchyPlan:
    """Reads every location once, on first use (the source stays lazy until iterated)."""

    def __init__(
        self,
        path: str,
        report: SourceReport,
        options: Options,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.report = report
        self.options = options
        self.progress = progress or (lambda message: None)
        self.detected_at = datetime.now(UTC)
        self._units: list[Unit] | None = None
        self._loads: list[dict[str, Any]] = []

    def units(self) -> list[Unit]:
        """Accepted units with their rows."""
        if self._units is None:
            self.report.root = self.path
            self._units = []
            for location in split_locations(self.path):
                self._units += self._read_location(location)
            self._units = [u for u in self._units if u.rows]
            for unit in self._units:
                self._record(unit, None)
        return self._units

    def rows(self) -> list[dict[str, Any]]:
        """Every raw `accounts` row of the accepted units, with the unit key."""
        return [row | {"x_source_key": u.key} for u in self.units() for row in u.rows]

    def load_records(self) -> list[dict[str, Any]]:
        """`loads` rows: one per accepted unit and per quarantined file or location."""
        self.units()
        return self._loads

    # reading ------------------------------------------------------------------------------

    def _read_location(self, location: str) -> list[Unit]:
        options = self.options
        try:
            if location.startswith(aws_org.SCHEME):
                document = aws_org.fetch(location, options.aws_endpoint)
                snapshot = aws_org.parse(document, location)
            elif location.startswith(azure_mg.SCHEME):
                snapshot = azure_mg.fetch(location, options.azure_endpoint, options.timeout)
            elif location.startswith(gcp_rm.SCHEME):
                snapshot = gcp_rm.fetch(location, options.gcp_endpoint, options.timeout)
            else:
                # a folder is one unit whatever spelling the config uses for it
                return self._read_files(str(Path(location).resolve()))
            return [self._unit(snapshot, location, [location])]
        except SnapshotError as error:
            self._quarantine(location, location, str(error))
            return []

    def _unit(self, snapshot: Snapshot, key: str, files: list[str]) -> Unit:
        if not snapshot.leaves:
            raise SnapshotError(
                f"{snapshot.location}: no accounts found; a hierarchy is never replaced by nothing"
            )
        rows = snapshot.rows(self.detected_at)
        self.progress(f"read {snapshot.source} from {snapshot.location}: {len(rows)} accounts")
        return Unit(snapshot.source, key, files, rows, [snapshot.checksum])

    def _read_files(self, location: str) -> list[Unit]:
        root = Path(location)
        if not root.exists():
            self._quarantine(location, location, f"{location}: no such file or folder")
            return []
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        units: dict[str, Unit] = {}
        azure: dict[str, Any] = {"tree": None, "subscriptions": None, "files": [], "data": b""}
        for file in files:
            name = str(file)
            suffix = file.suffix.lower()
            if suffix not in (".csv", ".json"):
                self.report.notes.append(f"{name}: ignored (not .csv or .json)")
                continue
            data = file.read_bytes()
            try:
                if suffix == ".csv":
                    rows = read_overrides(data, name, self.detected_at)
                    unit = units.setdefault(OVERRIDE_SOURCE, Unit(OVERRIDE_SOURCE, location))
                    unit.rows += rows
                    unit.files.append(name)
                    unit.checksums.append(_md5(data))
                    self.progress(f"read overrides {name}: {len(rows)} rows")
                    continue
                document = _json(data, name)
                if aws_org.is_snapshot(document):
                    snapshot = aws_org.parse(document, name)
                elif gcp_rm.is_snapshot(document):
                    snapshot = gcp_rm.parse(document, name)
                elif azure_mg.is_group_tree(document) or azure_mg.is_subscription_list(document):
                    part = "tree" if azure_mg.is_group_tree(document) else "subscriptions"
                    if azure[part] is not None:
                        raise SnapshotError(f"{name}: a second Azure {part} document in {location}")
                    pair = (document, None) if part == "tree" else (None, document)
                    azure_mg.parse(name, *pair)  # validates the document on its own
                    azure[part] = document
                    azure["files"].append(name)
                    azure["data"] += data
                    continue
                else:
                    raise SnapshotError(
                        f"{name}: not a known hierarchy document (AWS snapshot with 'Accounts', "
                        "Azure management group or subscription list, GCP projects.search)"
                    )
                snapshot.checksum = _md5(data)
                self._add(units, self._unit(snapshot, location, [name]))
            except SnapshotError as error:
                self._quarantine(location, name, str(error))
        if azure["files"]:
            label = ", ".join(azure["files"])
            try:
                snapshot = azure_mg.parse(label, azure["tree"], azure["subscriptions"])
                snapshot.checksum = _md5(azure["data"])
                self._add(units, self._unit(snapshot, location, azure["files"]))
            except SnapshotError as error:
                self._quarantine(location, label, str(error))
        return list(units.values())

    def _add(self, units: dict[str, Unit], unit: Unit) -> None:
        existing = units.setdefault(unit.source, Unit(unit.source, unit.key))
        existing.rows += unit.rows
        existing.files += unit.files
        existing.checksums += unit.checksums

    # bookkeeping --------------------------------------------------------------------------

    def _quarantine(self, key: str, where: str, reason: str) -> None:
        self.report.quarantine(where, reason)
        self.progress(f"quarantined {where}: {reason}")
        self._loads.append(self._load_row(key, where, None, 0, "quarantined", reason))

    def _record(self, unit: Unit, error: str | None) -> None:
        checksum = (
            unit.checksums[0]
            if len(unit.checksums) == 1
            else hashlib.md5("".join(unit.checksums).encode(), usedforsecurity=False).hexdigest()
        )
        unit_key = f"{unit.source}:{unit.key}"
        self.report.loaded.append(
            LoadedUnit(self._period(), unit_key, len(unit.rows), None, tuple(unit.files))
        )
        self._loads.append(
            self._load_row(
                unit.key, ", ".join(unit.files), checksum, len(unit.rows), "loaded", error, unit_key
            )
        )

    def _period(self) -> date:
        return date(self.detected_at.year, self.detected_at.month, 1)

    def _load_row(
        self,
        key: str,
        source_file: str,
        checksum: str | None,
        rows: int,
        status: str,
        error: str | None,
        unit_key: str | None = None,
    ) -> dict[str, Any]:
        return {
            "billing_period": self._period(),
            "unit_key": unit_key or key,
            "status": status,
            "source_file": source_file,
            "checksum": checksum,
            "row_count": rows,
            "cost_total": None,
            "currency": None,
            "error": error,
            "detected_at": self.detected_at,
        }


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _json(data: bytes, name: str) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise SnapshotError(f"{name}: not valid JSON ({error})") from error
