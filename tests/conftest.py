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
