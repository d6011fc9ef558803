{#- One row per (resource_id, metric, sample_time) as loaded; raw keeps one file per unit. -#}
{%- set columns = {
    'resource_id': 'varchar', 'metric': 'varchar', 'source_metric': 'varchar',
    'sample_time': 'timestamp with time zone', 'average': dbt.type_float(),
    'maximum': dbt.type_float(), 'unit': 'varchar', 'account_id': 'varchar',
    'billing_period': 'date', 'x_source_row': 'bigint', 'x_export_id': 'varchar',
    'x_source_file': 'varchar', '_dlt_load_id': 'varchar',
} -%}
with

source as (
    select raw_samples.*
    from {{ optional_source('raw_utilization_metrics', 'metric_samples', columns) }} as raw_samples
),

renamed as (
    select
        cast(resource_id as {{ type_varchar() }}) as resource_id,
        cast(metric as {{ type_varchar() }}) as metric,
        cast(source_metric as {{ type_varchar() }}) as source_metric,
        {{ to_utc_timestamp('sample_time') }} as sample_time,
        cast(average as {{ dbt.type_float() }}) as average_percent,
        cast(maximum as {{ dbt.type_float() }}) as maximum_percent,
        cast(account_id as {{ type_varchar() }}) as account_id,
        billing_period,
        cast(x_export_id as {{ type_varchar() }}) as x_export_id,
        cast(x_source_file as {{ type_varchar() }}) as x_source_file,
        cast(x_source_row as bigint) as x_source_row,
        cast(_dlt_load_id as {{ type_varchar() }}) as _dlt_load_id
    from source
)

select * from renamed
