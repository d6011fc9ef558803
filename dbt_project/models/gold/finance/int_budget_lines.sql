{#-
    The budgets seed with a stable id and the month as a date. A view: budgets are a few
    hundred rows and the analyst's edits must show at the next build of the reports.
-#}
{{ config(materialized='view') }}

with

budgets as (
    select * from {{ ref('budgets') }}
),

final as (
    select
        cast(
            {{ surrogate_key(['scope_type', 'scope', 'month', 'currency']) }}
            as {{ type_varchar() }}
        ) as budget_id,
        cast(scope_type as {{ type_varchar() }}) as scope_type,
        cast(scope as {{ type_varchar() }}) as scope,
        cast({{ dbt.concat(['month', "'-01'"]) }} as date) as billing_period,
        cast(currency as {{ type_varchar() }}) as budget_currency,
        cast(amount as {{ type_money() }}) as budget_amount
    from budgets
)

select * from final
