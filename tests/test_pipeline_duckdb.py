"""The end-to-end tests of tests/pipeline_cases.py on the embedded DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pipeline_builds import Build, build
from tests.pipeline_cases import *  # noqa: F403 - the shared end-to-end tests and `sample`


@pytest.fixture(scope="module")
def built(sample, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    """A DuckDB warehouse built end to end through Dagster."""
    yield build("duckdb", sample, tmp_path_factory.mktemp("duck") / "wh.duckdb", None)
