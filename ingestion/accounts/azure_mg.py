"""Azure management groups and subscriptions, from Azure Resource Manager REST or JSON files.

Two documented responses are read, from the API or from files holding the same JSON:
- `GET /providers/Microsoft.Management/managementGroups/{groupId}?$expand=children&$recurse=true`
  (api-version 2021-04-01): the group tree; children are management groups or subscriptions.
- `GET /subscriptions` (api-version 2022-12-01): `{"value": [{subscriptionId, displayName,
  state, tags}], "nextLink": ...}`, which adds tags and state (the tree has neither).

The bearer token comes from AZURE_ACCESS_TOKEN (e.g. `az account get-access-token --query
accessToken -o tsv`), else from a service principal's client-credentials sign-in
(AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET); no Azure SDK is needed.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote, urljoin

from .http import HttpSourceError, get_json, post_form
from .records import Leaf, Node, Snapshot, SnapshotError, require, tag_dict

SCHEME = "azure-management-groups://"
SOURCE = "azure_management_groups"
DEFAULT_ENDPOINT = "https://management.azure.com"
GROUPS_API_VERSION = "2021-04-01"
SUBSCRIPTIONS_API_VERSION = "2022-12-01"
TOKEN_ENV = "AZURE_ACCESS_TOKEN"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"


def is_group_tree(document: Any) -> bool:
    """True for a management group GET response."""
    return (
        isinstance(document, dict)
        and "managementgroups" in str(document.get("type", "")).lower()
        and isinstance(document.get("properties"), dict)
    )


def is_subscription_list(document: Any) -> bool:
    """True for a Subscriptions - List response (or its bare `value` array)."""
    items = document.get("value") if isinstance(document, dict) else document
    return (
        isinstance(items, list)
        and bool(items)
        and all(isinstance(i, dict) and "subscriptionId" in i for i in items)
    )


def fetch(location: str, endpoint: str = DEFAULT_ENDPOINT, timeout: float = 30.0) -> Snapshot:
    """Read the tree under the group named in `location` and every visible subscription.

    Args:
        location: `azure-management-groups://<groupId>`; without a group id only the
            subscription list is read (no hierarchy above subscriptions).
        endpoint: Resource Manager base URL (a local server in tests).
        timeout: seconds per request.

    Returns:
        The snapshot.

    Raises:
        SnapshotError: a request failed or the token is missing.
    """
    token = _token(location, timeout)
    base = endpoint.rstrip("/") + "/"
    group = location[len(SCHEME) :].strip("/")
    try:
        tree = None
        if group:
            tree = get_json(
                urljoin(base, f"providers/Microsoft.Management/managementGroups/{quote(group)}")
                + f"?api-version={GROUPS_API_VERSION}&$expand=children&$recurse=true",
                token,
                timeout,
            )
        subscriptions: list[dict[str, Any]] = []
        url: str | None = urljoin(base, f"subscriptions?api-version={SUBSCRIPTIONS_API_VERSION}")
        while url:
            page = get_json(url, token, timeout)
            subscriptions += page.get("value") or []
            url = page.get("nextLink")
    except HttpSourceError as error:
        raise SnapshotError(f"{location}: {error}") from error
    return parse(location, tree, {"value": subscriptions})


def _token(location: str, timeout: float) -> str:
    """AZURE_ACCESS_TOKEN, else a client-credentials token for a service principal.

    The service principal is read from the variables azure-identity uses (AZURE_TENANT_ID,
    AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_AUTHORITY_HOST), so no SDK is needed.
    """
    token = os.environ.get(TOKEN_ENV)
    if token:
        return token
    tenant, client, secret = (
        os.environ.get(f"AZURE_{name}") for name in ("TENANT_ID", "CLIENT_ID", "CLIENT_SECRET")
    )
    if not (tenant and client and secret):
        raise SnapshotError(
            f"{location}: set {TOKEN_ENV}, or AZURE_TENANT_ID, AZURE_CLIENT_ID and "
            "AZURE_CLIENT_SECRET for a service principal"
        )
    authority = os.environ.get("AZURE_AUTHORITY_HOST", DEFAULT_AUTHORITY).rstrip("/")
    form = {
        "grant_type": "client_credentials",
        "client_id": client,
        "client_secret": secret,
        "scope": "https://management.azure.com/.default",
    }
    try:
        answer = post_form(f"{authority}/{quote(tenant)}/oauth2/v2.0/token", form, timeout)
    except HttpSourceError as error:
        raise SnapshotError(f"{location}: service principal sign-in failed: {error}") from error
    if not isinstance(answer, dict) or not answer.get("access_token"):
        raise SnapshotError(f"{location}: the token endpoint returned no access_token")
    return str(answer["access_token"])


def parse(location: str, tree: Any | None, subscriptions: Any | None) -> Snapshot:
    """Build a Snapshot from a group tree and/or a subscription list.

    Raises:
        SnapshotError: a required field is missing; the message names where.
    """
    snapshot = Snapshot(SOURCE, "azure", "subscription", location)
    placed: dict[str, Leaf] = {}
    if tree is not None:
        _walk(snapshot, placed, tree, None, f"{location}: managementGroup")
    items = (subscriptions.get("value") if isinstance(subscriptions, dict) else subscriptions) or []
    listed: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items, start=1):
        where = f"{location}: value[{i}]"
        listed[str(require(item, "subscriptionId", where))] = item
        tag_dict(item.get("tags"), where)  # validates the shape
    for sub_id, item in listed.items():
        leaf = placed.get(sub_id)
        placed[sub_id] = Leaf(
            sub_id,
            item.get("displayName") or (leaf.name if leaf else sub_id),
            leaf.parent_id if leaf else None,
            tag_dict(item.get("tags"), location),
            item.get("state"),
        )
    snapshot.leaves = list(placed.values())
    return snapshot


def _walk(
    snapshot: Snapshot, placed: dict[str, Leaf], item: Any, parent: str | None, where: str
) -> None:
    kind = str(item.get("type", "")).lower() if isinstance(item, dict) else ""
    name = str(require(item, "name", where))
    properties = item.get("properties") or {}
    display = item.get("displayName") or properties.get("displayName") or name
    if kind.endswith("subscriptions"):
        placed[name] = Leaf(name, display, parent)
        return
    if "managementgroups" not in kind:
        raise SnapshotError(f"{where}: unknown child type {item.get('type')!r}")
    snapshot.nodes[name] = Node(name, display, parent)
    children = item.get("children", properties.get("children")) or []
    for i, child in enumerate(children, start=1):
        _walk(snapshot, placed, child, name, f"{where}.children[{i}]")
