"""gold.fct_cost and gold.fct_cost_daily: reconcile to silver, allocation share, daily change.

Frames: one row per billing period (totals of silver, fct_cost and fct_cost_daily side by
side, plus the unallocated share) and one row per charge day (usage cost and its change).
"""

from __future__ import annotations

from datetime import date

import great_expectations as gx

from data_tests.runner import CRITICAL, WARNING, build_suite
from data_tests.suites.common import period_filter

# sums of decimal(38,10) agree exactly; half a cent absorbs float conversion only
RECONCILE_TOLERANCE = 0.005
# share of usage cost without a team; purchases, tax and credits are account-level and are
# never team-tagged, so only usage counts
MAX_UNALLOCATED_SHARE = 0.25
# a day's usage cost between a quarter and three times the previous day's: weekends move
# about 40%, a real spike warns but never blocks
MIN_DAY_CHANGE, MAX_DAY_CHANGE = -0.75, 2.0

MEASURES = ("billed_cost", "effective_cost")


def totals_sql(first: date, last: date) -> str:
    """Per billing period: silver vs gold totals and their differences, unallocated share."""
    window = period_filter("x_billing_period", first, last)
    sums = ", ".join(f"sum({name}) as {name}" for name in MEASURES)
    diffs = ",\n    ".join(
        f"abs(coalesce(fct.{name}, 0) - coalesce(silver.{name}, 0)) as fct_cost_{name}_diff,\n"
        f"    abs(coalesce(daily.{name}, 0) - coalesce(silver.{name}, 0)) as daily_{name}_diff"
        for name in MEASURES
    )
    return f"""
with silver as (
    select x_billing_period, {sums}, count(*) as row_count
    from silver.int_costs_unioned
    where {window}
    group by x_billing_period
),

fct as (
    select x_billing_period, {sums}, count(*) as row_count
    from gold.fct_cost
    where {window}
    group by x_billing_period
),

daily as (
    select
        x_billing_period,
        {sums},
        sum(line_count) as row_count,
        sum(case when charge_category = 'Usage' and x_team is null then effective_cost end)
            as unallocated_usage_cost,
        sum(case when charge_category = 'Usage' then effective_cost end) as usage_cost
    from gold.fct_cost_daily
    where {window}
    group by x_billing_period
)

select
    coalesce(silver.x_billing_period, fct.x_billing_period, daily.x_billing_period)
        as x_billing_period,
    silver.billed_cost as silver_billed_cost,
    fct.billed_cost as fct_cost_billed_cost,
    daily.billed_cost as daily_billed_cost,
    {diffs},
    abs(coalesce(fct.row_count, 0) - coalesce(silver.row_count, 0)) as fct_cost_row_diff,
    abs(coalesce(daily.row_count, 0) - coalesce(silver.row_count, 0)) as daily_row_diff,
    case
        when daily.usage_cost > 0 then coalesce(daily.unallocated_usage_cost, 0) / daily.usage_cost
    end as unallocated_share
from silver
full outer join fct on silver.x_billing_period = fct.x_billing_period
full outer join daily
    on coalesce(silver.x_billing_period, fct.x_billing_period) = daily.x_billing_period
"""


def daily_sql(first: date, last: date) -> str:
    """Per charge day of the window: usage effective cost and its change from the day before."""
    return f"""
with days as (
    select charge_date, sum(effective_cost) as usage_cost
    from gold.fct_cost_daily
    where {period_filter("x_billing_period", first, last)} and charge_category = 'Usage'
    group by charge_date
)

select
    charge_date,
    usage_cost,
    case
        when lag(usage_cost) over (order by charge_date) > 0
            then usage_cost / lag(usage_cost) over (order by charge_date) - 1
    end as day_over_day_change
from days
"""


def reconcile_suite() -> gx.ExpectationSuite:
    """Gold totals and row counts equal silver's per billing period (blocking)."""
    columns = [f"{table}_{name}_diff" for name in MEASURES for table in ("fct_cost", "daily")]
    columns += ["fct_cost_row_diff", "daily_row_diff"]
    expectations = [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column=name,
            min_value=0,
            max_value=0 if name.endswith("row_diff") else RECONCILE_TOLERANCE,
            severity=CRITICAL,
            meta={"name": f"reconciles({name.removesuffix('_diff')})"},
        )
        for name in columns
    ]
    return build_suite("gold_reconciles_to_silver", expectations)


def allocation_suite(max_share: float = MAX_UNALLOCATED_SHARE) -> gx.ExpectationSuite:
    """Usage cost without a team stays under `max_share` per billing period (warning)."""
    expectation = gx.expectations.ExpectColumnValuesToBeBetween(
        column="unallocated_share",
        min_value=0,
        max_value=max_share,
        severity=WARNING,
        meta={"name": "unallocated_share"},
    )
    return build_suite("fct_cost_daily_allocation", [expectation])


def daily_change_suite() -> gx.ExpectationSuite:
    """Day-over-day change of total usage cost within bounds (warning: spikes are real)."""
    expectation = gx.expectations.ExpectColumnValuesToBeBetween(
        column="day_over_day_change",
        min_value=MIN_DAY_CHANGE,
        max_value=MAX_DAY_CHANGE,
        severity=WARNING,
        meta={"name": "day_over_day_change"},
    )
    return build_suite("fct_cost_daily_change", [expectation])
