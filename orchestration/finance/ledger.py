"""The finance schema: append-only close records, rule snapshots and journal lines.

dbt never builds these tables (gold's rpt_chargeback_journal is a view over them), so a full
refresh cannot rewrite a closed journal. One small connection wrapper serves DuckDB and
PostgreSQL with `?` placeholders.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ingestion.warehouse import duckdb_path, postgres_settings, warehouse_kind

SCHEMA = "finance"

DDL = (
    f"create schema if not exists {SCHEMA}",
    f"""create table if not exists {SCHEMA}.period_closes (
        close_id varchar not null,
        billing_period date not null,
        action varchar not null,
        sequence bigint not null,
        recorded_at timestamp not null,
        recorded_by varchar not null,
        reason varchar,
        forced boolean not null,
        cost_basis varchar,
        load_ids varchar,
        seed_checksums varchar,
        journal_id varchar,
        journal_checksum varchar,
        line_count bigint,
        debit_total decimal(38, 10),
        credit_total decimal(38, 10)
    )""",
    # added after the first release: the invoice control totals of a close (JSON text)
    f"alter table {SCHEMA}.period_closes add column if not exists invoice_control varchar",
    f"""create table if not exists {SCHEMA}.rule_snapshots (
        close_id varchar not null,
        seed_name varchar not null,
        row_json varchar not null
    )""",
    f"""create table if not exists {SCHEMA}.journal_lines (
        journal_id varchar not null,
        line_id varchar not null,
        close_id varchar not null,
        billing_period date not null,
        reference_period date not null,
        line_kind varchar not null,
        posting_date date not null,
        legal_entity varchar not null,
        cost_center varchar,
        gl_account varchar not null,
        currency varchar not null,
        cost_basis varchar not null,
        debit decimal(38, 10) not null,
        credit decimal(38, 10) not null,
        description varchar,
        recorded_at timestamp not null
    )""",
)


class Ledger:
    """A connection to the configured warehouse, with the finance tables created."""

    def __init__(self) -> None:
        self.kind = warehouse_kind()
        if self.kind == "duckdb":
            import duckdb

            self._con: Any = duckdb.connect(str(duckdb_path()))
        else:
            import psycopg

            self._con = psycopg.connect(**postgres_settings())
        with self.transaction():
            for statement in DDL:
                self.execute(statement)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; rows when it returns any."""
        if self.kind == "postgres":
            sql = sql.replace("?", "%s")
        cursor = self._con.execute(sql, list(params))
        try:
            return list(cursor.fetchall())
        except Exception:  # statements without a result set
            return []

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        """Append rows (dicts with the same keys) to a finance table."""
        if not rows:
            return
        columns = list(rows[0])
        sql = (
            f"insert into {SCHEMA}.{table} ({', '.join(columns)}) "
            f"values ({', '.join('?' for _ in columns)})"
        )
        if self.kind == "postgres":
            with self._con.cursor() as cursor:
                cursor.executemany(sql.replace("?", "%s"), [list(r.values()) for r in rows])
        else:
            self._con.executemany(sql, [list(r.values()) for r in rows])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a close never leaves half a journal."""
        if self.kind == "duckdb":
            self._con.execute("begin transaction")
        try:
            yield
        except BaseException:
            self._con.rollback()
            raise
        self._con.commit()

    def close(self) -> None:
        """Release the connection."""
        self._con.close()
