"""Read gold into pandas and write ml result tables with explicit column types.

dbt contracts do not cover tables Python writes, so each ml table declares its columns and
types here; the writer creates the table with them and casts every value on insert.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ingestion.warehouse import duckdb_path, postgres_settings, warehouse_kind

ML_SCHEMA = "ml"


def fetch_rows(sql: str, read_only: bool = False) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a query on the configured warehouse: (column names, rows).

    Args:
        sql: the query.
        read_only: open DuckDB read-only, so a SQL client may hold the file meanwhile.
    """
    if warehouse_kind() == "duckdb":
        import duckdb

        with duckdb.connect(str(duckdb_path()), read_only=read_only) as con:
            cursor = con.execute(sql)
            names = [column[0] for column in cursor.description or []]
            return names, cursor.fetchall()
    import psycopg

    with psycopg.connect(**postgres_settings()) as con:
        cursor = con.execute(sql)
        return [column.name for column in cursor.description or []], cursor.fetchall()


def read_sql(sql: str) -> pd.DataFrame:
    """Run a query on the configured warehouse and return a DataFrame."""
    names, rows = fetch_rows(sql)
    return pd.DataFrame(rows, columns=names)


def _added_columns(table: str, columns: Mapping[str, str]) -> list[str]:
    # a table written by an older release lacks the columns added since: add them (NULL for
    # the rows kept) instead of failing on the insert
    return [
        f"alter table {ML_SCHEMA}.{table} add column if not exists {name} {kind}"
        for name, kind in columns.items()
    ]


def write_table(
    frame: pd.DataFrame,
    table: str,
    columns: Mapping[str, str],
    replace_where: Mapping[str, Any] | None = None,
) -> int:
    """Write rows into ml.<table>, replacing all rows or only those matching `replace_where`.

    Args:
        frame: the rows; extra columns are ignored, missing ones are an error.
        table: table name inside the ml schema.
        columns: column -> portable SQL type (decimal(38,10), varchar, date, ...), in order.
        replace_where: column -> value of the rows to replace (append-only history keeps the
            rest); None replaces the whole table.

    Returns:
        Rows written.
    """
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ValueError(f"ml.{table}: result lacks column(s) {', '.join(missing)}")
    rows = frame[list(columns)]
    ddl = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    where, params = "", []
    if replace_where:
        where = " where " + " and ".join(f"{name} = ?" for name in replace_where)
        params = list(replace_where.values())
    if warehouse_kind() == "duckdb":
        import duckdb

        with duckdb.connect(str(duckdb_path())) as con:
            con.execute(f"create schema if not exists {ML_SCHEMA}")
            con.execute(f"create table if not exists {ML_SCHEMA}.{table} ({ddl})")
            for statement in _added_columns(table, columns):
                con.execute(statement)
            con.execute(f"delete from {ML_SCHEMA}.{table}{where}", params)
            con.register("incoming_rows", rows)
            casts = ", ".join(f"cast({name} as {kind})" for name, kind in columns.items())
            con.execute(
                f"insert into {ML_SCHEMA}.{table} ({', '.join(columns)}) "
                f"select {casts} from incoming_rows"
            )
        return len(rows)
    import psycopg

    with psycopg.connect(**postgres_settings()) as con:
        con.execute(f"create schema if not exists {ML_SCHEMA}")
        con.execute(f"create table if not exists {ML_SCHEMA}.{table} ({ddl})")
        for statement in _added_columns(table, columns):
            con.execute(statement)
        con.execute(f"delete from {ML_SCHEMA}.{table}{where.replace('?', '%s')}", params)
        # COPY, not row inserts: result tables can be large (one row per series and day)
        with con.cursor().copy(
            f"copy {ML_SCHEMA}.{table} ({', '.join(columns)}) from stdin"
        ) as copy:
            for record in rows.itertuples(index=False, name=None):
                copy.write_row([None if pd.isna(value) else value for value in record])
    return len(rows)
