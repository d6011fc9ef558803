{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='x_billing_period',
    on_schema_change='append_new_columns',
) }}

{%- set grain = [
    'charge_date',
    'x_billing_period',
    'x_provider',
    'billing_account_id',
    'sub_account_id',
    'service_name',
    'service_category',
    'region_id',
    'charge_category',
    'billing_currency',
    'x_team',
] -%}

with

costs as (
    select * from {{ ref('fct_cost') }}
    where {{ billing_window_filter('x_billing_period') }}
),

dated as (
    select
        *,
        cast({{ dbt.date_trunc('day', 'charge_period_start') }} as date) as charge_date
    from costs
),

daily as (
    select
        {{ grain | join(',\n        ') }},
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(list_cost) as list_cost,
        sum(contracted_cost) as contracted_cost,
        count(*) as line_count
    from dated
    group by {{ grain | join(', ') }}
),

final as (
    select
        cast({{ surrogate_key(grain) }} as {{ type_varchar() }}) as cost_daily_id,
        charge_date,
        x_billing_period,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        service_category,
        region_id,
        charge_category,
        billing_currency,
        x_team,
        cast(billed_cost as {{ type_money() }}) as billed_cost,
        cast(effective_cost as {{ type_money() }}) as effective_cost,
        cast(list_cost as {{ type_money() }}) as list_cost,
        cast(contracted_cost as {{ type_money() }}) as contracted_cost,
        cast(line_count as {{ dbt.type_bigint() }}) as line_count
    from daily
)

select * from final
