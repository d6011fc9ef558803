{#-
    The monthly amortization of commitments recorded in seeds/allocation/commitment_terms.csv,
    in the silver FOCUS layout: one row per commitment and billing month of its term that is
    loaded (int_billing_periods) and in the run's window (vars min_billing_period /
    max_billing_period), unless the exports already carry effective cost for that
    commitment_discount_id in that month (AWS RIFee / Savings Plan fees, Azure's amortized view,
    FOCUS EffectiveCost): then the export's amortization stands and nothing is counted twice.

    The term starts in the billing month of purchase_date and lasts term_months months. Each
    month's effective cost is upfront_amount / term_months in whole cents; the cents left over
    go one each to the first months (largest remainder, ties in month order) and a sub-cent
    rest to the last month, so the months sum exactly to upfront_amount. Billed cost is 0: the
    upfront was invoiced at purchase. The row is the commitment's own fee line (ChargeCategory
    Purchase, ChargeFrequency Recurring, as AWS RIFee lines), with no CommitmentDiscountStatus:
    the terms say what the commitment cost, not how much of it was used.
-#}
{%- set period_start = 'cast(months.billing_period as ' ~ dbt.type_timestamp() ~ ')' -%}

with

terms as (
    select * from {{ ref('commitment_terms') }}
),

periods as (
    select billing_period from {{ ref('int_billing_periods') }}
    where {{ billing_window_filter('billing_period') }}
),

exported as (
    select * from {{ ref('int_costs_exported') }}
),

-- (commitment, month) pairs the exports already amortize; commitment ids are matched
-- case-insensitively and across providers (a FOCUS file may carry an Azure reservation)
amortized_in_exports as (
    select distinct
        x_billing_period as billing_period,
        lower(commitment_discount_id) as commitment_key
    from exported
    where
        effective_cost != 0
        and lower(commitment_discount_id) in (
            select lower(terms.commitment_discount_id) from terms
        )
        and {{ billing_window_filter('x_billing_period') }}
),

dated as (
    select
        *,
        cast({{ dbt.date_trunc('month', 'purchase_date') }} as date) as term_start,
        cast(trunc(upfront_amount * 100) as {{ dbt.type_bigint() }}) as whole_cents
    from terms
),

months as (
    select
        dated.*,
        periods.billing_period,
        cast(
            (extract(year from periods.billing_period) - extract(year from dated.term_start)) * 12
            + extract(month from periods.billing_period) - extract(month from dated.term_start)
            + 1 as integer
        ) as term_month
    from dated
    inner join periods on dated.term_start <= periods.billing_period
),

shares as (
    select
        months.*,
        cast(
            (
                cast(
                    (months.whole_cents - mod(months.whole_cents, months.term_months))
                    / months.term_months as {{ dbt.type_bigint() }}
                )
                + case
                    when months.term_month <= mod(months.whole_cents, months.term_months) then 1
                    else 0
                end
            ) * 0.01
            + case
                when months.term_month = months.term_months
                    then months.upfront_amount - months.whole_cents * 0.01
                else 0
            end as {{ type_money() }}
        ) as month_share
    from months
    where
        months.term_month <= months.term_months
        and not exists (
            select 1 from amortized_in_exports
            where
                amortized_in_exports.billing_period = months.billing_period
                and amortized_in_exports.commitment_key = lower(months.commitment_discount_id)
        )
),

final as (
    select
        cast(null as {{ type_varchar() }}) as availability_zone,
        cast(0 as {{ type_money() }}) as billed_cost,
        cast(months.billing_account_id as {{ type_varchar() }}) as billing_account_id,
        cast(null as {{ type_varchar() }}) as billing_account_name,
        cast(months.billing_currency as {{ type_varchar() }}) as billing_currency,
        cast({{ dbt.dateadd('month', 1, period_start) }} as {{ dbt.type_timestamp() }})
            as billing_period_end,
        cast({{ period_start }} as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast('Purchase' as {{ type_varchar() }}) as charge_category,
        cast(null as {{ type_varchar() }}) as charge_class,
        cast(
            'Amortization, month ' || cast(months.term_month as {{ type_varchar() }})
            || ' of ' || cast(months.term_months as {{ type_varchar() }}) || ', of '
            || coalesce(months.commitment_discount_name, months.commitment_discount_id)
            || ' bought ' || cast(months.purchase_date as {{ type_varchar() }})
            || ' (recorded terms)'
            as {{ type_varchar() }}
        ) as charge_description,
        cast('Recurring' as {{ type_varchar() }}) as charge_frequency,
        cast({{ dbt.dateadd('month', 1, period_start) }} as {{ dbt.type_timestamp() }})
            as charge_period_end,
        cast({{ period_start }} as {{ dbt.type_timestamp() }}) as charge_period_start,
        cast(months.commitment_discount_category as {{ type_varchar() }})
            as commitment_discount_category,
        cast(months.commitment_discount_id as {{ type_varchar() }}) as commitment_discount_id,
        cast(months.commitment_discount_name as {{ type_varchar() }})
            as commitment_discount_name,
        cast(null as {{ type_varchar() }}) as commitment_discount_status,
        cast(months.commitment_discount_type as {{ type_varchar() }})
            as commitment_discount_type,
        cast(null as {{ type_quantity() }}) as consumed_quantity,
        cast(null as {{ type_varchar() }}) as consumed_unit,
        -- nothing is billed this month, so nothing is priced at list or contracted rates
        cast(0 as {{ type_money() }}) as contracted_cost,
        cast(null as {{ type_unit_price() }}) as contracted_unit_price,
        months.month_share as effective_cost,
        cast(null as {{ type_varchar() }}) as host_provider_name,
        cast(null as {{ type_varchar() }}) as invoice_id,
        cast(months.provider_name as {{ type_varchar() }}) as invoice_issuer_name,
        cast(0 as {{ type_money() }}) as list_cost,
        cast(null as {{ type_unit_price() }}) as list_unit_price,
        cast(null as {{ type_varchar() }}) as pricing_category,
        cast(null as {{ type_quantity() }}) as pricing_quantity,
        cast(null as {{ type_varchar() }}) as pricing_unit,
        cast(months.provider_name as {{ type_varchar() }}) as provider_name,
        cast(months.provider_name as {{ type_varchar() }}) as publisher_name,
        cast(null as {{ type_varchar() }}) as region_id,
        cast(null as {{ type_varchar() }}) as region_name,
        -- FOCUS: a commitment's own rows carry its id as ResourceId
        cast(months.commitment_discount_id as {{ type_varchar() }}) as resource_id,
        cast(months.commitment_discount_name as {{ type_varchar() }}) as resource_name,
        cast(months.commitment_discount_type as {{ type_varchar() }}) as resource_type,
        cast(coalesce(months.service_category, 'Other') as {{ type_varchar() }})
            as service_category,
        cast(coalesce(months.service_name, months.provider_name) as {{ type_varchar() }})
            as service_name,
        cast(months.provider_name as {{ type_varchar() }}) as service_provider_name,
        cast(null as {{ type_varchar() }}) as sku_id,
        cast(null as {{ type_varchar() }}) as sku_price_id,
        cast(months.sub_account_id as {{ type_varchar() }}) as sub_account_id,
        cast(null as {{ type_varchar() }}) as sub_account_name,
        -- the buying team as a `team` tag, so allocation reads it like any resource tag
        cast(
            case
                when months.team is not null and trim(months.team) != ''
                    then
                        '{"team": "'
                        || replace(replace(lower(trim(months.team)), '\', '\\'), '"', '\"')
                        || '"}'
            end as {{ type_varchar() }}
        ) as tags,
        cast(months.provider as {{ type_varchar() }}) as x_provider,
        cast({{ surrogate_key([
            "'commitment_terms'",
            'months.provider',
            'months.commitment_discount_id',
            'months.billing_period',
        ]) }} as {{ type_varchar() }}) as x_cost_line_id,
        cast(months.billing_period as date) as x_billing_period,
        -- marks the row as made from recorded terms, not delivered by an export
        cast('RecordedCommitmentAmortization' as {{ type_varchar() }}) as x_line_item_type,
        cast(null as {{ type_varchar() }}) as x_usage_type,
        cast(null as {{ type_varchar() }}) as x_operation,
        cast(null as {{ type_varchar() }}) as x_product_code,
        cast(nullif(lower(trim(months.team)), '') as {{ type_varchar() }}) as x_team,
        coalesce(trim(months.team), '') != '' as x_has_owner_tag,
        cast(null as {{ type_varchar() }}) as x_export_id,
        cast('seeds/allocation/commitment_terms.csv' as {{ type_varchar() }}) as x_source_file,
        cast(null as {{ dbt.type_bigint() }}) as x_source_row
    from shares as months
)

select * from final
