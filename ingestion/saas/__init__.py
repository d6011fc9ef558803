"""dlt source for SaaS vendor invoices: CSV files, one per vendor and month.

FOCUS-format SaaS files (a vendor that exports FOCUS) go through the `focus` source instead.
See README.md for the accepted headers, config keys and bad-input handling.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from ingestion.common.numbers import check_locale
from ingestion.common.report import SourceReport

__all__ = ["DATASET_NAME", "TABLES", "dlt_source", "months_found"]

DATASET_NAME = "raw_saas"
LINES_TABLE = "invoice_lines"
LOADS_TABLE = "loads"
TABLES: tuple[str, ...] = (LINES_TABLE, LOADS_TABLE)
MERGE_KEY = ["billing_period", "vendor"]

_MONEY = {"data_type": "decimal", "precision": 38, "scale": 10, "nullable": True}
_TEXT = {"data_type": "text", "nullable": True}
LINE_HINTS: dict[str, dict[str, Any]] = {
    "billing_period": {"data_type": "date", "nullable": False},
    "vendor": {"data_type": "text", "nullable": False},
    "invoice_id": _TEXT,
    "description": _TEXT,
    "amount": _MONEY,
    "list_cost": _MONEY,
    "contracted_cost": _MONEY,
    "currency": _TEXT,
    "tags": _TEXT,
    "charge_type": _TEXT,
    "quantity": {"data_type": "double", "nullable": True},
    "unit": _TEXT,
    "service_name": _TEXT,
    "x_export_id": _TEXT,
    "x_source_file": {"data_type": "text", "nullable": False},
    "x_source_row": {"data_type": "bigint", "nullable": False},
    "x_extra": _TEXT,
}
LOAD_HINTS: dict[str, dict[str, Any]] = {
    "billing_period": {"data_type": "date", "nullable": True},
    "unit_key": _TEXT,
    "status": {"data_type": "text", "nullable": False},
    "source_file": _TEXT,
    "checksum": _TEXT,
    "row_count": {"data_type": "bigint", "nullable": True},
    "cost_total": _MONEY,
    "currency": _TEXT,
    "error": _TEXT,
    "detected_at": {"data_type": "timestamp", "nullable": False},
}


@dlt.source(name="saas", max_table_nesting=0)
def dlt_source(
    path: str = dlt.config.value,
    billing_periods: Sequence[str] | None = None,
    report: SourceReport | None = None,
    progress: Callable[[str], None] | None = None,
    number_locale: str = "plain",
    storage_options: dict[str, Any] | None = None,
    connection_string: str | None = None,
) -> Sequence[DltResource]:
    """SaaS invoice CSVs under a folder, file or bucket prefix; nothing is read until iterated.

    Args:
        path: local folder or file, `s3://<bucket>/<prefix>` (credentials from the standard AWS
            chain via s3fs), `azure://<container>/<prefix>` or
            `abfss://<container>@<account>.dfs.core.windows.net/<prefix>` (Azure Blob Storage).
        billing_periods: only these months (`YYYY-MM`); all found when omitted.
        report: filled with what was loaded, quarantined and noted.
        progress: receives one short line per validated, quarantined or extracted file.
        number_locale: how amounts are written (`plain`, `en`, `de`, `fr`).
        storage_options: fsspec options for S3 (e.g. `endpoint_url` of an emulator).
        connection_string: Azure Storage connection string (a dlt secret); else the
            AZURE_STORAGE_* environment variables.

    Returns:
        The `invoice_lines` and `loads` resources.
    """
    from .plan import InvoicePlan

    plan = InvoicePlan(
        path,
        billing_periods,
        report if report is not None else SourceReport(),
        progress,
        check_locale(number_locale),
        storage_options,
        connection_string,
    )

    def rows() -> Iterator[Any]:
        try:
            yield from plan.batches()
        finally:
            plan.close()

    def loads() -> Iterator[dict[str, Any]]:
        yield from plan.load_records()

    lines = dlt.resource(
        rows(),
        name=LINES_TABLE,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key=MERGE_KEY,
        columns=LINE_HINTS,
    )
    history = dlt.resource(
        loads(), name=LOADS_TABLE, write_disposition="append", columns=LOAD_HINTS
    )
    return lines, history


def months_found(path: str, number_locale: str = "plain") -> list[str]:
    """Billing months (`YYYY-MM`) in the invoice files under `path` (bad files skipped).

    Files are validated, so amounts are read under `number_locale` like the load reads them.
    """
    from .plan import InvoicePlan

    plan = InvoicePlan(path, None, SourceReport(), None, check_locale(number_locale))
    try:
        plan.prepare()
        return sorted({f"{key[0]:%Y-%m}" for key in plan.units})
    finally:
        plan.close()
