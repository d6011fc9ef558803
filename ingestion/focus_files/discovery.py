"""Find FOCUS files under a folder, file or bucket prefix, and the billing period each declares.

Layouts seen in provider documentation:
- AWS Data Exports (FOCUS): `<export>/data/BILLING_PERIOD=YYYY-MM/<export>-00001.snappy.parquet`
  and, per run, `<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json` listing the
  run's `dataFiles`: when a month has a manifest, exactly its files are read (files of earlier
  runs left in the folder are ignored and noted); without one, the folder is read.
- Azure Cost Management FocusCost: `<dir>/<export>/<YYYYMMDD-YYYYMMDD>/<run id>/part_*.csv.gz`
  (or parquet); each run rewrites the whole month, so only the newest run folder is read.
- Anything else (GCP's FOCUS view exported from BigQuery, OCI, SaaS vendors): loose files.
A file in a partitioned folder belongs to that folder's delivery; a loose file is its own.
Roots may be local, `s3://` or Azure Blob URLs (ingestion/common/storage.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

from ingestion.common.data_exports import (
    DATA_ANCHOR,
    ExportManifest,
    export_root,
    is_manifest,
    match_keys,
    read_manifest,
)
from ingestion.common.storage import Store, StoredObject

SUFFIXES = (".csv", ".csv.gz", ".parquet")


class LoadError(Exception):
    """A file that cannot be loaded; the message names the file (and row and column)."""


@dataclass
class FocusFile:
    """One data file; `md5` is filled when the file is fetched."""

    uri: str  # the path its store understands
    name: str  # lineage: relative path under a local root, the full URL of a remote file
    size: int
    modified: float
    md5: str = ""

    @property
    def is_parquet(self) -> bool:
        """True for parquet files."""
        return self.uri.lower().endswith(".parquet")


@dataclass
class Delivery:
    """Files that replace their units together (a partition folder or an export run), or one
    loose file."""

    key: str
    period: date | None  # declared by the folder, file name or manifest
    files: list[FocusFile] = field(default_factory=list)
    manifest: FocusFile | None = None  # the Data Exports manifest listing the files
    problem: str | None = None  # why none of the files can load (a broken manifest)


_PARTITION = re.compile(r"^(?:billing_period=)?(\d{4})-?(\d{2})$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4})(\d{2})01-\d{8}$")
_NAME_MONTH = re.compile(r"(?:^|[_\-.])(\d{4})-(\d{2})(?:$|[_\-.])")
_RUN_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_PERIOD_FOLDER = re.compile(r"BILLING_PERIOD=(\d{4})-(\d{2})")


def declared_period(relative_path: str) -> tuple[date | None, str | None]:
    """Billing period declared by a folder (or the file name) and the folder declaring it.

    Args:
        relative_path: path under the root.

    Returns:
        (period, folder) or (None, None).
    """
    parts = relative_path.split("/")
    for index in range(len(parts) - 2, -1, -1):
        match = _PARTITION.match(parts[index]) or _RANGE.match(parts[index])
        if match and 1 <= int(match[2]) <= 12:
            return date(int(match[1]), int(match[2]), 1), "/".join(parts[: index + 1])
    stem = parts[-1].split(".")[0]
    match = _NAME_MONTH.search(stem)
    if match and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1), None
    return None, None


def is_data_file(path: str) -> bool:
    """True for csv, csv.gz and parquet files."""
    return path.lower().endswith(SUFFIXES)


def _file(store: Store, obj: StoredObject) -> FocusFile:
    return FocusFile(obj.key, store.lineage(obj), obj.size, obj.modified)


def newest_runs(objects: list[StoredObject]) -> tuple[list[StoredObject], list[str]]:
    """Drop Azure export runs superseded by a newer run of the same month (run-id folders)."""
    runs: dict[str, dict[str, float]] = {}
    for obj in objects:
        parts = obj.relative_path.split("/")
        if len(parts) >= 2 and _RUN_ID.match(parts[-2]):
            latest = runs.setdefault("/".join(parts[:-2]), {})
            latest[parts[-2]] = max(latest.get(parts[-2], 0.0), obj.modified)
    keep, notes = [], []
    for obj in objects:
        parts = obj.relative_path.split("/")
        if len(parts) >= 2 and _RUN_ID.match(parts[-2]):
            candidates = runs["/".join(parts[:-2])]
            newest = max(candidates, key=lambda run: (candidates[run], run))
            if parts[-2] != newest:
                notes.append(f"{obj.relative_path}: older export run, ignored")
                continue
        keep.append(obj)
    return keep, notes


def manifest_deliveries(
    store: Store, objects: list[StoredObject], data: list[StoredObject]
) -> tuple[list[Delivery], set[str], list[str]]:
    """Deliveries of the AWS Data Exports months that have a manifest.

    Returns:
        (deliveries, keys of the data files they claim, listed or not, notes).
    """
    # paths start with '/' so an export at the root itself has the base '' like any other
    listed = {f"/{o.relative_path}": o for o in data}
    chosen: dict[tuple[str, date], tuple[StoredObject, ExportManifest]] = {}
    deliveries, notes = [], []
    claimed: set[str] = set()
    for obj in objects:
        path = f"/{obj.relative_path}"
        if not is_manifest(path) or "/metadata/" not in path:
            continue
        base = export_root(path)
        try:
            run = read_manifest(json.loads(store.read_bytes(obj.key).decode("utf-8-sig")))
        except (ValueError, KeyError, TypeError) as error:
            found = _PERIOD_FOLDER.search(path)
            period = date(int(found[1]), int(found[2]), 1) if found else None
            folder = f"{base}/data/{found[0]}/" if found else None
            members = [o for p, o in listed.items() if folder and p.startswith(folder)]
            claimed.update(o.key for o in members)
            deliveries.append(
                Delivery(
                    path.lstrip("/"),
                    period,
                    [_file(store, o) for o in members],
                    _file(store, obj),
                    f"{store.lineage(obj)}: manifest cannot be read: {error}",
                )
            )
            continue
        current = chosen.get((base, run.billing_period))
        if current is None or obj.modified > current[0].modified:
            chosen[(base, run.billing_period)] = (obj, run)
    for (base, period), (obj, run) in sorted(chosen.items()):
        folder = f"{base}/data/BILLING_PERIOD={period:%Y-%m}"
        found, missing = match_keys(run.data_files, DATA_ANCHOR, base, listed)
        members = [listed[p] for p in found]
        stale = [o for p, o in listed.items() if p.startswith(f"{folder}/") and p not in set(found)]
        claimed.update(o.key for o in members + stale)
        if stale:
            notes.append(
                f"{store.lineage(obj)}: {len(stale)} data file(s) not listed by the newest "
                f"manifest (earlier export runs) ignored, e.g. {store.lineage(stale[0])}"
            )
        problem = None
        if missing:
            problem = (
                f"{store.lineage(obj)}: lists {len(missing)} data file(s) that do not exist, "
                f"first: {missing[0]}"
            )
        deliveries.append(
            Delivery(
                folder.lstrip("/"),
                period,
                [_file(store, o) for o in members],
                _file(store, obj),
                problem,
            )
        )
    return deliveries, claimed, notes


def discover(store: Store) -> tuple[list[Delivery], list[str]]:
    """The deliveries under a root, with notes on what was ignored.

    Args:
        store: the root's storage.

    Returns:
        (deliveries, notes).

    Raises:
        StorageError: the root does not exist or cannot be listed.
    """
    objects = store.list()
    data = [o for o in objects if is_data_file(o.relative_path)]
    deliveries, claimed, notes = manifest_deliveries(store, objects, data)
    rest, run_notes = newest_runs([o for o in data if o.key not in claimed])
    notes += run_notes
    folders: dict[str, Delivery] = {}
    for obj in rest:
        period, folder = declared_period(obj.relative_path)
        key = folder or obj.relative_path
        folders.setdefault(key, Delivery(key, period)).files.append(_file(store, obj))
    return deliveries + list(folders.values()), notes
