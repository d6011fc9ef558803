"""List export files under a local folder or an Azure Blob Storage prefix.

Blob exports are downloaded once into a private temporary folder and then read locally: DuckDB
has no Azure filesystem here (no adlfs), and a cost month is small enough to stage on disk.

Accepted roots:
    a local folder or single file;
    `azure://<container>/<prefix>` (the account comes from the credentials);
    `abfs[s]://<container>@<account>.dfs.core.windows.net/<prefix>`.
Credentials (first found): the `connection_string` option, `AZURE_STORAGE_CONNECTION_STRING`,
or `AZURE_STORAGE_ACCOUNT_URL` (or the account in an abfs URL) with `AZURE_STORAGE_KEY` /
`AZURE_STORAGE_SAS_TOKEN`; the URL forms and credentials are shared with the FOCUS and SaaS
sources (ingestion/common/storage.py). Nothing secret is ever written to a report or log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingestion.common.storage import StorageError, blob_service, first_line, split_blob_url
from ingestion.common.storage import is_blob_url as is_remote

__all__ = ["StorageError", "StoredFile", "is_remote", "list_files"]


@dataclass(frozen=True)
class StoredFile:
    """One file under the root."""

    relative_path: str  # relative to the root, '/' separated; recorded on every row
    local_path: Path  # where DuckDB reads it (a staged copy for blobs)
    size: int
    version: str  # ETag or modification time: changes when a file name is reused
    modified: float


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


def _list_blobs(path: str, staging: Path, connection_string: str | None) -> list[StoredFile]:
    from azure.core.exceptions import AzureError

    container, prefix, account = split_blob_url(path)
    files = []
    try:
        client = blob_service(account, connection_string).get_container_client(container)
        for blob in client.list_blobs(name_starts_with=f"{prefix}/" if prefix else None):
            rel = blob.name[len(prefix) :].lstrip("/") if prefix else blob.name
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as handle:
                client.download_blob(blob.name).readinto(handle)
            modified = blob.last_modified.timestamp() if blob.last_modified else 0.0
            files.append(StoredFile(rel, target, blob.size, str(blob.etag), modified))
    except AzureError as error:
        raise StorageError(f"{path}: cannot list or read blobs: {first_line(error)}") from error
    return sorted(files, key=lambda f: f.relative_path)
