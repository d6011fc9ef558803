"""Tests of the AWS CUR 2.0 sample's files: determinism, Data Exports layout, schema, deliveries.

Expectations are recomputed from the files themselves (see conftest.py for how they are read).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.sample_data import GenerationSummary, generate

REPO = Path(__file__).resolve().parents[3]
LINE_ITEM_TYPES = (
    "Usage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "SavingsPlanRecurringFee",
    "SavingsPlanUpfrontFee",
    "DiscountedUsage",
    "RIFee",
    "Fee",
    "Credit",
    "Refund",
    "Tax",
    "EdpDiscount",
    "PrivateRateDiscount",
    "BundledDiscount",
)
USAGE_LIKE = {"Usage", "SavingsPlanCoveredUsage", "DiscountedUsage"}


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(
    sample: GenerationSummary, sample_args: dict[str, Any], tmp_path: Path
) -> None:
    again = generate(tmp_path / "again", **sample_args)
    assert _hashes(again.out_dir) == _hashes(sample.out_dir)
    other = generate(tmp_path / "other", **(sample_args | {"seed": sample_args["seed"] + 1}))
    ours, theirs = _hashes(sample.out_dir), _hashes(other.out_dir)
    data = [name for name in ours if name.endswith(".parquet") and name in theirs]
    assert data and all(ours[name] != theirs[name] for name in data)


def test_manifests_list_exactly_the_data_files_that_exist(
    sample: GenerationSummary, export_files: Any
) -> None:
    multi_file_months = 0
    for root in (sample.roots["aws"], sample.roots["aws_restated"]):
        listed: set[Path] = set()
        for manifest in export_files.manifests(root):
            content = json.loads(manifest.read_text())
            files = export_files.resolve(manifest)
            assert all(path.exists() for path in files)
            month = manifest.parent.name.removeprefix("BILLING_PERIOD=")
            assert content["billingPeriod"]["start"] == f"{month}-01T00:00:00.000Z"
            assert content["exportArn"].startswith("arn:aws:bcm-data-exports:us-east-1:")
            assert content["dataFiles"][0].startswith("s3://")
            names = [c["name"] for c in content["columns"]]
            assert names == pq.read_schema(files[0]).names
            multi_file_months += len(files) >= 2
            listed.update(files)
        assert listed == set(root.glob("*/data/BILLING_PERIOD=*/*.snappy.parquet"))
    assert multi_file_months >= 2


def _settings_columns() -> list[tuple[str, str]]:
    # loaded from its file: the aws_cur package itself may import dlt, this module does not
    spec = importlib.util.spec_from_file_location(
        "aws_cur_settings", REPO / "ingestion" / "aws_cur" / "settings.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LINE_ITEM_COLUMNS


def test_files_carry_every_typed_cur2_column_with_realistic_types(
    sample: GenerationSummary,
) -> None:
    path = next(sample.roots["aws"].glob("*/data/*/*.parquet"))
    schema = pq.read_schema(path)
    expected = {
        "string": pa.string(),
        "money": pa.float64(),
        "rate": pa.float64(),
        "quantity": pa.float64(),
        "timestamp": pa.timestamp("ms", tz="UTC"),
    }
    for name, kind in _settings_columns():
        if name.startswith("x_"):
            continue
        field = schema.field(name)
        if kind == "map":
            assert pa.types.is_map(field.type), name
            assert field.type.key_type == pa.string() and field.type.item_type == pa.string()
        else:
            assert field.type == expected[kind], name


def test_every_line_item_type_is_present_with_aws_signs(rows: list[dict[str, Any]]) -> None:
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_type[row["line_item_line_item_type"]].append(row)
    assert set(by_type) == set(LINE_ITEM_TYPES)
    for line_item_type, group in by_type.items():
        amount = "reservation_effective_cost" if line_item_type == "DiscountedUsage" else None
        column = amount or "line_item_unblended_cost"
        assert any(row[column] for row in group), line_item_type
    assert all(r["line_item_unblended_cost"] < 0 for r in by_type["Credit"] + by_type["Refund"])
    assert all(
        r["line_item_unblended_cost"] > 0 and r["line_item_tax_type"] for r in by_type["Tax"]
    )
    assert all(r["reservation_reservation_a_r_n"] for r in by_type["Fee"])


def test_only_the_open_month_lacks_an_invoice_id(
    rows: list[dict[str, Any]], truth: dict[str, Any]
) -> None:
    open_month = truth["open_month"]
    for row in rows:
        is_open = f"{row['bill_billing_period_start_date']:%Y-%m}" == open_month
        assert (row["bill_invoice_id"] == "") == is_open


def _load(export_files: Any, roots: list[Path]) -> dict[tuple[str, str], dict[str, Any]]:
    """Replay a loader: each (export, billing period) keeps the last delivery seen."""
    loaded: dict[tuple[str, str], dict[str, Any]] = {}
    for root in roots:
        for manifest in export_files.manifests(root):
            content = json.loads(manifest.read_text())
            files = export_files.resolve(manifest)
            rows = sum(pq.ParquetFile(path).metadata.num_rows for path in files)
            key = (content["exportName"], content["billingPeriod"]["start"][:7])
            loaded[key] = {"execution_id": content["executionId"], "rows": rows}
    return loaded


def test_the_restated_root_replaces_only_the_open_month(
    sample: GenerationSummary,
    truth: dict[str, Any],
    restated_truth: dict[str, Any],
    export_files: Any,
) -> None:
    first = _load(export_files, [sample.roots["aws"]])
    both = _load(export_files, [sample.roots["aws"], sample.roots["aws_restated"]])
    assert set(first) == set(both)  # replaced, not duplicated
    expected = {
        (e["export_name"], e["billing_period"]): e for e in restated_truth["billing_periods"]
    }
    for key, delivery in both.items():
        assert delivery["execution_id"] == expected[key]["execution_id"]
        assert delivery["rows"] == expected[key]["row_count"]
        if key[1] == truth["open_month"]:
            assert delivery["execution_id"] != first[key]["execution_id"]
            assert delivery["rows"] > first[key]["rows"]
        else:
            assert delivery == first[key]
    initial = {(e["export_name"], e["billing_period"]): e for e in truth["billing_periods"]}
    open_keys = [k for k in initial if k[1] == truth["open_month"]]
    assert all(
        Decimal(expected[k]["billed_total"]) > Decimal(initial[k]["billed_total"])
        for k in open_keys
    )
