"""Connect to the configured warehouse (FINOPS_WAREHOUSE) and run conformance there."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from data_tests.focus_conformance.rules import RuleSet
from data_tests.focus_conformance.runner import (
    DEFAULT_TABLE,
    ConformanceReport,
    Fetch,
    run_conformance,
)


@contextmanager
def warehouse_fetch() -> Iterator[tuple[Fetch, str, bool]]:
    """(fetch, dialect, json_is_object) on the configured warehouse, read-only on DuckDB."""
    from ingestion.warehouse import duckdb_path, postgres_settings, warehouse_kind

    if warehouse_kind() == "duckdb":
        import duckdb

        path = duckdb_path()
        if not path.exists():
            raise FileNotFoundError(f"{path}: no DuckDB warehouse (run the pipeline first)")
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.ConnectionException:
            # this process already holds the file open read-write (dbt-duckdb or dlt in the
            # same process, e.g. Dagster's in-process executor): share that configuration
            con = duckdb.connect(str(path))
        with con:

            def fetch_duckdb(sql: str) -> list[tuple[Any, ...]]:
                return con.execute(sql).fetchall()

            yield fetch_duckdb, "duckdb", False
        return
    import psycopg

    with psycopg.connect(**postgres_settings()) as con:
        # a read-only transaction: conformance never writes
        con.read_only = True
        version = int(con.execute("show server_version_num").fetchone()[0])

        def fetch_postgres(sql: str) -> list[tuple[Any, ...]]:
            return con.execute(sql).fetchall()

        yield fetch_postgres, "postgres", version >= 160000


def check_warehouse(
    rules: RuleSet | None = None,
    providers: Sequence[str] | None = None,
    table: str = DEFAULT_TABLE,
) -> ConformanceReport:
    """Run the conformance rules on the configured warehouse's silver table."""
    with warehouse_fetch() as (fetch, dialect, json_is_object):
        return run_conformance(fetch, dialect, rules, table, providers, json_is_object)
