"""Each suite passes on the demo warehouse and fails the right expectation on broken data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data_tests.runner import SuiteResult, run_suite
from data_tests.suites import fct_cost_daily as gold
from data_tests.suites import int_costs_unioned as silver
from data_tests.suites import raw_aws_cur_line_items as raw

FIRST, LAST = date(2025, 1, 1), date(2025, 3, 1)  # the demo's billing months
SILVER_TABLE, RAW_TABLE = "silver.int_costs_unioned", "raw_aws_cur.line_items"
GOLD_TABLES = [SILVER_TABLE, "gold.fct_cost", "gold.fct_cost_daily"]


def _read(warehouse: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).df()


def _run(warehouse: Path, name: str) -> SuiteResult:
    read = lambda sql: _read(warehouse, sql)  # noqa: E731
    if name == "raw_schema":
        return run_suite(raw.schema_suite(), raw.schema_frame(read(raw.COLUMNS_SQL)))
    if name == "raw_periods":
        return run_suite(raw.periods_suite(), raw.periods_frame(read(raw.periods_sql(FIRST, LAST))))
    if name == "silver":
        return run_suite(silver.suite(), read(silver.frame_sql(FIRST, LAST)))
    if name == "gold_reconcile":
        return run_suite(gold.reconcile_suite(), read(gold.totals_sql(FIRST, LAST)))
    if name == "gold_allocation":
        return run_suite(gold.allocation_suite(), read(gold.totals_sql(FIRST, LAST)))
    return run_suite(gold.daily_change_suite(), read(gold.daily_sql(FIRST, LAST)))


def _failed(result: SuiteResult) -> dict[str, str]:
    return {failure.name: failure.severity for failure in result.failures}


@pytest.mark.parametrize(
    "name",
    ["raw_schema", "raw_periods", "silver", "gold_reconcile", "gold_allocation", "gold_daily"],
)
def test_suite_passes_on_demo_warehouse(demo_warehouse: Path, name: str) -> None:
    result = _run(demo_warehouse, name)
    assert result.success, result.failures
    assert result.rows_checked > 0


def test_missing_and_non_numeric_columns_fail(broken_copy) -> None:
    warehouse = broken_copy(
        [RAW_TABLE],
        [
            f"alter table {RAW_TABLE} drop column pricing_public_on_demand_cost",
            f"alter table {RAW_TABLE} alter line_item_usage_amount type varchar",
        ],
    )
    failed = _failed(_run(warehouse, "raw_schema"))
    assert failed == {
        "column_exists(pricing_public_on_demand_cost)": "critical",
        "numeric(pricing_public_on_demand_cost)": "critical",
        "numeric(line_item_usage_amount)": "critical",
    }


def test_invalid_currency_fails(broken_copy) -> None:
    warehouse = broken_copy(
        [RAW_TABLE],
        [f"update {RAW_TABLE} set line_item_currency_code = 'XXX' where x_source_row = 1"],
    )
    result = _run(warehouse, "raw_periods")
    assert _failed(result) == {"currency_iso_4217": "critical"}
    assert "XXX" in result.failures[0].observed["partial_unexpected_list"]


def test_usage_dated_outside_its_period_warns(broken_copy) -> None:
    moved = "line_item_usage_start_date - interval '40 days'"
    warehouse = broken_copy(
        [RAW_TABLE],
        [
            f"update {RAW_TABLE} set line_item_usage_start_date = {moved} "
            "where line_item_line_item_type = 'Usage' and x_source_row % 10 = 0"
        ],
    )
    failed = _failed(_run(warehouse, "raw_periods"))
    assert failed == {
        "outside_period_only_on_corrections": "warning",
        "outside_period_share": "warning",
    }


def test_silver_price_order_on_usage_only_warns(broken_copy) -> None:
    warehouse = broken_copy(
        [SILVER_TABLE],
        [
            f"update {SILVER_TABLE} set list_cost = -1 where charge_category = 'Usage' "
            "and commitment_discount_id is null and effective_cost > 0"
        ],
    )
    result = _run(warehouse, "silver")
    assert _failed(result) == {"usage_list_ge_contracted_ge_effective": "warning"}
    assert not result.critical


def test_silver_bad_category_and_nulls_fail(broken_copy) -> None:
    warehouse = broken_copy(
        [SILVER_TABLE],
        [
            f"update {SILVER_TABLE} set charge_category = 'Refund' where charge_category = 'Tax'",
            f"update {SILVER_TABLE} set billed_cost = null where x_source_row = 2",
        ],
    )
    failed = _failed(_run(warehouse, "silver"))
    assert failed == {"charge_category_allowed": "critical", "not_null(billed_cost)": "critical"}


def test_gold_off_by_one_fails_reconciliation(broken_copy) -> None:
    warehouse = broken_copy(
        GOLD_TABLES,
        [
            "update gold.fct_cost set billed_cost = billed_cost + 1.00 where x_cost_line_id = "
            "(select min(x_cost_line_id) from gold.fct_cost)"
        ],
    )
    result = _run(warehouse, "gold_reconcile")
    assert _failed(result) == {"reconciles(fct_cost_billed_cost)": "critical"}
    assert result.failures[0].observed["unexpected_count"] == 1


def test_unallocated_share_over_threshold_warns(broken_copy) -> None:
    warehouse = broken_copy(GOLD_TABLES, ["update gold.fct_cost_daily set x_team = null"])
    result = _run(warehouse, "gold_allocation")
    assert _failed(result) == {"unallocated_share": "warning"}


def test_daily_spike_warns() -> None:
    days = pd.date_range("2025-01-01", periods=10).date
    costs = [100.0] * 10
    costs[5] = 1000.0
    frame = pd.DataFrame({"charge_date": days, "usage_cost": costs})
    frame["day_over_day_change"] = frame["usage_cost"] / frame["usage_cost"].shift() - 1
    result = run_suite(gold.daily_change_suite(), frame)
    assert _failed(result) == {"day_over_day_change": "warning"}
    assert result.failures[0].observed["unexpected_count"] == 2  # the jump and the fall back


def test_currency_list_keeps_real_currencies_only() -> None:
    from data_tests.suites.common import currency_codes

    codes = set(currency_codes())
    assert {"USD", "EUR", "JPY", "XOF", "XCD"} <= codes
    assert not {"XXX", "XTS", "XAU"} & codes
