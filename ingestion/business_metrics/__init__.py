"""dlt source for business metrics (orders, transactions, active customers, revenue per product
and day) from CSV / JSON files or a JSON HTTP API, for unit economics."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from ingestion.common.numbers import check_locale
from ingestion.common.report import SourceReport

from .plan import MetricsPlan

__all__ = ["DATASET_NAME", "TABLES", "dlt_source", "months_found"]

DATASET_NAME = "raw_business_metrics"
METRICS_TABLE = "daily_metrics"
LOADS_TABLE = "loads"
TABLES: tuple[str, ...] = (METRICS_TABLE, LOADS_TABLE)


def _hint(data_type: str, **extra: Any) -> dict[str, Any]:
    # a fresh dict per column: dlt adds keys (merge_key, name) to the hints it is given
    return {"data_type": data_type, "nullable": True, **extra}


def _decimal() -> dict[str, Any]:
    return _hint("decimal", precision=38, scale=10)


METRIC_HINTS: dict[str, dict[str, Any]] = {
    "metric_date": _hint("date"),
    "product": _hint("text"),
    "metric": _hint("text"),
    "value": _decimal(),
    "unit": _hint("text"),
    "billing_period": _hint("date"),
    "x_export_id": _hint("text"),
    "x_source_file": _hint("text"),
    "x_source_row": _hint("bigint"),
    "x_form": _hint("text"),
}
LOAD_HINTS: dict[str, dict[str, Any]] = {
    "billing_period": _hint("date"),
    "unit_key": _hint("text"),
    "status": _hint("text"),
    "source_file": _hint("text"),
    "checksum": _hint("text"),
    "row_count": _hint("bigint"),
    "cost_total": _decimal(),
    "currency": _hint("text"),
    "error": _hint("text"),
    "detected_at": _hint("timestamp"),
}


def months_found(path: str, number_locale: str = "plain") -> list[str]:
    """Months (YYYY-MM) with metric values under `path` (folder, file or API URL)."""
    return MetricsPlan(path, None, SourceReport(), check_locale(number_locale)).months()


@dlt.source(name="business_metrics", max_table_nesting=0)
def dlt_source(
    path: str = dlt.config.value,
    billing_periods: Sequence[str] | None = None,
    report: SourceReport | None = None,
    progress: Callable[[str], None] | None = None,
    number_locale: str = "plain",
    timeout: float = 30.0,
) -> Sequence[DltResource]:
    """Daily business metrics per product.

    Args:
        path: a folder or file of CSV (long or wide) / JSON, or an http(s) API URL (bearer
            token from FINOPS_BUSINESS_METRICS_TOKEN, pages via `next`).
        billing_periods: only these months (`YYYY-MM`); all found when omitted.
        report: filled with what was loaded and quarantined.
        progress: one short line per validated, quarantined or extracted input.
        number_locale: how values are written (plain, en, de, fr); see ingestion/common/numbers.
        timeout: seconds per HTTP request.

    Returns:
        The `daily_metrics` and `loads` resources.
    """
    plan = MetricsPlan(
        path,
        list(billing_periods) if billing_periods else None,
        report if report is not None else SourceReport(),
        check_locale(number_locale),
        timeout,
        progress,
    )
    return daily_metrics(plan), loads(plan)


def daily_metrics(plan: MetricsPlan) -> DltResource:
    """One row per (metric_date, product, metric).

    Merge, delete-insert on (billing_period, product, metric): a product's metric for a month is
    replaced as a whole by the newest input holding it, so re-loading never duplicates.
    """

    def tables() -> Iterator[Any]:
        try:
            yield from plan.tables()
        finally:
            plan.close()

    return dlt.resource(
        tables(),
        name=METRICS_TABLE,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key=["billing_period", "product", "metric"],
        columns=METRIC_HINTS,
    )


def loads(plan: MetricsPlan) -> DltResource:
    """Append-only history: one row per replaced unit and per quarantined input."""

    def records() -> Iterator[dict[str, Any]]:
        yield from plan.load_records()

    return dlt.resource(records(), name=LOADS_TABLE, write_disposition="append", columns=LOAD_HINTS)
