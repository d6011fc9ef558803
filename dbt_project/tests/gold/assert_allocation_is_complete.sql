{{ config(meta={'dagster': {'ref': {'name': 'fct_cost_allocated'}}}) }}

-- Nothing lost, nothing counted twice: per billing period and currency, allocated plus
-- unallocated cost in fct_cost_allocated equals fct_cost's total, to the cent.
with

totals as (
    select
        x_billing_period,
        billing_currency,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from {{ ref('fct_cost') }}
    group by x_billing_period, billing_currency
),

allocated as (
    select
        x_billing_period,
        billing_currency,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from {{ ref('fct_cost_allocated') }}
    group by x_billing_period, billing_currency
)

select
    coalesce(totals.x_billing_period, allocated.x_billing_period) as x_billing_period,
    coalesce(totals.billing_currency, allocated.billing_currency) as billing_currency,
    totals.billed_cost as total_billed,
    allocated.billed_cost as allocated_billed
from totals
full outer join allocated
    on
        totals.x_billing_period = allocated.x_billing_period
        and totals.billing_currency = allocated.billing_currency
where
    abs(coalesce(totals.billed_cost, 0) - coalesce(allocated.billed_cost, 0)) >= 0.01
    or abs(coalesce(totals.effective_cost, 0) - coalesce(allocated.effective_cost, 0)) >= 0.01
