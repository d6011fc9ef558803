{%- set raw_columns = {
    'billing_period': 'date',
    'unit_key': type_varchar(),
    'status': type_varchar(),
    'source_file': type_varchar(),
    'checksum': type_varchar(),
    'row_count': dbt.type_bigint(),
    'cost_total': type_money(),
    'currency': type_varchar(),
    'error': type_varchar(),
    'detected_at': 'timestamp with time zone',
    'focus_version': type_varchar(),
    'files': type_varchar(),
    '_dlt_load_id': type_varchar()
} -%}

with

source as (
    select raw_loads.* from {{ optional_source('raw_focus_files', 'loads', raw_columns) }} as raw_loads
),

renamed as (
    select
        billing_period,
        unit_key,
        status,
        source_file,
        checksum,
        row_count,
        cost_total,
        currency,
        error,
        {{ to_utc_timestamp('detected_at') }} as detected_at,
        focus_version,
        files,
        _dlt_load_id,
        status = 'quarantined' as is_quarantined
    from source
)

select * from renamed
