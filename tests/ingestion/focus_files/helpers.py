"""Shared helpers of the FOCUS and SaaS source tests: run a source, reference totals, dbt."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from ingestion.common.report import SourceReport
from ingestion.warehouse import dbt_env, make_pipeline

PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
# the models these tests build: bronze and silver of AWS (int_costs_unioned needs it), FOCUS, SaaS,
# and what the union adds to the exports (recorded commitment terms, over the loaded periods)
MODEL_PARTS = (
    "bronze/aws_cur",
    "bronze/focus_files",
    "bronze/saas",
    "silver/aws",
    "silver/focus",
    "silver/saas",
    "silver/int_costs_exported.sql",
    "silver/int_costs_unioned.sql",
    "silver/commitments",
    "silver/finance",
    "silver/allocation/int_billing_periods.sql",
)


def run_source(module: Any, path: Path | str, **options: Any) -> SourceReport:
    """Load `path` with a source package into the current warehouse; return its report."""
    report = SourceReport()
    pipeline = make_pipeline(module.__name__.rsplit(".", 1)[-1], module.DATASET_NAME)
    pipeline.run(module.dlt_source(path=str(path), report=report, **options))
    return report


@contextmanager
def fresh_warehouse(kind: str, folder: Path) -> Iterator[None]:
    """An empty DuckDB file in `folder`, or a new PostgreSQL database dropped afterwards."""
    from tests.conftest import _admin_connection
    from tests.warehouse_utils import use_warehouse

    if kind == "duckdb":
        with use_warehouse("duckdb", duckdb_file=folder / f"wh_{uuid.uuid4().hex[:8]}.duckdb"):
            yield
        return
    database = f"finops_remote_{uuid.uuid4().hex[:8]}"
    with _admin_connection() as con:
        con.execute(f'create database "{database}"')
    try:
        with use_warehouse("postgres", pg_database=database):
            yield
    finally:
        with _admin_connection() as con:
            con.execute(f'drop database if exists "{database}" with (force)')


def reference_billed(path: Path, column: str = "BilledCost") -> Decimal:
    """Sum of a cost column read with the csv module (independent of the loader)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = Decimal(0)
    for row in rows:
        value = (row.get(column) or "").strip().replace("$", "").replace(",", "")
        if value and value.upper() != "NULL":
            total += Decimal(value)
    return total


def reference_by_month(path: Path) -> dict[str, Decimal]:
    """BilledCost per BillingPeriodStart month (ISO dates only), with csv + Decimal."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            totals[row["BillingPeriodStart"][:7]] += Decimal(row["BilledCost"])
    return dict(totals)


def dbt_build(tmp: Path, *select: str) -> None:
    """`dbt build` of the given selection on the current warehouse; fails on any error."""
    import os

    from dbt.cli.main import dbtRunner

    # a private copy with only these models: the selection ends at silver, and other sources'
    # and gold models of the shared checkout are being edited by others while tests run
    project = tmp / "dbt_project"
    if not project.exists():
        shutil.copytree(
            PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "models")
        )
        for part in MODEL_PARTS:
            source = PROJECT_DIR / "models" / part
            target = project / "models" / part
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy(source, target)
        # the union limited to the providers copied here (others add theirs to the same list)
        union = project / "models" / "silver" / "int_costs_exported.sql"
        union.write_text(
            re.sub(
                r"provider_models = \[.*?\]",
                "provider_models = [ref('int_aws__costs_focus'), ref('int_focus__costs_focus'), "
                "ref('int_saas__costs_focus')]",
                union.read_text(),
                flags=re.S,
            )
        )
    env = dbt_env()
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        result = dbtRunner().invoke(
            [
                "build", "--select", *select,
                "--project-dir", str(project), "--profiles-dir", str(project),
                "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
                "--no-use-colors", "--quiet",
            ]
        )  # fmt: skip
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success and not failures, f"dbt build failed: {result.exception} {failures}"


def create_empty_aws_raw() -> None:
    """The AWS bronze model reads its raw table with source(): create it empty."""
    from ingestion.aws_cur.settings import LINE_ITEM_COLUMNS, LINEAGE_COLUMNS

    types = {
        "string": "varchar", "map": "varchar", "money": "decimal(38,10)",
        "rate": "decimal(38,16)", "quantity": "double precision",
        "timestamp": "timestamp with time zone", "date": "date", "bigint": "bigint",
    }  # fmt: skip
    columns = [*LINE_ITEM_COLUMNS, *LINEAGE_COLUMNS, ("_dlt_load_id", "string")]
    ddl = ", ".join(f"{name} {types[kind]}" for name, kind in columns)
    execute(
        "create schema if not exists raw_aws_cur",
        f"create table if not exists raw_aws_cur.line_items ({ddl})",
    )


def execute(*statements: str) -> None:
    """Run statements that return nothing on the current warehouse."""
    from ingestion.warehouse import duckdb_path, postgres_settings, warehouse_kind

    if warehouse_kind() == "duckdb":
        import duckdb

        with duckdb.connect(str(duckdb_path())) as con:
            for statement in statements:
                con.execute(statement)
        return
    import psycopg

    with psycopg.connect(**postgres_settings(), autocommit=True) as con:
        for statement in statements:
            con.execute(statement)


def gz_bytes(text: str) -> bytes:
    """Gzip-compressed text."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as handle:
        handle.write(text.encode())
    return buffer.getvalue()


def as_json(value: Any) -> Any:
    """JSON text -> object (tags as stored)."""
    return json.loads(value) if isinstance(value, str) else value
