"""Commitment KPIs on a hand-made FOCUS-like frame with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.commitments.kpis import (
    commitment_coverage,
    commitment_kpis,
    commitment_utilization,
    effective_savings_rate,
    unused_commitment_cost,
)

COLUMNS = [
    "charge_category",
    "commitment_discount_status",
    "commitment_discount_id",
    "effective_cost",
    "billed_cost",
    "list_cost",
    "x_line_item_type",
]

LINES = pd.DataFrame(
    [
        ("Usage", None, None, 60.0, 60.0, 60.0, "Usage"),  # on demand
        ("Usage", "Used", "arn:sp", 28.0, 40.0, 40.0, "SavingsPlanCoveredUsage"),
        ("Usage", "Used", "arn:ri", 50.0, 0.0, 100.0, "DiscountedUsage"),
        ("Credit", None, "arn:sp", 0.0, -40.0, 0.0, "SavingsPlanNegation"),
        ("Purchase", "Unused", "arn:sp", 22.0, 50.0, 0.0, "SavingsPlanRecurringFee"),
        ("Tax", None, None, 5.0, 5.0, 0.0, "Tax"),
    ],
    columns=COLUMNS,
)


def test_coverage_is_covered_list_cost_over_usage_list_cost() -> None:
    assert commitment_coverage(LINES) == pytest.approx(140.0 / 200.0)


def test_utilization_is_used_over_used_plus_unused() -> None:
    assert commitment_utilization(LINES) == pytest.approx(78.0 / 100.0)


def test_unused_commitment_cost() -> None:
    assert unused_commitment_cost(LINES) == pytest.approx(22.0)


def test_effective_savings_rate_with_and_without_unused() -> None:
    assert effective_savings_rate(LINES) == pytest.approx(1 - 138.0 / 200.0)
    assert effective_savings_rate(LINES, include_unused=True) == pytest.approx(1 - 160.0 / 200.0)


def test_no_usage_or_commitments_gives_zero_not_a_division_error() -> None:
    empty = LINES.iloc[0:0]
    assert commitment_kpis(empty) == {
        "coverage": 0.0,
        "utilization": 0.0,
        "effective_savings_rate": 0.0,
        "effective_savings_rate_with_unused": 0.0,
        "unused_commitment_cost": 0.0,
    }


def test_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match="list_cost"):
        commitment_coverage(LINES.drop(columns="list_cost"))
