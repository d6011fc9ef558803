"""The production instance file (infra/dagster/dagster.yaml) against the local PostgreSQL.

A throwaway database holds Dagster's storage; a partitioned asset is materialized through an
instance loaded from that file, then a fresh instance (a restart) and plain SQL read it back.
"""

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from orchestration.lib.partitions import billing_month
from tests.conftest import _admin_connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_instance_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """DAGSTER_HOME with the production dagster.yaml, its connection in DAGSTER_PG_*."""
    name = f"finops_dagster_{uuid.uuid4().hex[:8]}"
    with _admin_connection() as con:
        con.execute(f'create database "{name}"')
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(ROOT / "infra" / "dagster" / "dagster.yaml", home / "dagster.yaml")
    for key, value in {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": "5432",
        "DAGSTER_PG_DB": name,
        "DAGSTER_PG_USER": "postgres",
        "DAGSTER_PG_PASSWORD": "unused-with-trust-auth",
    }.items():
        monkeypatch.setenv(key, value)
    try:
        yield home, name
    finally:
        with _admin_connection() as con:
            con.execute(f'drop database if exists "{name}" with (force)')


@dg.asset(partitions_def=billing_month)
def tiny_month(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """The smallest partitioned asset: it records its billing month."""
    return dg.MaterializeResult(metadata={"billing_period": context.partition_key})


def test_runs_and_materializations_are_kept_in_postgres(pg_instance_home: tuple[Path, str]) -> None:
    home, database = pg_instance_home
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        result = dg.materialize([tiny_month], instance=instance, partition_key="2025-01-01")
        assert result.success
        run_id = result.run_id

    # a restarted process sees the run and the materialization through the same file
    with dg.DagsterInstance.from_config(str(home)) as restarted:
        run = restarted.get_run_by_id(run_id)
        assert run is not None and run.is_success
        event = restarted.get_latest_materialization_event(dg.AssetKey("tiny_month"))
        assert event is not None and event.run_id == run_id
        assert event.asset_materialization.partition == "2025-01-01"

    # and the rows really are in that PostgreSQL database, not in a SQLite file under home
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname=database) as con:
        rows = con.execute("select status from runs where run_id = %s", (run_id,)).fetchall()
    assert rows == [("SUCCESS",)]
    assert not list(home.rglob("*.db"))
