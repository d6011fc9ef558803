"""SaaS invoices read from S3 (moto server) and Azure Blob Storage (Azurite), not only folders.

The fixture folder (plus a duplicate and a bad file, so refusals are compared too) is uploaded
as it is; a load from the URL must equal the load from the folder, with lineage naming the
remote objects.
"""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import ingestion.saas as saas
from ingestion.common.numbers import parse_amount
from tests.conftest import FIXTURES
from tests.ingestion.focus_files.helpers import fresh_warehouse, run_source
from tests.ingestion.storage_servers import tree, upload, upload_s3
from tests.warehouse_utils import query

ACME = FIXTURES / "saas" / "acme_2025-01.csv"


@pytest.fixture(scope="module")
def invoices(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture invoices, a copy of one (refused as a duplicate) and an unreadable amount."""
    root = tmp_path_factory.mktemp("invoices") / "vendors"
    shutil.copytree(FIXTURES / "saas", root, ignore=shutil.ignore_patterns("*.md"))
    (root / "copies").mkdir()
    shutil.copy(ACME, root / "copies" / "acme_again.csv")
    (root / "globex_2025-02.csv").write_text(
        'Vendor,Period,Amount,Currency\nGlobex,2025-02,"12,34",EUR\nGlobex,2025-02,n/a,EUR\n'
    )
    return root


def _snapshot() -> dict[str, Any]:
    per_file = query(
        "select x_source_file, count(*), sum(amount) from raw_saas.invoice_lines group by 1"
    )
    loads = query("select status, source_file, row_count, cost_total, checksum from raw_saas.loads")
    return {"files": sorted(per_file), "loads": sorted(loads, key=lambda r: (r[1], r[0]))}


@pytest.fixture(scope="module")
def local_load(tmp_path_factory: pytest.TempPathFactory, invoices: Path) -> Any:
    """The folder loaded from disk: the reference for the remote loads."""
    with fresh_warehouse("duckdb", tmp_path_factory.mktemp("local")):
        report = run_source(saas, invoices, number_locale="de")
        return report, _snapshot()


def _assert_same_as_local(local: Any, report: Any, rows: dict[str, Any], url: str) -> None:
    local_report, local_rows = local
    assert rows["files"] == sorted((f"{url}/{f}", *rest) for f, *rest in local_rows["files"])
    assert rows["loads"] == sorted(
        ((s, f"{url}/{n}", c, t, m) for s, n, c, t, m in local_rows["loads"]),
        key=lambda r: (r[1], r[0]),
    )
    assert sorted(q.path for q in report.quarantined) == sorted(
        f"{url}/{q.path}" for q in local_report.quarantined
    )
    # the fixture's own total, read with the csv module and Decimal
    with ACME.open(newline="", encoding="utf-8-sig") as handle:
        header, *lines = list(csv.reader(handle))
    column = [h.lower() for h in header].index("amount")
    expected = sum((parse_amount(line[column], "de") for line in lines), Decimal(0))
    assert dict((f, t) for f, _, t in rows["files"])[f"{url}/acme_2025-01.csv"] == expected


def test_s3_prefix_loads_like_the_local_folder(
    s3_endpoint: str, invoices: Path, local_load: Any, tmp_path: Path
) -> None:
    upload_s3(s3_endpoint, "invoices", tree(invoices, "saas"))
    url = "s3://invoices/saas"
    with fresh_warehouse("duckdb", tmp_path):
        report = run_source(
            saas, url, number_locale="de", storage_options={"endpoint_url": s3_endpoint}
        )
        _assert_same_as_local(local_load, report, _snapshot(), url)
    assert len(report.quarantined) == 2  # the duplicate and the unreadable amount


def test_blob_prefix_loads_like_the_local_folder(
    azurite: str, invoices: Path, local_load: Any, tmp_path: Path
) -> None:
    upload(azurite, "saas", tree(invoices, "invoices"))
    url = "azure://saas/invoices"
    with fresh_warehouse("duckdb", tmp_path):
        report = run_source(saas, url, number_locale="de", connection_string=azurite)
        _assert_same_as_local(local_load, report, _snapshot(), url)
    assert len(report.quarantined) == 2


def test_missing_bucket_or_container_names_the_url(
    s3_endpoint: str, azurite: str, tmp_path: Path
) -> None:
    from ingestion.common.storage import StorageError

    cases = [
        ("s3://no-such-bucket/saas", {"storage_options": {"endpoint_url": s3_endpoint}}),
        ("azure://no-such-container/saas", {"connection_string": azurite}),
    ]
    with fresh_warehouse("duckdb", tmp_path):
        for url, options in cases:
            with pytest.raises(Exception) as caught:
                run_source(saas, url, **options)
            error: BaseException | None = caught.value
            while error is not None and not isinstance(error, StorageError):
                error = error.__cause__ or error.__context__
            assert error is not None and str(error).startswith(f"{url}: "), caught.value
            assert url in str(caught.value)
