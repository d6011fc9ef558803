{#-
    Azure cost details (EA, MCA, pay-as-you-go; actual and amortized exports) conformed to
    FOCUS 1.2 Cost and Usage, plus FOCUS 1.3's ServiceProviderName and HostProviderName.
    One row per export row of the latest load of each (billing period, scope, cost view).

    Actual and amortized exports are two views of the same charges. BilledCost comes only from
    actual rows and EffectiveCost only from amortized rows (the other cost is 0 on each), so
    each total equals its export's total and nothing is counted twice. When a scope's month has
    only one view, the missing cost is null on every row: unavailable, not zero.
    Column docs: https://learn.microsoft.com/azure/cost-management-billing/automate/understand-usage-details-fields
    The mapping of every column is documented in _azure__models.yml.
-#}

with

cost_rows as (
    select * from {{ ref('stg_azure_cost__cost_details') }}
    where is_latest_load
),

views as (
    select
        billing_period,
        x_scope_id,
        max(case when x_cost_view = 'actual' then 1 else 0 end) as has_actual,
        max(case when x_cost_view = 'amortized' then 1 else 0 end) as has_amortized
    from cost_rows
    group by billing_period, x_scope_id
),

services as (
    select * from {{ ref('azure_services') }}
),

-- a consumed service whose resource types all share one category: the fallback category
-- for rows whose resource type is unknown (purchases, v1 rows without a resource id)
services_by_consumed_service as (
    select
        consumed_service,
        min(service_category) as service_category
    from services
    where consumed_service is not null and consumed_service != ''
    group by consumed_service
    having count(distinct service_category) = 1
),

classified as (
    select
        cost_rows.*,
        views.has_actual,
        views.has_amortized,
        lower(coalesce(cost_rows.charge_type, 'Usage')) as charge_type_key,
        lower(coalesce(cost_rows.pricing_model, '')) as pricing_model_key,
        lower(coalesce(cost_rows.resource_type, cost_rows.x_resource_type)) as arm_type,
        coalesce(
            nullif(cost_rows.benefit_id, ''),
            case
                when
                    lower(coalesce(cost_rows.pricing_model, '')) in ('reservation', 'savingsplan')
                    or lower(coalesce(cost_rows.charge_type, '')) like 'unused%'
                    then nullif(cost_rows.reservation_id, '')
            end
        ) as commitment_id
    from cost_rows
    inner join views
        on
            cost_rows.billing_period = views.billing_period
            and cost_rows.x_scope_id = views.x_scope_id
),

-- ChargeCategory / ChargeClass from ChargeType (unused commitment is Usage whose status is
-- Unused; a refund corrects an earlier purchase), PricingCategory from PricingModel.
-- https://learn.microsoft.com/cloud-computing/finops/focus/convert
charges as (
    select
        *,
        case
            when charge_type_key = 'usage' or charge_type_key like 'unused%' then 'Usage'
            when charge_type_key in ('purchase', 'refund') then 'Purchase'
            when charge_type_key = 'tax' then 'Tax'
            when charge_type_key = 'credit' then 'Credit'
            else 'Adjustment'
        end as charge_category,
        case when charge_type_key = 'refund' then 'Correction' end as charge_class,
        case
            when
                lower(coalesce(commitment_id, '')) like '%/microsoft.billingbenefits/%'
                or pricing_model_key = 'savingsplan'
                or charge_type_key = 'unusedsavingsplan'
                then 'Savings Plan'
            when commitment_id is not null then 'Reservation'
        end as commitment_type
    from classified
),

amounts as (
    select
        *,
        case
            when x_cost_view = 'actual' then cost
            when has_actual = 1 then 0
        end as billed_amount,
        case
            when x_cost_view = 'amortized' then cost
            when has_amortized = 1 then 0
        end as effective_amount,
        -- list and contracted cost follow the rows that carry the effective cost (amortized
        -- when present), so they are counted once as well
        case
            when x_cost_view = 'amortized' or has_amortized = 0
                then coalesce(unit_price * quantity, cost)
            else 0
        end as contracted_amount,
        case
            when x_cost_view = 'amortized' or has_amortized = 0
                then
                    case
                        when payg_price > 0 and quantity is not null then payg_price * quantity
                        else coalesce(unit_price * quantity, cost)
                    end
            else 0
        end as list_amount
    from charges
),

owners as (
    select
        *,
        {{ first_tag_value('tags', var('owner_tag_keys')) }} as x_team
    from amounts
),

final as (
    select
        cast(nullif(owners.availability_zone, '') as {{ type_varchar() }}) as availability_zone,
        cast(owners.billed_amount as {{ type_money() }}) as billed_cost,
        cast(coalesce(owners.billing_account_id, owners.x_scope_id) as {{ type_varchar() }})
            as billing_account_id,
        cast(coalesce(owners.billing_account_name, owners.subscription_name) as {{ type_varchar() }})
            as billing_account_name,
        cast(owners.billing_currency as {{ type_varchar() }}) as billing_currency,
        cast(coalesce(
            {{ dbt.dateadd('day', 1, 'cast(owners.billing_period_end_date as ' ~ dbt.type_timestamp() ~ ')') }},
            {{ dbt.dateadd('month', 1, 'cast(owners.billing_period as ' ~ dbt.type_timestamp() ~ ')') }}
        ) as {{ dbt.type_timestamp() }}) as billing_period_end,
        cast(
            coalesce(owners.billing_period_start_date, owners.billing_period)
            as {{ dbt.type_timestamp() }}
        ) as billing_period_start,
        cast(owners.charge_category as {{ type_varchar() }}) as charge_category,
        cast(owners.charge_class as {{ type_varchar() }}) as charge_class,
        cast(coalesce(owners.product_name, owners.meter_name) as {{ type_varchar() }})
            as charge_description,
        cast(case lower(coalesce(owners.frequency, ''))
            when 'usagebased' then 'Usage-Based'
            when 'recurring' then 'Recurring'
            when 'onetime' then 'One-Time'
            else case when owners.charge_category = 'Usage' then 'Usage-Based' else 'One-Time' end
        end as {{ type_varchar() }}) as charge_frequency,
        cast(
            {{ dbt.dateadd('day', 1, 'cast(owners.charge_date as ' ~ dbt.type_timestamp() ~ ')') }}
            as {{ dbt.type_timestamp() }}
        ) as charge_period_end,
        cast(owners.charge_date as {{ dbt.type_timestamp() }}) as charge_period_start,
        cast(case owners.commitment_type
            when 'Savings Plan' then 'Spend'
            when 'Reservation' then 'Usage'
        end as {{ type_varchar() }}) as commitment_discount_category,
        cast(owners.commitment_id as {{ type_varchar() }}) as commitment_discount_id,
        cast(
            case
                when owners.commitment_id is not null
                    then coalesce(nullif(owners.benefit_name, ''), owners.reservation_name)
            end as {{ type_varchar() }}
        ) as commitment_discount_name,
        cast(case
            when owners.commitment_id is null or owners.charge_category != 'Usage' then null
            when owners.charge_type_key like 'unused%' then 'Unused'
            else 'Used'
        end as {{ type_varchar() }}) as commitment_discount_status,
        cast(owners.commitment_type as {{ type_varchar() }}) as commitment_discount_type,
        cast(
            case
                when owners.charge_type_key = 'usage' then owners.quantity
            end as {{ type_quantity() }}
        ) as consumed_quantity,
        cast(
            case
                when owners.charge_type_key = 'usage' then owners.unit_of_measure
            end as {{ type_varchar() }}
        ) as consumed_unit,
        cast(owners.contracted_amount as {{ type_money() }}) as contracted_cost,
        cast(owners.unit_price as {{ type_unit_price() }}) as contracted_unit_price,
        cast(owners.effective_amount as {{ type_money() }}) as effective_cost,
        cast('Microsoft' as {{ type_varchar() }}) as host_provider_name,
        cast(nullif(owners.invoice_id, '') as {{ type_varchar() }}) as invoice_id,
        cast(coalesce(nullif(owners.reseller_name, ''), 'Microsoft') as {{ type_varchar() }})
            as invoice_issuer_name,
        cast(owners.list_amount as {{ type_money() }}) as list_cost,
        cast(owners.payg_price as {{ type_unit_price() }}) as list_unit_price,
        cast(case
            when owners.charge_category != 'Usage' then null
            when owners.pricing_model_key in ('reservation', 'savingsplan') then 'Committed'
            when owners.charge_type_key like 'unused%' then 'Committed'
            when owners.pricing_model_key = 'spot' then 'Dynamic'
            else 'Standard'
        end as {{ type_varchar() }}) as pricing_category,
        cast(owners.quantity as {{ type_quantity() }}) as pricing_quantity,
        cast(owners.unit_of_measure as {{ type_varchar() }}) as pricing_unit,
        cast('Microsoft' as {{ type_varchar() }}) as provider_name,
        cast(coalesce(nullif(owners.publisher_name, ''), 'Microsoft') as {{ type_varchar() }})
            as publisher_name,
        cast(lower(replace(owners.resource_location, ' ', '')) as {{ type_varchar() }})
            as region_id,
        cast(owners.resource_location as {{ type_varchar() }}) as region_name,
        cast(owners.resource_id as {{ type_varchar() }}) as resource_id,
        cast(coalesce(owners.resource_name, owners.x_resource_name) as {{ type_varchar() }})
            as resource_name,
        cast(owners.arm_type as {{ type_varchar() }}) as resource_type,
        cast(coalesce(
            services.service_category, services_by_consumed_service.service_category, 'Other'
        ) as {{ type_varchar() }}) as service_category,
        cast(coalesce(
            services.service_name, owners.meter_category, owners.service_name,
            owners.consumed_service
        ) as {{ type_varchar() }}) as service_name,
        cast('Microsoft' as {{ type_varchar() }}) as service_provider_name,
        cast(coalesce(owners.product_id, owners.meter_id) as {{ type_varchar() }}) as sku_id,
        cast(owners.part_number as {{ type_varchar() }}) as sku_price_id,
        cast(owners.subscription_id as {{ type_varchar() }}) as sub_account_id,
        cast(owners.subscription_name as {{ type_varchar() }}) as sub_account_name,
        cast(owners.tags as {{ type_varchar() }}) as tags,
        cast('azure' as {{ type_varchar() }}) as x_provider,
        cast({{ surrogate_key([
            "'azure'",
            'owners.x_scope_id',
            'owners.billing_period',
            'owners.x_cost_view',
            'owners.x_source_file',
            'owners.x_source_row',
        ]) }} as {{ type_varchar() }}) as x_cost_line_id,
        cast(owners.billing_period as date) as x_billing_period,
        cast(owners.charge_type as {{ type_varchar() }}) as x_line_item_type,
        cast(owners.meter_name as {{ type_varchar() }}) as x_usage_type,
        -- Azure has no operation; the column carries the cost view of the row instead
        cast(owners.x_cost_view as {{ type_varchar() }}) as x_operation,
        cast(owners.meter_category as {{ type_varchar() }}) as x_product_code,
        cast(owners.x_team as {{ type_varchar() }}) as x_team,
        owners.x_team is not null as x_has_owner_tag,
        cast(owners.x_export_id as {{ type_varchar() }}) as x_export_id,
        cast(owners.x_source_file as {{ type_varchar() }}) as x_source_file,
        cast(owners.x_source_row as {{ dbt.type_bigint() }}) as x_source_row
    from owners
    left join services
        on
            lower(coalesce(owners.consumed_service, '')) = services.consumed_service
            and owners.arm_type = services.resource_type
    left join services_by_consumed_service
        on lower(owners.consumed_service) = services_by_consumed_service.consumed_service
)

select * from final
