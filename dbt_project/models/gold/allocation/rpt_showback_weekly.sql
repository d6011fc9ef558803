{#-
    Weekly showback: directly allocated cost per team, cost center, product and environment per
    ISO week (Monday start) and currency. Shared pools are split per billing month, so they
    appear in rpt_showback_monthly only; this report says what each team spent week by week.
-#}
{%- set owner = ['x_team', 'x_cost_center', 'x_department', 'x_business_unit', 'x_product',
    'x_environment'] -%}

{#- as-was (as the journal) by default; var showback_allocation: as_is re-allocates closed
    periods with the current seeds. Both are refs, so the DAG is the same either way. -#}
{%- set as_was = ref('fct_cost_allocated') -%}
{%- set as_is = ref('int_cost_allocated_as_is') -%}
{%- set allocated = as_is if showback_allocation() == 'as_is' else as_was %}

with

allocated as (
    select * from {{ allocated }}
    where charge_date is not null
),

weekly as (
    select
        cast({{ dbt.date_trunc('week', 'charge_date') }} as date) as week_start,
        billing_currency,
        {{ owner | join(', ') }},
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(line_count) as line_count
    from allocated
    group by
        cast({{ dbt.date_trunc('week', 'charge_date') }} as date),
        billing_currency,
        {{ owner | join(', ') }}
),

final as (
    select
        {{ surrogate_key(['week_start', 'billing_currency'] + owner) }} as showback_week_id,
        week_start,
        billing_currency,
        {{ owner | join(', ') }},
        cast(billed_cost as {{ type_money() }}) as billed_cost,
        cast(effective_cost as {{ type_money() }}) as effective_cost,
        cast(line_count as {{ dbt.type_bigint() }}) as line_count
    from weekly
)

select * from final
