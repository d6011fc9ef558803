"""Fixtures shared by the ingestion tests: real S3 (moto) and Azure Blob (Azurite) servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ingestion.storage_servers import AWS_TEST_ENV, AZURITE, azurite_server, moto_server


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's S3 server on loopback, with dummy credentials in the standard AWS variables."""
    for name, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(name, value)
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Azurite blob service on 127.0.0.1; yields its connection string.

    Fails (never skips) when Azurite is not installed: run `make emulators`.
    """
    if not AZURITE.exists():
        pytest.fail(f"Azurite is not installed at {AZURITE}: run `make emulators` first")
    try:
        with azurite_server(tmp_path_factory.mktemp("azurite")) as connection_string:
            yield connection_string
    except RuntimeError as error:
        pytest.fail(str(error))
