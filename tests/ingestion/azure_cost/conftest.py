"""Azure cost source test helpers: independent reference totals, pipeline runs, Azurite."""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "azure_cost"
AZURITE = REPO / "tests" / "emulators" / "node_modules" / ".bin" / "azurite-blob"
# Azurite's documented well-known development account (not a secret)
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

# the billed amount of a cost details row: v2 EA/MCA, v2 EA (older), v1 / pay-as-you-go
COST_HEADERS = ("costinbillingcurrency", "cost", "pretaxcost")


def reference_total(path: Path) -> Decimal:
    """Sum of a cost details file's cost column, read with the csv module and Decimal."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader)]
        index = next(header.index(h) for h in COST_HEADERS if h in header)
        return sum((Decimal(row[index]) for row in reader if row), Decimal(0))


def run_source(path: str, **options: Any) -> tuple[Any, Any]:
    """Run the real source into the configured warehouse; (report, load info)."""
    from ingestion.azure_cost import DATASET_NAME, dlt_source
    from ingestion.common.report import SourceReport
    from ingestion.warehouse import make_pipeline

    report = SourceReport()
    pipeline = make_pipeline("azure_cost", DATASET_NAME)
    info = pipeline.run(dlt_source(path=path, report=report, **options))
    return report, info


def write_csv(path: Path, header: list[str], rows: list[list[str]], bom: bool = False) -> Path:
    """A CSV written the way Azure writes exports (comma, double quotes, CRLF-free)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode())
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Azurite blob service on 127.0.0.1; yields its connection string.

    Fails (never skips) when Azurite is not installed: run `make emulators`.
    """
    if not AZURITE.exists():
        pytest.fail(f"Azurite is not installed at {AZURITE}: run `make emulators` first")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("azurite")
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
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Azurite exited: {process.stderr.read().decode()[:500]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("Azurite did not start within 30 s")
    yield (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};"
    )
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture()
def duckdb_warehouse(tmp_path: Path) -> Iterator[Path]:
    """A fresh DuckDB warehouse file, selected for the test."""
    from tests.warehouse_utils import use_warehouse

    path = tmp_path / "warehouse.duckdb"
    with use_warehouse("duckdb", path):
        yield path


def upload(connection_string: str, container: str, files: dict[str, bytes]) -> None:
    """Create a container and upload blobs with the real SDK."""
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(connection_string)
    client = service.get_container_client(container)
    if not client.exists():
        client.create_container()
    for name, data in files.items():
        client.upload_blob(name, data, overwrite=True)


__all__ = ["FIXTURES", "os", "reference_total", "run_source", "upload", "write_csv"]
