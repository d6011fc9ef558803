{#-
    One row per (metric_date, product, metric): the daily business metrics unit economics
    divides cost by. Raw replaces each (billing_period, product, metric) as a whole, so the
    grain holds without de-duplication here.
-#}
with

metrics as (
    select * from {{ ref('stg_business_metrics__daily_metrics') }}
),

final as (
    select
        metric_date,
        cast({{ dbt.date_trunc('month', 'metric_date') }} as date) as billing_period,
        cast(product as {{ type_varchar() }}) as product,
        cast(metric as {{ type_varchar() }}) as metric,
        cast(metric_value as {{ type_money() }}) as value,
        cast(unit as {{ type_varchar() }}) as unit
    from metrics
)

select * from final
