"""dlt source for Azure Cost Management cost details exports (actual and amortized), local or
Azure Blob Storage. See README.md for the layouts, options and the unit of replacement."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dlt

from ..common.report import SourceReport
from .settings import (
    COLUMNS,
    COST_TABLE,
    DATASET_NAME,
    LINEAGE_COLUMNS,
    LOADS_TABLE,
    MONEY_PRECISION,
    MONEY_SCALE,
    RATE_PRECISION,
    RATE_SCALE,
    TABLES,
    UNIT_COLUMNS,
)

__all__ = ["DATASET_NAME", "TABLES", "dlt_source", "months_found"]

_DLT_TYPES: dict[str, dict[str, Any]] = {
    "string": {"data_type": "text"},
    "tags": {"data_type": "text"},
    "money": {"data_type": "decimal", "precision": MONEY_PRECISION, "scale": MONEY_SCALE},
    "rate": {"data_type": "decimal", "precision": RATE_PRECISION, "scale": RATE_SCALE},
    "quantity": {"data_type": "double"},
    "date": {"data_type": "date"},
    "bigint": {"data_type": "bigint"},
}
COST_HINTS = {
    name: {"name": name, "nullable": True, **_DLT_TYPES[kind]}
    for name, kind in [(c, k) for c, k, _ in COLUMNS] + list(LINEAGE_COLUMNS)
}
LOAD_HINTS: dict[str, dict[str, Any]] = {
    "billing_period": {"data_type": "date", "nullable": True},
    "unit_key": {"data_type": "text", "nullable": True},
    "status": {"data_type": "text"},
    "source_file": {"data_type": "text", "nullable": True},
    "checksum": {"data_type": "text", "nullable": True},
    "row_count": {"data_type": "bigint"},
    "cost_total": _DLT_TYPES["money"] | {"nullable": True},
    "currency": {"data_type": "text", "nullable": True},
    "error": {"data_type": "text", "nullable": True},
    "detected_at": {"data_type": "timestamp"},
    "scope_id": {"data_type": "text", "nullable": True},
    "cost_view": {"data_type": "text", "nullable": True},
    "export_id": {"data_type": "text", "nullable": True},
    "export_name": {"data_type": "text", "nullable": True},
    "data_version": {"data_type": "text", "nullable": True},
    "file_count": {"data_type": "bigint", "nullable": True},
}


@dlt.source(name="azure_cost", max_table_nesting=0)
def dlt_source(
    path: str = dlt.config.value,
    billing_periods: Sequence[str] | None = None,
    report: SourceReport | None = None,
    progress: Callable[[str], None] | None = None,
    number_locale: str = "plain",
    date_order: str = "mdy",
    encoding: str = "utf-8",
    default_cost_view: str = "actual",
    header_aliases: dict[str, str] | None = None,
    connection_string: str | None = None,
    memory_limit: str = "2GB",
    threads: int = 2,
) -> Any:
    """Azure cost details exports under a folder, file or blob prefix; nothing is read until
    the resources are iterated.

    Args:
        path: local folder or file, `azure://<container>/<prefix>` or
            `abfss://<container>@<account>.dfs.core.windows.net/<prefix>`.
        billing_periods: only these months (`YYYY-MM`); all found when omitted.
        report: filled with what was loaded, quarantined and noted.
        progress: receives one short line per validated, quarantined or extracted file.
        number_locale: how amounts are written (ingestion/common/numbers.py); `plain` refuses
            grouped or comma-decimal numbers instead of guessing.
        date_order: `mdy` (Azure's MM/DD/YYYY, the default) or `dmy` for re-saved files.
        encoding: CSV encoding; Azure writes UTF-8 (with or without a byte-order mark).
        default_cost_view: view of an export that neither its manifest, its path nor its rows
            name (`actual` or `amortized`).
        header_aliases: extra header spellings -> raw column, e.g. localized headers.
        connection_string: Azure Storage connection string (a dlt secret); else the
            AZURE_STORAGE_* environment variables.
        memory_limit: DuckDB memory cap while parsing.
        threads: DuckDB threads while parsing.

    Returns:
        The `cost_details` and `loads` resources.
    """
    from .plan import ExportPlan, Options

    plan = ExportPlan(
        path,
        billing_periods,
        report if report is not None else SourceReport(),
        Options(
            number_locale,
            date_order,
            encoding,
            default_cost_view,
            header_aliases,
            connection_string,
            memory_limit,
            threads,
        ),
        progress,
    )

    def cost_rows() -> Iterator[Any]:
        try:
            yield from plan.batches()
        finally:
            plan.close()

    def load_rows() -> Iterator[dict[str, Any]]:
        yield from plan.load_records()

    # delete-insert on the unit: a restated export replaces its (period, scope, view) whole,
    # and the other cost view of the same charges is left alone
    costs = dlt.resource(
        cost_rows(),
        name=COST_TABLE,
        write_disposition={"disposition": "merge", "strategy": "delete-insert"},
        merge_key=list(UNIT_COLUMNS),
        columns=COST_HINTS,
    )
    loads = dlt.resource(
        load_rows(), name=LOADS_TABLE, write_disposition="append", columns=LOAD_HINTS
    )
    return costs, loads


def months_found(path: str, number_locale: str = "plain") -> list[str]:
    """Billing months (YYYY-MM) under `path`: from manifests and export folders, else the rows.

    `number_locale` is accepted like every amount-parsing source's; months come from dates.
    """
    import shutil
    import tempfile
    from pathlib import Path

    import duckdb

    from .discovery import DeliveryError, discover
    from .reader import FileReader
    from .storage import list_files

    staging = Path(tempfile.mkdtemp(prefix="finops-azure-"))
    months: set[str] = set()
    try:
        deliveries, _ = discover(list_files(path, staging))
        reader = FileReader()
        try:
            for delivery in deliveries:
                if delivery.billing_period:
                    months.add(f"{delivery.billing_period:%Y-%m}")
                    continue
                for file in delivery.files:
                    try:
                        sql = reader.expressions(file, delivery)["x_row_period"]
                        rows = reader.con.execute(
                            f"select distinct {sql} from {reader.layout(file).relation}"
                        ).fetchall()
                    except (DeliveryError, duckdb.Error):  # a bad file has no month
                        continue
                    months.update(f"{p:%Y-%m}" for (p,) in rows if p)
        finally:
            reader.close()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(months)
