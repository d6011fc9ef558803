{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='x_billing_period',
    on_schema_change='append_new_columns',
) }}

{#-
    A run rebuilds whole billing months: every month of the window (all months without window
    vars) is deleted and inserted again, so a rerun or a restated export replaces, never adds.
-#}

with

costs as (
    select * from {{ ref('int_costs_unioned') }}
),

final as (
    select * from costs
    where {{ billing_window_filter('x_billing_period') }}
)

select * from final
