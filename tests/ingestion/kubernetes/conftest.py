"""Fixtures of the Kubernetes source tests: a warehouse per test, DuckDB or PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.warehouse_utils import use_warehouse


def _admin() -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1", port=5432, user="postgres", dbname="postgres", autocommit=True
    )


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty warehouse of each kind, selected through the FINOPS_* variables."""
    if request.param == "duckdb":
        with use_warehouse("duckdb", duckdb_file=tmp_path / "warehouse.duckdb"):
            yield "duckdb"
        return
    name = f"finops_k8s_{uuid.uuid4().hex[:8]}"
    with _admin() as con:
        con.execute(f'create database "{name}"')
    try:
        with use_warehouse("postgres", pg_database=name):
            yield "postgres"
    finally:
        with _admin() as con:
            con.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def duckdb_warehouse(tmp_path: Path) -> Iterator[Path]:
    """An empty DuckDB warehouse (for tests that need only one engine)."""
    path = tmp_path / "warehouse.duckdb"
    with use_warehouse("duckdb", duckdb_file=path):
        yield path
