/*
    Nothing lost: per billing account (payer) and billing period, the sum of AWS
    fct_cost.billed_cost equals the bronze total of the latest export's rows, computed
    straight from bronze as coalesce(net unblended cost, unblended cost). (Each other
    provider's gold total is reconciled to its files by its ingestion tests.)

    Threshold: the absolute difference must stay within 0.01 (one cent) per group; gold keeps
    decimal(38,10), so any difference is a lost, duplicated or remapped line, not rounding.
    Only the billing periods of the run's window (vars min_billing_period / max_billing_period,
    all periods without them) are compared: a windowed run leaves other months of gold as they
    were, while bronze views already show newer exports of those months.

    A failure lists each group with both totals. It means gold lost or duplicated cost lines
    (a filter or join in silver/gold dropped or fanned out rows), or a group has lines on one
    side only (gold_lines or bronze_lines is 0: a month not rebuilt yet, or a provider missing
    from int_costs_unioned). Gold must not be published until it is explained.
*/

{{ config(meta={'dagster': {'ref': {'name': 'fct_cost'}}}) }}

{%- set tolerance = 0.01 -%}

with

gold_totals as (
    select
        x_provider as provider,
        billing_account_id,
        x_billing_period as billing_period,
        billed_cost as gold_billed_cost,
        0 as bronze_billed_cost,
        1 as gold_lines,
        0 as bronze_lines
    from {{ ref('fct_cost') }}
    where
        x_provider = 'aws'
        -- amortization from recorded commitment terms: billed 0 and in no export
        and coalesce(x_line_item_type, '') != 'RecordedCommitmentAmortization'
        and {{ billing_window_filter('x_billing_period') }}
),

aws_bronze_totals as (
    select
        'aws' as provider,
        bill_payer_account_id as billing_account_id,
        billing_period,
        0 as gold_billed_cost,
        coalesce(line_item_net_unblended_cost, line_item_unblended_cost) as bronze_billed_cost,
        0 as gold_lines,
        1 as bronze_lines
    from {{ ref('stg_aws_cur__line_items') }}
    where
        is_latest_export
        and {{ billing_window_filter('billing_period') }}
),

both_sides as (
    select * from gold_totals
    union all
    select * from aws_bronze_totals
),

compared as (
    select
        provider,
        billing_account_id,
        billing_period,
        sum(gold_billed_cost) as gold_billed_cost,
        sum(bronze_billed_cost) as bronze_billed_cost,
        sum(gold_lines) as gold_lines,
        sum(bronze_lines) as bronze_lines
    from both_sides
    group by provider, billing_account_id, billing_period
)

select *
from compared
where
    abs(coalesce(gold_billed_cost, 0) - coalesce(bronze_billed_cost, 0)) > {{ tolerance }}
    or gold_lines = 0
    or bronze_lines = 0
