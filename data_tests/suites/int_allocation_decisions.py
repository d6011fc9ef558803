"""silver allocation: the cost lines gold will publish, allocated, reconcile to silver.

gold.fct_cost is silver.int_costs_keyed joined with silver.int_allocation_decisions (macro
`allocated_cost_lines`). The same join is summed here before gold is built and compared with
silver.int_costs_unioned: a key without a decision would drop lines from gold, a duplicated
decision or account would count them twice. The frame has one row per billing period and
currency (amounts are never added across currencies).
"""

from __future__ import annotations

from datetime import date

import great_expectations as gx

from data_tests.runner import CRITICAL, build_suite
from data_tests.suites.common import period_filter

# a cent per billing period and currency: the join adds the very same decimal values silver
# holds, so any real loss or double count is far larger; float conversion stays far below it
RECONCILE_TOLERANCE = 0.01
MEASURES = ("billed_cost", "effective_cost")


def totals_sql(first: date, last: date) -> str:
    """Per billing period and currency: silver totals, allocated totals, their differences."""
    sums = ", ".join(f"sum({{table}}.{name}) as {name}" for name in MEASURES)
    diffs = ",\n    ".join(
        f"abs(coalesce(allocated.{name}, 0) - coalesce(silver.{name}, 0)) as {name}_diff"
        for name in MEASURES
    )
    return f"""
with silver as (
    select x_billing_period, billing_currency, {sums.format(table="costs")}, count(*) as row_count
    from silver.int_costs_unioned as costs
    where {period_filter("costs.x_billing_period", first, last)}
    group by x_billing_period, billing_currency
),

allocated as (
    select
        costs.x_billing_period,
        costs.billing_currency,
        {sums.format(table="costs")},
        count(*) as row_count
    from silver.int_costs_keyed as costs
    inner join silver.int_allocation_decisions as decisions
        on
            costs.x_billing_period = decisions.billing_period
            and costs.x_allocation_key = decisions.x_allocation_key
    where {period_filter("costs.x_billing_period", first, last)}
    group by costs.x_billing_period, costs.billing_currency
)

select
    coalesce(silver.x_billing_period, allocated.x_billing_period) as x_billing_period,
    coalesce(silver.billing_currency, allocated.billing_currency) as billing_currency,
    silver.billed_cost as silver_billed_cost,
    allocated.billed_cost as allocated_billed_cost,
    {diffs},
    abs(coalesce(allocated.row_count, 0) - coalesce(silver.row_count, 0)) as row_diff
from silver
full outer join allocated
    on
        silver.x_billing_period = allocated.x_billing_period
        and silver.billing_currency is not distinct from allocated.billing_currency
"""


def reconcile_suite() -> gx.ExpectationSuite:
    """Allocated totals and line counts equal silver's per period and currency (blocking)."""
    expectations = [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column=f"{name}_diff",
            min_value=0,
            max_value=RECONCILE_TOLERANCE,
            severity=CRITICAL,
            meta={"name": f"allocated_reconciles({name})"},
        )
        for name in MEASURES
    ]
    expectations.append(
        gx.expectations.ExpectColumnValuesToBeBetween(
            column="row_diff",
            min_value=0,
            max_value=0,
            severity=CRITICAL,
            meta={"name": "allocated_reconciles(line_count)"},
        )
    )
    return build_suite("allocation_reconciles_to_silver", expectations)
