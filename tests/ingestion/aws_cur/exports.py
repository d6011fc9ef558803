"""Write small CUR exports in the layouts AWS documents, for ingestion tests."""

from __future__ import annotations

import gzip
import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

JAN_2025 = date(2025, 1, 1)


def cur2_rows(payer: str, period: date, count: int, cost: float = 1.25) -> list[dict[str, object]]:
    """Hourly Usage rows in CUR 2.0 column names."""
    start = datetime(period.year, period.month, 1)
    return [
        {
            "identity_line_item_id": f"line-{i}",
            "bill_payer_account_id": payer,
            "bill_billing_period_start_date": start,
            "bill_invoice_id": "",
            "line_item_usage_account_id": "222233334444",
            "line_item_line_item_type": "Usage",
            "line_item_usage_start_date": start.replace(hour=i % 24),
            "line_item_product_code": "AmazonEC2",
            "line_item_currency_code": "USD",
            "line_item_unblended_cost": cost,
            "line_item_net_unblended_cost": cost,
            "resource_tags": [("user_team", "payments")],
        }
        for i in range(count)
    ]


def write_cur2_export(
    root: Path,
    name: str,
    period: date,
    files: list[list[dict[str, object]]],
    execution_id: str = "exec-1",
) -> Path:
    """A Data Exports (CUR 2.0) delivery: parquet data files plus the manifest listing them."""
    folder = f"BILLING_PERIOD={period:%Y-%m}"
    data_dir, meta_dir = root / name / "data" / folder, root / name / "metadata" / folder
    data_dir.mkdir(parents=True, exist_ok=True)
    meta_dir.mkdir(parents=True, exist_ok=True)
    keys = []
    for index, rows in enumerate(files, start=1):
        table = pa.Table.from_pylist(rows, schema=_cur2_schema())
        path = data_dir / f"{name}-{index:05d}.snappy.parquet"
        pq.write_table(table, path)
        keys.append(f"s3://bucket/cur2/{name}/data/{folder}/{path.name}")
    end = date(period.year + period.month // 12, period.month % 12 + 1, 1)
    manifest = {
        "exportName": name,
        "executionId": execution_id,
        "billingPeriod": {"start": f"{period}T00:00:00.000Z", "end": f"{end}T00:00:00.000Z"},
        "dataFiles": keys,
    }
    path = meta_dir / f"{name}-Manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def _cur2_schema() -> pa.Schema:
    return pa.schema(
        [
            ("identity_line_item_id", pa.string()),
            ("bill_payer_account_id", pa.string()),
            ("bill_billing_period_start_date", pa.timestamp("ms", tz="UTC")),
            ("bill_invoice_id", pa.string()),
            ("line_item_usage_account_id", pa.string()),
            ("line_item_line_item_type", pa.string()),
            ("line_item_usage_start_date", pa.timestamp("ms", tz="UTC")),
            ("line_item_product_code", pa.string()),
            ("line_item_currency_code", pa.string()),
            ("line_item_unblended_cost", pa.float64()),
            ("line_item_net_unblended_cost", pa.float64()),
            ("resource_tags", pa.map_(pa.string(), pa.string())),
        ]
    )


def legacy_csv(payer: str, period: date, count: int, cost: str = "0.5") -> str:
    """Legacy CUR CSV text with slash headers and a resource tag column."""
    header = (
        "identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,"
        "lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UnblendedCost,"
        "lineItem/CurrencyCode,resourceTags/user:team"
    )
    lines = [header] + [
        f"id-{i},{payer},{period}T00:00:00Z,Usage,{period}T{i % 24:02d}:00:00Z,{cost},USD,data"
        for i in range(count)
    ]
    return "\n".join(lines) + "\n"


def write_legacy_export(
    root: Path, report: str, period: date, csv_text: str, assembly: str, compression: str = "gz"
) -> Path:
    """A versioned legacy CUR delivery: `<range>/<assembly>/<report>-1.csv.<gz|zip>` + manifest."""
    end = date(period.year + period.month // 12, period.month % 12 + 1, 1)
    range_dir = root / report / f"{period:%Y%m%d}-{end:%Y%m%d}"
    data_dir = range_dir / assembly
    data_dir.mkdir(parents=True, exist_ok=True)
    name = f"{report}-1.csv.{compression}"
    if compression == "gz":
        (data_dir / name).write_bytes(gzip.compress(csv_text.encode()))
    else:
        with zipfile.ZipFile(data_dir / name, "w") as archive:
            archive.writestr(f"{report}-1.csv", csv_text)
    manifest = {
        "assemblyId": assembly,
        "reportName": report,
        "billingPeriod": {
            "start": f"{period:%Y%m%d}T000000.000Z",
            "end": f"{end:%Y%m%d}T000000.000Z",
        },
        "reportKeys": [f"prefix/{report}/{range_dir.name}/{assembly}/{name}"],
    }
    (data_dir / f"{report}-Manifest.json").write_text(json.dumps(manifest))
    top = range_dir / f"{report}-Manifest.json"
    top.write_text(json.dumps(manifest))
    return top
