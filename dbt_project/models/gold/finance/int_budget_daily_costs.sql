{#-
    Cost of each budget's scope per charge day and billing currency, converted into the
    budget's currency where that is possible. Feeds rpt_budget_vs_actual (sums) and
    fct_budget_alert_events (running totals).

    The measure is var('budget_cost_measure'): effective_cost (amortized, the default) or
    billed_cost. Shared-pool split rows of fct_cost_allocated carry no charge date (they are
    per billing period); they count on the last charge day with data of their period, so they
    are in the month's running total as soon as they exist.
-#}
{{ config(materialized='view') }}

{#- effective_cost or billed_cost (any other name fails: fct_cost_allocated has no such column) -#}
{%- set measure = var('budget_cost_measure', 'effective_cost') %}

with

budget_lines as (
    select * from {{ ref('int_budget_lines') }}
),

fx_rates as (
    select * from {{ ref('budget_fx_rates') }}
),

allocated as (
    select * from {{ ref('fct_cost_allocated') }}
),

-- the last charge day with data of each billing period, over every provider and currency
period_progress as (
    select
        x_billing_period as billing_period,
        max(charge_date) as last_charge_date
    from allocated
    group by x_billing_period
),

dated as (
    select
        allocated.x_billing_period as billing_period,
        allocated.billing_currency,
        allocated.x_team,
        allocated.x_cost_center,
        coalesce(allocated.charge_date, period_progress.last_charge_date) as charge_date,
        allocated.{{ measure }} as cost
    from allocated
    inner join period_progress
        on allocated.x_billing_period = period_progress.billing_period
),

scoped as (
    select
        'team' as scope_type,
        x_team as scope,
        billing_period,
        billing_currency,
        charge_date,
        sum(cost) as cost
    from dated
    where x_team is not null
    group by x_team, billing_period, billing_currency, charge_date

    union all

    select
        'cost_center' as scope_type,
        x_cost_center as scope,
        billing_period,
        billing_currency,
        charge_date,
        sum(cost) as cost
    from dated
    where x_cost_center is not null
    group by x_cost_center, billing_period, billing_currency, charge_date
),

rates as (
    select
        cast({{ dbt.concat(['month', "'-01'"]) }} as date) as billing_period,
        from_currency,
        to_currency,
        rate
    from fx_rates
),

converted as (
    select
        budget_lines.budget_id,
        budget_lines.billing_period,
        scoped.charge_date,
        scoped.billing_currency,
        scoped.cost,
        -- a cost in the budget's own currency is never converted; another currency needs a
        -- rate for the month, else the cost stays out of the budget (never summed as is)
        case
            when scoped.billing_currency = budget_lines.budget_currency then 1
            else rates.rate
        end as fx_rate
    from budget_lines
    inner join scoped
        on
            budget_lines.scope_type = scoped.scope_type
            and budget_lines.scope = scoped.scope
            and budget_lines.billing_period = scoped.billing_period
    left join rates
        on
            budget_lines.billing_period = rates.billing_period
            and scoped.billing_currency = rates.from_currency
            and budget_lines.budget_currency = rates.to_currency
),

final as (
    select
        cast(budget_id as {{ type_varchar() }}) as budget_id,
        cast(billing_period as date) as billing_period,
        cast(charge_date as date) as charge_date,
        cast(billing_currency as {{ type_varchar() }}) as billing_currency,
        cast(cost as {{ type_money() }}) as cost,
        cast(fx_rate as {{ type_money() }}) as fx_rate,
        cast(cost * fx_rate as {{ type_money() }}) as cost_in_budget_currency
    from converted
)

select * from final
