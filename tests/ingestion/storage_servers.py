"""Real storage protocol servers for the ingestion tests: moto (S3) and Azurite (Blob).

Both run on 127.0.0.1 and speak the real wire protocol; the sources under test use their
ordinary clients (s3fs, the Azure SDK) against them. Fixtures are in tests/conftest.py.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AZURITE = REPO / "tests" / "emulators" / "node_modules" / ".bin" / "azurite-blob"
# Azurite's documented well-known development account (not a secret)
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's S3 server on loopback; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@contextmanager
def moto_checks_credentials(endpoint: str) -> Iterator[None]:
    """Make the moto server verify request signatures (moto's own API), then stop again.

    Only IAM users created in moto exist then, so any other access key is refused the way
    AWS refuses it (InvalidAccessKeyId / 403).
    """

    def post(count: str) -> None:
        request = urllib.request.Request(  # text/plain: a form body would be parsed away
            f"{endpoint}/moto-api/reset-auth",
            data=count.encode(),
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            json.loads(response.read())

    post("0")
    try:
        yield
    finally:
        post("inf")


def upload_s3(endpoint: str, bucket: str, files: dict[str, bytes]) -> None:
    """Create a bucket and put objects with boto3."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=bucket)
    for key, data in files.items():
        client.put_object(Bucket=bucket, Key=key, Body=data)


def upload(connection_string: str, container: str, files: dict[str, bytes]) -> None:
    """Create a container and upload blobs with the real SDK."""
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(connection_string)
    client = service.get_container_client(container)
    if not client.exists():
        client.create_container()
    for name, data in files.items():
        client.upload_blob(name, data, overwrite=True)


def tree(root: Path, prefix: str = "") -> dict[str, bytes]:
    """Every file under a folder as {`prefix/relative path`: bytes}."""
    lead = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
    return {
        f"{lead}{path.relative_to(root).as_posix()}": path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@contextmanager
def azurite_server(workdir: Path) -> Iterator[str]:
    """A real Azurite blob service on 127.0.0.1; yields its connection string."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(AZURITE),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--location",
            str(workdir),
            "--skipApiVersionCheck",
            "--silent",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"Azurite exited: {process.stderr.read().decode()[:500]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("Azurite did not start within 30 s")
        yield (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};"
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(workdir, ignore_errors=True)
