{#- One row per replaced unit or quarantined file of every utilization load. -#}
{%- set columns = {
    'billing_period': 'date', 'unit_key': 'varchar', 'status': 'varchar',
    'source_file': 'varchar', 'checksum': 'varchar', 'row_count': 'bigint',
    'error': 'varchar', 'detected_at': 'timestamp with time zone', '_dlt_load_id': 'varchar',
} -%}
with

source as (
    select raw_loads.*
    from {{ optional_source('raw_utilization_metrics', 'loads', columns) }} as raw_loads
),

renamed as (
    select
        billing_period,
        unit_key,
        status,
        source_file,
        checksum,
        row_count,
        error,
        {{ to_utc_timestamp('detected_at') }} as detected_at,
        _dlt_load_id,
        status = 'quarantined' as is_quarantined
    from source
)

select * from renamed
