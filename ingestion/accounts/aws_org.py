"""AWS Organizations: roots, nested OUs, accounts and account tags, from the API or a snapshot file.

The API is walked breadth-first from each root with `list_organizational_units_for_parent` and
`list_accounts_for_parent`, so every account comes with its direct parent; tags come from
`list_tags_for_resource`. The walk produces a snapshot document, which is also the documented
file format (so an export of the same calls can be loaded offline):

    {"Roots": [{"Id": "r-ab12", "Name": "Root"}],
     "OrganizationalUnits": [{"Id": "ou-ab12-x", "Name": "Prod", "ParentId": "r-ab12"}],
     "Accounts": [{"Id": "123456789012", "Name": "payments", "Status": "ACTIVE",
                   "ParentId": "ou-ab12-x", "Tags": [{"Key": "team", "Value": "payments"}]}]}
"""

from __future__ import annotations

import os
from typing import Any

from .records import Leaf, Node, Snapshot, SnapshotError, require, tag_dict

SCHEME = "aws-organizations://"
SOURCE = "aws_organizations"


def is_snapshot(document: Any) -> bool:
    """True when a JSON document has the AWS snapshot shape."""
    return isinstance(document, dict) and "Accounts" in document


def fetch(location: str, endpoint: str | None = None) -> dict[str, Any]:
    """Walk the organization the standard AWS credential chain can see.

    Args:
        location: `aws-organizations://` (used in messages only).
        endpoint: API endpoint override (an emulator); boto3 also honours
            AWS_ENDPOINT_URL_ORGANIZATIONS on its own.

    Returns:
        The snapshot document (see the module docstring).

    Raises:
        SnapshotError: the API call failed; the message names the call.
    """
    import boto3  # heavy; only when the API is used
    from botocore.exceptions import BotoCoreError, ClientError

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    client = boto3.client("organizations", endpoint_url=endpoint or None, region_name=region)

    def pages(operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        try:
            paginator = client.get_paginator(operation)
            return [item for page in paginator.paginate(**kwargs) for item in page[key]]
        except (BotoCoreError, ClientError) as error:
            raise SnapshotError(f"{location}: {operation} failed: {error}") from error

    roots = pages("list_roots", "Roots")
    units: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    queue = [root["Id"] for root in roots]
    while queue:
        parent = queue.pop(0)
        for unit in pages(
            "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent
        ):
            units.append({"Id": unit["Id"], "Name": unit.get("Name"), "ParentId": parent})
            queue.append(unit["Id"])
        for account in pages("list_accounts_for_parent", "Accounts", ParentId=parent):
            tags = pages("list_tags_for_resource", "Tags", ResourceId=account["Id"])
            accounts.append(
                {
                    "Id": account["Id"],
                    "Name": account.get("Name"),
                    "Email": account.get("Email"),
                    "Status": account.get("Status"),
                    "ParentId": parent,
                    "Tags": tags,
                }
            )
    roots_out = [{"Id": r["Id"], "Name": r.get("Name") or "Root"} for r in roots]
    return {"Roots": roots_out, "OrganizationalUnits": units, "Accounts": accounts}


def parse(document: dict[str, Any], location: str) -> Snapshot:
    """Turn a snapshot document into a Snapshot.

    Raises:
        SnapshotError: a required field is missing; the message names the entry.
    """
    snapshot = Snapshot(SOURCE, "aws", "account", location)
    for i, root in enumerate(document.get("Roots") or [], start=1):
        root_id = require(root, "Id", f"{location}: Roots[{i}]")
        snapshot.nodes[root_id] = Node(root_id, root.get("Name") or "Root", None)
    for i, unit in enumerate(document.get("OrganizationalUnits") or [], start=1):
        where = f"{location}: OrganizationalUnits[{i}]"
        unit_id = require(unit, "Id", where)
        snapshot.nodes[unit_id] = Node(unit_id, unit.get("Name") or unit_id, unit.get("ParentId"))
    accounts = document.get("Accounts")
    if not isinstance(accounts, list):
        raise SnapshotError(f"{location}: 'Accounts' must be a list")
    for i, account in enumerate(accounts, start=1):
        where = f"{location}: Accounts[{i}]"
        account_id = str(require(account, "Id", where))
        snapshot.leaves.append(
            Leaf(
                account_id,
                account.get("Name") or account_id,
                account.get("ParentId"),
                tag_dict(account.get("Tags"), where),
                account.get("Status"),
            )
        )
    return snapshot
