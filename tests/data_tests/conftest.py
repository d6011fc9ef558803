"""One demo warehouse per session (the real pipeline, checks included) and broken copies."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

DEMO_ARGS = ("demo", "--scale", "20000", "--providers", "aws")  # 2025-01..2025-03


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB warehouse built by `finops demo` (sample data, dlt, dbt, Dagster run)."""
    home = tmp_path_factory.mktemp("dq-demo")
    env = {key: value for key, value in os.environ.items() if not key.startswith("FINOPS_")}
    env.update(FINOPS_HOME=str(home), DAGSTER_HOME=str(home / "dagster"))
    done = subprocess.run(
        [sys.executable, "-c", "from orchestration.cli import main; main()", *DEMO_ARGS],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return home / "warehouse.duckdb"


@pytest.fixture
def broken_copy(demo_warehouse: Path, tmp_path: Path) -> Callable[[list[str], list[str]], Path]:
    """Copy tables of the demo warehouse to a new file and run statements that break them."""

    def make(tables: list[str], statements: list[str]) -> Path:
        target = tmp_path / "broken.duckdb"
        with duckdb.connect(str(target)) as con:
            con.execute(f"attach '{demo_warehouse}' as demo (read_only)")
            for table in tables:
                schema = table.split(".")[0]
                con.execute(f"create schema if not exists {schema}")
                con.execute(f"create table {table} as select * from demo.{table}")
            con.execute("detach demo")
            for statement in statements:
                con.execute(statement)
        return target

    return make
