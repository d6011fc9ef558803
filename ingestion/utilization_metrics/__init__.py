"""dlt source for resource utilization (CPU, memory) from CloudWatch / Azure Monitor CSV exports,
plus an optional resource inventory (instance type, state), the inputs of rightsizing.

See README.md for the accepted headers, config keys and bad-input handling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from ingestion.common.report import SourceReport

from .plan import UtilizationPlan

__all__ = ["DATASET_NAME", "TABLES", "dlt_source", "months_found"]

DATASET_NAME = "raw_utilization_metrics"
SAMPLES_TABLE = "metric_samples"
RESOURCES_TABLE = "resources"
LOADS_TABLE = "loads"
TABLES: tuple[str, ...] = (SAMPLES_TABLE, RESOURCES_TABLE, LOADS_TABLE)


def _hint(data_type: str) -> dict[str, Any]:
    # a fresh dict per column: dlt adds keys (merge_key, name) to the hints it is given
    return {"data_type": data_type, "nullable": True}


SAMPLE_HINTS: dict[str, dict[str, Any]] = {
    "resource_id": _hint("text"),
    "metric": _hint("text"),
    "source_metric": _hint("text"),
    "sample_time": _hint("timestamp"),
    "average": _hint("double"),
    "maximum": _hint("double"),
    "unit": _hint("text"),
    "account_id": _hint("text"),
    "billing_period": _hint("date"),
    "x_source_row": _hint("bigint"),
    "x_export_id": _hint("text"),
    "x_source_file": _hint("text"),
}
RESOURCE_HINTS: dict[str, dict[str, Any]] = {
    "resource_id": _hint("text"),
    "resource_type": _hint("text"),
    "instance_type": _hint("text"),
    "state": _hint("text"),
    "account_id": _hint("text"),
    "region": _hint("text"),
    "snapshot_at": _hint("timestamp"),
    "x_source_row": _hint("bigint"),
    "x_export_id": _hint("text"),
    "x_source_file": _hint("text"),
}
LOAD_HINTS: dict[str, dict[str, Any]] = {
    "billing_period": _hint("date"),
    "unit_key": _hint("text"),
    "status": _hint("text"),
    "source_file": _hint("text"),
    "checksum": _hint("text"),
    "row_count": _hint("bigint"),
    "error": _hint("text"),
    "detected_at": _hint("timestamp"),
}


def months_found(path: str) -> list[str]:
    """Months (YYYY-MM) with metric samples under `path` (a folder or a file)."""
    return UtilizationPlan(path, None, SourceReport()).months()


@dlt.source(name="utilization_metrics", max_table_nesting=0)
def dlt_source(
    path: str = dlt.config.value,
    billing_periods: Sequence[str] | None = None,
    report: SourceReport | None = None,
    progress: Callable[[str], None] | None = None,
) -> Sequence[DltResource]:
    """CPU and memory utilization per resource, and the resource inventory.

    Args:
        path: a folder (searched recursively) or a file of `.csv` / `.csv.gz`.
        billing_periods: only samples of these months (`YYYY-MM`); all found when omitted.
            The inventory is a snapshot and always loads.
        report: filled with what was loaded and quarantined.
        progress: one short line per validated, quarantined or extracted file.

    Returns:
        The `metric_samples`, `resources` and `loads` resources.
    """
    plan = UtilizationPlan(
        path,
        list(billing_periods) if billing_periods else None,
        report if report is not None else SourceReport(),
        progress,
    )
    return metric_samples(plan), resources(plan), loads(plan)


def metric_samples(plan: UtilizationPlan) -> DltResource:
    """One row per (resource, metric, sample time): average and maximum in percent.

    Merge, delete-insert on (billing_period, resource_id, metric): a resource's metric over a
    month is replaced as a whole by the newest file holding it, so re-loading never duplicates.
    """

    def tables() -> Iterator[Any]:
        yield from plan.samples()

    return dlt.resource(
        tables(),
        name=SAMPLES_TABLE,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key=["billing_period", "resource_id", "metric"],
        columns=SAMPLE_HINTS,
    )


def resources(plan: UtilizationPlan) -> DltResource:
    """One row per resource: type, instance type and state from the newest inventory file."""

    def rows() -> Iterator[dict[str, Any]]:
        yield from plan.resources()

    return dlt.resource(
        rows(),
        name=RESOURCES_TABLE,
        write_disposition={"disposition": "merge", "strategy": "upsert"},
        primary_key="resource_id",
        columns=RESOURCE_HINTS,
    )


def loads(plan: UtilizationPlan) -> DltResource:
    """Append-only history: one row per replaced unit and per quarantined file."""

    def records() -> Iterator[dict[str, Any]]:
        yield from plan.load_records()

    return dlt.resource(records(), name=LOADS_TABLE, write_disposition="append", columns=LOAD_HINTS)
