{#-
    History of Azure export loads: one row per replaced unit (billing period, scope, cost view)
    or quarantined delivery, per run. Builds empty before the first load.
-#}
{%- set raw_columns = {
    'billing_period': 'date',
    'unit_key': 'varchar',
    'status': 'varchar',
    'source_file': 'varchar',
    'checksum': 'varchar',
    'row_count': 'bigint',
    'cost_total': 'decimal(38, 10)',
    'currency': 'varchar',
    'error': 'varchar',
    'detected_at': dbt.type_timestamp(),
    'scope_id': 'varchar',
    'cost_view': 'varchar',
    'export_id': 'varchar',
    'export_name': 'varchar',
    'data_version': 'varchar',
    'file_count': 'bigint',
} -%}

with

source as (
    select raw_rows.* from {{ optional_source('raw_azure_cost', 'loads', raw_columns) }} as raw_rows
)

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
    detected_at,
    scope_id,
    cost_view,
    export_id,
    export_name,
    data_version,
    file_count
from source
