"""The Dagster checks load with the code location and run for real on DuckDB warehouses."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.quality import checks
from tests.warehouse_utils import use_warehouse

ALL_CHECKS = [
    checks.raw_line_items_quality,
    checks.focus_conformance,
    checks.allocation_reconciles_to_silver,
    checks.reconciles_to_silver,
    checks.cost_distribution,
]


def test_checks_are_in_the_code_location() -> None:
    from orchestration.definitions import defs

    keys = defs.resolve_asset_graph().asset_check_keys
    expected = {
        dg.AssetCheckKey(checks.RAW, "raw_line_items_quality"),
        dg.AssetCheckKey(checks.SILVER, "focus_conformance"),
        dg.AssetCheckKey(checks.DECISIONS, "allocation_reconciles_to_silver"),
        dg.AssetCheckKey(checks.FCT_COST_DAILY, "reconciles_to_silver"),
        dg.AssetCheckKey(checks.FCT_COST_DAILY, "cost_distribution"),
    }
    assert expected <= set(keys)
    blocking = {spec.name: spec.blocking for check in ALL_CHECKS for spec in check.check_specs}
    assert blocking == {
        "raw_line_items_quality": True,
        "focus_conformance": True,
        "allocation_reconciles_to_silver": True,
        "reconciles_to_silver": True,
        "cost_distribution": False,
    }


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda check: next(iter(check.check_keys)).name)
def test_check_passes_on_demo_warehouse(demo_warehouse: Path, check) -> None:
    with use_warehouse("duckdb", demo_warehouse):
        result = check(dg.build_asset_check_context())
    assert result.passed, result.metadata
    assert result.metadata["billing_window"].value == "2025-01..2025-03"
    assert result.metadata["rows_checked"].value > 0


def test_reconciliation_failure_is_an_error(broken_copy) -> None:
    warehouse = broken_copy(
        ["silver.int_costs_unioned", "gold.fct_cost", "gold.fct_cost_daily"],
        ["update gold.fct_cost_daily set billed_cost = billed_cost + 1.00 where line_count = 1"],
    )
    with use_warehouse("duckdb", warehouse):
        result = checks.reconciles_to_silver(dg.build_asset_check_context())
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert "reconciles(daily_billed_cost)" in result.metadata["failed_expectations"].value


def test_allocation_losing_lines_is_an_error_naming_the_period(broken_copy) -> None:
    # a cost line whose allocation key has no decision would vanish from gold.fct_cost
    warehouse = broken_copy(
        ["silver.int_costs_unioned", "silver.int_costs_keyed", "silver.int_allocation_decisions"],
        [
            "delete from silver.int_allocation_decisions where x_allocation_key = ("
            "select min(x_allocation_key) from silver.int_allocation_decisions "
            "where billing_period = date '2025-02-01')"
        ],
    )
    with use_warehouse("duckdb", warehouse):
        result = checks.allocation_reconciles_to_silver(dg.build_asset_check_context())
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert "allocated_reconciles(line_count)" in result.metadata["failed_expectations"].value
    assert result.metadata["failed_periods"].value == "2025-02"


def test_distribution_failure_only_warns(broken_copy) -> None:
    warehouse = broken_copy(
        ["silver.int_costs_unioned", "gold.fct_cost", "gold.fct_cost_daily"],
        ["update gold.fct_cost_daily set x_team = null"],
    )
    with use_warehouse("duckdb", warehouse):
        result = checks.cost_distribution(dg.build_asset_check_context())
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["observed_values"].value["unallocated_share"]["unexpected_count"] == 3
