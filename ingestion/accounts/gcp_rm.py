"""GCP projects with their folder / organization ancestry, from Resource Manager v3 or JSON files.

API: `GET /v3/projects:search` (pages via `nextPageToken`) lists the projects, then
`GET /v3/folders/{id}` and `GET /v3/organizations/{id}` resolve each ancestor once. A file holds
the same JSON: a projects.search response, optionally with `folders` (folders.search response
shape) and `organizations` arrays beside `projects`.

The bearer token comes from GOOGLE_OAUTH_ACCESS_TOKEN (e.g. `gcloud auth print-access-token`),
else from google-auth's application default credentials when that package is installed.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlparse

from .http import HttpSourceError, get_json
from .records import Leaf, Node, Snapshot, SnapshotError, require, tag_dict

SCHEME = "gcp-resource-manager://"
SOURCE = "gcp_resource_manager"
DEFAULT_ENDPOINT = "https://cloudresourcemanager.googleapis.com"
TOKEN_ENV = "GOOGLE_OAUTH_ACCESS_TOKEN"


def is_snapshot(document: Any) -> bool:
    """True for a projects.search response (with optional folders / organizations)."""
    return isinstance(document, dict) and isinstance(document.get("projects"), list)


def _token() -> str | None:
    token = os.environ.get(TOKEN_ENV)
    if token:
        return token
    try:  # application default credentials, when google-auth is around
        import google.auth
        import google.auth.transport.requests

        credentials, _ = google.auth.default(
            scopes=["https://www.googleapis.com/auth/cloud-platform.read-only"]
        )
        credentials.refresh(google.auth.transport.requests.Request())
        return credentials.token
    except Exception:
        return None


def fetch(location: str, endpoint: str = DEFAULT_ENDPOINT, timeout: float = 30.0) -> Snapshot:
    """Search the projects and resolve their ancestors.

    Args:
        location: `gcp-resource-manager://` with an optional `?query=...` (projects.search
            query syntax, e.g. `parent:organizations/123`).
        endpoint: API base URL (a local server in tests).
        timeout: seconds per request.

    Returns:
        The snapshot.

    Raises:
        SnapshotError: no token, or a request failed.
    """
    token = _token()
    if not token:
        raise SnapshotError(f"{location}: set {TOKEN_ENV} (gcloud auth print-access-token)")
    base = endpoint.rstrip("/")
    query = parse_qs(urlparse(location).query).get("query", [""])[0]
    projects: list[dict[str, Any]] = []
    ancestors: dict[str, dict[str, Any]] = {}
    try:
        page_token = ""
        while True:
            params = {k: v for k, v in {"query": query, "pageToken": page_token}.items() if v}
            suffix = f"?{urlencode(params)}" if params else ""
            page = get_json(f"{base}/v3/projects:search{suffix}", token, timeout)
            projects += page.get("projects") or []
            page_token = page.get("nextPageToken") or ""
            if not page_token:
                break
        pending = [p.get("parent") for p in projects]
        while pending:
            name = pending.pop()
            if not name or name in ancestors or "/" not in name:
                continue
            ancestors[name] = get_json(f"{base}/v3/{quote(name)}", token, timeout)
            pending.append(ancestors[name].get("parent"))
    except HttpSourceError as error:
        raise SnapshotError(f"{location}: {error}") from error
    folders = [a for a in ancestors.values() if str(a.get("name", "")).startswith("folders/")]
    organizations = [a for a in ancestors.values() if a not in folders]
    return parse(
        {"projects": projects, "folders": folders, "organizations": organizations}, location
    )


def parse(document: dict[str, Any], location: str) -> Snapshot:
    """Build a Snapshot from projects plus folder / organization resources.

    Raises:
        SnapshotError: a required field is missing; the message names the entry.
    """
    snapshot = Snapshot(SOURCE, "gcp", "project", location)
    for key in ("organizations", "folders"):
        for i, item in enumerate(document.get(key) or [], start=1):
            name = str(require(item, "name", f"{location}: {key}[{i}]"))
            label = item.get("displayName") or name
            snapshot.nodes[name] = Node(name, label, item.get("parent"))
    for i, project in enumerate(document["projects"], start=1):
        where = f"{location}: projects[{i}]"
        project_id = str(require(project, "projectId", where))
        snapshot.leaves.append(
            Leaf(
                project_id,
                project.get("displayName") or project_id,
                project.get("parent"),
                tag_dict(project.get("labels"), where),
                project.get("state"),
            )
        )
    return snapshot
