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
    {{ allocated_cost_lines('costs', 'decisions') }}
)

select * from final
