{{ config(materialized='table') }}

{#-
    One row per billing period with cost data: whether it is closed (its latest close record is
    a close, not a reopen) and by which close. Closed periods are allocated with the rules saved
    at close (macros/allocation/as_was.sql). Periods come from the exports
    (int_costs_exported): recorded commitment terms only add lines to these periods
    (int_commitment_terms__costs_focus reads this model), never periods of their own.
-#}

with

periods as (
    select distinct x_billing_period as billing_period
    from {{ ref('int_costs_exported') }}
),

close_records as (
    select
        billing_period,
        close_id,
        action,
        row_number() over (
            partition by billing_period order by sequence desc
        ) as recency
    from {{ optional_source('finance', 'period_closes') }} as period_closes  -- noqa: AL05
),

latest as (
    select * from close_records
    where recency = 1
),

final as (
    select
        periods.billing_period,
        coalesce(latest.action = 'close', false) as is_closed,
        case when latest.action = 'close' then latest.close_id end as close_id
    from periods
    left join latest on periods.billing_period = latest.billing_period
)

select * from final
