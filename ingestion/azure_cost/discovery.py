"""Group export files into deliveries: what one export run wrote for one billing period.

Layouts (Microsoft Cost Management exports):
- Partitioned exports: `<path>/<export>/<YYYYMMDD-YYYYMMDD>/<runId>/` holding `_manifest.json`
  (exportConfig: exportName, resourceId, dataVersion, type ActualCost | AmortizedCost;
  runInfo: runId, submittedTime, startDate, endDate; blobs: blobName, byteCount,
  dataRowCount) and `part_<n>_<nnnn>.csv[.gz]` or `.parquet` files. The manifest lists the run.
- Older / unpartitioned exports: `<path>/<export>/<YYYYMMDD-YYYYMMDD>/<export>_<guid>.csv`, one
  file per run; with "create new report" several runs of a month sit side by side.
- Anything else (a downloaded file, a folder of files): one delivery per file.
When two deliveries carry the same unit (billing period, scope, cost view), the newer one wins.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

from .settings import ACTUAL, AMORTIZED, DATA_SUFFIXES, MANIFEST_NAME
from .storage import StoredFile

_RANGE = re.compile(r"^(\d{4})(\d{2})(\d{2})-(\d{8})$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SCOPE = re.compile(r"^(?P<scope>.*?)/providers/Microsoft\.CostManagement/exports/", re.I)
_VIEW_TYPES = {"actualcost": ACTUAL, "usage": ACTUAL, "amortizedcost": AMORTIZED}


class DeliveryError(Exception):
    """A delivery that cannot be loaded; the message names the file (and row, column)."""


@dataclass
class Delivery:
    """The files one export run wrote (or one loose file)."""

    kind: str  # manifest | run-folder | file
    export_id: str  # runId, run folder name, or the file's path and version
    export_name: str
    label: str  # relative path shown in messages and recorded as source_file
    billing_period: date | None = None  # None: taken from the rows
    cost_view: str | None = None  # None: inferred from the rows, then the default
    scope_id: str | None = None  # None: billing account (or subscription) of each row
    data_version: str | None = None
    files: list[StoredFile] = field(default_factory=list)
    expected_rows: dict[str, int] = field(default_factory=dict)  # relative path -> rows
    modified: float = 0.0
    problem: str | None = None


def is_data_file(rel: str) -> bool:
    """True for CSV / gzip CSV / parquet files."""
    name = rel.lower().rsplit("/", 1)[-1]
    return name.endswith(DATA_SUFFIXES) and not name.startswith(("_", "."))


def view_from_path(rel: str) -> str | None:
    """Cost view named in a path (`...amortized...` / `...actual...`), or None."""
    lowered = rel.lower()
    if "amortized" in lowered or "amortised" in lowered:
        return AMORTIZED
    if "actual" in lowered:
        return ACTUAL
    return None


def period_from_path(rel: str) -> date | None:
    """Billing period of an export's `YYYYMMDD-YYYYMMDD` folder, or None."""
    for part in PurePosixPath(rel).parts[:-1]:
        match = _RANGE.match(part)
        if match:
            return date(int(match[1]), int(match[2]), 1)
    return None


def discover(files: list[StoredFile]) -> tuple[list[Delivery], list[str]]:
    """Deliveries among the files, and notes about files that were skipped."""
    notes: list[str] = []
    deliveries: list[Delivery] = []
    claimed: set[str] = set()
    data = [f for f in files if is_data_file(f.relative_path)]
    for manifest in (f for f in files if f.relative_path.rsplit("/", 1)[-1] == MANIFEST_NAME):
        delivery = _manifest_delivery(manifest, data)
        claimed.update(f.relative_path for f in delivery.files)
        folder = manifest.relative_path.rpartition("/")[0]
        # data files beside a manifest belong to its run even when it does not list them
        claimed.update(
            f.relative_path for f in data if f.relative_path.rpartition("/")[0] == folder
        )
        deliveries.append(delivery)
    run_folders: dict[str, list[StoredFile]] = {}
    for file in data:
        if file.relative_path in claimed:
            continue
        parts = PurePosixPath(file.relative_path).parts
        if len(parts) >= 3 and _GUID.match(parts[-2]) and _RANGE.match(parts[-3]):
            run_folders.setdefault("/".join(parts[:-1]), []).append(file)
        else:
            deliveries.append(_file_delivery(file))
    for folder, members in sorted(run_folders.items()):
        parts = PurePosixPath(folder).parts
        deliveries.append(
            Delivery(
                "run-folder",
                parts[-1],
                parts[-3] if len(parts) >= 3 else parts[0],
                folder,
                period_from_path(f"{folder}/x"),
                view_from_path(folder),
                files=members,
                modified=max(m.modified for m in members),
            )
        )
    skipped = [
        f.relative_path
        for f in files
        if not is_data_file(f.relative_path) and not f.relative_path.endswith(MANIFEST_NAME)
    ]
    if skipped:
        notes.append(f"ignored {len(skipped)} file(s) that are not exports, e.g. {skipped[0]}")
    return sorted(deliveries, key=lambda d: d.label), notes


def _file_delivery(file: StoredFile) -> Delivery:
    rel = file.relative_path
    parts = PurePosixPath(rel).parts
    in_range = len(parts) >= 2 and _RANGE.match(parts[-2])
    name = parts[-3] if in_range and len(parts) >= 3 else PurePosixPath(rel).name.split(".")[0]
    return Delivery(
        "file",
        f"{rel}@{file.version}",
        name,
        rel,
        period_from_path(rel),
        view_from_path(rel),
        files=[file],
        modified=file.modified,
    )


def _manifest_delivery(manifest: StoredFile, data: list[StoredFile]) -> Delivery:
    rel = manifest.relative_path
    folder = rel.rpartition("/")[0]
    delivery = Delivery("manifest", rel, folder or rel, rel, modified=manifest.modified)
    try:
        content = json.loads(manifest.local_path.read_bytes().decode("utf-8-sig"))
        _read_manifest(delivery, content, folder, data)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        delivery.problem = f"{rel}: manifest cannot be read: {error}"
        delivery.billing_period = delivery.billing_period or period_from_path(rel)
    return delivery


def _read_manifest(
    delivery: Delivery, content: dict[str, Any], folder: str, data: list[StoredFile]
) -> None:
    config = content.get("exportConfig") or {}
    run = content.get("runInfo") or {}
    delivery.export_name = config.get("exportName") or delivery.export_name
    delivery.export_id = str(run.get("runId") or delivery.label)
    delivery.data_version = config.get("dataVersion")
    kind = str(config.get("type") or "")
    if kind and kind.lower() not in _VIEW_TYPES:
        raise ValueError(
            f"exportConfig.type {kind!r} is not a cost details dataset "
            "(ActualCost or AmortizedCost); FocusCost exports belong to the FOCUS source"
        )
    delivery.cost_view = _VIEW_TYPES.get(kind.lower()) or view_from_path(delivery.label)
    scope = _SCOPE.match(str(config.get("resourceId") or ""))
    delivery.scope_id = scope["scope"] if scope and scope["scope"] else None
    start = run.get("startDate")
    delivery.billing_period = (
        _parse_day(start).replace(day=1) if start else period_from_path(delivery.label)
    )
    submitted = run.get("submittedTime")
    if submitted:
        delivery.modified = _parse_time(submitted)
    blobs = content["blobs"]
    if not isinstance(blobs, list):
        raise TypeError("`blobs` is not a list")
    missing = []
    for blob in blobs:
        name = str(blob["blobName"])
        found = _match_blob(name, folder, data)
        if found is None:
            missing.append(name)
            continue
        delivery.files.append(found)
        if blob.get("dataRowCount") is not None:
            delivery.expected_rows[found.relative_path] = int(blob["dataRowCount"])
    if missing:
        delivery.problem = (
            f"{delivery.label}: lists {len(missing)} blob(s) that do not exist, first: {missing[0]}"
        )


def _match_blob(name: str, folder: str, data: list[StoredFile]) -> StoredFile | None:
    """The listed file a manifest blobName means: same folder first, then a unique suffix.

    blobName is the path in the container the export wrote to, not where it is read from now.
    """
    base = name.rsplit("/", 1)[-1]
    local = f"{folder}/{base}" if folder else base
    for file in data:
        if file.relative_path == local:
            return file
    parts = name.strip("/").split("/")
    for start in range(len(parts) - 1):  # a bare file name could be any run's part file
        suffix = "/".join(parts[start:])
        found = [f for f in data if f"/{f.relative_path}".endswith(f"/{suffix}")]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return None
    return None


def _parse_day(text: str) -> date:
    return datetime.fromisoformat(str(text).strip().replace("Z", "+00:00")[:19]).date()


def _parse_time(text: str) -> float:
    value = str(text).strip().replace("Z", "+00:00")
    value = re.sub(r"(\.\d{6})\d+", r"\1", value)
    return datetime.fromisoformat(value).timestamp()
