{#-
    SaaS vendor invoice lines conformed to the silver FOCUS contract. An invoice states only
    what was billed, so billed = effective cost; list and contracted cost are null unless the
    file gives them. ChargeCategory is Usage unless the file flags the line with a charge_type
    column (never guessed from the description). Mapping of every column: _saas__models.yml.
-#}
{%- set period_start = 'cast(owners.billing_period as ' ~ dbt.type_timestamp() ~ ')' -%}

with

lines as (
    select * from {{ ref('stg_saas__invoice_lines') }}
    where is_latest_load
),

owners as (
    select
        *,
        {{ first_tag_value('tags', var('owner_tag_keys')) }} as x_team
    from lines
),

final as (
    select
        cast(null as {{ type_varchar() }}) as availability_zone,
        cast(owners.amount as {{ type_money() }}) as billed_cost,
        -- the vendor's customer account is not on a generic invoice; the vendor bills one
        -- account per organization, named after the vendor
        cast(owners.vendor as {{ type_varchar() }}) as billing_account_id,
        cast(null as {{ type_varchar() }}) as billing_account_name,
        cast(owners.currency as {{ type_varchar() }}) as billing_currency,
        cast({{ dbt.dateadd('month', 1, period_start) }} as {{ dbt.type_timestamp() }})
            as billing_period_end,
        cast({{ period_start }} as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast(coalesce(owners.charge_type, 'Usage') as {{ type_varchar() }}) as charge_category,
        cast(null as {{ type_varchar() }}) as charge_class,
        cast(owners.description as {{ type_varchar() }}) as charge_description,
        cast(
            case
                when coalesce(owners.charge_type, 'Usage') = 'Usage' then 'Usage-Based'
                else 'One-Time'
            end as {{ type_varchar() }}
        ) as charge_frequency,
        cast({{ dbt.dateadd('month', 1, period_start) }} as {{ dbt.type_timestamp() }})
            as charge_period_end,
        cast({{ period_start }} as {{ dbt.type_timestamp() }}) as charge_period_start,
        cast(null as {{ type_varchar() }}) as commitment_discount_category,
        cast(null as {{ type_varchar() }}) as commitment_discount_id,
        cast(null as {{ type_varchar() }}) as commitment_discount_name,
        cast(null as {{ type_varchar() }}) as commitment_discount_status,
        cast(null as {{ type_varchar() }}) as commitment_discount_type,
        cast(
            case when coalesce(owners.charge_type, 'Usage') = 'Usage' then owners.quantity end
            as {{ type_quantity() }}
        ) as consumed_quantity,
        cast(
            case when coalesce(owners.charge_type, 'Usage') = 'Usage' then owners.unit end
            as {{ type_varchar() }}
        ) as consumed_unit,
        -- FOCUS requires ContractedCost and ListCost on every row: an invoice without them
        -- was charged at its contracted (and, absent a list price, list) price: the amount
        cast(coalesce(owners.contracted_cost, owners.amount) as {{ type_money() }})
            as contracted_cost,
        cast(null as {{ type_unit_price() }}) as contracted_unit_price,
        cast(owners.amount as {{ type_money() }}) as effective_cost,
        cast(null as {{ type_varchar() }}) as host_provider_name,
        cast(owners.invoice_id as {{ type_varchar() }}) as invoice_id,
        cast(owners.vendor as {{ type_varchar() }}) as invoice_issuer_name,
        cast(
            coalesce(owners.list_cost, owners.contracted_cost, owners.amount)
            as {{ type_money() }}
        ) as list_cost,
        cast(null as {{ type_unit_price() }}) as list_unit_price,
        cast(
            case when coalesce(owners.charge_type, 'Usage') = 'Usage' then 'Standard' end
            as {{ type_varchar() }}
        ) as pricing_category,
        cast(owners.quantity as {{ type_quantity() }}) as pricing_quantity,
        cast(owners.unit as {{ type_varchar() }}) as pricing_unit,
        cast(owners.vendor as {{ type_varchar() }}) as provider_name,
        cast(owners.vendor as {{ type_varchar() }}) as publisher_name,
        cast(null as {{ type_varchar() }}) as region_id,
        cast(null as {{ type_varchar() }}) as region_name,
        cast(null as {{ type_varchar() }}) as resource_id,
        cast(null as {{ type_varchar() }}) as resource_name,
        cast(null as {{ type_varchar() }}) as resource_type,
        cast('Other' as {{ type_varchar() }}) as service_category,
        cast(coalesce(owners.service_name, owners.vendor) as {{ type_varchar() }})
            as service_name,
        cast(owners.vendor as {{ type_varchar() }}) as service_provider_name,
        cast(null as {{ type_varchar() }}) as sku_id,
        cast(null as {{ type_varchar() }}) as sku_price_id,
        cast(null as {{ type_varchar() }}) as sub_account_id,
        cast(null as {{ type_varchar() }}) as sub_account_name,
        cast(owners.tags as {{ type_varchar() }}) as tags,
        cast('saas' as {{ type_varchar() }}) as x_provider,
        cast({{ surrogate_key([
            "'saas'",
            'owners.vendor',
            'owners.billing_period',
            'owners.x_source_file',
            'owners.x_source_row',
        ]) }} as {{ type_varchar() }}) as x_cost_line_id,
        cast(owners.billing_period as date) as x_billing_period,
        cast(owners.charge_type as {{ type_varchar() }}) as x_line_item_type,
        cast(null as {{ type_varchar() }}) as x_usage_type,
        cast(null as {{ type_varchar() }}) as x_operation,
        cast(null as {{ type_varchar() }}) as x_product_code,
        cast(owners.x_team as {{ type_varchar() }}) as x_team,
        owners.x_team is not null as x_has_owner_tag,
        cast(owners.x_export_id as {{ type_varchar() }}) as x_export_id,
        cast(owners.x_source_file as {{ type_varchar() }}) as x_source_file,
        cast(owners.x_source_row as {{ dbt.type_bigint() }}) as x_source_row
    from owners
)

select * from final
