{#-
    ml.cost_forecasts (written by the ml/cost_forecasts asset, append-only by made_on) as a
    typed relation that exists, empty, before the forecasting asset ever ran. A view, so
    reports read the newest forecasts at every build.
-#}
{{ config(materialized='view') }}

with

forecasts as (
    select ml_forecasts.* from {{ optional_source('ml', 'cost_forecasts') }} as ml_forecasts
),

final as (
    select
        cast(made_on as date) as made_on,
        cast(series_type as {{ type_varchar() }}) as series_type,
        cast(series_value as {{ type_varchar() }}) as series_value,
        cast(date as date) as forecast_date,
        cast(forecast as {{ type_money() }}) as forecast_cost,
        cast(model as {{ type_varchar() }}) as model,
        cast(is_fallback as boolean) as is_fallback
    from forecasts
)

select * from final
