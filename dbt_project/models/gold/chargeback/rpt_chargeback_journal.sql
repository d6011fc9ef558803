{{ config(materialized='view') }}

{#-
    The posted chargeback journal: every line `finops close` / `finops reopen` appended to
    finance.journal_lines. A view, so dbt never stores or rebuilds journal data: closed journals
    change only by new lines (adjustments, reversals).
-#}

with

posted as (
    select * from {{ optional_source('finance', 'journal_lines') }} as journal_lines  -- noqa: AL05
),

final as (
    select
        cast(line_id as {{ type_varchar() }}) as line_id,
        cast(journal_id as {{ type_varchar() }}) as journal_id,
        cast(close_id as {{ type_varchar() }}) as close_id,
        cast(billing_period as date) as billing_period,
        cast(reference_period as date) as reference_period,
        cast(line_kind as {{ type_varchar() }}) as line_kind,
        cast(posting_date as date) as posting_date,
        cast(legal_entity as {{ type_varchar() }}) as legal_entity,
        cast(cost_center as {{ type_varchar() }}) as cost_center,
        cast(gl_account as {{ type_varchar() }}) as gl_account,
        cast(currency as {{ type_varchar() }}) as currency,
        cast(cost_basis as {{ type_varchar() }}) as cost_basis,
        cast(debit as {{ type_money() }}) as debit,
        cast(credit as {{ type_money() }}) as credit,
        cast(description as {{ type_varchar() }}) as description
    from posted
)

select * from final
