"""CSV override of the discovered hierarchy: names, parent path, team, cost center, product, env.

Any subset of the columns below may be present; `account_id` is required. A value given here
wins over the discovered one (silver applies it); an empty cell keeps the discovered value. A
row whose account no source discovers still becomes an account of its own.

| column (aliases) | meaning |
|---|---|
| account_id (account, subscription_id, project_id) | account / subscription / project id |
| provider (x_provider, cloud) | aws, azure, gcp, or another lower-case id; empty = inferred |
| account_name (name) | display name |
| parent_path (parent path, path) | ancestors root→parent, separated by `/` or `>` |
| team, cost_center (cost centre, costcenter), product, environment (env) | allocation keys |
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date, datetime
from typing import Any

from .records import PATH_SEPARATOR, SnapshotError

SOURCE = "csv_override"
_ALIASES = {
    "account_id": ("account_id", "accountid", "account", "subscription_id", "project_id"),
    "provider": ("provider", "x_provider", "cloud"),
    "account_name": ("account_name", "accountname", "name"),
    "parent_path": ("parent_path", "parentpath", "path", "hierarchy_path"),
    "team": ("team",),
    "cost_center": ("cost_center", "costcenter", "cost_centre", "costcentre"),
    "product": ("product",),
    "environment": ("environment", "env"),
}
_COLUMN = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
_PROVIDER = re.compile(r"^[a-z][a-z0-9_-]*$")
_AWS_ID = re.compile(r"^\d{12}$")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _header_key(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def infer_provider(account_id: str) -> str | None:
    """`aws` for 12 digits, `azure` for a GUID, else None (matches the id on any provider)."""
    if _AWS_ID.match(account_id):
        return "aws"
    if _GUID.match(account_id):
        return "azure"
    return None


def read_overrides(data: bytes, location: str, detected_at: datetime) -> list[dict[str, Any]]:
    """Raw `accounts` rows of one override file.

    Args:
        data: the file's bytes (UTF-8, BOM allowed).
        location: the file path, for messages and lineage.
        detected_at: the run's start.

    Returns:
        One row per CSV row.

    Raises:
        SnapshotError: naming the file, row and column of the first problem.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SnapshotError(f"{location}: not UTF-8 text ({error})") from error
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise SnapshotError(f"{location}: file is empty")
    columns = []
    for header_cell in header:
        key = _COLUMN.get(_header_key(header_cell))
        if key is None:
            raise SnapshotError(
                f"{location}: row 1, column {header_cell!r}: unknown column "
                f"(known: {', '.join(_ALIASES)})"
            )
        columns.append(key)
    if "account_id" not in columns:
        raise SnapshotError(f"{location}: row 1: required column 'account_id' is missing")
    checksum = hashlib.md5(data, usedforsecurity=False).hexdigest()
    period = date(detected_at.year, detected_at.month, 1)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str | None, str], int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            raise SnapshotError(
                f"{location}: row {line} has {len(cells)} fields, the header {len(columns)}"
            )
        values = {c: (v.strip() or None) for c, v in zip(columns, cells, strict=False)}
        account_id = values.get("account_id")
        if not account_id:
            raise SnapshotError(f"{location}: row {line}, column 'account_id': value is empty")
        provider = (values.get("provider") or "").lower() or infer_provider(account_id)
        if provider is not None and not _PROVIDER.match(provider):
            raise SnapshotError(
                f"{location}: row {line}, column 'provider': {values['provider']!r} is not a "
                "provider id (aws, azure, gcp, ...)"
            )
        if (provider, account_id) in seen:
            raise SnapshotError(
                f"{location}: row {line}, column 'account_id': {account_id!r} repeats row "
                f"{seen[(provider, account_id)]}"
            )
        seen[(provider, account_id)] = line
        parts = [p.strip() for p in re.split(r"[/>]", values.get("parent_path") or "")]
        parts = [p for p in parts if p]
        rows.append(
            {
                "x_provider": provider,
                "account_id": account_id,
                "account_name": values.get("account_name"),
                "account_type": None,
                "status": None,
                "parent_id": None,
                "parent_name": parts[-1] if parts else None,
                "parent_path": PATH_SEPARATOR.join(parts) if parts else None,
                "hierarchy_path": None,
                "hierarchy_ids": None,
                "tags": None,
                "team": values.get("team"),
                "cost_center": values.get("cost_center"),
                "product": values.get("product"),
                "environment": values.get("environment"),
                "x_source": SOURCE,
                "billing_period": period,
                "snapshot_at": detected_at,
                "x_export_id": checksum,
                "x_source_file": location,
                "x_source_row": line,
            }
        )
    if not rows:
        raise SnapshotError(f"{location}: no override rows; nothing to override")
    return rows
