"""dlt source for the Google Cloud Billing export: BigQuery tables, or CSV, JSON, parquet dumps."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from ingestion.common.report import SourceReport

from .settings import (
    COST_TABLE,
    DATASET_NAME,
    DERIVED_COLUMNS,
    FIELDS,
    LINEAGE_COLUMNS,
    LOADS_TABLE,
    MONEY_PRECISION,
    MONEY_SCALE,
    RATE_PRECISION,
    RATE_SCALE,
    TABLES,
)

__all__ = ["DATASET_NAME", "TABLES", "SourceReport", "dlt_source", "months_found"]

_MONEY = {"data_type": "decimal", "precision": MONEY_PRECISION, "scale": MONEY_SCALE}
_DLT_TYPES: dict[str, dict[str, Any]] = {
    "string": {"data_type": "text"},
    "json": {"data_type": "text"},
    "money": _MONEY,
    "rate": {"data_type": "decimal", "precision": RATE_PRECISION, "scale": RATE_SCALE},
    "quantity": {"data_type": "double"},
    "timestamp": {"data_type": "timestamp"},
    "bigint": {"data_type": "bigint"},
    "date": {"data_type": "date"},
}
COST_HINTS = {
    name: {"name": name, "nullable": True, **_DLT_TYPES[kind]}
    for name, kind in [(n, k) for n, k, _ in FIELDS] + DERIVED_COLUMNS + LINEAGE_COLUMNS
}
LOAD_HINTS = {
    "billing_period": {"data_type": "date", "nullable": True},
    "billing_account_id": {"data_type": "text", "nullable": True},
    "unit_key": {"data_type": "text", "nullable": True},
    "status": {"data_type": "text", "nullable": False},
    "source_file": {"data_type": "text", "nullable": True},
    "checksum": {"data_type": "text", "nullable": True},
    "files": {"data_type": "text", "nullable": True},
    "row_count": {"data_type": "bigint", "nullable": True},
    "cost_total": _MONEY | {"nullable": True},
    "x_cost_before_credits": _MONEY | {"nullable": True},
    "x_credits_total": _MONEY | {"nullable": True},
    "currency": {"data_type": "text", "nullable": True},
    "error": {"data_type": "text", "nullable": True},
    "detected_at": {"data_type": "timestamp", "nullable": False},
}


@dlt.source(name="gcp_billing", max_table_nesting=0)
def dlt_source(
    path: str = dlt.config.value,
    billing_periods: Sequence[str] | None = None,
    report: SourceReport | None = None,
    progress: Callable[[str], None] | None = None,
    number_locale: str = "plain",
    bigquery_endpoint: str | None = None,
    bigquery_page_size: int = 50_000,
    bigquery_lookback_days: int = 2,
    bigquery_partition_filter: bool = True,
    memory_limit: str = "2GB",
    threads: int = 2,
) -> Sequence[DltResource]:
    """Google Cloud Billing export rows, one invoice month of a billing account at a time.

    Args:
        path: folder or file of dumps (CSV, JSON lines, parquet), or
            `bigquery://project.dataset.table` (credentials from the standard Google chain),
            or `bigquery://project.dataset`: each billing account's export table in it.
        billing_periods: only these invoice months (`YYYY-MM`); files: all found when omitted,
            BigQuery: the open months (current and previous).
        report: filled with what was loaded, quarantined and noted.
        progress: receives one short line per fetched, validated, quarantined or extracted file.
        number_locale: how CSV amounts are written (`plain`, `en`, `de`, `fr`).
        bigquery_endpoint: API endpoint of a BigQuery emulator (anonymous credentials); unset
            for Google's.
        bigquery_page_size: rows per getQueryResults page.
        bigquery_lookback_days: days before the invoice month the export_time bound starts.
        bigquery_partition_filter: also bound `_PARTITIONTIME` (the export tables' partitions).
        memory_limit: DuckDB memory cap while parsing.
        threads: DuckDB threads while parsing.

    Returns:
        The `cost_lines` and `loads` resources.
    """
    from .plan import ExportPlan

    plan = ExportPlan(
        path,
        billing_periods,
        report if report is not None else SourceReport(),
        progress,
        number_locale,
        memory_limit,
        threads,
        {
            "endpoint": bigquery_endpoint,
            "page_size": bigquery_page_size,
            "lookback_days": bigquery_lookback_days,
            "partition_filter": bigquery_partition_filter,
        },
    )

    def cost_rows() -> Iterator[Any]:
        try:
            yield from plan.batches()
        finally:
            plan.close()  # the loads rows need only the validated totals, kept in the plan

    def load_rows() -> Iterator[dict[str, Any]]:
        yield from plan.load_records()

    # an invoice month of a billing account is replaced as a whole: the export restates the
    # open months all the time, so a reload must never duplicate what the previous one wrote
    cost = dlt.resource(
        cost_rows(),
        name=COST_TABLE,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key=["billing_period", "billing_account_id"],
        columns=COST_HINTS,
    )
    loads = dlt.resource(
        load_rows(), name=LOADS_TABLE, write_disposition="append", columns=LOAD_HINTS
    )
    return cost, loads


def months_found(path: str, number_locale: str = "plain") -> list[str]:
    """Invoice months (`YYYY-MM`) present under `path`; for BigQuery the open months."""
    from .plan import months_in

    return months_in(path, number_locale)
