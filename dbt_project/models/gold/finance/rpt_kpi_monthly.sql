{#-
    FinOps KPIs per billing period and billing currency, for each provider and for all
    providers together (x_provider = 'all'). Formulas are in the model's YAML description.
    Amounts are effective (amortized) cost unless a column says otherwise; currencies are
    never summed together, and a forecast (which sums a series without regard to currency) is
    compared only where the series was billed in this one currency in the month.
-#}

{%- set eligible = var('commitment_eligible_service_categories', ['Compute', 'Databases']) -%}
{%- set scopes = [('x_provider', 'provider'), ("'all'", 'total')] -%}

with

costs as (
    select * from {{ ref('fct_cost') }}
),

allocated as (
    select * from {{ ref('fct_cost_allocated') }}
),

forecasts as (
    select * from {{ ref('int_cost_forecasts') }}
),

-- cloud clusters' idle node capacity: each split bill line group's idle part, taken once per
-- group (the split has a row per recipient) and under any idle policy
cloud_kubernetes_idle as (
    select
        x_billing_period as billing_period,
        billing_currency,
        x_provider,
        -- float share times decimal cost: back to money, or PostgreSQL's round() refuses it
        cast(sum(group_effective_cost * node_idle_share) as {{ type_money() }}) as idle_cost
    from (
        select distinct
            x_split_group_key,
            x_billing_period,
            billing_currency,
            x_provider,
            group_effective_cost,
            node_idle_share
        from {{ ref('int_kubernetes_bill_split') }}
    ) as split_groups
    group by x_billing_period, billing_currency, x_provider
),

-- business volume of every product together per month: the unit-cost denominators
business_volumes as (
    select
        billing_period,
        sum(case when metric = 'orders' then value end) as orders,
        sum(case when metric = 'transactions' then value end) as transactions
    from {{ ref('int_business_metrics') }}
    group by billing_period
),

classified as (
    select
        x_billing_period as billing_period,
        billing_currency,
        x_provider,
        billed_cost,
        effective_cost,
        coalesce(list_cost, effective_cost) as list_cost,
        charge_category = 'Usage' as is_usage,
        coalesce(commitment_discount_status, '') = 'Unused' as is_unused_commitment,
        coalesce(commitment_discount_status, '') = 'Used' as is_commitment_covered,
        -- on-prem Kubernetes idle node capacity, as the kubernetes silver model marks it
        x_line_item_type = 'Idle' as is_kubernetes_idle,
        coalesce(x_has_mandatory_tags, false) as has_mandatory_tags,
        service_category in ('{{ eligible | join("', '") }}') as is_eligible_service,
        pricing_category = 'Standard' and commitment_discount_id is null as is_on_demand
    from costs
),

{%- for column, series_type in scopes %}
    {#- a constant scope ('all') is not grouped by: PostgreSQL rejects a literal in group by #}
    {%- set group_by_scope = '' if column.startswith("'") else ', ' ~ column %}

    cost_{{ series_type }} as (
        select
            billing_period,
            billing_currency,
            {{ column }} as x_provider,
            sum(billed_cost) as billed_cost,
            sum(effective_cost) as effective_cost,
            sum(case when is_usage and not is_unused_commitment then effective_cost else 0 end)
                as taggable_cost,
            sum(
                case
                    when is_usage and not is_unused_commitment and has_mandatory_tags
                        then effective_cost
                    else 0
                end
            ) as tagged_cost,
            sum(case when is_commitment_covered then effective_cost else 0 end)
                as commitment_used_cost,
            sum(case when is_unused_commitment then effective_cost else 0 end)
                as commitment_unused_cost,
            sum(
                case
                    when is_usage and is_eligible_service and is_commitment_covered
                        then effective_cost
                    else 0
                end
            ) as eligible_covered_cost,
            sum(
                case
                    when is_usage and is_eligible_service and is_on_demand then effective_cost
                    else 0
                end
            ) as eligible_on_demand_cost,
            sum(case when is_usage then list_cost else 0 end) as usage_list_cost,
            sum(case when is_usage then effective_cost else 0 end) as usage_effective_cost,
            sum(case when is_kubernetes_idle then effective_cost else 0 end)
                as kubernetes_idle_cost
        from classified
        group by billing_period, billing_currency{{ group_by_scope }}
    ),

    allocation_{{ series_type }} as (
        select
            x_billing_period as billing_period,
            billing_currency,
            {{ column }} as x_provider,
            sum(case when x_team is not null then effective_cost else 0 end) as allocated_cost
        from allocated
        group by x_billing_period, billing_currency{{ group_by_scope }}
    ),

    cloud_idle_{{ series_type }} as (
        select
            billing_period,
            billing_currency,
            {{ column }} as x_provider,
            sum(idle_cost) as idle_cost
        from cloud_kubernetes_idle
        group by billing_period, billing_currency{{ group_by_scope }}
    ),

    -- the scope's currencies and last charge day in each period: a forecast is compared only
    -- with a scope billed in one currency, and only once its month is complete
    scope_period_{{ series_type }} as (
        select
            x_billing_period as billing_period,
            {{ column }} as x_provider,
            count(distinct billing_currency) as currency_count,
            max(cast(charge_period_start as date)) as last_charge_date
        from costs
        group by x_billing_period{{ group_by_scope }}
    ),
{%- endfor %}

cost_scopes as (
    select * from cost_provider
    union all
    select * from cost_total
),

allocation_scopes as (
    select * from allocation_provider
    union all
    select * from allocation_total
),

cloud_idle_scopes as (
    select * from cloud_idle_provider
    union all
    select * from cloud_idle_total
),

scope_periods as (
    select * from scope_period_provider
    union all
    select * from scope_period_total
),

-- the forecast frozen at the start of each month: the newest made_on before the month began
frozen_forecasts as (
    select
        scope_periods.billing_period,
        scope_periods.x_provider,
        max(forecasts.made_on) as made_on
    from scope_periods
    inner join forecasts
        on
            scope_periods.billing_period > forecasts.made_on
            and (
                (scope_periods.x_provider = 'all' and forecasts.series_type = 'total')
                or (
                    scope_periods.x_provider <> 'all'
                    and forecasts.series_type = 'provider'
                    and scope_periods.x_provider = forecasts.series_value
                )
            )
    group by scope_periods.billing_period, scope_periods.x_provider
),

month_forecasts as (
    select
        frozen_forecasts.billing_period,
        frozen_forecasts.x_provider,
        frozen_forecasts.made_on,
        sum(forecasts.forecast_cost) as forecast_cost,
        count(distinct forecasts.forecast_date) as forecast_days
    from frozen_forecasts
    inner join forecasts
        on
            frozen_forecasts.made_on = forecasts.made_on
            and forecasts.series_type
            = case when frozen_forecasts.x_provider = 'all' then 'total' else 'provider' end
            and forecasts.series_value
            = case
                when frozen_forecasts.x_provider = 'all' then 'all'
                else frozen_forecasts.x_provider
            end
            and frozen_forecasts.billing_period <= forecasts.forecast_date
            and forecasts.forecast_date
            < {{ dbt.dateadd('month', 1, 'frozen_forecasts.billing_period') }}
    group by frozen_forecasts.billing_period, frozen_forecasts.x_provider, frozen_forecasts.made_on
),

joined as (
    select
        cost_scopes.*,
        allocation_scopes.allocated_cost,
        coalesce(cloud_idle_scopes.idle_cost, 0) as cloud_kubernetes_idle_cost,
        scope_periods.last_charge_date,
        scope_periods.last_charge_date
        >= cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'cost_scopes.billing_period')) }}
            as date
        ) as is_month_complete,
        case
            when
                scope_periods.currency_count = 1
                and month_forecasts.forecast_days
                = extract(day from cast({{ dbt.dateadd('day', -1,
                    dbt.dateadd('month', 1, 'cost_scopes.billing_period')) }} as date))
                then month_forecasts.forecast_cost
        end as forecast_cost,
        month_forecasts.made_on as frozen_made_on,
        business_volumes.orders,
        business_volumes.transactions
    from cost_scopes
    left join allocation_scopes
        on
            cost_scopes.billing_period = allocation_scopes.billing_period
            and cost_scopes.billing_currency = allocation_scopes.billing_currency
            and cost_scopes.x_provider = allocation_scopes.x_provider
    left join cloud_idle_scopes
        on
            cost_scopes.billing_period = cloud_idle_scopes.billing_period
            and cost_scopes.billing_currency = cloud_idle_scopes.billing_currency
            and cost_scopes.x_provider = cloud_idle_scopes.x_provider
    left join scope_periods
        on
            cost_scopes.billing_period = scope_periods.billing_period
            and cost_scopes.x_provider = scope_periods.x_provider
    left join month_forecasts
        on
            cost_scopes.billing_period = month_forecasts.billing_period
            and cost_scopes.x_provider = month_forecasts.x_provider
    left join business_volumes
        on cost_scopes.billing_period = business_volumes.billing_period
),

final as (
    select
        cast(billing_period as date) as billing_period,
        cast(billing_currency as {{ type_varchar() }}) as billing_currency,
        cast(x_provider as {{ type_varchar() }}) as x_provider,
        cast(billed_cost as {{ type_money() }}) as billed_cost,
        cast(effective_cost as {{ type_money() }}) as effective_cost,
        cast(taggable_cost as {{ type_money() }}) as taggable_cost,
        cast(tagged_cost as {{ type_money() }}) as tagged_cost,
        cast(round(100 * (tagged_cost) / nullif(taggable_cost, 0), 4) as decimal(38, 4)) as tagging_coverage_pct,
        cast(allocated_cost as {{ type_money() }}) as allocated_cost,
        cast(round(100 * (allocated_cost) / nullif(effective_cost, 0), 4) as decimal(38, 4)) as allocation_coverage_pct,
        cast(eligible_covered_cost as {{ type_money() }}) as eligible_covered_cost,
        cast(eligible_on_demand_cost as {{ type_money() }}) as eligible_on_demand_cost,
        cast(round(100 * (eligible_covered_cost) / nullif(eligible_covered_cost + eligible_on_demand_cost, 0), 4) as decimal(38, 4))
            as commitment_coverage_pct,
        cast(commitment_used_cost as {{ type_money() }}) as commitment_used_cost,
        cast(commitment_unused_cost as {{ type_money() }}) as commitment_unused_cost,
        cast(round(100 * (commitment_used_cost) / nullif(commitment_used_cost + commitment_unused_cost, 0), 4) as decimal(38, 4))
            as commitment_utilization_pct,
        cast(usage_list_cost as {{ type_money() }}) as usage_list_cost,
        cast(usage_effective_cost as {{ type_money() }}) as usage_effective_cost,
        cast(round(100 * (usage_list_cost - usage_effective_cost) / nullif(usage_list_cost, 0), 4) as decimal(38, 4))
            as effective_savings_rate_pct,
        cast(kubernetes_idle_cost + cloud_kubernetes_idle_cost as {{ type_money() }})
            as kubernetes_idle_cost,
        cast(kubernetes_idle_cost + cloud_kubernetes_idle_cost + commitment_unused_cost as {{ type_money() }})
            as idle_cost,
        cast(round(100 * (kubernetes_idle_cost + cloud_kubernetes_idle_cost + commitment_unused_cost) / nullif(effective_cost, 0), 4) as decimal(38, 4))
            as idle_cost_pct,
        cast(case when forecast_cost is not null then frozen_made_on end as date)
            as forecast_made_on,
        cast(forecast_cost as {{ type_money() }}) as forecast_cost,
        cast(
            case when is_month_complete then effective_cost - forecast_cost end
            as {{ type_money() }}
        ) as forecast_variance,
        case
            when is_month_complete
                then cast(round(100 * (effective_cost - forecast_cost) / nullif(forecast_cost, 0), 4) as decimal(38, 4))
        end as forecast_variance_pct,
        cast(coalesce(is_month_complete, false) as boolean) as is_month_complete,
        cast(orders as {{ type_money() }}) as business_orders,
        cast(transactions as {{ type_money() }}) as business_transactions,
        cast(round(effective_cost / nullif(orders, 0), 10) as {{ type_money() }}) as cost_per_order,
        cast(round(effective_cost / nullif(transactions, 0), 10) as {{ type_money() }})
            as cost_per_transaction
    from joined
)

select * from final
