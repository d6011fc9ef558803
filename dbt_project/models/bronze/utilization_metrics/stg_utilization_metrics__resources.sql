{#- One row per resource of the newest inventory listing it. -#}
{%- set columns = {
    'resource_id': 'varchar', 'resource_type': 'varchar', 'instance_type': 'varchar',
    'state': 'varchar', 'account_id': 'varchar', 'region': 'varchar',
    'snapshot_at': 'timestamp with time zone', 'x_source_row': 'bigint',
    'x_export_id': 'varchar', 'x_source_file': 'varchar', '_dlt_load_id': 'varchar',
} -%}
with

source as (
    select raw_resources.*
    from {{ optional_source('raw_utilization_metrics', 'resources', columns) }} as raw_resources
),

renamed as (
    select
        cast(resource_id as {{ type_varchar() }}) as resource_id,
        cast(resource_type as {{ type_varchar() }}) as resource_type,
        cast(instance_type as {{ type_varchar() }}) as instance_type,
        cast(state as {{ type_varchar() }}) as resource_state,
        cast(account_id as {{ type_varchar() }}) as account_id,
        cast(region as {{ type_varchar() }}) as region_id,
        {{ to_utc_timestamp('snapshot_at') }} as snapshot_at,
        cast(x_export_id as {{ type_varchar() }}) as x_export_id,
        cast(x_source_file as {{ type_varchar() }}) as x_source_file,
        cast(x_source_row as bigint) as x_source_row,
        cast(_dlt_load_id as {{ type_varchar() }}) as _dlt_load_id
    from source
)

select * from renamed
