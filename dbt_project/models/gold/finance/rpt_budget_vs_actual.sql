{#-
    Budget against actual and projected cost, one row per budget line. Thresholds come from
    var('budget_thresholds') (percent, default 50, 80, 100); statuses compare exact decimals
    (cost x 100 >= budget x threshold), not the rounded percentages.

    Projection, in order: the month is complete (projected = actual); else the newest ml
    forecast of the team's series for the remaining days, when usable (team scope, effective
    cost, the team billed only in the budget's currency, and a forecast for every remaining
    day); else the run-rate actual / days elapsed x days in month, where the days elapsed end
    at the last charge day with data of the billing period.
-#}

{%- set thresholds = var('budget_thresholds', [50, 80, 100]) | map('int') | sort | list -%}
{%- set measure = var('budget_cost_measure', 'effective_cost') -%}

with

budget_lines as (
    select * from {{ ref('int_budget_lines') }}
),

daily_costs as (
    select * from {{ ref('int_budget_daily_costs') }}
),

allocated as (
    select * from {{ ref('fct_cost_allocated') }}
),

forecasts as (
    select * from {{ ref('int_cost_forecasts') }}
),

period_progress as (
    select
        x_billing_period as billing_period,
        max(charge_date) as last_charge_date
    from allocated
    group by x_billing_period
),

actuals as (
    select
        budget_id,
        sum(cost_in_budget_currency) as actual_cost,
        count(distinct case when fx_rate is null then billing_currency end)
            as missing_rate_currency_count,
        count(distinct case when fx_rate <> 1 then billing_currency end)
            as converted_currency_count
    from daily_costs
    group by budget_id
),

-- currencies a budget could not take in, for lack of a rate
excluded as (
    select distinct
        budget_id,
        billing_currency
    from daily_costs
    where fx_rate is null
),

-- both names when two currencies are left out, the first and last of more (portable: no
-- string aggregation)
excluded_lists as (
    select
        budget_id,
        case
            when count(*) = 1 then min(billing_currency)
            when count(*) = 2 then min(billing_currency) || ', ' || max(billing_currency)
            else
                min(billing_currency) || ', ..., ' || max(billing_currency)
                || ' (' || cast(count(*) as {{ type_varchar() }}) || ')'
        end as excluded_currencies
    from excluded
    group by budget_id
),

-- teams billed in exactly one currency over all periods: only those can use the ml forecast,
-- which sums a team's daily cost without regard to currency
team_currencies as (
    select
        x_team as team,
        min(billing_currency) as billing_currency
    from allocated
    where x_team is not null
    group by x_team
    having count(distinct billing_currency) = 1
),

latest_forecasts as (
    select
        series_value as team,
        max(made_on) as made_on
    from forecasts
    where series_type = 'team'
    group by series_value
),

progress as (
    select
        budget_lines.*,
        period_progress.last_charge_date,
        -- day of month of the month's last day, and of the last charge day (the first of the
        -- month is day 1), which keeps to date functions every engine has
        extract(day from cast({{ dbt.dateadd('day', -1,
            dbt.dateadd('month', 1, 'budget_lines.billing_period')) }} as date))
            as days_in_month,
        case
            when period_progress.last_charge_date is null then 0
            when period_progress.last_charge_date < budget_lines.billing_period then 0
            when
                period_progress.last_charge_date
                >= {{ dbt.dateadd('month', 1, 'budget_lines.billing_period') }}
                then 31
            else extract(day from period_progress.last_charge_date)
        end as days_with_data
    from budget_lines
    left join period_progress
        on budget_lines.billing_period = period_progress.billing_period
),

elapsed as (
    select
        *,
        case
            when days_with_data > days_in_month then days_in_month else days_with_data
        end as days_elapsed
    from progress
),

remaining_forecast as (
    select
        elapsed.budget_id,
        sum(forecasts.forecast_cost) as forecast_cost,
        count(distinct forecasts.forecast_date) as forecast_days
    from elapsed
    inner join team_currencies
        on
            elapsed.scope = team_currencies.team
            and elapsed.budget_currency = team_currencies.billing_currency
    inner join latest_forecasts
        on elapsed.scope = latest_forecasts.team
    inner join forecasts
        on
            latest_forecasts.team = forecasts.series_value
            and latest_forecasts.made_on = forecasts.made_on
            and forecasts.series_type = 'team'
            and forecasts.forecast_date
            >= {{ dbt.dateadd('day', 'elapsed.days_elapsed', 'elapsed.billing_period') }}
            and forecasts.forecast_date
            < {{ dbt.dateadd('month', 1, 'elapsed.billing_period') }}
    where
        elapsed.scope_type = 'team'
        and '{{ measure }}' = 'effective_cost'
    group by elapsed.budget_id
),

projected as (
    select
        elapsed.budget_id,
        elapsed.scope_type,
        elapsed.scope,
        elapsed.billing_period,
        elapsed.budget_currency,
        elapsed.budget_amount,
        elapsed.last_charge_date,
        elapsed.days_elapsed,
        elapsed.days_in_month,
        coalesce(actuals.actual_cost, 0) as actual_cost,
        excluded_lists.excluded_currencies,
        case
            when actuals.missing_rate_currency_count > 0 then 'missing_exchange_rate'
            when actuals.converted_currency_count > 0 then 'converted'
            when actuals.budget_id is null then 'no_costs'
            else 'budget_currency_only'
        end as currency_status,
        case
            when elapsed.days_elapsed = elapsed.days_in_month then 'month_complete'
            when
                remaining_forecast.forecast_days
                = elapsed.days_in_month - elapsed.days_elapsed
                then 'forecast'
            when elapsed.days_elapsed > 0 then 'run_rate'
            else 'no_data'
        end as projection_method,
        remaining_forecast.forecast_cost as remaining_forecast_cost
    from elapsed
    left join actuals
        on elapsed.budget_id = actuals.budget_id
    left join excluded_lists
        on elapsed.budget_id = excluded_lists.budget_id
    left join remaining_forecast
        on elapsed.budget_id = remaining_forecast.budget_id
),

measured as (
    select
        *,
        case projection_method
            when 'month_complete' then actual_cost
            when 'forecast' then actual_cost + remaining_forecast_cost
            when 'run_rate' then actual_cost * days_in_month / days_elapsed
        end as projected_cost
    from projected
),

final as (
    select
        cast(budget_id as {{ type_varchar() }}) as budget_id,
        cast(scope_type as {{ type_varchar() }}) as scope_type,
        cast(scope as {{ type_varchar() }}) as scope,
        cast(billing_period as date) as billing_period,
        cast(budget_currency as {{ type_varchar() }}) as budget_currency,
        cast('{{ measure }}' as {{ type_varchar() }}) as cost_measure,
        cast(budget_amount as {{ type_money() }}) as budget_amount,
        cast(actual_cost as {{ type_money() }}) as actual_cost,
        cast(projected_cost as {{ type_money() }}) as projected_cost,
        cast(projection_method as {{ type_varchar() }}) as projection_method,
        cast(last_charge_date as date) as last_charge_date,
        cast(days_elapsed as integer) as days_elapsed,
        cast(days_in_month as integer) as days_in_month,
        cast(round(100 * actual_cost / budget_amount, 4) as decimal(38, 4))
            as actual_pct_of_budget,
        cast(round(100 * projected_cost / budget_amount, 4) as decimal(38, 4))
            as projected_pct_of_budget,
        -- 'over_<t>' for the highest threshold t reached (cost >= t % of budget), else
        -- 'under_<lowest>'; null without a cost
        cast(
            case
                when actual_cost is null then null
                {%- for threshold in thresholds | reverse %}
                    when actual_cost * 100 >= budget_amount * {{ threshold }}
                        then 'over_{{ threshold }}'
                {%- endfor %}
                else 'under_{{ thresholds | first }}'
            end as {{ type_varchar() }}
        ) as actual_status,
        -- 'over_<t>' for the highest threshold t reached (cost >= t % of budget), else
        -- 'under_<lowest>'; null without a cost
        cast(
            case
                when projected_cost is null then null
                {%- for threshold in thresholds | reverse %}
                    when projected_cost * 100 >= budget_amount * {{ threshold }}
                        then 'over_{{ threshold }}'
                {%- endfor %}
                else 'under_{{ thresholds | first }}'
            end as {{ type_varchar() }}
        ) as projected_status,
        cast(currency_status as {{ type_varchar() }}) as currency_status,
        cast(excluded_currencies as {{ type_varchar() }}) as excluded_currencies
    from measured
)

select * from final
