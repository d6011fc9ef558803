"""Files under a local folder, an S3 prefix or an Azure Blob Storage prefix, fetched one at a time.

Roots:
    a local folder or file (or any fsspec URL of a local-like filesystem);
    `s3://<bucket>/<prefix>`: s3fs, credentials from the standard AWS chain (environment,
        profile, instance role); `storage_options` passes extra s3fs options (`endpoint_url`);
    `azure://<container>/<prefix>` or `abfs[s]://<container>@<account>.dfs.core.windows.net/
        <prefix>`: the Azure SDK (no adlfs here); credentials, first found: a connection string
        (dlt secret), `AZURE_STORAGE_CONNECTION_STRING`, or `AZURE_STORAGE_ACCOUNT_URL` (or the
        account of an abfs URL) with `AZURE_STORAGE_KEY` / `AZURE_STORAGE_SAS_TOKEN` (else
        azure-identity when installed).
A remote file is streamed into a private temp file (hashing it on the way), so DuckDB reads a
local file and nothing is held in memory whole; local files are read where they are.
Every storage failure is a StorageError naming the URL as given; nothing secret is reported.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHUNK = 8 << 20
_ABFS = re.compile(r"^abfss?://(?P<container>[^@/]+)@(?P<account>[^./]+)\.[^/]+/?(?P<prefix>.*)$")


class StorageError(Exception):
    """The root cannot be listed or a file cannot be read (credentials, bucket, path)."""


class RootNotFound(StorageError):
    """The folder, bucket prefix or blob prefix does not exist (yet): nothing was delivered."""


@dataclass(frozen=True)
class StoredObject:
    """One file under a root."""

    key: str  # the path the store understands (local path, `bucket/key`, blob name)
    relative_path: str  # '/'-separated, relative to the root (the folder of a single file)
    size: int
    modified: float
    version: str  # ETag or modification time: changes when a file name is reused


def is_blob_url(path: str) -> bool:
    """True for `azure://` and `abfs(s)://` roots."""
    return path.startswith(("azure://", "abfs://", "abfss://"))


def split_blob_url(path: str) -> tuple[str, str, str | None]:
    """(container, prefix, account or None) of a blob URL."""
    match = _ABFS.match(path)
    if match:
        return match["container"], match["prefix"].strip("/"), match["account"]
    rest = path.split("://", 1)[1].strip("/")
    container, _, prefix = rest.partition("/")
    if not container:
        raise StorageError(f"{path}: no container in the URL (azure://<container>/<prefix>)")
    return container, prefix.strip("/"), None


def blob_service(account: str | None, connection_string: str | None) -> Any:
    """A BlobServiceClient from the first credentials found (see the module docstring)."""
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


def first_line(error: BaseException) -> str:
    """A short, single-line description of a storage error, with a hint when access is denied."""
    text = str(error).strip()
    line = text.splitlines()[0][:300] if text else type(error).__name__
    if isinstance(error, PermissionError) or getattr(error, "status_code", None) in (401, 403):
        line += " (access denied: check the credentials and their permissions)"
    return line


class Store:
    """A root on some storage: list its files, stream one, name one for lineage."""

    url: str
    remote: bool
    _is_dir = True  # False when the root names a single file

    def list(self) -> list[StoredObject]:
        """Every file under the root (or the root file itself), sorted by relative path."""
        raise NotImplementedError

    def chunks(self, key: str) -> Iterator[bytes]:
        """A file's bytes, streamed."""
        raise NotImplementedError

    def lineage(self, obj: StoredObject) -> str:
        """The name recorded per row: relative path locally, the full URL for remote files."""
        if not self.remote:
            return obj.relative_path
        return f"{self.url.rstrip('/')}/{obj.relative_path}" if self._is_dir else self.url

    def read_bytes(self, key: str) -> bytes:
        """A small file (a manifest) whole."""
        return b"".join(self.chunks(key))

    def fetch(self, key: str, folder: Path) -> tuple[Path, str]:
        """(local path DuckDB can read, MD5): remote files are streamed into `folder`.

        The temp file keeps the file name, so DuckDB still sees `.csv.gz` / `.parquet`.
        """
        digest = hashlib.md5(usedforsecurity=False)
        if not self.remote:
            for chunk in self.chunks(key):
                digest.update(chunk)
            return Path(key), digest.hexdigest()
        target = folder / hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()[:12]
        target.mkdir(parents=True, exist_ok=True)
        target = target / key.rsplit("/", 1)[-1]
        with target.open("wb") as handle:
            for chunk in self.chunks(key):
                digest.update(chunk)
                handle.write(chunk)
        return target, digest.hexdigest()


def _modified(info: dict[str, Any]) -> float:
    value = info.get("mtime") or info.get("LastModified") or info.get("last_modified") or 0
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def _version(info: dict[str, Any]) -> str:
    for key in ("ETag", "etag", "mtime", "LastModified", "last_modified", "created"):
        if info.get(key) is not None:
            return str(info[key]).strip('"')
    return str(info.get("size", ""))


class FsspecStore(Store):
    """Local folders and S3 (and other fsspec filesystems) through fsspec."""

    def __init__(self, url: str, options: dict[str, Any] | None = None) -> None:
        from fsspec.core import url_to_fs

        self.url = url
        self.fs, root = url_to_fs(url, **(options or {}))
        self.root = root.rstrip("/") or root
        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        self.remote = not ({"file", "local"} & set(protocols))

    def _object(self, base: str, info: dict[str, Any]) -> StoredObject:
        name = info["name"]
        rel = name[len(base) :].lstrip("/") if base and name.startswith(base) else name
        return StoredObject(name, rel, int(info.get("size") or 0), _modified(info), _version(info))

    def list(self) -> list[StoredObject]:
        # fsspec reuses filesystem instances and their listings within a process (a sensor's
        # code server lives for days): a stale listing would miss new files, and s3fs would
        # read a rewritten object with the old ETag (HTTP 412)
        self.fs.invalidate_cache()
        try:
            if self.fs.isfile(self.root):
                self._is_dir = False
                base = self.root.rsplit("/", 1)[0] if "/" in self.root else ""
                return [self._object(base, self.fs.info(self.root))]
            if not self.fs.exists(self.root):
                what = "bucket or prefix" if self.remote else "file or folder"
                raise RootNotFound(f"{self.url}: no such {what}")
            listing = self.fs.find(self.root, detail=True)
        except StorageError:
            raise
        except Exception as error:  # s3fs maps S3 errors to OSError subclasses, botocore's not
            raise StorageError(f"{self.url}: cannot list: {first_line(error)}") from error
        return sorted(
            (self._object(self.root, info) for info in listing.values()),
            key=lambda o: o.relative_path,
        )

    def chunks(self, key: str) -> Iterator[bytes]:
        try:
            # no read cache: each chunk is one ranged GET, never a whole object in memory
            with self.fs.open(key, "rb", block_size=CHUNK, cache_type="none") as handle:
                yield from iter(lambda: handle.read(CHUNK), b"")
        except Exception as error:
            raise StorageError(f"{self.url}: cannot read {key}: {first_line(error)}") from error


class BlobStore(Store):
    """An Azure Blob Storage container prefix through the Azure SDK."""

    remote = True

    def __init__(self, url: str, connection_string: str | None = None) -> None:
        self.url = url
        self.container, self.prefix, account = split_blob_url(url)
        self.client = blob_service(account, connection_string).get_container_client(self.container)

    def list(self) -> list[StoredObject]:
        from azure.core.exceptions import AzureError

        prefix = self.prefix
        try:
            blobs = list(self.client.list_blobs(name_starts_with=f"{prefix}/" if prefix else None))
            base = prefix
            if not blobs and prefix:
                single = self.client.get_blob_client(prefix)
                if single.exists():
                    self._is_dir = False
                    blobs = [single.get_blob_properties()]
                    base = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
                else:
                    raise RootNotFound(f"{self.url}: no such blob or prefix")
        except AzureError as error:
            raise StorageError(f"{self.url}: cannot list blobs: {first_line(error)}") from error
        objects = []
        for blob in blobs:
            rel = blob.name[len(base) :].lstrip("/") if base else blob.name
            modified = blob.last_modified.timestamp() if blob.last_modified else 0.0
            objects.append(StoredObject(blob.name, rel, int(blob.size), modified, str(blob.etag)))
        return sorted(objects, key=lambda o: o.relative_path)

    def chunks(self, key: str) -> Iterator[bytes]:
        from azure.core.exceptions import AzureError

        try:
            yield from self.client.download_blob(key).chunks()
        except AzureError as error:
            raise StorageError(f"{self.url}: cannot read {key}: {first_line(error)}") from error


def open_store(
    url: str, storage_options: dict[str, Any] | None = None, connection_string: str | None = None
) -> Store:
    """The store of a root: Azure Blob URLs through the SDK, anything else through fsspec."""
    if is_blob_url(url):
        from azure.core.exceptions import AzureError

        try:
            return BlobStore(url, connection_string)
        except (AzureError, ValueError) as error:  # a malformed connection string
            raise StorageError(f"{url}: cannot connect: {first_line(error)}") from error
    try:
        return FsspecStore(url, storage_options)
    except (ImportError, ValueError, OSError) as error:
        raise StorageError(f"{url}: cannot open: {first_line(error)}") from error
