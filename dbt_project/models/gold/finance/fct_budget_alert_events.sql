{#-
    Budget threshold crossings, one row per (budget line, basis, threshold), with an id that
    stays the same from one build to the next so orchestration sends each event once.

    Actual crossings (var budget_thresholds, default 50/80/100 %): the running total of the
    month's cost, in charge-day order, reached the threshold; crossed_on is the first such day.
    Forecast crossings (var budget_forecast_alert_thresholds, default 100 %): the projection of
    rpt_budget_vs_actual reaches a threshold the actual cost has not reached yet, while the
    month is still open; crossed_on is the last charge day with data, the day it was evaluated.
-#}

{%- set thresholds = var('budget_thresholds', [50, 80, 100]) | map('int') | sort | list -%}
{%- set forecast_thresholds = var('budget_forecast_alert_thresholds', [100])
    | map('int') | sort | list %}

with

report as (
    select * from {{ ref('rpt_budget_vs_actual') }}
),

daily_costs as (
    select * from {{ ref('int_budget_daily_costs') }}
),

thresholds as (
    {%- for threshold in thresholds %}
        select
            {{ threshold }} as threshold_pct,
            'actual' as basis
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
    {%- for threshold in forecast_thresholds %}
        union all
        select
            {{ threshold }} as threshold_pct,
            'forecast' as basis
    {%- endfor %}
),

daily_totals as (
    select
        budget_id,
        charge_date,
        sum(cost_in_budget_currency) as cost
    from daily_costs
    where cost_in_budget_currency is not null
    group by budget_id, charge_date
),

running as (
    select
        budget_id,
        charge_date,
        sum(cost) over (
            partition by budget_id
            order by charge_date
            rows between unbounded preceding and current row
        ) as cost_to_date
    from daily_totals
),

actual_crossings as (
    select
        report.budget_id,
        thresholds.basis,
        thresholds.threshold_pct,
        min(running.charge_date) as crossed_on
    from report
    inner join running
        on report.budget_id = running.budget_id
    inner join thresholds
        on
            thresholds.basis = 'actual'
            and running.cost_to_date * 100 >= report.budget_amount * thresholds.threshold_pct
    group by report.budget_id, thresholds.basis, thresholds.threshold_pct
),

crossed_cost as (
    select
        actual_crossings.budget_id,
        actual_crossings.basis,
        actual_crossings.threshold_pct,
        actual_crossings.crossed_on,
        running.cost_to_date as cost_at_crossing
    from actual_crossings
    inner join running
        on
            actual_crossings.budget_id = running.budget_id
            and actual_crossings.crossed_on = running.charge_date
),

forecast_crossings as (
    select
        report.budget_id,
        thresholds.basis,
        thresholds.threshold_pct,
        report.last_charge_date as crossed_on,
        report.projected_cost as cost_at_crossing
    from report
    inner join thresholds
        on
            thresholds.basis = 'forecast'
            and report.projected_cost * 100 >= report.budget_amount * thresholds.threshold_pct
            and report.actual_cost * 100 < report.budget_amount * thresholds.threshold_pct
    where report.projection_method in ('forecast', 'run_rate')
),

crossings as (
    select * from crossed_cost
    union all
    select * from forecast_crossings
),

final as (
    select
        cast(
            {{ surrogate_key(['crossings.budget_id', 'crossings.basis',
                'crossings.threshold_pct']) }}
            as {{ type_varchar() }}
        ) as alert_event_id,
        cast(crossings.budget_id as {{ type_varchar() }}) as budget_id,
        cast(report.scope_type as {{ type_varchar() }}) as scope_type,
        cast(report.scope as {{ type_varchar() }}) as scope,
        cast(report.billing_period as date) as billing_period,
        cast(report.budget_currency as {{ type_varchar() }}) as budget_currency,
        cast(crossings.basis as {{ type_varchar() }}) as basis,
        cast(crossings.threshold_pct as integer) as threshold_pct,
        cast(crossings.crossed_on as date) as crossed_on,
        cast(report.budget_amount as {{ type_money() }}) as budget_amount,
        cast(crossings.cost_at_crossing as {{ type_money() }}) as cost_at_crossing,
        cast(report.actual_cost as {{ type_money() }}) as actual_cost,
        cast(report.projected_cost as {{ type_money() }}) as projected_cost,
        cast(report.cost_measure as {{ type_varchar() }}) as cost_measure,
        cast(report.currency_status as {{ type_varchar() }}) as currency_status
    from crossings
    inner join report
        on crossings.budget_id = report.budget_id
)

select * from final
