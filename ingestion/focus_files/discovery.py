"""Find FOCUS files under a folder, file or bucket prefix, and the billing period each declares.

Layouts seen in provider documentation:
- AWS Data Exports (FOCUS): `<export>/data/BILLING_PERIOD=YYYY-MM/<export>-00001.snappy.parquet`.
- Azure Cost Management FocusCost: `<dir>/<export>/<YYYYMMDD-YYYYMMDD>/<run id>/part_*.csv.gz`
  (or parquet); each run rewrites the whole month, so only the newest run folder is read.
- Anything else (GCP's FOCUS view exported from BigQuery, OCI, SaaS vendors): loose files.
A file in a partitioned folder belongs to that folder's delivery; a loose file is its own.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import fsspec
from fsspec.core import url_to_fs

SUFFIXES = (".csv", ".csv.gz", ".parquet")


class LoadError(Exception):
    """A file that cannot be loaded; the message names the file (and row and column)."""


@dataclass(frozen=True)
class FocusFile:
    """One data file."""

    uri: str
    relative_path: str
    size: int
    modified: float
    md5: str

    @property
    def is_parquet(self) -> bool:
        """True for parquet files."""
        return self.uri.lower().endswith(".parquet")


@dataclass
class Delivery:
    """Files that replace their units together (a partition folder), or one loose file."""

    key: str
    period: date | None  # declared by the folder or file name
    files: list[FocusFile] = field(default_factory=list)


_PARTITION = re.compile(r"^(?:billing_period=)?(\d{4})-?(\d{2})$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4})(\d{2})01-\d{8}$")
_NAME_MONTH = re.compile(r"(?:^|[_\-.])(\d{4})-(\d{2})(?:$|[_\-.])")
_RUN_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


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


def open_root(root: str, options: dict[str, Any] | None = None) -> tuple[Any, str]:
    """Filesystem and normalized path for a local path or URL."""
    fs, path = url_to_fs(root, **(options or {}))
    return fs, path.rstrip("/")


def _md5(fs: fsspec.AbstractFileSystem, uri: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with fs.open(uri, "rb") as handle:
        for chunk in iter(lambda: handle.read(8 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _modified(info: dict[str, Any]) -> float:
    value = info.get("mtime") or info.get("LastModified") or info.get("last_modified") or 0
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def list_files(fs: Any, root: str) -> tuple[list[dict[str, Any]], str]:
    """Data files under a root (or the root itself) and the base their paths are relative to."""
    if fs.isfile(root):
        return [fs.info(root)], root.rsplit("/", 1)[0] if "/" in root else ""
    if not fs.exists(root):
        raise LoadError(f"{root}: no such folder or bucket prefix")
    listing = fs.find(root, detail=True)
    return [info for path, info in sorted(listing.items()) if is_data_file(path)], root


def _relative(base: str, path: str) -> str:
    return path[len(base) :].lstrip("/") if base and path.startswith(base) else path


def newest_runs(infos: list[dict[str, Any]], base: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Drop Azure export runs superseded by a newer run of the same month (run-id folders)."""
    runs: dict[str, dict[str, float]] = {}
    for info in infos:
        parts = _relative(base, info["name"]).split("/")
        if len(parts) >= 2 and _RUN_ID.match(parts[-2]):
            parent = "/".join(parts[:-2])
            latest = runs.setdefault(parent, {})
            latest[parts[-2]] = max(latest.get(parts[-2], 0.0), _modified(info))
    keep, notes = [], []
    for info in infos:
        parts = _relative(base, info["name"]).split("/")
        if len(parts) >= 2 and _RUN_ID.match(parts[-2]):
            candidates = runs["/".join(parts[:-2])]
            newest = max(candidates, key=lambda run: (candidates[run], run))
            if parts[-2] != newest:
                notes.append(f"{_relative(base, info['name'])}: older export run, ignored")
                continue
        keep.append(info)
    return keep, notes


def discover(fs: Any, root: str) -> tuple[list[Delivery], list[str]]:
    """The deliveries under a root, with notes on what was ignored.

    Args:
        fs: filesystem.
        root: folder, prefix or file.

    Returns:
        (deliveries, notes).
    """
    infos, base = list_files(fs, root)
    infos, notes = newest_runs(infos, base)
    deliveries: dict[str, Delivery] = {}
    for info in infos:
        rel = _relative(base, info["name"])
        period, folder = declared_period(rel)
        key = folder or rel
        file = FocusFile(
            info["name"], rel, int(info.get("size") or 0), _modified(info), _md5(fs, info["name"])
        )
        deliveries.setdefault(key, Delivery(key, period)).files.append(file)
    return list(deliveries.values()), notes
