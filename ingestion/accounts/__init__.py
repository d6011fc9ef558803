"""dlt source for the account hierarchy: AWS Organizations, Azure management groups, GCP
Resource Manager and CSV overrides, as snapshots replaced per source."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from ingestion.common.report import SourceReport

from .plan import HierarchyPlan, Options

__all__ = ["DATASET_NAME", "TABLES", "dlt_source", "months_found"]

DATASET_NAME = "raw_accounts"
ACCOUNTS_TABLE = "accounts"
LOADS_TABLE = "loads"
TABLES: tuple[str, ...] = (ACCOUNTS_TABLE, LOADS_TABLE)


def _text() -> dict[str, Any]:
    # a fresh dict per column: dlt adds keys (merge_key, name) to the hints it is given
    return {"data_type": "text", "nullable": True}


ACCOUNT_HINTS: dict[str, dict[str, Any]] = {
    **{
        name: _text()
        for name in (
            "x_provider",
            "account_id",
            "account_name",
            "account_type",
            "status",
            "parent_id",
            "parent_name",
            "parent_path",
            "hierarchy_path",
            "hierarchy_ids",
            "tags",
            "team",
            "cost_center",
            "product",
            "environment",
            "x_source",
            "x_source_key",
            "x_export_id",
            "x_source_file",
        )
    },
    "billing_period": {"data_type": "date", "nullable": True},
    "snapshot_at": {"data_type": "timestamp", "nullable": True},
    "x_source_row": {"data_type": "bigint", "nullable": True},
}
LOAD_HINTS: dict[str, dict[str, Any]] = {
    "billing_period": {"data_type": "date", "nullable": True},
    "unit_key": _text(),
    "status": _text(),
    "source_file": _text(),
    "checksum": _text(),
    "row_count": {"data_type": "bigint", "nullable": True},
    "cost_total": {"data_type": "decimal", "precision": 38, "scale": 10, "nullable": True},
    "currency": _text(),
    "error": _text(),
    "detected_at": {"data_type": "timestamp", "nullable": True},
}


def _arrow_schema() -> Any:
    import pyarrow as pa

    kinds = {
        "text": pa.string(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "bigint": pa.int64(),
    }
    return pa.schema([(name, kinds[hint["data_type"]]) for name, hint in ACCOUNT_HINTS.items()])


def months_found(path: str) -> list[str]:
    """Always empty: the hierarchy is a snapshot, not data of a billing month."""
    return []


@dlt.source(name="accounts", max_table_nesting=0)
def dlt_source(
    path: str = dlt.config.value,
    billing_periods: Sequence[str] | None = None,
    report: SourceReport | None = None,
    progress: Callable[[str], None] | None = None,
    aws_endpoint: str | None = None,
    azure_endpoint: str = "https://management.azure.com",
    gcp_endpoint: str = "https://cloudresourcemanager.googleapis.com",
    timeout: float = 30.0,
) -> Sequence[DltResource]:
    """Account hierarchy snapshots from every configured location.

    Args:
        path: comma-separated locations: `aws-organizations://`,
            `azure-management-groups://<groupId>`, `gcp-resource-manager://[?query=...]`,
            JSON snapshot files / folders, CSV override files / folders.
        billing_periods: ignored; the hierarchy is refreshed as a whole.
        report: filled with what was loaded and quarantined.
        progress: receives one short line per location or file.
        aws_endpoint: AWS Organizations endpoint override (boto3 also reads
            AWS_ENDPOINT_URL_ORGANIZATIONS).
        azure_endpoint: Azure Resource Manager base URL.
        gcp_endpoint: GCP Resource Manager base URL.
        timeout: seconds per HTTP request.

    Returns:
        The `accounts` and `loads` resources.
    """
    plan = HierarchyPlan(
        path,
        report if report is not None else SourceReport(),
        Options(aws_endpoint, azure_endpoint, gcp_endpoint, timeout),
        progress,
    )
    if billing_periods:
        plan.report.notes.append("accounts: billing periods ignored (hierarchy is a snapshot)")
    return accounts(plan), loads(plan)


def accounts(plan: HierarchyPlan) -> DltResource:
    """One row per account / subscription / project per hierarchy source.

    Merge, delete-insert on (x_source, x_source_key): each source's hierarchy is a snapshot, so
    a new snapshot replaces the previous one of the same source and location as a whole (moved
    or closed accounts disappear) while other sources' rows stay.
    """

    def rows() -> Iterator[Any]:
        import pyarrow as pa

        records = plan.rows()
        if records:
            # one Arrow table rather than dicts: dlt then loads a parquet file, not INSERTs
            yield pa.Table.from_pylist(records, schema=_arrow_schema())

    return dlt.resource(
        rows(),
        name=ACCOUNTS_TABLE,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key=["x_source", "x_source_key"],
        columns=ACCOUNT_HINTS,
    )


def loads(plan: HierarchyPlan) -> DltResource:
    """Append-only history: one row per replaced unit and per quarantined file or location."""

    def records() -> Iterator[dict[str, Any]]:
        yield from plan.load_records()

    return dlt.resource(records(), name=LOADS_TABLE, write_disposition="append", columns=LOAD_HINTS)
