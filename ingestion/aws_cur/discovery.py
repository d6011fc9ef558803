"""Find export deliveries under a folder or bucket prefix.

A delivery is what replaces a billing month: the data files one manifest lists. AWS keeps
older versions of a month's files next to the newest, so globbing data files double-counts;
when manifests exist only the files they list are read. Without any manifest (a single file,
or a folder of hand-exported CSVs) every data file found is read and the billing period and
payer come from the rows.

Layouts (AWS documentation):
- Data Exports (CUR 2.0): `<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json`
  with `dataFiles` (s3 URIs under `<export>/data/BILLING_PERIOD=YYYY-MM/`) and `executionId`.
- Legacy CUR: `<prefix>/<report>/<yyyymmdd-yyyymmdd>/<report>-Manifest.json` with `reportKeys`
  and `assemblyId`; copies of older manifests sit in `<assemblyId>/` subfolders.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import fsspec
from fsspec.core import url_to_fs

from ingestion.common.data_exports import (
    DATA_ANCHOR,
    export_root,
    match_keys,
    parse_period,
    read_manifest,
)
from ingestion.common.data_exports import is_manifest as is_cur_manifest

from .settings import DATA_FILE_SUFFIXES, IGNORED_FILE_PREFIXES


class DeliveryError(Exception):
    """A delivery that cannot be loaded; the message names the file (and row, column)."""


@dataclass(frozen=True)
class DataFile:
    """One data file of a delivery."""

    uri: str  # path the filesystem understands (no protocol for local files)
    relative_path: str  # relative to the root the user gave; recorded per row
    size: int
    version: str  # ETag or modification time: changes when a file name is reused


@dataclass
class Delivery:
    """The files that together replace one export's billing period (or loose files)."""

    kind: str  # cur2 | legacy | files
    export_id: str  # executionId, assemblyId, or a digest of the loose files' versions
    export_name: str
    billing_period: date | None  # None for loose files: taken from the rows
    manifest_uri: str | None
    files: list[DataFile] = field(default_factory=list)
    modified: float = 0.0
    problem: str | None = None  # set when the manifest itself is broken
    is_copy: bool = False  # a legacy manifest copy inside an <assemblyId>/ folder


_PERIOD_PARTITION = re.compile(r"BILLING_PERIOD=(\d{4})-(\d{2})")
_LEGACY_RANGE = re.compile(r"^(\d{8})-(\d{8})$")


def is_data_file(path: str) -> bool:
    """True for parquet / csv / csv.gz / csv.zip files that AWS writes as cost data."""
    lower = path.lower()
    name = lower.rsplit("/", 1)[-1]
    # the Athena integration writes a status table next to the data; it holds no costs
    if name.startswith(IGNORED_FILE_PREFIXES) or "/cost_and_usage_data_status/" in lower:
        return False
    return lower.endswith(DATA_FILE_SUFFIXES) and not lower.endswith(".json.gz")


def open_root(
    root: str, storage_options: dict[str, Any] | None = None
) -> tuple[fsspec.AbstractFileSystem, str]:
    """Filesystem and normalized root path for a local path or URL (s3://, az://, ...)."""
    fs, path = url_to_fs(root, **(storage_options or {}))
    # fsspec shares instances and their listings within a process: list afresh, or a second
    # load in the same process misses new files and reads rewritten ones with a stale ETag
    fs.invalidate_cache()
    return fs, path.rstrip("/")


def discover(fs: fsspec.AbstractFileSystem, root: str) -> tuple[list[Delivery], list[str]]:
    """List the deliveries under a root.

    Args:
        fs: the filesystem holding the exports.
        root: a folder / prefix, or a single data file.

    Returns:
        (deliveries, notes); notes say what was ignored and why.
    """
    if fs.isfile(root):
        info = fs.info(root)
        return [_loose_delivery(fs, root, [info])], []
    if not fs.exists(root):
        raise DeliveryError(f"{root}: no such folder or bucket prefix")
    listing = fs.find(root, detail=True)
    manifests = [p for p in listing if is_cur_manifest(p)]
    data = [info for p, info in listing.items() if is_data_file(p)]
    if not manifests:
        return ([_loose_delivery(fs, root, data)] if data else []), []
    deliveries = [_manifest_delivery(fs, root, path, listing) for path in manifests]
    deliveries = _latest_per_period(deliveries)
    listed = {f.uri for d in deliveries for f in d.files}
    stray = [info["name"] for info in data if info["name"] not in listed]
    notes = []
    if stray:
        notes.append(
            f"{len(stray)} data file(s) not listed by the newest manifest were ignored "
            f"(older export versions), e.g. {_relative(root, stray[0])}"
        )
    return deliveries, notes


def _relative(root: str, path: str) -> str:
    return path[len(root) :].lstrip("/") if path.startswith(root) else path


def file_version(info: dict[str, Any]) -> str:
    """ETag (object stores) or modification time (folders) of a listed file: changes when a
    file name is reused for new content."""
    for key in ("ETag", "etag", "mtime", "LastModified", "last_modified", "created"):
        if info.get(key) is not None:
            return str(info[key]).strip('"')
    return str(info.get("size", ""))


def _modified(info: dict[str, Any]) -> float:
    value = info.get("mtime") or info.get("LastModified") or info.get("last_modified") or 0
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def _data_file(root: str, info: dict[str, Any]) -> DataFile:
    return DataFile(
        info["name"], _relative(root, info["name"]), int(info.get("size") or 0), file_version(info)
    )


def _loose_delivery(
    fs: fsspec.AbstractFileSystem, root: str, infos: list[dict[str, Any]]
) -> Delivery:
    base = root if not fs.isfile(root) else root.rsplit("/", 1)[0]
    files = sorted((_data_file(base, info) for info in infos), key=lambda f: f.uri)
    digest = fsspec.utils.tokenize(*[(f.relative_path, f.size, f.version) for f in files])
    return Delivery("files", f"files-{digest[:16]}", base.rsplit("/", 1)[-1], None, None, files)


def _manifest_delivery(
    fs: fsspec.AbstractFileSystem, root: str, path: str, listing: dict[str, Any]
) -> Delivery:
    rel = _relative(root, path)
    info = listing[path]
    try:
        with fs.open(path, "rb") as handle:
            manifest = json.load(handle)
        if "dataFiles" in manifest:
            return _cur2_delivery(root, path, manifest, listing, _modified(info))
        if "reportKeys" in manifest:
            return _legacy_delivery(root, path, manifest, listing, _modified(info))
        raise ValueError(
            "neither `dataFiles` (Data Exports) nor `reportKeys` (legacy CUR) is present"
        )
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as error:
        period = _PERIOD_PARTITION.search(path)
        billing_period = date(int(period[1]), int(period[2]), 1) if period else None
        return Delivery(
            "unknown",
            f"broken-{rel}",
            rel,
            billing_period,
            path,
            [],
            _modified(info),
            problem=f"{rel}: manifest cannot be read: {error}",
        )


def _resolve(
    keys: list[str],
    anchor: re.Pattern[str],
    base: str,
    listing: dict[str, Any],
    root: str,
    manifest_rel: str,
) -> tuple[list[DataFile], str | None]:
    """Map manifest keys (s3 URIs or bucket keys) onto files under the root (see match_keys)."""
    found, missing = match_keys(keys, anchor, base, listing)
    files = [_data_file(root, listing[path]) for path in found]
    problem = None
    if missing:
        problem = (
            f"{manifest_rel}: lists {len(missing)} data file(s) that do not exist, "
            f"first: {missing[0]}"
        )
    return files, problem


def _cur2_delivery(
    root: str, path: str, manifest: dict[str, Any], listing: dict[str, Any], modified: float
) -> Delivery:
    run = read_manifest(manifest)
    base = export_root(path)
    rel = _relative(root, path)
    files, problem = _resolve(run.data_files, DATA_ANCHOR, base, listing, root, rel)
    name = run.export_name or base.rsplit("/", 1)[-1]
    period, export_id = run.billing_period, run.execution_id
    return Delivery("cur2", str(export_id), name, period, path, files, modified, problem)


def _legacy_delivery(
    root: str, path: str, manifest: dict[str, Any], listing: dict[str, Any], modified: float
) -> Delivery:
    period = parse_period(manifest["billingPeriod"]["start"])
    folder = path.rsplit("/", 1)[0]
    # copies of older manifests live one level down, in <assemblyId>/; the range folder is above
    range_folder = (
        folder if _LEGACY_RANGE.match(folder.rsplit("/", 1)[-1]) else folder.rsplit("/", 1)[0]
    )
    base = range_folder.rsplit("/", 1)[0]
    anchor = re.compile(r"\d{8}-\d{8}/")
    rel = _relative(root, path)
    files, problem = _resolve(list(manifest["reportKeys"]), anchor, base, listing, root, rel)
    name = manifest.get("reportName") or base.rsplit("/", 1)[-1]
    export_id = manifest.get("assemblyId") or fsspec.utils.tokenize(manifest["reportKeys"])
    return Delivery(
        "legacy",
        str(export_id),
        name,
        period,
        path,
        files,
        modified,
        problem,
        is_copy=folder != range_folder,
    )


def _latest_per_period(deliveries: list[Delivery]) -> list[Delivery]:
    """Keep one manifest per export and billing period: the top-level, newest one."""
    chosen: dict[tuple[str, str, date | None], Delivery] = {}
    for delivery in deliveries:
        key = (delivery.kind, delivery.export_name, delivery.billing_period)
        current = chosen.get(key)
        if current is None or _rank(delivery) > _rank(current):
            chosen[key] = delivery
    return sorted(chosen.values(), key=lambda d: (str(d.billing_period), d.export_name))


def _rank(delivery: Delivery) -> tuple[bool, float]:
    return (not delivery.is_copy, delivery.modified)
