"""Shared test setup: isolated state folders, telemetry off, a throwaway PostgreSQL database.

The end-to-end warehouses are built once each (see `tests/pipeline_builds.py`); tests query them.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ingestion.storage_servers import AWS_TEST_ENV, AZURITE, azurite_server, moto_server

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="finops-tests-"))
os.environ.update(
    {
        "FINOPS_HOME": str(_SESSION_HOME),
        "DAGSTER_HOME": str(_SESSION_HOME / "dagster"),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        "FINOPS_ENV": "ci",
    }
)
for _name in (
    "FINOPS_WAREHOUSE",
    "FINOPS_DUCKDB_PATH",
    "FINOPS_POSTGRES_URL",
    "FINOPS_AUTOMATION",
    "FINOPS_KUBERNETES_TOKEN",
    "FINOPS_BUSINESS_METRICS_TOKEN",
):
    os.environ.pop(_name, None)
# a source path left in the shell would make every pipeline run load it too
for _name in [n for n in os.environ if n.startswith("FINOPS_") and n.endswith("_PATH")]:
    os.environ.pop(_name, None)

FIXTURES = Path(__file__).parent / "fixtures"
POSTGRES_DB = f"finops_test_{uuid.uuid4().hex[:8]}"


def _admin_connection():
    import psycopg

    return psycopg.connect(
        host="127.0.0.1",
        port=5432,
        user="postgres",
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the session, dropped at the end.

    The server must be up: CI starts it, and a test run without it fails rather than skips.
    """
    with _admin_connection() as con:
        con.execute(f'create database "{POSTGRES_DB}"')
    yield POSTGRES_DB
    with _admin_connection() as con:
        con.execute(f'drop database if exists "{POSTGRES_DB}" with (force)')


@pytest.fixture(scope="session")
def session_home() -> Path:
    """The session's FINOPS_HOME."""
    return _SESSION_HOME


# the real S3 (moto) and Azure Blob (Azurite) servers, here so a session starts Azurite once
# whichever test folders it runs
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
