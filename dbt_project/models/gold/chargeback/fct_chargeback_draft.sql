{#-
    What the chargeback journal of each billing period would charge today: the period's cost
    (var chargeback_cost_basis: effective or billed) per legal entity, currency, cost center and
    GL account. `finops close` posts it (rounded to the cent, with a balancing clearing line)
    into finance.journal_lines, and compares it with what was posted for closed periods to post
    restatements as adjustments. Unallocated cost goes to var chargeback_unallocated_cost_center.
-#}
{#- 'billed' charges billed cost; anything else (default 'effective') amortized cost -#}
{%- set basis = 'billed' if var('chargeback_cost_basis') == 'billed' else 'effective' -%}

with

allocated as (
    select * from {{ ref('fct_cost_allocated') }}
),

gl_accounts as (
    select * from {{ ref('gl_accounts') }}
),

charged as (
    select
        allocated.x_billing_period as billing_period,
        coalesce(
            allocated.x_legal_entity, '{{ var("chargeback_unallocated_legal_entity") }}'
        ) as legal_entity,
        allocated.billing_currency as currency,
        coalesce(
            allocated.x_cost_center, '{{ var("chargeback_unallocated_cost_center") }}'
        ) as cost_center,
        coalesce(gl_accounts.gl_account, 'unmapped:' || allocated.x_charge_kind) as gl_account,
        sum(allocated.{{ basis }}_cost) as amount
    from allocated
    left join gl_accounts on allocated.x_charge_kind = gl_accounts.charge_kind
    group by
        allocated.x_billing_period,
        coalesce(allocated.x_legal_entity, '{{ var("chargeback_unallocated_legal_entity") }}'),
        allocated.billing_currency,
        coalesce(allocated.x_cost_center, '{{ var("chargeback_unallocated_cost_center") }}'),
        coalesce(gl_accounts.gl_account, 'unmapped:' || allocated.x_charge_kind)
),

final as (
    select
        {{ surrogate_key(['billing_period', 'legal_entity', 'currency', 'cost_center',
            'gl_account']) }} as draft_line_id,
        cast(billing_period as date) as billing_period,
        cast(legal_entity as {{ type_varchar() }}) as legal_entity,
        cast(currency as {{ type_varchar() }}) as currency,
        cast(cost_center as {{ type_varchar() }}) as cost_center,
        cast(gl_account as {{ type_varchar() }}) as gl_account,
        cast('{{ basis }}' as {{ type_varchar() }}) as cost_basis,
        cast(amount as {{ type_money() }}) as amount
    from charged
)

select * from final
