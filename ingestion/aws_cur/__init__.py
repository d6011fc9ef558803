"""dlt source for AWS cost exports: Data Exports (CUR 2.0) and legacy CUR, local or on S3."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from .columns import SQL_TYPES
from .plan import ExportPlan, IngestReport, parse_billing_period
from .replace import delete_units
from .settings import (
    DATASET_NAME,
    LINE_ITEM_COLUMNS,
    LINE_ITEMS_TABLE,
    LINEAGE_COLUMNS,
    LOADS_TABLE,
    MONEY_PRECISION,
    MONEY_SCALE,
    RATE_PRECISION,
    RATE_SCALE,
)

__all__ = [
    "DATASET_NAME",
    "TABLES",
    "IngestReport",
    "aws_cur",
    "dlt_source",
    "months_found",
    "parse_billing_period",
]

TABLES = (LINE_ITEMS_TABLE, LOADS_TABLE)

_DLT_TYPES = {
    "string": {"data_type": "text"},
    "map": {"data_type": "text"},
    "money": {"data_type": "decimal", "precision": MONEY_PRECISION, "scale": MONEY_SCALE},
    "rate": {"data_type": "decimal", "precision": RATE_PRECISION, "scale": RATE_SCALE},
    "quantity": {"data_type": "double"},
    "timestamp": {"data_type": "timestamp"},
    "bigint": {"data_type": "bigint"},
    "date": {"data_type": "date"},
}
assert set(_DLT_TYPES) == set(SQL_TYPES)

LINE_ITEM_HINTS = {
    name: {"name": name, "nullable": True, **_DLT_TYPES[kind]}
    for name, kind in LINE_ITEM_COLUMNS + LINEAGE_COLUMNS
}
# the loader files carry dlt's load id themselves (bronze flags the newest load with it)
LINE_ITEM_HINTS["_dlt_load_id"] = {"name": "_dlt_load_id", "data_type": "text", "nullable": False}
LOAD_HINTS = {
    "billing_period": {"data_type": "date", "nullable": True},
    "bill_payer_account_id": {"data_type": "text", "nullable": True},
    "unblended_cost_total": _DLT_TYPES["money"] | {"nullable": True},
    "net_unblended_cost_total": _DLT_TYPES["money"] | {"nullable": True},
    "error": {"data_type": "text", "nullable": True},
    "currency_codes": {"data_type": "text", "nullable": True},
    "source_uri": {"data_type": "text", "nullable": True},
    "detected_at": {"data_type": "timestamp"},
}


@dlt.source(name="aws_cur", max_table_nesting=0)
def aws_cur(
    path: str = dlt.config.value,
    billing_periods: Sequence[str] | None = None,
    storage_options: dict[str, Any] | None = None,
    report: IngestReport | None = None,
    memory_limit: str = "2GB",
    threads: int = 2,
    progress: Callable[[str], None] | None = None,
) -> Sequence[DltResource]:
    """AWS cost exports under one folder or S3 prefix.

    Args:
        path: local folder, single file, or `s3://bucket/prefix`; S3 credentials come from the
            standard AWS chain (environment, profile, instance role) via s3fs.
        billing_periods: only these months (`YYYY-MM`); all found when omitted.
        storage_options: extra fsspec options (e.g. `{"endpoint_url": ...}` for an S3 emulator).
        report: filled with what was loaded, quarantined and ignored.
        memory_limit: DuckDB memory cap while parsing files.
        threads: DuckDB threads while parsing files.
        progress: receives one short line per validated, quarantined or extracted file.

    Returns:
        The `line_items` and `export_loads` resources.
    """
    plan = ExportPlan(
        path,
        billing_periods,
        report if report is not None else IngestReport(),
        storage_options,
        memory_limit,
        threads,
        progress,
    )
    return line_items(plan), export_loads(plan)


def line_items(plan: ExportPlan) -> DltResource:
    """Cost lines as delivered, typed, with billing period and file lineage.

    Each (billing_period, bill_payer_account_id) is replaced as a unit: AWS rewrites a month's
    export several times, each delivery complete, so the unit's old rows are deleted and the
    new ones appended, and a re-delivered export never duplicates (see replace.py).

    Args:
        plan: the validated deliveries.

    Returns:
        A dlt resource yielding loader files DuckDB wrote (parquet, or CSV for PostgreSQL).
    """

    def files() -> Iterator[Any]:
        try:
            pipeline = dlt.current.pipeline()
            file_format = loader_file_format(pipeline)
            load_id = dlt.current.load_package_state()["load_id"]
            # in the pipeline's folder, so that dlt hard-links the files instead of copying
            with tempfile.TemporaryDirectory(dir=pipeline.working_dir) as directory:
                for path, rows in plan.loader_files(directory, file_format, load_id):
                    yield dlt.mark.with_file_import(path, file_format, rows)
                delete_units(pipeline, plan.units())
        finally:
            plan.close()

    return dlt.resource(
        files(),
        name=LINE_ITEMS_TABLE,
        write_disposition="append",
        columns=LINE_ITEM_HINTS,
    )


def loader_file_format(pipeline: dlt.Pipeline) -> str:
    """CSV for PostgreSQL (dlt loads it with COPY), parquet for DuckDB and the others."""
    destination = pipeline.destination
    kind = destination.destination_type if destination else ""
    return "csv" if kind.endswith(".postgres") else "parquet"


def export_loads(plan: ExportPlan) -> DltResource:
    """One row per replaced unit and per quarantined delivery, for every run.

    Append: this is the history of deliveries (manifest / assembly id, files with size and
    checksum, row counts, cost totals), and a month's history must survive its replacement.

    Args:
        plan: the validated deliveries.

    Returns:
        A dlt resource yielding plain records.
    """

    def records() -> Iterator[dict[str, Any]]:
        yield from plan.load_records()

    return dlt.resource(records(), name=LOADS_TABLE, write_disposition="append", columns=LOAD_HINTS)


# the names every source package exposes (see ingestion/registry.py)
dlt_source = aws_cur


def months_found(path: str) -> list[str]:
    """Billing months (YYYY-MM) of the exports under `path`: from manifests, else from the rows.

    Args:
        path: folder, file or s3:// prefix.

    Returns:
        Sorted months; a file that cannot be read is skipped here (the run reports it).
    """
    from .discovery import discover, open_root
    from .reader import ExportReader

    fs, root = open_root(path)
    deliveries, _ = discover(fs, root)
    months = {d.billing_period.strftime("%Y-%m") for d in deliveries if d.billing_period}
    loose = [d for d in deliveries if d.billing_period is None]
    if loose:
        reader = ExportReader(fs)
        try:
            for delivery in loose:
                for file in delivery.files:
                    try:
                        units = reader.validate(file, delivery)
                    except Exception:  # a bad file is reported by the run itself, not here
                        continue
                    months |= {period.strftime("%Y-%m") for period, _ in units}
        finally:
            reader.close()
    return sorted(months)
