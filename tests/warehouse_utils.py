"""Point the pipeline at a test warehouse and query it (real DuckDB / PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_KEYS = ("FINOPS_WAREHOUSE", "FINOPS_DUCKDB_PATH", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE")


@contextmanager
def use_warehouse(
    kind: str, duckdb_file: Path | None = None, pg_database: str | None = None
) -> Iterator[None]:
    """Set the FINOPS_WAREHOUSE variables for the block, restoring them after."""
    saved = {key: os.environ.get(key) for key in _KEYS}
    os.environ["FINOPS_WAREHOUSE"] = kind
    if kind == "duckdb":
        assert duckdb_file is not None
        os.environ["FINOPS_DUCKDB_PATH"] = str(duckdb_file)
    else:
        assert pg_database is not None
        os.environ.update(
            PGHOST="127.0.0.1", PGPORT="5432", PGUSER="postgres", PGDATABASE=pg_database
        )
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def query(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run SQL on the warehouse the environment points at."""
    from ingestion.warehouse import duckdb_path, postgres_settings, warehouse_kind

    if warehouse_kind() == "duckdb":
        import duckdb

        with duckdb.connect(str(duckdb_path())) as con:
            return con.execute(sql, list(params)).fetchall()
    import psycopg

    with psycopg.connect(**postgres_settings()) as con:
        return con.execute(sql.replace("?", "%s"), params).fetchall()


def execute(sql: str) -> None:
    """Run a statement that returns no rows on the warehouse the environment points at."""
    from ingestion.warehouse import duckdb_path, postgres_settings, warehouse_kind

    if warehouse_kind() == "duckdb":
        import duckdb

        with duckdb.connect(str(duckdb_path())) as con:
            con.execute(sql)
        return
    import psycopg

    with psycopg.connect(**postgres_settings()) as con:
        con.execute(sql)


def table_exists(schema: str, table: str) -> bool:
    """True when schema.table exists in the current warehouse."""
    rows = query(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        (schema, table),
    )
    return rows[0][0] > 0


def create_table(table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    """Create schema.table with the column definitions and insert the rows, on the warehouse
    the environment points at."""
    from ingestion.warehouse import duckdb_path, postgres_settings, warehouse_kind

    schema = table.split(".")[0]
    statements = [f"create schema if not exists {schema}", f"create table {table} ({columns})"]
    if warehouse_kind() == "duckdb":
        import duckdb
        import pandas as pd

        with duckdb.connect(str(duckdb_path())) as con:
            for statement in statements:
                con.execute(statement)
            if rows:
                con.register("staged_rows", pd.DataFrame(rows).astype(object))
                con.execute(f"insert into {table} select * from staged_rows")
        return
    import psycopg

    with psycopg.connect(**postgres_settings()) as con:
        for statement in statements:
            con.execute(statement)
        with con.cursor().copy(f"copy {table} from stdin") as copy:
            for row in rows:
                copy.write_row(row)
