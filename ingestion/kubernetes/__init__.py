"""dlt source for Kubernetes cost allocation (OpenCost / Kubecost) and OpenShift usage (koku).

Allocation data supplies weights for splitting the cloud bill's node costs, not extra dollars:
the cluster's machines are already on the cloud bill. Only clusters without a cloud bill
(on-premises) become cost rows of their own, in silver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from ingestion.common.report import SourceReport

from .settings import (
    ALLOCATION_COLUMNS,
    ALLOCATIONS_TABLE,
    DATASET_NAME,
    LINEAGE_COLUMNS,
    LOADS_TABLE,
    MONEY_PRECISION,
    MONEY_SCALE,
    OPENSHIFT_LINEAGE,
    OPENSHIFT_REPORTS,
    TABLES,
)

__all__ = ["DATASET_NAME", "TABLES", "dlt_source", "months_found"]

_DLT_TYPES = {
    "string": {"data_type": "text"},
    "json": {"data_type": "text"},
    "money": {"data_type": "decimal", "precision": MONEY_PRECISION, "scale": MONEY_SCALE},
    "quantity": {"data_type": "double"},
    "timestamp": {"data_type": "timestamp"},
    "date": {"data_type": "date"},
    "bigint": {"data_type": "bigint"},
}
_MERGE = {"disposition": "merge", "strategy": "delete-insert"}
_UNIT = ["billing_period", "cluster_id"]


def _hints(columns: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    return {name: {"name": name, "nullable": True, **_DLT_TYPES[kind]} for name, kind in columns}


def _openshift_columns(table: str) -> list[tuple[str, str]]:
    spec = OPENSHIFT_REPORTS[table]
    labels = [(f"{column}_json", "json") for column in spec["labels"]]
    return spec["columns"] + labels + OPENSHIFT_LINEAGE


LOAD_HINTS = _hints(
    [
        ("billing_period", "date"),
        ("unit_key", "string"),
        ("table_name", "string"),
        ("cluster_id", "string"),
        ("status", "string"),
        ("source_file", "string"),
        ("checksum", "string"),
        ("files", "json"),
        ("row_count", "bigint"),
        ("cost_total", "money"),
        ("currency", "string"),
        ("error", "string"),
        ("detected_at", "timestamp"),
    ]
)


@dlt.source(name="kubernetes", max_table_nesting=0)
def dlt_source(
    path: str = dlt.config.value,
    billing_periods: Sequence[str] | None = None,
    report: SourceReport | None = None,
    progress: Callable[[str], None] | None = None,
    cluster_id: str | None = None,
    currency: str = "USD",
    number_locale: str = "plain",
    http_path: str = "/allocation",
    http_query: dict[str, str] | None = None,
    token: str | None = None,
    timeout: float = 60.0,
    retries: int = 2,
    backoff: float = 2.0,
    memory_limit: str = "2GB",
    threads: int = 2,
) -> Sequence[DltResource]:
    """OpenCost / Kubecost allocations and koku OpenShift usage under a folder, file or URL.

    Lazy: nothing is read or requested until the resources are iterated.

    Args:
        path: folder or file (allocation JSON / CSV, koku payloads), or an http(s):// OpenCost
            base URL (Kubecost: `http://host:9090/model`).
        billing_periods: only these months (`YYYY-MM`); all found (files) or last and current
            month (URL) when omitted.
        report: filled with what was loaded, quarantined and noted.
        progress: receives one short line per validated, quarantined or extracted file.
        cluster_id: cluster of CSV rows without a Cluster column.
        currency: currency OpenCost prices in (its API does not say).
        number_locale: how CSV numbers are written (ingestion/common/numbers.py).
        http_path: allocation path under the base URL.
        http_query: extra or overriding query parameters (e.g. `{"aggregate": "namespace"}`).
        token: bearer token; else the FINOPS_KUBERNETES_TOKEN environment variable.
        timeout: seconds per HTTP attempt.
        retries: extra attempts after HTTP 5xx / 429 / timeout.
        backoff: seconds before the first retry, doubled each time.
        memory_limit: DuckDB memory cap while parsing.
        threads: DuckDB threads while parsing.

    Returns:
        One resource per table of TABLES.
    """
    from .plan import HttpOptions, LoadPlan

    plan = LoadPlan(
        path,
        billing_periods,
        report if report is not None else SourceReport(),
        cluster_id=cluster_id,
        currency=currency,
        number_locale=number_locale,
        http_options=HttpOptions(
            http_path, dict(http_query or {}), token, timeout, retries, backoff
        ),
        progress=progress,
        memory_limit=memory_limit,
        threads=threads,
    )

    def rows(table: str) -> Iterator[Any]:
        yield from plan.batches(table)

    def loads() -> Iterator[dict[str, Any]]:
        yield from plan.load_records()

    # each table replaces a (billing period, cluster) as a unit: a re-export or a re-fetched
    # month never duplicates, and a cluster missing from a run keeps its earlier data
    resources = [
        dlt.resource(
            rows(ALLOCATIONS_TABLE),
            name=ALLOCATIONS_TABLE,
            write_disposition=_MERGE,
            merge_key=_UNIT,
            columns=_hints(ALLOCATION_COLUMNS + LINEAGE_COLUMNS),
        )
    ]
    resources += [
        dlt.resource(
            rows(table),
            name=table,
            write_disposition=_MERGE,
            merge_key=_UNIT,
            columns=_hints(_openshift_columns(table)),
        )
        for table in OPENSHIFT_REPORTS
    ]
    # append: the history of deliveries must survive the replacement of their units
    resources.append(
        dlt.resource(loads(), name=LOADS_TABLE, write_disposition="append", columns=LOAD_HINTS)
    )
    assert tuple(r.name for r in resources) == TABLES
    return resources


def months_found(path: str, number_locale: str = "plain") -> list[str]:
    """Billing months (YYYY-MM) with loadable data under `path`.

    For a URL this is the last and current month (the API has no cheap listing); for files
    it validates them, since a file's months are those of its rows.
    """
    from . import http
    from .plan import LoadPlan

    if http.is_url(path):
        return [f"{month:%Y-%m}" for month in http.previous_and_current()]
    return LoadPlan(path, None, SourceReport(), number_locale=number_locale).months()
