"""The end-to-end tests of tests/pipeline_cases.py on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pipeline_builds import Build, build
from tests.pipeline_cases import *  # noqa: F403 - the shared end-to-end tests and `sample`


@pytest.fixture(scope="module")
def built(sample, postgres_database: str) -> Iterator[Build]:
    """A PostgreSQL warehouse built end to end through Dagster."""
    yield build("postgres", sample, None, postgres_database)
