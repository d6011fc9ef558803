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

{{ loads_staging('raw_focus_files', raw_columns) }}
