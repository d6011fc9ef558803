"""Export layouts AWS documents beyond the fixtures: CUR 2.0 CSV, legacy Athena parquet."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.aws_cur import DATASET_NAME, IngestReport, aws_cur
from ingestion.warehouse import make_pipeline
from tests.warehouse_utils import query, use_warehouse


def _load(root: Path, warehouse: Path) -> IngestReport:
    report = IngestReport()
    with use_warehouse("duckdb", duckdb_file=warehouse):
        make_pipeline("aws_cur", DATASET_NAME).run(aws_cur(path=str(root), report=report))
    return report


def test_cur2_csv_export_with_json_map_columns(tmp_path: Path) -> None:
    root = tmp_path / "exports"
    data = root / "acme" / "data" / "BILLING_PERIOD=2025-04"
    meta = root / "acme" / "metadata" / "BILLING_PERIOD=2025-04"
    data.mkdir(parents=True)
    meta.mkdir(parents=True)
    lines = [
        "bill_payer_account_id,bill_billing_period_start_date,line_item_line_item_type,"
        "line_item_unblended_cost,line_item_usage_start_date,resource_tags,product,cost_category",
        "111111111111,2025-04-01T00:00:00.000Z,Usage,1.5,2025-04-02T03:00:00.000Z,"
        '"{""user_team"":""data"",""user_env"":""prod""}","{""region"":""us-east-1""}",',
        "111111111111,2025-04-01T00:00:00.000Z,Tax,0.25,2025-04-01T00:00:00.000Z,,,",
    ]
    (data / "acme-00001.csv.gz").write_bytes(gzip.compress("\n".join(lines).encode()))
    (meta / "acme-Manifest.json").write_text(
        json.dumps(
            {
                "executionId": "e1",
                "billingPeriod": {
                    "start": "2025-04-01T00:00:00.000Z",
                    "end": "2025-05-01T00:00:00.000Z",
                },
                "dataFiles": [
                    "s3://bucket/exports/acme/data/BILLING_PERIOD=2025-04/acme-00001.csv.gz"
                ],
            }
        )
    )

    report = _load(root, tmp_path / "wh.duckdb")

    assert report.quarantined == []
    with use_warehouse("duckdb", duckdb_file=tmp_path / "wh.duckdb"):
        rows = query(
            "select line_item_line_item_type, line_item_unblended_cost, resource_tags, "
            "product from raw_aws_cur.line_items order by 1 desc"
        )
    assert rows[0][:2] == ("Usage", Decimal("1.5"))
    assert json.loads(rows[0][2]) == {"user_team": "data", "user_env": "prod"}
    assert json.loads(rows[0][3]) == {"region": "us-east-1"}
    assert rows[1][2] == "{}"


def test_legacy_athena_parquet_layout_with_redshift_manifest_and_status_table(
    tmp_path: Path,
) -> None:
    root = tmp_path / "cur"
    data = root / "report" / "report" / "year=2025" / "month=1"
    data.mkdir(parents=True)
    pq.write_table(
        pa.table(
            {
                "identity_line_item_id": ["a", "b", "c"],
                "bill_payer_account_id": ["444444444444"] * 3,
                "bill_billing_period_start_date": pa.array([1735689600000] * 3, pa.timestamp("ms")),
                "line_item_line_item_type": ["Usage", "Usage", "Credit"],
                "line_item_unblended_cost": [2.0, 3.0, -1.0],
                "resource_tags_user_team": ["search", None, ""],
            }
        ),
        data / "report-00001.snappy.parquet",
    )
    status = root / "report" / "cost_and_usage_data_status"
    status.mkdir(parents=True)
    pq.write_table(pa.table({"status": ["READY"]}), status / "cost_and_usage_data_status.parquet")
    period = root / "report" / "20250101-20250201"
    period.mkdir(parents=True)
    (period / "report-Manifest.json").write_text(
        json.dumps(
            {
                "assemblyId": "asm-1",
                "billingPeriod": {"start": "20250101T000000.000Z", "end": "20250201T000000.000Z"},
                "reportKeys": [
                    "team-prefix/report/report/year=2025/month=1/report-00001.snappy.parquet"
                ],
            }
        )
    )
    (period / "report-RedshiftManifest.json").write_text(
        json.dumps(
            {
                "entries": [
                    {
                        "url": "s3://bucket/team-prefix/report/report/year=2025/month=1/report-00001.snappy.parquet",
                        "mandatory": True,
                    }
                ]
            }
        )
    )

    report = _load(root, tmp_path / "wh.duckdb")

    assert report.quarantined == [], report.summary()
    with use_warehouse("duckdb", duckdb_file=tmp_path / "wh.duckdb"):
        rows = query(
            "select count(*), sum(line_item_unblended_cost), "
            'count(*) filter (where resource_tags = \'{"user_team":"search"}\') '
            "from raw_aws_cur.line_items"
        )
        loads = query("select export_id, file_count from raw_aws_cur.export_loads")
    assert rows == [(3, Decimal("4"), 1)]
    assert loads == [("asm-1", 1)]


def test_ambiguous_manifest_key_is_refused_not_guessed(tmp_path: Path) -> None:
    root = tmp_path / "cur"
    for copy in ("copy-a", "copy-b"):
        folder = root / copy / "year=2025" / "month=1"
        folder.mkdir(parents=True)
        pq.write_table(
            pa.table(
                {
                    "bill_payer_account_id": ["1"],
                    "line_item_line_item_type": ["Usage"],
                    "line_item_unblended_cost": [1.0],
                }
            ),
            folder / "report-00001.parquet",
        )
    period = root / "20250101-20250201"
    period.mkdir()
    (period / "report-Manifest.json").write_text(
        json.dumps(
            {
                "assemblyId": "asm-1",
                "billingPeriod": {"start": "20250101T000000.000Z", "end": "20250201T000000.000Z"},
                "reportKeys": ["elsewhere/year=2025/month=1/report-00001.parquet"],
            }
        )
    )

    report = _load(root, tmp_path / "wh.duckdb")

    assert len(report.quarantined) == 1
    assert "do not exist" in report.quarantined[0].reason
