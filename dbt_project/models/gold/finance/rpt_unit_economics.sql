{#-
    Unit economics: one row per billing period, product and currency. Cost is the product's
    allocated cost (fct_cost_allocated rows carrying x_product); volumes come from the daily
    business metrics (int_business_metrics). Counts carry no currency, so they appear on every
    currency row of the product; revenue appears only on the row of its own currency, and the
    gross margin only where revenue and cost share that currency. Every ratio is null, never 0
    or infinite, when its denominator is 0 or missing. Formulas are in the model's YAML.
-#}

with

allocated as (
    select * from {{ ref('fct_cost_allocated') }}
),

metrics as (
    select * from {{ ref('int_business_metrics') }}
),

product_costs as (
    select
        x_billing_period as billing_period,
        lower(trim(x_product)) as product,
        billing_currency as currency,
        sum(effective_cost) as effective_cost,
        sum(billed_cost) as billed_cost
    from allocated
    where x_product is not null and trim(x_product) <> ''
    group by x_billing_period, lower(trim(x_product)), billing_currency
),

-- counts per product and month; active customers as the average of the days reported
volumes as (
    select
        billing_period,
        lower(trim(product)) as product,
        sum(case when metric = 'orders' then value end) as orders,
        sum(case when metric = 'transactions' then value end) as transactions,
        sum(case when metric = 'active_customers' then value end)
        / nullif(count(distinct case when metric = 'active_customers' then metric_date end), 0)
            as active_customers,
        count(distinct metric_date) as metric_days
    from metrics
    group by billing_period, lower(trim(product))
),

-- revenue per product, month and the currency it was reported in (its unit)
revenues as (
    select
        billing_period,
        lower(trim(product)) as product,
        upper(trim(unit)) as currency,
        sum(value) as revenue
    from metrics
    where metric = 'revenue' and unit is not null and trim(unit) <> ''
    group by billing_period, lower(trim(product)), upper(trim(unit))
),

-- every (period, product, currency) with a cost or a revenue
grain as (
    select
        billing_period,
        product,
        currency
    from product_costs
    union
    select
        billing_period,
        product,
        currency
    from revenues
),

joined as (
    select
        grain.billing_period,
        grain.product,
        grain.currency,
        product_costs.effective_cost,
        product_costs.billed_cost,
        volumes.orders,
        volumes.transactions,
        volumes.active_customers,
        volumes.metric_days,
        revenues.revenue
    from grain
    left join product_costs
        on
            grain.billing_period = product_costs.billing_period
            and grain.product = product_costs.product
            and grain.currency = product_costs.currency
    left join volumes
        on
            grain.billing_period = volumes.billing_period
            and grain.product = volumes.product
    left join revenues
        on
            grain.billing_period = revenues.billing_period
            and grain.product = revenues.product
            and grain.currency = revenues.currency
),

final as (
    select
        {{ surrogate_key(['billing_period', 'product', 'currency']) }} as unit_economics_id,
        cast(billing_period as date) as billing_period,
        cast(product as {{ type_varchar() }}) as product,
        cast(currency as {{ type_varchar() }}) as currency,
        cast(effective_cost as {{ type_money() }}) as effective_cost,
        cast(billed_cost as {{ type_money() }}) as billed_cost,
        cast(orders as {{ type_money() }}) as orders,
        cast(transactions as {{ type_money() }}) as transactions,
        cast(active_customers as {{ type_money() }}) as active_customers,
        cast(coalesce(metric_days, 0) as {{ dbt.type_bigint() }}) as metric_days,
        cast(revenue as {{ type_money() }}) as revenue,
        cast(round(effective_cost / nullif(orders, 0), 10) as {{ type_money() }}) as cost_per_order,
        cast(round(effective_cost / nullif(transactions, 0), 10) as {{ type_money() }})
            as cost_per_transaction,
        cast(round(effective_cost / nullif(active_customers, 0), 10) as {{ type_money() }})
            as cost_per_active_customer,
        cast(round((revenue - effective_cost) / nullif(revenue, 0), 10) as {{ type_money() }})
            as gross_margin
    from joined
)

select * from final
