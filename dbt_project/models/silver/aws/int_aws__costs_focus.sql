{#-
    AWS CUR (CUR 2.0 column names) conformed to FOCUS 1.2 Cost and Usage, plus FOCUS 1.3's
    ServiceProviderName and HostProviderName. One row per CUR line of the latest export.
    CUR column docs: https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2.html
    FOCUS columns:   https://focus.finops.org/focus-specification/v1-2/
    The mapping of every column is documented in _aws__models.yml.
-#}
{%- set usage_line_types = ["'Usage'", "'DiscountedUsage'", "'SavingsPlanCoveredUsage'"] -%}
{#- legacy exports may lack the bill period columns; the raw billing_period is their start -#}
{%- set billing_period_start_fallback =
    'cast(owners.billing_period as ' ~ dbt.type_timestamp() ~ ')' -%}

with

line_items as (
    select * from {{ ref('stg_aws_cur__line_items') }}
    where is_latest_export
),

service_categories as (
    select * from {{ ref('aws_service_categories') }}
),

-- BilledCost: the invoiced amount. Net unblended cost is the cost after discounts (EDP, private
-- rates, bundles) and is null where the payer has none; then unblended cost is what is billed.
-- Kept on every line type, negations included, so billed cost sums to the invoice.
-- https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2-line-item.html
billed as (
    select
        *,
        coalesce(line_item_net_unblended_cost, line_item_unblended_cost) as billed_cost,
        line_item_line_item_type in ({{ usage_line_types | join(', ') }}) as is_usage_line
    from line_items
),

-- EffectiveCost: amortized cost. Commitment-covered usage carries its share of the commitment,
-- the commitment's own fees carry only their unused part, and upfront payments and SP
-- negations count 0 because the covered usage already holds that money. Net variants win
-- where the payer has discounts. Null money parts count as 0 where a number is needed.
-- https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2-savings-plan.html
-- https://docs.aws.amazon.com/cur/latest/userguide/table-dictionary-cur2-reservation.html
effective as (
    select
        *,
        case
            when line_item_line_item_type = 'SavingsPlanCoveredUsage'
                then coalesce(
                    savings_plan_net_savings_plan_effective_cost,
                    savings_plan_savings_plan_effective_cost,
                    0
                )
            when line_item_line_item_type = 'SavingsPlanRecurringFee'
                then
                    coalesce(savings_plan_total_commitment_to_date, 0)
                    - coalesce(savings_plan_used_commitment, 0)
            when line_item_line_item_type in ('SavingsPlanNegation', 'SavingsPlanUpfrontFee')
                then 0
            when line_item_line_item_type = 'DiscountedUsage'
                then coalesce(reservation_net_effective_cost, reservation_effective_cost, 0)
            when line_item_line_item_type = 'RIFee'
                then coalesce(
                    reservation_net_unused_amortized_upfront_fee_for_billing_period,
                    reservation_unused_amortized_upfront_fee_for_billing_period,
                    0
                )
                + coalesce(
                    reservation_net_unused_recurring_fee, reservation_unused_recurring_fee, 0
                )
            -- an upfront RI purchase; its cost reaches usage through the RI's amortization
            when
                line_item_line_item_type = 'Fee'
                and coalesce(reservation_reservation_a_r_n, '') != ''
                then 0
            else billed_cost
        end as effective_cost
    from billed
),

-- ChargeCategory, ChargeClass, ChargeFrequency, PricingCategory: from the CUR line item type.
-- https://focus.finops.org/focus-specification/v1-2/ (Charge Category, Pricing Category)
charge_attributes as (
    select
        *,
        case
            when is_usage_line then 'Usage'
            when line_item_line_item_type in (
                'Fee', 'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee'
            ) then 'Purchase'
            when line_item_line_item_type = 'Tax' then 'Tax'
            when line_item_line_item_type in (
                'Credit', 'EdpDiscount', 'PrivateRateDiscount', 'BundledDiscount',
                'SavingsPlanNegation'
            ) then 'Credit'
            when line_item_line_item_type = 'Refund' then 'Adjustment'
            else 'Adjustment'
        end as charge_category,
        case when line_item_line_item_type = 'Refund' then 'Correction' end as charge_class,
        case
            when is_usage_line then 'Usage-Based'
            when line_item_line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'Recurring'
            else 'One-Time'
        end as charge_frequency,
        case
            when line_item_line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage')
                then 'Committed'
            when is_usage_line and line_item_usage_type like '%Spot%' then 'Dynamic'
            when is_usage_line then 'Standard'
        end as pricing_category
    from effective
),

-- CommitmentDiscount*: the Savings Plan ARN (a spend commitment) or the RI ARN (a usage
-- commitment). Status is known on covered usage (Used) and on the commitment's recurring fee
-- lines, whose effective cost is the unused part (Unused when above 0).
commitments as (
    select
        *,
        coalesce(
            nullif(savings_plan_savings_plan_a_r_n, ''), nullif(reservation_reservation_a_r_n, '')
        ) as commitment_discount_id,
        case
            when nullif(savings_plan_savings_plan_a_r_n, '') is not null then 'Savings Plan'
            when nullif(reservation_reservation_a_r_n, '') is not null then 'Reserved Instance'
        end as commitment_discount_type,
        case
            when nullif(savings_plan_savings_plan_a_r_n, '') is not null then 'Spend'
            when nullif(reservation_reservation_a_r_n, '') is not null then 'Usage'
        end as commitment_discount_category,
        case
            when line_item_line_item_type in ('SavingsPlanCoveredUsage', 'DiscountedUsage')
                then 'Used'
            when
                line_item_line_item_type in ('RIFee', 'SavingsPlanRecurringFee')
                and effective_cost > 0
                then 'Unused'
        end as commitment_discount_status
    from charge_attributes
),

-- x_team: the owning team from the first tag key of var('owner_tag_keys') that has a value
owners as (
    select
        *,
        {{ first_tag_value('resource_tags', var('owner_tag_keys')) }} as x_team
    from commitments
),

final as (
    select
        cast(nullif(owners.line_item_availability_zone, '') as {{ type_varchar() }})
            as availability_zone,
        cast(owners.billed_cost as {{ type_money() }}) as billed_cost,
        cast(owners.bill_payer_account_id as {{ type_varchar() }}) as billing_account_id,
        cast(owners.bill_payer_account_name as {{ type_varchar() }}) as billing_account_name,
        cast(owners.line_item_currency_code as {{ type_varchar() }}) as billing_currency,
        cast(coalesce(
            owners.bill_billing_period_end_date,
            {{ dbt.dateadd('month', 1, billing_period_start_fallback) }}
        ) as {{ dbt.type_timestamp() }}) as billing_period_end,
        cast(coalesce(
            owners.bill_billing_period_start_date,
            {{ billing_period_start_fallback }}
        ) as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast(owners.charge_category as {{ type_varchar() }}) as charge_category,
        cast(owners.charge_class as {{ type_varchar() }}) as charge_class,
        cast(owners.line_item_line_item_description as {{ type_varchar() }})
            as charge_description,
        cast(owners.charge_frequency as {{ type_varchar() }}) as charge_frequency,
        cast(owners.line_item_usage_end_date as {{ dbt.type_timestamp() }}) as charge_period_end,
        cast(owners.line_item_usage_start_date as {{ dbt.type_timestamp() }})
            as charge_period_start,
        cast(owners.commitment_discount_category as {{ type_varchar() }})
            as commitment_discount_category,
        cast(owners.commitment_discount_id as {{ type_varchar() }}) as commitment_discount_id,
        -- CUR names commitments only by ARN, which is commitment_discount_id
        cast(null as {{ type_varchar() }}) as commitment_discount_name,
        cast(owners.commitment_discount_status as {{ type_varchar() }})
            as commitment_discount_status,
        cast(owners.commitment_discount_type as {{ type_varchar() }}) as commitment_discount_type,
        cast(
            case when owners.is_usage_line then owners.line_item_usage_amount end
            as {{ type_quantity() }}
        ) as consumed_quantity,
        cast(
            case when owners.is_usage_line then nullif(owners.pricing_unit, '') end
            as {{ type_varchar() }}
        ) as consumed_unit,
        -- ContractedCost: unblended cost, except on SavingsPlanNegation lines, which only undo the
        -- covered usage's on-demand charge on the bill; counting them would cancel its cost here
        cast(
            case
                when owners.line_item_line_item_type = 'SavingsPlanNegation' then 0
                else owners.line_item_unblended_cost
            end as {{ type_money() }}
        ) as contracted_cost,
        cast(owners.line_item_unblended_rate as {{ type_unit_price() }}) as contracted_unit_price,
        cast(owners.effective_cost as {{ type_money() }}) as effective_cost,
        cast('AWS' as {{ type_varchar() }}) as host_provider_name,
        cast(nullif(owners.bill_invoice_id, '') as {{ type_varchar() }}) as invoice_id,
        cast(
            coalesce(nullif(owners.bill_invoicing_entity, ''), 'Amazon Web Services, Inc.')
            as {{ type_varchar() }}
        ) as invoice_issuer_name,
        -- ListCost: public on-demand cost of usage; lines without a list price (fees, credits,
        -- tax, or usage missing the pricing column) list at what they bill; SavingsPlanNegation
        -- lists at 0 for the same reason as in ContractedCost
        cast(
            case
                when owners.line_item_line_item_type = 'SavingsPlanNegation' then 0
                when owners.is_usage_line
                    then coalesce(owners.pricing_public_on_demand_cost, owners.billed_cost)
                else owners.billed_cost
            end as {{ type_money() }}
        ) as list_cost,
        cast(owners.pricing_public_on_demand_rate as {{ type_unit_price() }}) as list_unit_price,
        cast(owners.pricing_category as {{ type_varchar() }}) as pricing_category,
        cast(owners.line_item_usage_amount as {{ type_quantity() }}) as pricing_quantity,
        cast(nullif(owners.pricing_unit, '') as {{ type_varchar() }}) as pricing_unit,
        cast('AWS' as {{ type_varchar() }}) as provider_name,
        cast(
            case
                when owners.bill_billing_entity = 'AWS Marketplace'
                    then nullif(owners.line_item_legal_entity, '')
                else 'AWS'
            end as {{ type_varchar() }}
        ) as publisher_name,
        cast(nullif(owners.product_region_code, '') as {{ type_varchar() }}) as region_id,
        cast(nullif(owners.product_location, '') as {{ type_varchar() }}) as region_name,
        cast(nullif(owners.line_item_resource_id, '') as {{ type_varchar() }}) as resource_id,
        -- CUR carries no display name or type for resources (the Name tag is in tags)
        cast(null as {{ type_varchar() }}) as resource_name,
        cast(null as {{ type_varchar() }}) as resource_type,
        cast(
            coalesce(service_categories.service_category, 'Other')
            as {{ type_varchar() }}
        ) as service_category,
        cast(coalesce(
            nullif(owners.product_product_name, ''),
            nullif(owners.product_servicecode, ''),
            owners.line_item_product_code
        ) as {{ type_varchar() }}) as service_name,
        cast('AWS' as {{ type_varchar() }}) as service_provider_name,
        cast(nullif(owners.product_sku, '') as {{ type_varchar() }}) as sku_id,
        cast(nullif(owners.pricing_rate_id, '') as {{ type_varchar() }}) as sku_price_id,
        cast(owners.line_item_usage_account_id as {{ type_varchar() }}) as sub_account_id,
        cast(owners.line_item_usage_account_name as {{ type_varchar() }}) as sub_account_name,
        cast(nullif(owners.resource_tags, '') as {{ type_varchar() }}) as tags,
        cast('aws' as {{ type_varchar() }}) as x_provider,
        cast({{ surrogate_key([
            "'aws'",
            'owners.bill_payer_account_id',
            'owners.billing_period',
            'owners.x_source_file',
            'owners.x_source_row',
        ]) }} as {{ type_varchar() }}) as x_cost_line_id,
        cast(owners.billing_period as date) as x_billing_period,
        cast(owners.line_item_line_item_type as {{ type_varchar() }}) as x_line_item_type,
        cast(owners.line_item_usage_type as {{ type_varchar() }}) as x_usage_type,
        cast(owners.line_item_operation as {{ type_varchar() }}) as x_operation,
        cast(owners.line_item_product_code as {{ type_varchar() }}) as x_product_code,
        cast(owners.x_team as {{ type_varchar() }}) as x_team,
        owners.x_team is not null as x_has_owner_tag,
        cast(owners.x_export_id as {{ type_varchar() }}) as x_export_id,
        cast(owners.x_source_file as {{ type_varchar() }}) as x_source_file,
        cast(owners.x_source_row as {{ dbt.type_bigint() }}) as x_source_row
    from owners
    left join service_categories
        on owners.line_item_product_code = service_categories.product_code
)

select * from final
