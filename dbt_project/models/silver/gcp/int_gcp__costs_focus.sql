{#-
    Google Cloud Billing export conformed to FOCUS 1.2 Cost and Usage, plus FOCUS 1.3's
    ServiceProviderName and HostProviderName. One row per export row of the latest load.
    Export fields: https://cloud.google.com/billing/docs/how-to/export-data-bigquery-tables
    FOCUS columns: https://focus.finops.org/focus-specification/v1-2/
    The mapping of every column is documented in _gcp__models.yml.
-#}
{%- set billing_period_start = 'cast(owners.billing_period as ' ~ dbt.type_timestamp() ~ ')' -%}

with

cost_lines as (
    select * from {{ ref('stg_gcp_billing__cost_lines') }}
    where is_latest_export
),

service_categories as (
    select * from {{ ref('gcp_service_categories') }}
),

-- cost_type is `regular`, `tax`, `adjustment` or `rounding error` (older exports: null =
-- regular); commitment fees are regular rows whose SKU is a "Commitment ..." SKU
classified as (
    select
        *,
        lower(replace(coalesce(cost_type, 'regular'), '_', ' ')) as cost_kind,
        coalesce(sku_description, '') like 'Commitment%' as is_commitment_fee,
        coalesce(transaction_type, '') like 'THIRD_PARTY%' as is_third_party,
        cud_credit_id is not null as has_cud_credit
    from cost_lines
),

-- ChargeCategory: tax and adjustment rows as such; rounding errors are adjustments;
-- commitment fees and Marketplace subscription fees (third party, no usage) are purchases;
-- a regular row that only carries credits is a credit; everything else is usage.
charge_attributes as (
    select
        *,
        case
            when cost_kind = 'tax' then 'Tax'
            when cost_kind in ('adjustment', 'rounding error') then 'Adjustment'
            when is_commitment_fee then 'Purchase'
            when
                is_third_party
                and subscription_instance_id is not null
                and coalesce(usage_amount, 0) = 0
                then 'Purchase'
            when cost = 0 and credits_total != 0 and coalesce(usage_amount, 0) = 0 then 'Credit'
            else 'Usage'
        end as charge_category
    from classified
),

commitments as (
    select
        *,
        case
            when charge_category = 'Usage' and has_cud_credit then 'Committed'
            when
                charge_category = 'Usage'
                and (
                    lower(coalesce(sku_description, '')) like '%spot%'
                    or lower(coalesce(sku_description, '')) like '%preemptible%'
                )
                then 'Dynamic'
            when charge_category = 'Usage' then 'Standard'
        end as pricing_category,
        case
            when cud_credit_type = 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE' then 'Spend'
            when has_cud_credit then 'Usage'
        end as commitment_discount_category
    from charge_attributes
),

-- x_team: resource labels first, then the project's labels (a team often owns a project)
owners as (
    select
        *,
        coalesce(
            {{ first_tag_value('labels_map', var('owner_tag_keys')) }},
            {{ first_tag_value('project_labels_map', var('owner_tag_keys')) }}
        ) as x_team
    from commitments
),

final as (
    select
        cast(owners.location_zone as {{ type_varchar() }}) as availability_zone,
        cast(owners.cost + owners.credits_total as {{ type_money() }}) as billed_cost,
        cast(owners.billing_account_id as {{ type_varchar() }}) as billing_account_id,
        cast(null as {{ type_varchar() }}) as billing_account_name,
        cast(owners.currency as {{ type_varchar() }}) as billing_currency,
        cast({{ dbt.dateadd('month', 1, billing_period_start) }} as {{ dbt.type_timestamp() }})
            as billing_period_end,
        cast({{ billing_period_start }} as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast(owners.charge_category as {{ type_varchar() }}) as charge_category,
        cast(
            case
                when
                    owners.cost_kind = 'adjustment'
                    and coalesce(owners.adjustment_info_type, '') like '%CORRECTION%'
                    then 'Correction'
            end as {{ type_varchar() }}
        ) as charge_class,
        cast(
            coalesce(owners.sku_description, owners.adjustment_info_description)
            as {{ type_varchar() }}
        ) as charge_description,
        cast(
            case
                when owners.charge_category = 'Usage' then 'Usage-Based'
                when owners.is_commitment_fee then 'Recurring'
                else 'One-Time'
            end as {{ type_varchar() }}
        ) as charge_frequency,
        cast(owners.usage_end_time as {{ dbt.type_timestamp() }}) as charge_period_end,
        cast(owners.usage_start_time as {{ dbt.type_timestamp() }}) as charge_period_start,
        cast(owners.commitment_discount_category as {{ type_varchar() }})
            as commitment_discount_category,
        cast(owners.cud_credit_id as {{ type_varchar() }}) as commitment_discount_id,
        cast(owners.cud_credit_name as {{ type_varchar() }}) as commitment_discount_name,
        cast(
            case when owners.has_cud_credit then 'Used' end as {{ type_varchar() }}
        ) as commitment_discount_status,
        cast(
            case when owners.has_cud_credit then 'Committed Use Discount' end
            as {{ type_varchar() }}
        ) as commitment_discount_type,
        cast(
            case when owners.charge_category = 'Usage' then owners.usage_amount end
            as {{ type_quantity() }}
        ) as consumed_quantity,
        cast(
            case when owners.charge_category = 'Usage' then owners.usage_unit end
            as {{ type_varchar() }}
        ) as consumed_unit,
        cast(owners.cost as {{ type_money() }}) as contracted_cost,
        cast(owners.price_effective_price as {{ type_unit_price() }}) as contracted_unit_price,
        -- CUD fees and CUD credits are both in the export, so cost + credits is already the
        -- amortized view: the covered usage carries its CUD credit, the fee its commitment
        cast(owners.cost + owners.credits_total as {{ type_money() }}) as effective_cost,
        cast('Google Cloud' as {{ type_varchar() }}) as host_provider_name,
        cast(null as {{ type_varchar() }}) as invoice_id,
        cast(
            case
                when owners.transaction_type = 'THIRD_PARTY_AGENCY'
                    then coalesce(owners.seller_name, 'Google Cloud')
                else 'Google Cloud'
            end as {{ type_varchar() }}
        ) as invoice_issuer_name,
        cast(coalesce(owners.cost_at_list, owners.cost) as {{ type_money() }}) as list_cost,
        cast(null as {{ type_unit_price() }}) as list_unit_price,
        cast(owners.pricing_category as {{ type_varchar() }}) as pricing_category,
        cast(owners.usage_amount_in_pricing_units as {{ type_quantity() }}) as pricing_quantity,
        cast(owners.usage_pricing_unit as {{ type_varchar() }}) as pricing_unit,
        cast('Google Cloud' as {{ type_varchar() }}) as provider_name,
        cast(
            case
                when owners.is_third_party then coalesce(owners.seller_name, 'Google Cloud')
                else 'Google Cloud'
            end as {{ type_varchar() }}
        ) as publisher_name,
        cast(owners.location_region as {{ type_varchar() }}) as region_id,
        cast(owners.location_region as {{ type_varchar() }}) as region_name,
        cast(
            coalesce(owners.resource_global_name, owners.resource_name) as {{ type_varchar() }}
        ) as resource_id,
        cast(owners.resource_name as {{ type_varchar() }}) as resource_name,
        cast(null as {{ type_varchar() }}) as resource_type,
        cast(
            coalesce(service_categories.service_category, 'Other') as {{ type_varchar() }}
        ) as service_category,
        cast(owners.service_description as {{ type_varchar() }}) as service_name,
        cast('Google Cloud' as {{ type_varchar() }}) as service_provider_name,
        cast(owners.sku_id as {{ type_varchar() }}) as sku_id,
        cast(null as {{ type_varchar() }}) as sku_price_id,
        cast(owners.project_id as {{ type_varchar() }}) as sub_account_id,
        cast(owners.project_name as {{ type_varchar() }}) as sub_account_name,
        cast(owners.x_tags as {{ type_varchar() }}) as tags,
        cast('gcp' as {{ type_varchar() }}) as x_provider,
        cast({{ surrogate_key([
            "'gcp'",
            'owners.billing_account_id',
            'owners.billing_period',
            'owners.x_source_file',
            'owners.x_source_row',
        ]) }} as {{ type_varchar() }}) as x_cost_line_id,
        cast(owners.billing_period as date) as x_billing_period,
        cast(owners.cost_kind as {{ type_varchar() }}) as x_line_item_type,
        cast(owners.sku_description as {{ type_varchar() }}) as x_usage_type,
        cast(null as {{ type_varchar() }}) as x_operation,
        cast(owners.service_id as {{ type_varchar() }}) as x_product_code,
        cast(owners.x_team as {{ type_varchar() }}) as x_team,
        owners.x_team is not null as x_has_owner_tag,
        cast(owners.x_export_id as {{ type_varchar() }}) as x_export_id,
        cast(owners.x_source_file as {{ type_varchar() }}) as x_source_file,
        cast(owners.x_source_row as {{ dbt.type_bigint() }}) as x_source_row
    from owners
    left join service_categories
        on owners.service_description = service_categories.service_description
)

select * from final
