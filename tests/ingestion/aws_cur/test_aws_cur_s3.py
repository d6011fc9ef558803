"""The same source reading a bucket prefix from a real S3 protocol server (moto, 127.0.0.1).

The `s3_endpoint` fixture is shared: tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import boto3

from ingestion.aws_cur import DATASET_NAME, IngestReport, aws_cur
from ingestion.warehouse import make_pipeline
from tests.conftest import FIXTURES
from tests.ingestion.aws_cur.exports import JAN_2025, cur2_rows, write_cur2_export
from tests.reference_cur import reference_totals
from tests.warehouse_utils import query, use_warehouse


def _upload(endpoint: str, local_root: Path, bucket: str, prefix: str) -> None:
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=bucket)
    for path in sorted(p for p in local_root.rglob("*") if p.is_file()):
        client.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(local_root)}")


def test_s3_prefix_loads_like_a_local_folder(s3_endpoint: str, tmp_path: Path) -> None:
    local = tmp_path / "exports"
    write_cur2_export(local, "acme", JAN_2025, [cur2_rows("111111111111", JAN_2025, 40)])
    (local / "legacy").mkdir()
    _upload(s3_endpoint, local, "billing", "cur")
    report = IngestReport()

    with use_warehouse("duckdb", duckdb_file=tmp_path / "wh.duckdb"):
        make_pipeline("aws_cur", DATASET_NAME).run(
            aws_cur(
                path="s3://billing/cur",
                report=report,
                storage_options={"endpoint_url": s3_endpoint},
            )
        )
        rows = query(
            "select count(*), sum(line_item_unblended_cost), min(x_source_file) "
            "from raw_aws_cur.line_items"
        )
        files = query("select files from raw_aws_cur.export_loads")

    expected = reference_totals(sorted(local.rglob("*.parquet")))
    assert report.quarantined == []
    assert rows[0][0] == 40 and rows[0][1] == expected[("111111111111", "2025-01")]["billed"]
    assert rows[0][2] == "acme/data/BILLING_PERIOD=2025-01/acme-00001.snappy.parquet"
    assert '"md5"' in files[0][0]  # checksums are taken from the bucket objects


def test_s3_legacy_csv_gz_loads_from_a_bucket(s3_endpoint: str, tmp_path: Path) -> None:
    local = tmp_path / "exports"
    local.mkdir()
    fixture = (
        FIXTURES / "aws_cur" / "focus_converters" / "sample-anonymous-aws-export-dataset.csv.gz"
    )
    (local / fixture.name).write_bytes(fixture.read_bytes())
    _upload(s3_endpoint, local, "legacy-bucket", "reports")

    with use_warehouse("duckdb", duckdb_file=tmp_path / "wh.duckdb"):
        make_pipeline("aws_cur", DATASET_NAME).run(
            aws_cur(
                path="s3://legacy-bucket/reports", storage_options={"endpoint_url": s3_endpoint}
            )
        )
        rows = query("select count(*), sum(line_item_unblended_cost) from raw_aws_cur.line_items")

    expected = reference_totals([fixture])[("123412340534", "2023-11")]
    assert rows[0][0] == expected["rows"]
    assert abs(rows[0][1] - expected["billed"]) < 0.01


def test_restatement_in_the_bucket_is_read_by_the_next_load_of_the_same_process(
    s3_endpoint: str, tmp_path: Path
) -> None:
    # fsspec reuses the filesystem and its listing within a process (a code server, `finops
    # run` twice): without a fresh listing the rewritten manifest was read with its old ETag
    def deliver(rows: int, execution: str) -> None:
        local = tmp_path / execution
        write_cur2_export(
            local, "acme", JAN_2025, [cur2_rows("111111111111", JAN_2025, rows)], execution
        )
        _upload(s3_endpoint, local, "restated", "cur")

    def load() -> int:
        make_pipeline("aws_cur", DATASET_NAME).run(
            aws_cur(path="s3://restated/cur", storage_options={"endpoint_url": s3_endpoint})
        )
        return query("select count(*) from raw_aws_cur.line_items")[0][0]

    with use_warehouse("duckdb", duckdb_file=tmp_path / "wh.duckdb"):
        deliver(30, "exec-1")
        assert load() == 30
        deliver(12, "exec-2")  # same file names, new content
        assert load() == 12
