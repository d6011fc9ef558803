"""Asset checks running the `data_tests` suites on aggregates of the run's billing months.

Severity follows the failed expectations: a critical one gives ERROR (and blocks downstream
when the check is blocking), warnings alone give WARN and never block.
"""

# the suites are imported inside each check: great_expectations takes seconds to import, and
# most processes that load these definitions (the UI, the daemon, other steps) run no check

from datetime import date
from typing import TYPE_CHECKING

import dagster as dg

from orchestration.lib.asset_keys import model_key, raw_key
from orchestration.lib.partitions import billing_month
from orchestration.lib.tables import read_sql

# without a partition (manual check run) the latest periods are checked
LATEST_PERIODS = 3

if TYPE_CHECKING:
    from data_tests.runner import SuiteResult

RAW = raw_key("aws_cur", "line_items")
SILVER = model_key("silver", "int_costs_unioned")
KEYED = model_key("silver", "int_costs_keyed")
DECISIONS = model_key("silver", "int_allocation_decisions")
FCT_COST = model_key("gold", "fct_cost")
FCT_COST_DAILY = model_key("gold", "fct_cost_daily")


def _partition_window(context: dg.AssetCheckExecutionContext) -> tuple[date, date] | None:
    try:
        window = context.partition_time_window
    except Exception:  # direct invocation or an unpartitioned run has no window
        return None
    last = date.fromordinal(window.end.date().toordinal() - 1).replace(day=1)
    return window.start.date(), last


def billing_window(
    context: dg.AssetCheckExecutionContext, table: str, column: str
) -> tuple[date, date]:
    """First and last billing period (first days) of the run, else the latest periods."""
    window = _partition_window(context)
    if window is not None:
        return window
    latest = read_sql(f"select max({column}) as latest from {table}")["latest"].iloc[0]
    last = date.fromisoformat(str(latest)[:10]) if latest is not None else date.today()
    month = last.year * 12 + last.month - 1 - (LATEST_PERIODS - 1)
    return date(month // 12, month % 12 + 1, 1), last.replace(day=1)


def to_check_result(
    result: "SuiteResult",
    first: date,
    last: date,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> dg.AssetCheckResult:
    """An AssetCheckResult: ERROR when a critical expectation failed, WARN when only warnings.

    `severity` is reported while the check passes (the check's worst possible outcome).
    """
    if result.failures:
        critical = result.critical
        severity = dg.AssetCheckSeverity.ERROR if critical else dg.AssetCheckSeverity.WARN
    metadata = {**result.metadata(), "billing_window": f"{first:%Y-%m}..{last:%Y-%m}"}
    metadata["failed_expectations"] = dg.MetadataValue.json(metadata["failed_expectations"])
    metadata["observed_values"] = dg.MetadataValue.json(metadata["observed_values"])
    return dg.AssetCheckResult(passed=result.success, severity=severity, metadata=metadata)


@dg.asset_check(
    asset=RAW, blocking=True, partitions_def=billing_month, name="raw_line_items_quality"
)
def raw_line_items_quality(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    """Required columns and types, ISO currencies, rows dated inside their billing period."""
    from data_tests.runner import run_suite
    from data_tests.suites import raw_aws_cur_line_items as raw

    first, last = billing_window(context, "raw_aws_cur.line_items", "billing_period")
    result = run_suite(raw.schema_suite(), raw.schema_frame(read_sql(raw.COLUMNS_SQL)))
    periods = raw.periods_frame(read_sql(raw.periods_sql(first, last)))
    result = result.merge(run_suite(raw.periods_suite(), periods, "billing_period"))
    return to_check_result(result, first, last)


@dg.asset_check(asset=SILVER, blocking=True, partitions_def=billing_month, name="focus_conformance")
def focus_conformance(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    """FOCUS allowed values and mandatory columns (ERROR); usage price ordering (WARN)."""
    from data_tests.runner import run_suite
    from data_tests.suites import int_costs_unioned as silver

    first, last = billing_window(context, "silver.int_costs_unioned", "x_billing_period")
    result = run_suite(silver.suite(), read_sql(silver.frame_sql(first, last)), "x_billing_period")
    return to_check_result(result, first, last)


@dg.asset_check(
    asset=DECISIONS,
    blocking=True,
    partitions_def=billing_month,
    name="allocation_reconciles_to_silver",
    additional_deps=[KEYED, SILVER],
)
def allocation_reconciles_to_silver(
    context: dg.AssetCheckExecutionContext,
) -> dg.AssetCheckResult:
    """Cost lines with their allocation equal silver per billing period and currency (0.01).

    Runs before the gold step, which it blocks: gold is this join, so a mismatch here would be
    published as lost or double-counted cost.
    """
    from data_tests.runner import run_suite
    from data_tests.suites import int_allocation_decisions as allocation

    first, last = billing_window(context, "silver.int_costs_unioned", "x_billing_period")
    totals = read_sql(allocation.totals_sql(first, last))
    result = run_suite(allocation.reconcile_suite(), totals, "x_billing_period")
    return to_check_result(result, first, last)


@dg.asset_check(
    asset=FCT_COST_DAILY,
    blocking=True,
    partitions_def=billing_month,
    name="reconciles_to_silver",
    additional_deps=[SILVER, FCT_COST],
)
def reconciles_to_silver(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    """fct_cost and fct_cost_daily totals and row counts equal silver per billing period."""
    from data_tests.runner import run_suite
    from data_tests.suites import fct_cost_daily as gold

    first, last = billing_window(context, "gold.fct_cost_daily", "x_billing_period")
    totals = read_sql(gold.totals_sql(first, last))
    result = run_suite(gold.reconcile_suite(), totals, "x_billing_period")
    return to_check_result(result, first, last)


@dg.asset_check(
    asset=FCT_COST_DAILY, blocking=False, partitions_def=billing_month, name="cost_distribution"
)
def cost_distribution(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    """Unallocated usage share and day-over-day change within bounds (WARN only)."""
    from data_tests.runner import run_suite
    from data_tests.suites import fct_cost_daily as gold

    first, last = billing_window(context, "gold.fct_cost_daily", "x_billing_period")
    totals = read_sql(gold.totals_sql(first, last))
    result = run_suite(gold.allocation_suite(), totals, "x_billing_period")
    result = result.merge(
        run_suite(gold.daily_change_suite(), read_sql(gold.daily_sql(first, last)), "charge_date")
    )
    return to_check_result(result, first, last, dg.AssetCheckSeverity.WARN)


@dg.definitions
def defs() -> dg.Definitions:
    """The data-quality checks."""
    return dg.Definitions(
        asset_checks=[
            raw_line_items_quality,
            focus_conformance,
            allocation_reconciles_to_silver,
            reconciles_to_silver,
            cost_distribution,
        ]
    )
