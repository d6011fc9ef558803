{#- One row per (metric_date, product, metric) as loaded; raw keeps one input per unit. -#}
{%- set columns = {
    'metric_date': 'date', 'product': 'varchar', 'metric': 'varchar',
    'value': 'decimal(38, 10)', 'unit': 'varchar', 'billing_period': 'date',
    'x_export_id': 'varchar', 'x_source_file': 'varchar', 'x_source_row': 'bigint',
    'x_form': 'varchar', '_dlt_load_id': 'varchar',
} -%}
with

source as (
    select raw_metrics.*
    from {{ optional_source('raw_business_metrics', 'daily_metrics', columns) }} as raw_metrics
),

renamed as (
    select
        metric_date,
        billing_period,
        cast(product as {{ type_varchar() }}) as product,
        cast(metric as {{ type_varchar() }}) as metric,
        cast(value as {{ type_money() }}) as metric_value,
        cast(unit as {{ type_varchar() }}) as unit,
        cast(x_export_id as {{ type_varchar() }}) as x_export_id,
        cast(x_source_file as {{ type_varchar() }}) as x_source_file,
        cast(x_source_row as bigint) as x_source_row,
        cast(x_form as {{ type_varchar() }}) as x_form,
        cast(_dlt_load_id as {{ type_varchar() }}) as _dlt_load_id
    from source
)

select * from renamed
