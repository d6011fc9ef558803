"""A PostgreSQL database per test: each test loads the same raw schemas from scratch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ingestion.accounts.servers import fresh_postgres_database


@pytest.fixture
def own_postgres_database() -> Iterator[str]:
    """A fresh database for this test only."""
    with fresh_postgres_database() as name:
        yield name
