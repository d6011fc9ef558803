"""FOCUS files read from S3 (moto server) and Azure Blob Storage (Azurite), not only folders.

The fixture folder is uploaded as it is; a load from the URL must equal the load from the
folder (rows, Decimal totals, quarantine decisions), with lineage naming the remote objects.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import ingestion.focus_files as focus
from tests.conftest import FIXTURES
from tests.ingestion.focus_files.helpers import fresh_warehouse, run_source
from tests.ingestion.storage_servers import (
    AZURITE_KEY,
    moto_checks_credentials,
    tree,
    upload,
    upload_s3,
)
from tests.warehouse_utils import query

FOCUS = FIXTURES / "focus_files"


def _snapshot() -> dict[str, Any]:
    """What a load left in the warehouse, per file: rows and exact totals."""
    # sorted here: PostgreSQL's collation orders text differently from DuckDB
    per_file = query(
        "select x_source_file, count(*), sum(billed_cost), sum(effective_cost) "
        "from raw_focus_files.costs group by 1"
    )
    loads = query(
        "select status, source_file, row_count, cost_total, checksum from raw_focus_files.loads"
    )
    return {"files": sorted(per_file), "loads": sorted(loads, key=lambda r: (r[1], r[0]))}


def _run(path: str, **options: Any) -> tuple[Any, dict[str, Any]]:
    report = run_source(focus, path, **options)
    return report, _snapshot()


@pytest.fixture(scope="module")
def local_load(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict[str, Any]]:
    """The fixture folder loaded from disk: the reference for every remote load."""
    with fresh_warehouse("duckdb", tmp_path_factory.mktemp("local")):
        return _run(str(FOCUS))


def _assert_same_as_local(local: tuple[Any, dict[str, Any]], remote: Any, url: str) -> None:
    (local_report, local_rows), (report, rows) = local, remote
    named = lambda rel: f"{url}/{rel}"  # noqa: E731 - the remote name of a local path
    assert rows["files"] == sorted((named(f), *rest) for f, *rest in local_rows["files"])
    assert len(rows["files"]) >= 20 and sum(r[1] for r in rows["files"]) >= 1000
    total = sum((r[2] or Decimal(0) for r in rows["files"]), Decimal(0))
    assert total == sum((r[2] or Decimal(0) for r in local_rows["files"]), Decimal(0))
    expected = [
        (s, ", ".join(named(p) for p in n.split(", ")), c, t, m)
        for s, n, c, t, m in local_rows["loads"]
    ]
    assert rows["loads"] == sorted(expected, key=lambda r: (r[1], r[0]))
    assert sorted(q.path for q in report.quarantined) == sorted(
        named(q.path) for q in local_report.quarantined
    )
    assert report.quarantined, "the validator samples hold files the loader refuses"


def test_s3_prefix_loads_like_the_local_folder(
    s3_endpoint: str, local_load: Any, tmp_path: Path
) -> None:
    upload_s3(s3_endpoint, "billing", tree(FOCUS, "focus/exports"))
    url = "s3://billing/focus/exports"
    with fresh_warehouse("duckdb", tmp_path):
        remote = _run(url, storage_options={"endpoint_url": s3_endpoint})
    _assert_same_as_local(local_load, remote, url)


def test_blob_prefix_loads_like_the_local_folder(
    azurite: str, local_load: Any, tmp_path: Path
) -> None:
    upload(azurite, "focus", tree(FOCUS, "cost/focuscost"))
    url = "azure://focus/cost/focuscost"
    with fresh_warehouse("duckdb", tmp_path):
        remote = _run(url, connection_string=azurite)
    _assert_same_as_local(local_load, remote, url)


@pytest.mark.postgres
def test_s3_prefix_into_postgres(s3_endpoint: str, local_load: Any, tmp_path: Path) -> None:
    upload_s3(s3_endpoint, "billing-pg", tree(FOCUS, "focus"))
    url = "s3://billing-pg/focus"
    with fresh_warehouse("postgres", tmp_path):
        remote = _run(url, storage_options={"endpoint_url": s3_endpoint})
    _assert_same_as_local(local_load, remote, url)


HEADER = [
    "BillingAccountId",
    "ProviderName",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "BilledCost",
    "EffectiveCost",
]


def _csv(amounts: list[str], month: str = "2025-01") -> bytes:
    """A small FOCUS file: one account's month, one row per amount."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    start, end = f"{month}-01T00:00:00Z", f"{month}-28T00:00:00Z"
    for amount in amounts:
        writer.writerow(
            ["123456789012", "Acme Cloud", "USD", start, end, start, end, "Usage", amount, amount]
        )
    return buffer.getvalue().encode()


def _manifest(export: str, period: str, keys: list[str], execution: str) -> bytes:
    return json.dumps(
        {
            "executionId": execution,
            "exportName": export,
            "billingPeriod": {"start": f"{period}-01T00:00:00.000Z"},
            "dataFiles": keys,
        }
    ).encode()


def test_s3_focus_export_loads_exactly_the_manifest_files(s3_endpoint: str, tmp_path: Path) -> None:
    data = "focus-export/data/BILLING_PERIOD=2025-01"
    # AWS writes the bucket the export was created in; the files are read from a copy
    listed = [f"s3://original-bucket/exports/{data}/run2-0000{i}.csv" for i in (1, 2)]
    upload_s3(
        s3_endpoint,
        "exports",
        {
            f"exports/{data}/run2-00001.csv": _csv(["10.10", "0.01"]),
            f"exports/{data}/run2-00002.csv": _csv(["5.55"]),
            # an earlier run's file left behind: never loaded
            f"exports/{data}/run1-00001.csv": _csv(["999.99", "1000.00"]),
            "exports/focus-export/metadata/BILLING_PERIOD=2025-01/focus-export-Manifest.json": (
                _manifest("focus-export", "2025-01", listed, "exec-2")
            ),
            # a month whose manifest lists a file that is gone: quarantined, not half-loaded
            "exports/focus-export/data/BILLING_PERIOD=2025-02/run1-00001.csv": _csv(
                ["7.00"], "2025-02"
            ),
            "exports/focus-export/metadata/BILLING_PERIOD=2025-02/focus-export-Manifest.json": (
                _manifest(
                    "focus-export",
                    "2025-02",
                    [
                        f"s3://original-bucket/exports/focus-export/data/BILLING_PERIOD=2025-02/{n}"
                        for n in ("run1-00001.csv", "run1-00002.csv")
                    ],
                    "exec-3",
                )
            ),
            # an export folder without manifests keeps the folder behavior: every file loads
            "exports/plain/data/BILLING_PERIOD=2025-03/a.csv": _csv(["1.00"], "2025-03"),
            "exports/plain/data/BILLING_PERIOD=2025-03/b.csv": _csv(["2.00"], "2025-03"),
        },
    )
    url = "s3://exports/exports"
    with fresh_warehouse("duckdb", tmp_path):
        report = run_source(focus, url, storage_options={"endpoint_url": s3_endpoint})
        rows = query(
            "select cast(billing_period as varchar), x_source_file, count(*), sum(billed_cost) "
            "from raw_focus_files.costs group by 1, 2 order by 1, 2"
        )
        loads = query(
            "select status, source_file, error from raw_focus_files.loads order by status, 2"
        )
    assert rows == [
        ("2025-01-01", f"{url}/{data}/run2-00001.csv", 2, Decimal("10.11")),
        ("2025-01-01", f"{url}/{data}/run2-00002.csv", 1, Decimal("5.55")),
        ("2025-03-01", f"{url}/plain/data/BILLING_PERIOD=2025-03/a.csv", 1, Decimal("1.00")),
        ("2025-03-01", f"{url}/plain/data/BILLING_PERIOD=2025-03/b.csv", 1, Decimal("2.00")),
    ]
    assert any(
        "not listed by the newest manifest" in note and f"{url}/{data}/run1-00001.csv" in note
        for note in report.notes
    ), report.notes
    loaded = [source for status, source, _ in loads if status == "loaded"]
    assert f"{url}/{data}/run2-00001.csv, {url}/{data}/run2-00002.csv" in loaded
    refused = {source: error for status, source, error in loads if status == "quarantined"}
    february = f"{url}/focus-export/metadata/BILLING_PERIOD=2025-02/focus-export-Manifest.json"
    assert "lists 1 data file(s) that do not exist" in refused[february]
    assert "run1-00002.csv" in refused[february]
    assert refused[f"{url}/focus-export/data/BILLING_PERIOD=2025-02/run1-00001.csv"].startswith(
        f"{url}/focus-export/data/BILLING_PERIOD=2025-02/run1-00001.csv: not loaded: "
    )


def _error_of(url: str, **options: Any) -> str:
    """The message a failed run gives: it must name the URL, not only a stack trace."""
    from ingestion.common.storage import StorageError

    with pytest.raises(Exception) as caught:
        run_source(focus, url, **options)
    error: BaseException | None = caught.value
    while error is not None and not isinstance(error, StorageError):
        error = error.__cause__ or error.__context__
    assert error is not None, f"no StorageError behind {caught.value!r}"
    assert str(error).startswith(f"{url}: "), str(error)
    assert url in str(caught.value)
    return str(error)


def test_missing_bucket_and_wrong_credentials_name_the_url(
    s3_endpoint: str, azurite: str, tmp_path: Path
) -> None:
    upload_s3(s3_endpoint, "present", {"focus/a.csv": _csv(["1.00"])})
    options = {"storage_options": {"endpoint_url": s3_endpoint}}
    with fresh_warehouse("duckdb", tmp_path):
        assert "no such bucket or prefix" in _error_of("s3://no-such-bucket/focus", **options)
        with moto_checks_credentials(s3_endpoint):
            message = _error_of("s3://present/focus", **options)
        assert "cannot list: Forbidden (access denied: check the credentials" in message
        wrong = azurite.replace(AZURITE_KEY, "d3JvbmcK" * 11)
        message = _error_of("azure://focus/anything", connection_string=wrong)
        assert "cannot list blobs" in message and "check the credentials" in message
        message = _error_of("azure://no-such-container/x", connection_string=azurite)
        assert "cannot list blobs" in message
