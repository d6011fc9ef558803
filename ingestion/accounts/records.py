"""The raw `accounts` row: one account / subscription / project of one hierarchy snapshot.

Every discovery (AWS Organizations, Azure management groups, GCP Resource Manager, CSV
override) turns its tree into these rows; the tree walk is done here once for all of them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

PATH_SEPARATOR = " / "


class SnapshotError(ValueError):
    """A hierarchy source cannot be read; the message names the file or URL and the field."""


@dataclass(frozen=True)
class Node:
    """An inner node of a hierarchy (root, OU, management group, folder, organization)."""

    node_id: str
    name: str
    parent_id: str | None


@dataclass(frozen=True)
class Leaf:
    """An account, subscription or project with its direct parent and tags."""

    account_id: str
    name: str
    parent_id: str | None
    tags: dict[str, str] = field(default_factory=dict)
    status: str | None = None


@dataclass
class Snapshot:
    """One hierarchy source as read, ready to be turned into raw rows.

    Attributes:
        source: x_source value, e.g. `aws_organizations`.
        provider: x_provider value, e.g. `aws`.
        account_type: `account`, `subscription`, `project`, `billing_account`.
        location: where it was read (URL, `aws-organizations://…`, or file path).
        nodes: inner nodes by id.
        leaves: the accounts.
        checksum: md5 of the bytes read (files) or of the canonical JSON (APIs).
    """

    source: str
    provider: str
    account_type: str
    location: str
    nodes: dict[str, Node] = field(default_factory=dict)
    leaves: list[Leaf] = field(default_factory=list)
    checksum: str = ""

    def ancestry(self, parent_id: str | None) -> list[Node]:
        """Inner nodes from the root down to `parent_id` (cycles and unknown ids end the walk)."""
        chain: list[Node] = []
        seen: set[str] = set()
        while parent_id and parent_id in self.nodes and parent_id not in seen:
            seen.add(parent_id)
            node = self.nodes[parent_id]
            chain.append(node)
            parent_id = node.parent_id
        return chain[::-1]

    def rows(self, detected_at: datetime) -> list[dict[str, Any]]:
        """Raw `accounts` rows, one per leaf, with lineage columns.

        Args:
            detected_at: when the snapshot was taken (the run's start, UTC).

        Returns:
            Plain records in leaf order.
        """
        if not self.checksum:
            self.checksum = canonical_checksum([self.nodes, self.leaves])
        period = date(detected_at.year, detected_at.month, 1)
        rows = []
        for index, leaf in enumerate(self.leaves, start=1):
            chain = self.ancestry(leaf.parent_id)
            parent = chain[-1] if chain else None
            rows.append(
                {
                    "x_provider": self.provider,
                    "account_id": leaf.account_id,
                    "account_name": leaf.name,
                    "account_type": self.account_type,
                    "status": leaf.status,
                    "parent_id": parent.node_id if parent else leaf.parent_id,
                    "parent_name": parent.name if parent else None,
                    "parent_path": PATH_SEPARATOR.join(n.name for n in chain) or None,
                    "hierarchy_path": PATH_SEPARATOR.join([n.name for n in chain] + [leaf.name]),
                    "hierarchy_ids": json.dumps([n.node_id for n in chain]),
                    "tags": json.dumps(leaf.tags, sort_keys=True),
                    "team": None,
                    "cost_center": None,
                    "product": None,
                    "environment": None,
                    "x_source": self.source,
                    "billing_period": period,
                    "snapshot_at": detected_at,
                    "x_export_id": self.checksum,
                    "x_source_file": self.location,
                    "x_source_row": index,
                }
            )
        return rows


def canonical_checksum(value: Any) -> str:
    """md5 of a canonical JSON rendering (sorted keys), so the same tree gives the same digest."""

    def default(item: Any) -> Any:
        return item.__dict__ if hasattr(item, "__dict__") else str(item)

    text = json.dumps(value, sort_keys=True, default=default)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def tag_dict(pairs: Iterable[dict[str, Any]] | dict[str, Any] | None, where: str) -> dict[str, str]:
    """Tags as a plain dict from AWS's `[{Key, Value}]` list or an Azure/GCP object.

    Raises:
        SnapshotError: the tags are neither shape.
    """
    if not pairs:
        return {}
    if isinstance(pairs, dict):
        return {str(k): "" if v is None else str(v) for k, v in pairs.items()}
    try:
        return {str(p["Key"]): str(p.get("Value") or "") for p in pairs}
    except (TypeError, KeyError) as error:
        message = f"{where}: tags must be an object or a list of {{Key, Value}}"
        raise SnapshotError(message) from error


def require(item: Any, key: str, where: str) -> Any:
    """`item[key]`, or a SnapshotError naming the place and the missing field."""
    if not isinstance(item, dict) or item.get(key) in (None, ""):
        raise SnapshotError(f"{where}: field {key!r} is missing")
    return item[key]
