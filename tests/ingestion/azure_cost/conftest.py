"""Azure cost source test helpers: independent reference totals, pipeline runs.

The Azurite fixture is shared with other sources: tests/conftest.py.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.ingestion.storage_servers import upload

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "azure_cost"

# the billed amount of a cost details row: v2 EA/MCA, v2 EA (older), v1 / pay-as-you-go
COST_HEADERS = ("costinbillingcurrency", "cost", "pretaxcost")


def reference_total(path: Path) -> Decimal:
    """Sum of a cost details file's cost column, read with the csv module and Decimal."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader)]
        index = next(header.index(h) for h in COST_HEADERS if h in header)
        return sum((Decimal(row[index]) for row in reader if row), Decimal(0))


def run_source(path: str, **options: Any) -> tuple[Any, Any]:
    """Run the real source into the configured warehouse; (report, load info)."""
    from ingestion.azure_cost import DATASET_NAME, dlt_source
    from ingestion.common.report import SourceReport
    from ingestion.warehouse import make_pipeline

    report = SourceReport()
    pipeline = make_pipeline("azure_cost", DATASET_NAME)
    info = pipeline.run(dlt_source(path=path, report=report, **options))
    return report, info


def write_csv(path: Path, header: list[str], rows: list[list[str]], bom: bool = False) -> Path:
    """A CSV written the way Azure writes exports (comma, double quotes, CRLF-free)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode())
    return path


@pytest.fixture()
def duckdb_warehouse(tmp_path: Path) -> Iterator[Path]:
    """A fresh DuckDB warehouse file, selected for the test."""
    from tests.warehouse_utils import use_warehouse

    path = tmp_path / "warehouse.duckdb"
    with use_warehouse("duckdb", path):
        yield path


__all__ = ["FIXTURES", "os", "reference_total", "run_source", "upload", "write_csv"]
