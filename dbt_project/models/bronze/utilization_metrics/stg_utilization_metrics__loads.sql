{#- One row per replaced unit or quarantined file of every utilization load. -#}
{%- set columns = {
    'billing_period': 'date', 'unit_key': 'varchar', 'status': 'varchar',
    'source_file': 'varchar', 'checksum': 'varchar', 'row_count': 'bigint',
    'error': 'varchar', 'detected_at': 'timestamp with time zone', '_dlt_load_id': 'varchar',
} -%}

{{ loads_staging('raw_utilization_metrics', columns) }}
