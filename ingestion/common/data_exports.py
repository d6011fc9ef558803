"""AWS Data Exports manifests, shared by the CUR 2.0 (`aws_cur`) and FOCUS (`focus`) sources.

Every export run writes `<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json`
holding `executionId`, `billingPeriod.start` and `dataFiles` (s3 URIs of the run's files under
`<export>/data/BILLING_PERIOD=YYYY-MM/`). Files of earlier runs may stay next to them; only the
listed ones are the month.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

import fsspec

DATA_ANCHOR = re.compile(r"data/BILLING_PERIOD=")


@dataclass(frozen=True)
class ExportManifest:
    """What a Data Exports manifest says about its run."""

    export_name: str | None
    execution_id: str
    billing_period: date
    data_files: list[str]


def is_manifest(path: str) -> bool:
    """True for `<name>-Manifest.json`; legacy CUR's `-RedshiftManifest.json` lists the same files
    for Redshift COPY and is not a delivery of its own."""
    name = path.lower().rsplit("/", 1)[-1]
    return name.endswith("manifest.json") and not name.endswith("redshiftmanifest.json")


def parse_period(value: str) -> date:
    """Billing period start from a manifest (`2025-01-01T00:00:00.000Z` or `20250101T000000.000Z`).

    Args:
        value: the manifest's billingPeriod.start.

    Returns:
        The first day of the billing month.
    """
    digits = re.sub(r"[^0-9]", "", value)
    if len(digits) < 6:
        raise ValueError(f"unrecognised billing period start {value!r}")
    return date(int(digits[0:4]), int(digits[4:6]), 1)


def read_manifest(content: dict[str, Any]) -> ExportManifest:
    """The run a Data Exports manifest describes.

    Raises:
        KeyError, TypeError, ValueError: not a readable Data Exports manifest.
    """
    files = content["dataFiles"]
    if not isinstance(files, list):
        raise TypeError("`dataFiles` is not a list")
    period = parse_period(content["billingPeriod"]["start"])
    execution = content.get("executionId") or fsspec.utils.tokenize(files)
    return ExportManifest(content.get("exportName"), str(execution), period, list(files))


def export_root(manifest_path: str) -> str:
    """The export folder a manifest belongs to (above `metadata/`)."""
    if "/metadata/" in manifest_path:
        return manifest_path.split("/metadata/", 1)[0]
    return manifest_path.rsplit("/", 1)[0]


def match_keys(
    keys: list[str], anchor: re.Pattern[str], base: str, listed: Collection[str]
) -> tuple[list[str], list[str]]:
    """Listed paths the manifest keys name, and the keys that name nothing.

    The keys name the bucket the export was written to, not where it is read from (a copy,
    a download, another prefix), so a key is matched first from its documented anchor under
    `base`, then by the longest key suffix that names exactly one listed file.
    """
    found, missing = [], []
    for key in keys:
        match = anchor.search(key)
        candidate = f"{base}/{key[match.start() :]}" if match else None
        if candidate not in listed:
            candidate = _by_suffix(key, listed)
        if candidate is not None:
            found.append(candidate)
        else:
            missing.append(key)
    return found, missing


def _by_suffix(key: str, listed: Collection[str]) -> str | None:
    parts = key.split("://", 1)[-1].strip("/").split("/")
    for start in range(len(parts)):
        suffix = "/" + "/".join(parts[start:])
        found = [path for path in listed if path.endswith(suffix)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return None  # ambiguous: refuse to guess between two copies
    return None
