{#-
    FOCUS files (any provider, FOCUS 0.5 to 1.4) conformed to the silver FOCUS contract. The
    data is FOCUS already: columns pass through, with the 1.3 provider columns carried both ways
    (ProviderName <-> ServiceProviderName, PublisherName <- ServiceProviderName). One row per
    delivered row of the latest load. Mapping of every column: _focus__models.yml.
-#}
{%- set billing_period_start_fallback =
    'cast(owners.billing_period as ' ~ dbt.type_timestamp() ~ ')' -%}

with

costs as (
    select * from {{ ref('stg_focus_files__costs') }}
    where is_latest_load
),

-- tags must be a JSON object for the tag macros; the loader checked they are valid JSON
tagged as (
    select
        *,
        case when substr(trim(tags), 1, 1) = '{' then tags end as tag_object
    from costs
),

owners as (
    select
        *,
        {{ first_tag_value('tag_object', var('owner_tag_keys')) }} as x_team
    from tagged
),

final as (
    select
        cast(owners.availability_zone as {{ type_varchar() }}) as availability_zone,
        cast(owners.billed_cost as {{ type_money() }}) as billed_cost,
        cast(owners.billing_account_id as {{ type_varchar() }}) as billing_account_id,
        cast(owners.billing_account_name as {{ type_varchar() }}) as billing_account_name,
        cast(owners.billing_currency as {{ type_varchar() }}) as billing_currency,
        cast(coalesce(
            owners.billing_period_end,
            {{ dbt.dateadd('month', 1, billing_period_start_fallback) }}
        ) as {{ dbt.type_timestamp() }}) as billing_period_end,
        cast(coalesce(
            owners.billing_period_start, {{ billing_period_start_fallback }}
        ) as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast(owners.charge_category as {{ type_varchar() }}) as charge_category,
        cast(owners.charge_class as {{ type_varchar() }}) as charge_class,
        cast(owners.charge_description as {{ type_varchar() }}) as charge_description,
        cast(owners.charge_frequency as {{ type_varchar() }}) as charge_frequency,
        cast(owners.charge_period_end as {{ dbt.type_timestamp() }}) as charge_period_end,
        cast(owners.charge_period_start as {{ dbt.type_timestamp() }}) as charge_period_start,
        cast(owners.commitment_discount_category as {{ type_varchar() }})
            as commitment_discount_category,
        cast(owners.commitment_discount_id as {{ type_varchar() }}) as commitment_discount_id,
        cast(owners.commitment_discount_name as {{ type_varchar() }}) as commitment_discount_name,
        cast(owners.commitment_discount_status as {{ type_varchar() }}) as commitment_discount_status,
        cast(owners.commitment_discount_type as {{ type_varchar() }}) as commitment_discount_type,
        cast(owners.consumed_quantity as {{ type_quantity() }}) as consumed_quantity,
        cast(owners.consumed_unit as {{ type_varchar() }}) as consumed_unit,
        cast(owners.contracted_cost as {{ type_money() }}) as contracted_cost,
        cast(owners.contracted_unit_price as {{ type_unit_price() }}) as contracted_unit_price,
        cast(owners.effective_cost as {{ type_money() }}) as effective_cost,
        -- FOCUS 1.3+; earlier files do not say which provider hosts the service
        cast(owners.host_provider_name as {{ type_varchar() }}) as host_provider_name,
        cast(owners.invoice_id as {{ type_varchar() }}) as invoice_id,
        cast(owners.invoice_issuer_name as {{ type_varchar() }}) as invoice_issuer_name,
        cast(owners.list_cost as {{ type_money() }}) as list_cost,
        cast(owners.list_unit_price as {{ type_unit_price() }}) as list_unit_price,
        cast(owners.pricing_category as {{ type_varchar() }}) as pricing_category,
        cast(owners.pricing_quantity as {{ type_quantity() }}) as pricing_quantity,
        cast(owners.pricing_unit as {{ type_varchar() }}) as pricing_unit,
        cast(coalesce(owners.provider_name, owners.service_provider_name) as {{ type_varchar() }})
            as provider_name,
        cast(coalesce(owners.publisher_name, owners.service_provider_name) as {{ type_varchar() }})
            as publisher_name,
        cast(owners.region_id as {{ type_varchar() }}) as region_id,
        cast(owners.region_name as {{ type_varchar() }}) as region_name,
        cast(owners.resource_id as {{ type_varchar() }}) as resource_id,
        cast(owners.resource_name as {{ type_varchar() }}) as resource_name,
        cast(owners.resource_type as {{ type_varchar() }}) as resource_type,
        cast(owners.service_category as {{ type_varchar() }}) as service_category,
        cast(owners.service_name as {{ type_varchar() }}) as service_name,
        cast(coalesce(owners.service_provider_name, owners.provider_name) as {{ type_varchar() }})
            as service_provider_name,
        cast(owners.sku_id as {{ type_varchar() }}) as sku_id,
        cast(owners.sku_price_id as {{ type_varchar() }}) as sku_price_id,
        cast(owners.sub_account_id as {{ type_varchar() }}) as sub_account_id,
        cast(owners.sub_account_name as {{ type_varchar() }}) as sub_account_name,
        cast(owners.tag_object as {{ type_varchar() }}) as tags,
        cast('focus' as {{ type_varchar() }}) as x_provider,
        cast({{ surrogate_key([
            "'focus'",
            'owners.x_unit_account',
            'owners.x_unit_provider',
            'owners.billing_period',
            'owners.x_source_file',
            'owners.x_source_row',
        ]) }} as {{ type_varchar() }}) as x_cost_line_id,
        cast(owners.billing_period as date) as x_billing_period,
        -- FOCUS has no provider line type, usage type, operation or product code
        cast(null as {{ type_varchar() }}) as x_line_item_type,
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
