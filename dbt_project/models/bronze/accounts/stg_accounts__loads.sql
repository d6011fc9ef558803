{#- One row per replaced snapshot or quarantined file / location of every accounts load. -#}
{%- set columns = {
    'billing_period': 'date', 'unit_key': 'varchar', 'status': 'varchar',
    'source_file': 'varchar', 'checksum': 'varchar', 'row_count': 'bigint',
    'cost_total': 'decimal(38, 10)', 'currency': 'varchar', 'error': 'varchar',
    'detected_at': 'timestamp with time zone', '_dlt_load_id': 'varchar',
} -%}

{{ loads_staging('raw_accounts', columns) }}
