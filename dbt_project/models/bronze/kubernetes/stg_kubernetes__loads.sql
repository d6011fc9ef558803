{#-
    Load history of ingestion/kubernetes: one row per replaced (billing period, cluster) unit of
    a table and per quarantined file, every run (append-only).
-#}
{%- set raw_columns = {
    'billing_period': 'date',
    'unit_key': 'varchar',
    'table_name': 'varchar',
    'cluster_id': 'varchar',
    'status': 'varchar',
    'source_file': 'varchar',
    'checksum': 'varchar',
    'files': 'varchar',
    'row_count': 'bigint',
    'cost_total': 'decimal(38, 10)',
    'currency': 'varchar',
    'error': 'varchar',
    'detected_at': 'timestamp with time zone',
    '_dlt_load_id': 'varchar'
} -%}

with

source as (
    select raw_rows.* from {{ optional_source('raw_kubernetes', 'loads', raw_columns) }} as raw_rows
),

flagged as (
    select
        billing_period,
        unit_key,
        table_name,
        cluster_id,
        status,
        source_file,
        checksum,
        files,
        row_count,
        cost_total,
        currency,
        error,
        {{ to_utc_timestamp('detected_at') }} as detected_at,
        _dlt_load_id
    from source
)

select * from flagged
