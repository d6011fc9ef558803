"""List export files under a local folder or an Azure Blob Storage prefix.

Blob exports are downloaded once into a private temporary folder and then read locally: DuckDB
has no Azure filesystem here (no adlfs), and a cost month is small enough to stage on disk.

Accepted roots:
    a local folder or single file;
    `azure://<container>/<prefix>` (the account comes from the credentials);
    `abfs[s]://<container>@<account>.dfs.core.windows.net/<prefix>`.
Credentials (first found): the `connection_string` option, `AZURE_STORAGE_CONNECTION_STRING`,
or `AZURE_STORAGE_ACCOUNT_URL` (or the account in an abfs URL) with `AZURE_STORAGE_KEY` /
`AZURE_STORAGE_SAS_TOKEN`. Nothing secret is ever written to a report or log.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_ABFS = re.compile(r"^abfss?://(?P<container>[^@/]+)@(?P<account>[^./]+)\.[^/]+/?(?P<prefix>.*)$")


class StorageError(Exception):
    """The root cannot be listed or read (credentials, container, path)."""


@dataclass(frozen=True)
class StoredFile:
    """One file under the root."""

    relative_path: str  # relative to the root, '/' separated; recorded on every row
    local_path: Path  # where DuckDB reads it (a staged copy for blobs)
    size: int
    version: str  # ETag or modification time: changes when a file name is reused
    modified: float


def is_remote(path: str) -> bool:
    """True for `azure://` and `abfs(s)://` roots."""
    return path.startswith(("azure://", "abfs://", "abfss://"))


def list_files(path: str, staging: Path, connection_string: str | None = None) -> list[StoredFile]:
    """Every file under the root (data files and manifests), blobs downloaded to `staging`.

    Args:
        path: local folder or file, or an Azure Blob Storage URL.
        staging: folder for downloaded blobs (the caller removes it).
        connection_string: optional storage connection string (dlt secret).

    Returns:
        Files sorted by relative path.

    Raises:
        StorageError: the root does not exist or cannot be listed.
    """
    if is_remote(path):
        return _list_blobs(path, staging, connection_string)
    root = Path(path)
    if root.is_file():
        stat = root.stat()
        return [StoredFile(root.name, root, stat.st_size, str(stat.st_mtime_ns), stat.st_mtime)]
    if not root.is_dir():
        raise StorageError(f"{path}: no such file or folder")
    files = []
    for item in sorted(root.rglob("*")):
        if item.is_file():
            stat = item.stat()
            rel = item.relative_to(root).as_posix()
            files.append(StoredFile(rel, item, stat.st_size, str(stat.st_mtime_ns), stat.st_mtime))
    return files


def _split_url(path: str) -> tuple[str, str, str | None]:
    """(container, prefix, account or None) of a blob URL."""
    match = _ABFS.match(path)
    if match:
        return match["container"], match["prefix"].strip("/"), match["account"]
    rest = path.split("://", 1)[1].strip("/")
    container, _, prefix = rest.partition("/")
    if not container:
        raise StorageError(f"{path}: no container in the URL (azure://<container>/<prefix>)")
    return container, prefix.strip("/"), None


def _service(account: str | None, connection_string: str | None) -> Any:
    from azure.storage.blob import BlobServiceClient

    conn = connection_string or os.environ.get("AZURE_STORAGE_CONNECTION_STRING")
    if conn:
        return BlobServiceClient.from_connection_string(conn)
    url = os.environ.get("AZURE_STORAGE_ACCOUNT_URL")
    if not url and account:
        url = f"https://{account}.blob.core.windows.net"
    if not url:
        raise StorageError(
            "no Azure Storage credentials: set AZURE_STORAGE_CONNECTION_STRING, or "
            "AZURE_STORAGE_ACCOUNT_URL with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN"
        )
    credential: Any = os.environ.get("AZURE_STORAGE_KEY") or os.environ.get(
        "AZURE_STORAGE_SAS_TOKEN"
    )
    if credential is None:
        try:  # managed identity / az login, when azure-identity is installed
            from azure.identity import DefaultAzureCredential

            credential = DefaultAzureCredential()
        except ImportError:
            credential = None
    return BlobServiceClient(account_url=url, credential=credential)


def _list_blobs(path: str, staging: Path, connection_string: str | None) -> list[StoredFile]:
    from azure.core.exceptions import AzureError

    container, prefix, account = _split_url(path)
    files = []
    try:
        client = _service(account, connection_string).get_container_client(container)
        for blob in client.list_blobs(name_starts_with=f"{prefix}/" if prefix else None):
            rel = blob.name[len(prefix) :].lstrip("/") if prefix else blob.name
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as handle:
                client.download_blob(blob.name).readinto(handle)
            modified = blob.last_modified.timestamp() if blob.last_modified else 0.0
            files.append(StoredFile(rel, target, blob.size, str(blob.etag), modified))
    except AzureError as error:
        first = str(error).strip().splitlines()[0][:300] if str(error).strip() else repr(error)
        raise StorageError(f"{path}: cannot list or read blobs: {first}") from error
    return sorted(files, key=lambda f: f.relative_path)
