"""Tests of the AWS CUR 2.0 sample's numbers: ground truth, AWS cost semantics, planted signals.

Every total is recomputed with Decimal over the stored floats, independently of the
generator's integer arithmetic, so a wrong ground truth cannot pass by accident.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ingestion.sample_data import GenerationSummary

USAGE_LIKE = {"Usage", "SavingsPlanCoveredUsage", "DiscountedUsage"}


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
        lambda: {
            "rows": 0,
            "unblended": Decimal(0),
            "net": Decimal(0),
            "billed": Decimal(0),
            "amortized": Decimal(0),
            "types": defaultdict(int),
        }
    )
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
    sample: GenerationSummary,
    sample_args: dict[str, Any],
    export_files: Any,
    root: str,
    rows: list[dict[str, Any]],
) -> None:
    name = "ground_truth.json" if root == "aws" else "ground_truth_restated.json"
    truth = json.loads((sample.out_dir / name).read_text())["aws"]
    # closed months of the restated root are byte copies (see the replay test): recompute
    # only its open month there, to keep the suite fast
    entries = [
        e
        for e in truth["billing_periods"]
        if root == "aws" or e["billing_period"] == truth["open_month"]
    ]
    if root != "aws":
        rows = export_files.rows(sample.roots[root], truth["open_month"])
    totals = _totals(rows)
    assert len(totals) == len(entries) == (2 * sample_args["months"] if root == "aws" else 2)
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
            rows,
            line_item_usage_account_id=event["account_id"],
            line_item_product_code=event["service"],
        )
        day = date.fromisoformat(event["date"])
        if event["kind"] == "spike":
            assert 2 <= event["size"] <= 5
            around = [days[day + timedelta(days=d)] for d in (-3, -2, -1, 1, 2, 3)]
            assert days[day] >= Decimal("1.5") * statistics.median(around)
        else:
            # two weeks on each side (where delivered), so weekly seasonality cancels out
            after = [days[d] for d in (day + timedelta(days=k) for k in range(14)) if d in days]
            before = [days[d] for d in (day - timedelta(days=k) for k in range(1, 15)) if d in days]
            # +40% planted; daily noise (sigma 0.15) leaves a 2-week mean well above +10%
            assert statistics.mean(after) >= Decimal("1.1") * statistics.mean(before)
