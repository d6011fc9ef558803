"""Tests of the deterministic AWS CUR 2.0 sample generator (layout, AWS semantics, ground truth).

Every expectation is recomputed from the parquet files independently of the generator's own
arithmetic (Decimal over the stored floats), so a wrong ground truth cannot pass by accident.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingestion.sample_data import GenerationSummary, generate

REPO = Path(__file__).resolve().parents[3]
ARGS: dict[str, Any] = {"months": 3, "scale": 50_000, "seed": 7}
LINE_ITEM_TYPES = (
    "Usage", "SavingsPlanCoveredUsage", "SavingsPlanNegation", "SavingsPlanRecurringFee",
    "SavingsPlanUpfrontFee", "DiscountedUsage", "RIFee", "Fee", "Credit", "Refund", "Tax",
    "EdpDiscount", "PrivateRateDiscount", "BundledDiscount",
)  # fmt: skip
USAGE_LIKE = {"Usage", "SavingsPlanCoveredUsage", "DiscountedUsage"}
MONEY = (
    "line_item_unblended_cost", "line_item_net_unblended_cost", "pricing_public_on_demand_cost",
    "savings_plan_net_savings_plan_effective_cost", "savings_plan_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date", "savings_plan_used_commitment",
    "reservation_effective_cost", "reservation_net_effective_cost",
    "reservation_amortized_upfront_cost_for_usage", "reservation_recurring_fee_for_usage",
    "reservation_net_unused_amortized_upfront_fee_for_billing_period",
    "reservation_net_unused_recurring_fee", "reservation_unused_recurring_fee",
)  # fmt: skip
OTHER = (
    "bill_payer_account_id", "bill_billing_period_start_date", "bill_invoice_id",
    "line_item_line_item_type", "line_item_usage_account_id", "line_item_product_code",
    "line_item_resource_id", "line_item_usage_start_date", "line_item_usage_end_date",
    "line_item_tax_type", "reservation_reservation_a_r_n", "savings_plan_savings_plan_a_r_n",
    "reservation_unused_quantity", "resource_tags",
)  # fmt: skip


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate(tmp_path_factory.mktemp("sample"), **ARGS)


@pytest.fixture(scope="module")
def truth(sample: GenerationSummary) -> dict[str, Any]:
    return json.loads(sample.ground_truth_path.read_text())["aws"]


@pytest.fixture(scope="module")
def restated_truth(sample: GenerationSummary) -> dict[str, Any]:
    return json.loads((sample.out_dir / "ground_truth_restated.json").read_text())["aws"]


def _manifests(root: Path, month: str = "*") -> list[Path]:
    return sorted(root.glob(f"*/metadata/BILLING_PERIOD={month}/*-Manifest.json"))


def _resolve(manifest: Path) -> list[Path]:
    """Data files of a manifest, resolved like the loader: by the `data/BILLING_PERIOD=` part."""
    export_dir = manifest.parents[2]
    uris = json.loads(manifest.read_text())["dataFiles"]
    return [export_dir / uri[uri.index("data/BILLING_PERIOD=") :] for uri in uris]


def _rows(root: Path, month: str = "*") -> list[dict[str, Any]]:
    """Rows of every file the root's manifests (of `month`) list, with money as Decimal."""
    rows = []
    for manifest in _manifests(root, month):
        for path in _resolve(manifest):
            for row in pq.read_table(path, columns=[*MONEY, *OTHER]).to_pylist():
                for name in MONEY:
                    value = row[name]
                    row[name] = None if value is None else Decimal(str(value))
                rows.append(row)
    return rows


@pytest.fixture(scope="module")
def rows(sample: GenerationSummary) -> list[dict[str, Any]]:
    return _rows(sample.roots["aws"])


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(
    sample: GenerationSummary, tmp_path: Path
) -> None:
    again = generate(tmp_path / "again", **ARGS)
    assert _hashes(again.out_dir) == _hashes(sample.out_dir)
    other = generate(tmp_path / "other", **(ARGS | {"seed": 8}))
    ours, theirs = _hashes(sample.out_dir), _hashes(other.out_dir)
    data = [name for name in ours if name.endswith(".parquet") and name in theirs]
    assert data and all(ours[name] != theirs[name] for name in data)


def test_manifests_list_exactly_the_data_files_that_exist(sample: GenerationSummary) -> None:
    multi_file_months = 0
    for root in (sample.roots["aws"], sample.roots["aws_restated"]):
        listed: set[Path] = set()
        for manifest in _manifests(root):
            content = json.loads(manifest.read_text())
            files = _resolve(manifest)
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
    assert all(r["line_item_unblended_cost"] > 0 and r["line_item_tax_type"] for r in by_type["Tax"])
    assert all(r["reservation_reservation_a_r_n"] for r in by_type["Fee"])


def test_only_the_open_month_lacks_an_invoice_id(
    rows: list[dict[str, Any]], truth: dict[str, Any]
) -> None:
    open_month = truth["open_month"]
    for row in rows:
        is_open = f"{row['bill_billing_period_start_date']:%Y-%m}" == open_month
        assert (row["bill_invoice_id"] == "") == is_open


def _amortized(row: dict[str, Any]) -> Decimal:
    kind = row["line_item_line_item_type"]
    if kind == "SavingsPlanCoveredUsage":
        return row["savings_plan_net_savings_plan_effective_cost"]
    if kind == "SavingsPlanRecurringFee":
        return row["savings_plan_total_commitment_to_date"] - row["savings_plan_used_commitment"]
    if kind in ("SavingsPlanNegation", "SavingsPlanUpfrontFee"):
        return Decimal(0)
    if kind == "DiscountedUsage":
        return row["reservation_net_effective_cost"]
    if kind == "RIFee":
        return (
            row["reservation_net_unused_amortized_upfront_fee_for_billing_period"]
            + row["reservation_net_unused_recurring_fee"]
        )
    if kind == "Fee" and row["reservation_reservation_a_r_n"]:
        return Decimal(0)
    return _billed(row)


def _billed(row: dict[str, Any]) -> Decimal:
    net = row["line_item_net_unblended_cost"]
    return row["line_item_unblended_cost"] if net is None else net


def _totals(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    totals: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"rows": 0, "unblended": Decimal(0), "net": Decimal(0), "billed": Decimal(0),
                 "amortized": Decimal(0), "types": defaultdict(int)}
    )  # fmt: skip
    for row in rows:
        key = (row["bill_payer_account_id"], f"{row['bill_billing_period_start_date']:%Y-%m}")
        total = totals[key]
        total["rows"] += 1
        total["types"][row["line_item_line_item_type"]] += 1
        total["unblended"] += row["line_item_unblended_cost"]
        total["net"] += row["line_item_net_unblended_cost"] or 0
        total["billed"] += _billed(row)
        total["amortized"] += _amortized(row)
    return totals


@pytest.mark.parametrize("root", ["aws", "aws_restated"])
def test_ground_truth_totals_match_a_decimal_recomputation_from_the_files(
    sample: GenerationSummary, root: str, rows: list[dict[str, Any]]
) -> None:
    name = "ground_truth.json" if root == "aws" else "ground_truth_restated.json"
    truth = json.loads((sample.out_dir / name).read_text())["aws"]
    # closed months of the restated root are byte copies (see the replay test): recompute
    # only its open month there, to keep the suite fast
    entries = [
        e for e in truth["billing_periods"] if root == "aws" or e["billing_period"] == truth["open_month"]
    ]
    totals = _totals(rows if root == "aws" else _rows(sample.roots[root], truth["open_month"]))
    assert len(totals) == len(entries) == (2 * ARGS["months"] if root == "aws" else 2)
    for entry in entries:
        total = totals[(entry["payer_account_id"], entry["billing_period"])]
        assert total["rows"] == entry["row_count"]
        assert dict(total["types"]) == entry["row_count_by_line_item_type"]
        assert total["unblended"] == Decimal(entry["unblended_total"])
        assert total["net"] == Decimal(entry["net_unblended_total"])
        assert total["billed"] == Decimal(entry["billed_total"])
        assert total["amortized"] == Decimal(entry["amortized_total"])
        # discounts are folded into net costs, so both sums agree to the cent (exactly, here)
        assert total["net"] == total["unblended"]


def test_commitment_lines_follow_aws_semantics(rows: list[dict[str, Any]]) -> None:
    covered: dict[tuple[str, datetime], Decimal] = defaultdict(Decimal)
    negated: dict[tuple[str, datetime], Decimal] = defaultdict(Decimal)
    spent: dict[tuple[str, datetime], Decimal] = defaultdict(Decimal)
    fees = []
    for row in rows:
        kind = row["line_item_line_item_type"]
        key = (row["line_item_resource_id"], row["line_item_usage_start_date"])
        if kind == "SavingsPlanCoveredUsage":
            assert row["line_item_unblended_cost"] == row["pricing_public_on_demand_cost"]
            covered[key] += row["line_item_unblended_cost"]
            plan = (row["savings_plan_savings_plan_a_r_n"], row["line_item_usage_start_date"])
            spent[plan] += row["savings_plan_savings_plan_effective_cost"]
        elif kind == "SavingsPlanNegation":
            negated[key] += row["line_item_unblended_cost"]
        elif kind == "SavingsPlanRecurringFee":
            fees.append(row)
        elif kind == "DiscountedUsage":
            assert row["line_item_unblended_cost"] == 0
            assert row["reservation_effective_cost"] == (
                row["reservation_amortized_upfront_cost_for_usage"]
                + row["reservation_recurring_fee_for_usage"]
            )
        elif kind in ("EdpDiscount", "PrivateRateDiscount", "BundledDiscount"):
            assert row["line_item_net_unblended_cost"] == 0
    assert covered and {k: -v for k, v in covered.items()} == dict(negated)
    for fee in fees:
        used = spent.get((fee["line_item_resource_id"], fee["line_item_usage_start_date"]), 0)
        assert fee["savings_plan_used_commitment"] == used
        assert fee["savings_plan_used_commitment"] <= fee["savings_plan_total_commitment_to_date"]


def test_commitments_are_under_used(rows: list[dict[str, Any]], truth: dict[str, Any]) -> None:
    used: dict[str, Decimal] = defaultdict(Decimal)
    available: dict[str, Decimal] = defaultdict(Decimal)
    unused_reserved = Decimal(0)
    for row in rows:
        if row["line_item_line_item_type"] == "SavingsPlanRecurringFee":
            used[row["line_item_resource_id"]] += row["savings_plan_used_commitment"]
            available[row["line_item_resource_id"]] += row["savings_plan_total_commitment_to_date"]
        if row["line_item_line_item_type"] == "RIFee":
            unused_reserved += Decimal(str(row["reservation_unused_quantity"]))
    assert len(used) == sum(c["kind"] == "savings_plan" for c in truth["commitments"])
    assert all(0 < used[arn] / available[arn] < 1 for arn in used)
    assert unused_reserved > 0


def test_an_expiring_commitment_has_no_lines_after_its_end(
    rows: list[dict[str, Any]], truth: dict[str, Any]
) -> None:
    expiring = [c for c in truth["commitments"] if c["expires_in_window"]]
    assert expiring
    for commitment in expiring:
        end = datetime.fromisoformat(commitment["end"].replace("Z", "+00:00"))
        ends = [
            row["line_item_usage_end_date"]
            for row in rows
            if commitment["arn"]
            in (row["savings_plan_savings_plan_a_r_n"], row["reservation_reservation_a_r_n"])
        ]
        assert ends and max(ends) == end


def _condition(tags: dict[str, str], canonical: set[str]) -> str:
    if "user_team" in tags:
        return "clean" if tags["user_team"] in canonical else "misspelled"
    if "user_Team" in tags:
        return "key_variant"
    return "owner_only" if "user_owner" in tags else "missing"


def test_tag_mess_shares_match_the_stated_ones(
    rows: list[dict[str, Any]], truth: dict[str, Any]
) -> None:
    tags_by_resource = {
        row["line_item_resource_id"]: dict(row["resource_tags"])
        for row in rows
        if row["line_item_line_item_type"] in USAGE_LIKE
    }
    canonical = {"platform", "payments", "data", "search", "mobile", "ml"}
    conditions = [_condition(tags, canonical) for tags in tags_by_resource.values()]
    stated = truth["tag_mess"]
    assert len(conditions) == stated["resource_count"]
    for condition, share in stated["target_shares"].items():
        measured = conditions.count(condition) / len(conditions)
        assert measured == pytest.approx(stated["actual_shares"][condition], abs=1e-6)
        assert abs(measured - share) <= 0.02, condition


def _daily(rows: list[dict[str, Any]], **match: str) -> dict[date, Decimal]:
    days: dict[date, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row["line_item_line_item_type"] in USAGE_LIKE and all(
            row[k] == v for k, v in match.items()
        ):
            days[row["line_item_usage_start_date"].date()] += row["pricing_public_on_demand_cost"]
    return days


def test_daily_cost_has_weekly_seasonality_and_noise(
    rows: list[dict[str, Any]], truth: dict[str, Any]
) -> None:
    for export in truth["exports"]:
        days = _daily(rows, bill_payer_account_id=export["payer_account_id"])
        values = [float(v) for v in days.values()]
        assert statistics.pstdev(values) / statistics.mean(values) >= 0.10
        weekday = [float(v) for d, v in days.items() if d.weekday() < 5]
        weekend = [float(v) for d, v in days.items() if d.weekday() >= 5]
        assert statistics.mean(weekday) > 1.2 * statistics.mean(weekend)


def test_planted_events_stand_out(rows: list[dict[str, Any]], truth: dict[str, Any]) -> None:
    kinds = [event["kind"] for event in truth["events"]]
    assert kinds.count("level_shift") == 1 and 2 <= kinds.count("spike") <= 3
    for event in truth["events"]:
        days = _daily(
            rows, line_item_usage_account_id=event["account_id"],
            line_item_product_code=event["service"],
        )  # fmt: skip
        day = date.fromisoformat(event["date"])
        if event["kind"] == "spike":
            assert 2 <= event["size"] <= 5
            around = [days[day + timedelta(days=d)] for d in (-3, -2, -1, 1, 2, 3)]
            assert days[day] >= Decimal("1.5") * statistics.median(around)
        else:
            # a week on each side, so weekly seasonality cancels out
            after = [days[d] for d in (day + timedelta(days=k) for k in range(7)) if d in days]
            before = [days[d] for d in (day - timedelta(days=k) for k in range(1, 8)) if d in days]
            assert statistics.mean(after) >= Decimal("1.2") * statistics.mean(before)


def _load(roots: list[Path]) -> dict[tuple[str, str], dict[str, Any]]:
    """Replay a loader: each (export, billing period) keeps the last delivery seen."""
    loaded: dict[tuple[str, str], dict[str, Any]] = {}
    for root in roots:
        for manifest in _manifests(root):
            content = json.loads(manifest.read_text())
            rows = sum(pq.ParquetFile(path).metadata.num_rows for path in _resolve(manifest))
            key = (content["exportName"], content["billingPeriod"]["start"][:7])
            loaded[key] = {"execution_id": content["executionId"], "rows": rows}
    return loaded


def test_the_restated_root_replaces_only_the_open_month(
    sample: GenerationSummary, truth: dict[str, Any], restated_truth: dict[str, Any]
) -> None:
    first = _load([sample.roots["aws"]])
    both = _load([sample.roots["aws"], sample.roots["aws_restated"]])
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
