{#-
    Invoice reconciliation: per provider, billing account, billing month, invoice id and
    billing currency, gold billed cost (gold.fct_cost) against the total the provider's own
    export implies, read from the bronze models (latest load only, as silver reads them) and
    never through the silver mapping, so a mapping error shows as a variance.

    Both sides are stacked line by line and aggregated once: group by treats null keys as
    equal on DuckDB and PostgreSQL alike, so the not-yet-invoiced part of an open month (null
    invoice id) is its own row, and a key found on one side only still gets a row.
    On-premises Kubernetes has no invoice and is not reconciled.
-#}
{%- set components = ['usage', 'tax', 'credit', 'refund', 'marketplace', 'purchase',
    'rounding', 'other'] -%}

with

-- what each export bills, with the cost the provider invoices
aws_export as (
    select
        'aws' as x_provider,
        bill_payer_account_id as billing_account_id,
        billing_period,
        nullif(bill_invoice_id, '') as invoice_id,
        line_item_currency_code as billing_currency,
        -- net unblended cost (after EDP / private rate discounts) is null without discounts
        coalesce(line_item_net_unblended_cost, line_item_unblended_cost) as amount
    from {{ ref('stg_aws_cur__line_items') }}
    where is_latest_export
),

-- only the actual view is invoiced (the amortized view re-spreads the same charges)
azure_export as (
    select
        'azure' as x_provider,
        coalesce(billing_account_id, x_scope_id) as billing_account_id,
        billing_period,
        nullif(invoice_id, '') as invoice_id,
        billing_currency,
        cost as amount
    from {{ ref('stg_azure_cost__cost_details') }}
    where is_latest_load and x_cost_view = 'actual'
),

-- GCP invoices cost plus credits per billing account and invoice month; no invoice id
gcp_export as (
    select
        'gcp' as x_provider,
        billing_account_id,
        billing_period,
        cast(null as {{ type_varchar() }}) as invoice_id,
        currency as billing_currency,
        cost + credits_total as amount
    from {{ ref('stg_gcp_billing__cost_lines') }}
    where is_latest_export
),

focus_export as (
    select
        'focus' as x_provider,
        billing_account_id,
        billing_period,
        nullif(invoice_id, '') as invoice_id,
        billing_currency,
        billed_cost as amount
    from {{ ref('stg_focus_files__costs') }}
    where is_latest_load
),

-- a SaaS vendor bills one account per organization, named after the vendor
saas_export as (
    select
        'saas' as x_provider,
        vendor as billing_account_id,
        billing_period,
        nullif(invoice_id, '') as invoice_id,
        currency as billing_currency,
        amount
    from {{ ref('stg_saas__invoice_lines') }}
    where is_latest_load
),

export_lines as (
    {% for provider in ['aws', 'azure', 'gcp', 'focus', 'saas'] %}
        select
            cast(x_provider as {{ type_varchar() }}) as x_provider,
            cast(billing_account_id as {{ type_varchar() }}) as billing_account_id,
            cast(billing_period as date) as billing_period,
            cast(invoice_id as {{ type_varchar() }}) as invoice_id,
            cast(billing_currency as {{ type_varchar() }}) as billing_currency,
            cast('export' as {{ type_varchar() }}) as side,
            cast(null as {{ type_varchar() }}) as component,
            cast(amount as {{ type_money() }}) as amount
        from {{ provider }}_export
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- gold lines with the invoice component finance reads them as
gold_lines as (
    select
        x_provider,
        billing_account_id,
        x_billing_period as billing_period,
        nullif(invoice_id, '') as invoice_id,
        billing_currency,
        cast('gold' as {{ type_varchar() }}) as side,
        cast(
            case
                -- GCP's `rounding error` rows: the provider's own rounding to the cent
                when lower(coalesce(x_line_item_type, '')) like 'rounding%' then 'rounding'
                when x_charge_kind in ('tax', 'credit', 'refund') then x_charge_kind
                -- a third party's charge (usage or purchase) is marketplace spend
                when x_charge_kind = 'marketplace' or publisher_name != provider_name
                    then 'marketplace'
                when x_charge_kind in ('purchase', 'unused_commitment') then 'purchase'
                when x_charge_kind = 'usage' then 'usage'
                else 'other'
            end as {{ type_varchar() }}
        ) as component,
        billed_cost as amount
    from {{ ref('fct_cost') }}
    where
        x_provider in ('aws', 'azure', 'gcp', 'focus', 'saas')
        -- amortization from recorded commitment terms: billed 0, on no invoice
        and coalesce(x_line_item_type, '') != 'RecordedCommitmentAmortization'
),

stacked as (
    select * from export_lines
    union all
    select * from gold_lines
),

totals as (
    select
        x_provider,
        billing_account_id,
        billing_period,
        invoice_id,
        billing_currency,
        sum(case when side = 'export' then 1 else 0 end) as invoice_line_count,
        coalesce(sum(case when side = 'export' then amount end), 0) as invoice_total,
        sum(case when side = 'gold' then 1 else 0 end) as gold_line_count,
        -- null when gold has lines but none carries a billed cost (an Azure month loaded
        -- with its amortized view only): unavailable, not zero
        sum(case when side = 'gold' then amount end) as gold_billed_cost,
        {%- for component in components %}
            coalesce(
                sum(case when component = '{{ component }}' then amount end), 0
            ) as {{ component }}_cost{% if not loop.last %},{% endif %}
        {%- endfor %}
    from stacked
    group by x_provider, billing_account_id, billing_period, invoice_id, billing_currency
),

compared as (
    select
        *,
        case
            when gold_line_count = 0 then 0 - invoice_total
            else gold_billed_cost - invoice_total
        end as variance
    from totals
),

final as (
    select
        {{ surrogate_key(['x_provider', 'billing_account_id', 'billing_period', 'invoice_id',
            'billing_currency']) }} as invoice_reconciliation_id,
        x_provider,
        billing_account_id,
        billing_period,
        invoice_id,
        billing_currency,
        cast(invoice_line_count as {{ dbt.type_bigint() }}) as invoice_line_count,
        cast(invoice_total as {{ type_money() }}) as invoice_total,
        cast(round(invoice_total, 2) as {{ type_money() }}) as invoice_total_rounded,
        cast(gold_line_count as {{ dbt.type_bigint() }}) as gold_line_count,
        cast(
            case when gold_line_count = 0 then 0 else gold_billed_cost end
            as {{ type_money() }}
        ) as gold_billed_cost,
        {%- for component in components %}
            cast({{ component }}_cost as {{ type_money() }}) as {{ component }}_cost,
        {%- endfor %}
        cast(variance as {{ type_money() }}) as variance,
        cast(
            case
                when variance is null then 'unavailable'
                when abs(variance) < 0.01 then 'matched'
                else 'variance'
            end as {{ type_varchar() }}
        ) as status
    from compared
)

select * from final
