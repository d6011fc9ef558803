"""dlt source for FOCUS files from any provider (AWS, Azure, GCP, OCI, SaaS vendors).

Loads FOCUS 0.5 to 1.4 CSV, CSV.gz and parquet files into one raw table with the current
column names; see README.md for config keys, layout, versions and bad-input handling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from ingestion.common.numbers import check_locale
from ingestion.common.report import SourceReport

from .columns import FOCUS_COLUMNS, check_version, snake

__all__ = ["DATASET_NAME", "TABLES", "dlt_source", "months_found"]

DATASET_NAME = "raw_focus_files"
COSTS_TABLE = "costs"
LOADS_TABLE = "loads"
TABLES: tuple[str, ...] = (COSTS_TABLE, LOADS_TABLE)
MERGE_KEY = ["billing_period", "x_unit_account", "x_unit_provider"]

_TYPES = {
    "string": {"data_type": "text"},
    "json": {"data_type": "text"},
    "money": {"data_type": "decimal", "precision": 38, "scale": 10},
    "rate": {"data_type": "decimal", "precision": 38, "scale": 16},
    "quantity": {"data_type": "double"},
    "timestamp": {"data_type": "timestamp"},
}
COST_HINTS: dict[str, dict[str, Any]] = {
    snake(name): {"name": snake(name), "nullable": True, **_TYPES[kind]}
    for name, kind, _ in FOCUS_COLUMNS
} | {
    "billing_period": {"name": "billing_period", "data_type": "date", "nullable": False},
    "x_unit_account": {"name": "x_unit_account", "data_type": "text", "nullable": False},
    "x_unit_provider": {"name": "x_unit_provider", "data_type": "text", "nullable": False},
    "x_focus_version": {"name": "x_focus_version", "data_type": "text", "nullable": True},
    "x_export_id": {"name": "x_export_id", "data_type": "text", "nullable": True},
    "x_source_file": {"name": "x_source_file", "data_type": "text", "nullable": False},
    "x_source_row": {"name": "x_source_row", "data_type": "bigint", "nullable": False},
    "x_extra": {"name": "x_extra", "data_type": "text", "nullable": True},
}
LOAD_HINTS: dict[str, dict[str, Any]] = {
    "billing_period": {"data_type": "date", "nullable": True},
    "unit_key": {"data_type": "text", "nullable": True},
    "status": {"data_type": "text", "nullable": False},
    "source_file": {"data_type": "text", "nullable": True},
    "checksum": {"data_type": "text", "nullable": True},
    "row_count": {"data_type": "bigint", "nullable": True},
    "cost_total": {"data_type": "decimal", "precision": 38, "scale": 10, "nullable": True},
    "currency": {"data_type": "text", "nullable": True},
    "error": {"data_type": "text", "nullable": True},
    "detected_at": {"data_type": "timestamp", "nullable": False},
    "focus_version": {"data_type": "text", "nullable": True},
    "files": {"data_type": "text", "nullable": True},
}


@dlt.source(name="focus", max_table_nesting=0)
def dlt_source(
    path: str = dlt.config.value,
    billing_periods: Sequence[str] | None = None,
    report: SourceReport | None = None,
    progress: Callable[[str], None] | None = None,
    number_locale: str = "plain",
    focus_version: str | None = None,
    storage_options: dict[str, Any] | None = None,
    memory_limit: str = "2GB",
    threads: int = 2,
    connection_string: str | None = None,
) -> Sequence[DltResource]:
    """FOCUS files under a folder, file or bucket prefix; nothing is read until iterated.

    Args:
        path: local folder or file, `s3://<bucket>/<prefix>` (credentials from the standard AWS
            chain via s3fs), `azure://<container>/<prefix>` or
            `abfss://<container>@<account>.dfs.core.windows.net/<prefix>` (Azure Blob Storage).
        billing_periods: only these months (`YYYY-MM`); all found when omitted.
        report: filled with what was loaded, quarantined and noted.
        progress: receives one short line per validated, quarantined or extracted file.
        number_locale: how amounts are written (`plain`, `en`, `de`, `fr`).
        focus_version: the version to assume when a file's columns fit several.
        storage_options: fsspec options for S3 (e.g. `endpoint_url` of an emulator).
        memory_limit: DuckDB memory cap while parsing.
        threads: DuckDB threads while parsing.
        connection_string: Azure Storage connection string (a dlt secret); else the
            AZURE_STORAGE_* environment variables.

    Returns:
        The `costs` and `loads` resources.
    """
    from .plan import FocusPlan

    plan = FocusPlan(
        path,
        billing_periods,
        report if report is not None else SourceReport(),
        progress,
        check_locale(number_locale),
        check_version(focus_version),
        storage_options,
        memory_limit,
        threads,
        connection_string,
    )

    def rows() -> Iterator[Any]:
        try:
            yield from plan.batches()
        finally:
            plan.close()

    def loads() -> Iterator[dict[str, Any]]:
        yield from plan.load_records()

    costs = dlt.resource(
        rows(),
        name=COSTS_TABLE,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key=MERGE_KEY,
        columns=COST_HINTS,
    )
    history = dlt.resource(
        loads(), name=LOADS_TABLE, write_disposition="append", columns=LOAD_HINTS
    )
    return costs, history


def months_found(path: str, number_locale: str = "plain") -> list[str]:
    """Billing months (`YYYY-MM`) under `path`: declared by folders, else read from the files.

    Files are validated, so amounts are read under `number_locale` like the load reads them.
    """
    from ingestion.common.storage import open_store

    from .discovery import discover
    from .reader import FocusReader

    store = open_store(path)
    deliveries, _ = discover(store)
    months: set[str] = set()
    reader = FocusReader(store, check_locale(number_locale))
    try:
        for delivery in deliveries:
            if delivery.period is not None:
                months.add(f"{delivery.period:%Y-%m}")
                continue
            for file in delivery.files:
                try:
                    info = reader.validate(file, None)
                except Exception:  # a bad file has no months; ingest reports it
                    continue
                months |= {f"{key[0]:%Y-%m}" for key in info.units}
    finally:
        reader.close()
    return sorted(months)
