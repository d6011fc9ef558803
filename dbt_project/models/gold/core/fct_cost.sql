{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='x_billing_period',
    on_schema_change='append_new_columns',
) }}

{#-
    A run rebuilds whole billing months: every month of the window (all months without window
    vars) is deleted and inserted again, so a rerun or a restated export replaces, never adds.
    Each line carries its allocation (silver/allocation/int_allocation_decisions): x_team is
    the allocated team, null while unallocated or until a shared pool is split in
    fct_cost_allocated.
-#}

with

costs as (
    select * from {{ ref('int_costs_keyed') }}
    where {{ billing_window_filter('x_billing_period') }}
),

decisions as (
    select * from {{ ref('int_allocation_decisions') }}
),

final as (
    select
    {%- for column in focus_columns() if column != 'x_team' %}
            costs.{{ column }},
        {%- endfor %}
        decisions.team as x_team,
        decisions.cost_center as x_cost_center,
        decisions.department as x_department,
        decisions.business_unit as x_business_unit,
        decisions.legal_entity as x_legal_entity,
        decisions.product as x_product,
        decisions.environment as x_environment,
        decisions.allocation_method as x_allocation_method,
        decisions.allocation_rule_id as x_allocation_rule_id,
        costs.x_charge_kind,
        costs.x_account_path,
        decisions.has_mandatory_tags as x_has_mandatory_tags
    from costs
    inner join decisions
        on
            costs.x_billing_period = decisions.billing_period
            and costs.x_allocation_key = decisions.x_allocation_key
)

select * from final
