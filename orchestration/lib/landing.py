"""Export manifests under a landing root: a folder, an s3:// prefix or an azure:// container.

Providers write a delivery's manifest after its data files, so a manifest's arrival means the
delivery is complete; the export sensors (defs/automation.py) watch manifests only. Each one is
versioned by its ETag (object stores) or modification time (folders): a re-delivery that reuses
file names rewrites the manifest, which changes its version.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ingestion.azure_cost.discovery import period_from_path
from ingestion.azure_cost.settings import MANIFEST_NAME as AZURE_MANIFEST
from ingestion.common.data_exports import is_manifest as is_data_exports_manifest
from ingestion.common.data_exports import parse_period
from ingestion.common.storage import RootNotFound, open_store

_BILLING_PERIOD = re.compile(r"BILLING_PERIOD=(\d{4})-(\d{2})")
_LEGACY_RANGE = re.compile(r"(?:^|/)(\d{4})(\d{2})01-\d{8}/")


@dataclass(frozen=True)
class ManifestRule:
    """How one provider's manifests are recognised and which billing month they deliver."""

    is_manifest: Callable[[str], bool]  # relative path -> is it a manifest
    period_in: Callable[[dict[str, Any]], date]  # manifest content -> billing month
    period_in_path: Callable[[str], date | None]  # fallback when the manifest is unreadable


def _aws_path_period(rel: str) -> date | None:
    match = _BILLING_PERIOD.search(rel) or _LEGACY_RANGE.search(rel)
    return date(int(match[1]), int(match[2]), 1) if match else None


def _azure_period(content: dict[str, Any]) -> date:
    start = datetime.fromisoformat(str(content["runInfo"]["startDate"]).replace("Z", "+00:00"))
    return start.date().replace(day=1)


AWS_MANIFESTS = ManifestRule(
    is_data_exports_manifest,
    lambda content: parse_period(content["billingPeriod"]["start"]),
    _aws_path_period,
)
AZURE_MANIFESTS = ManifestRule(
    lambda rel: rel.rsplit("/", 1)[-1] == AZURE_MANIFEST,
    _azure_period,
    period_from_path,
)
# FOCUS exports come from AWS Data Exports (`*-Manifest.json`) or Azure FocusCost exports
# (`_manifest.json`); the content says which
FOCUS_MANIFESTS = ManifestRule(
    is_data_exports_manifest,
    lambda content: (
        AWS_MANIFESTS.period_in(content)
        if "billingPeriod" in content
        else AZURE_MANIFESTS.period_in(content)
    ),
    lambda rel: _aws_path_period(rel) or period_from_path(rel),
)


def manifest_versions(
    path: str,
    rule: ManifestRule,
    seen: dict[str, str] | None = None,
    storage_options: dict[str, Any] | None = None,
    connection_string: str | None = None,
) -> dict[str, tuple[str, str]]:
    """Manifests under the root that are new or changed since `seen` (all when None).

    Args:
        path: the landing root.
        rule: how manifests are recognised and dated.
        seen: {key: version} already handled; those manifests are not read again, so a tick
            costs one listing plus one GET per new delivery, however many months are stored.
        storage_options: fsspec options (s3fs `endpoint_url`, ...).
        connection_string: Azure Storage connection string.

    Returns:
        {key: (version, billing month as YYYY-MM-DD, or "" when no month is known)}. A missing
        root (nothing delivered yet) has none; any other storage failure raises StorageError
        naming the URL. A manifest that cannot be read still counts, with the month its path
        names, so the run quarantines it with the reason.
    """
    seen = seen or {}
    store = open_store(path, storage_options, connection_string)
    try:
        objects = store.list()
    except RootNotFound:
        return {}
    found = {}
    for obj in objects:
        if not rule.is_manifest(obj.relative_path) or seen.get(obj.key) == obj.version:
            continue
        try:
            content = json.loads(store.read_bytes(obj.key).decode("utf-8-sig"))
            month: date | None = rule.period_in(content)
        except (ValueError, KeyError, TypeError, AttributeError):
            month = rule.period_in_path(obj.relative_path)
        found[obj.key] = (obj.version, month.isoformat() if month else "")
    return found
