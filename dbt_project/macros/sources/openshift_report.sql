-- noqa: disable=LT02
{#
    Bronze staging of one koku-metrics-operator (OpenShift) report table: the reporting period
    and interval as UTC timestamps, the report's own columns as loaded, the lineage columns,
    and is_latest_load (the restatement guard). `report_columns` maps the report's own column
    names to their types (optional_source builds the model empty before the first load).
#}
{% macro openshift_report(table, report_columns) -%}
{%- set timestamps = ['report_period_start', 'report_period_end', 'interval_start', 'interval_end'] -%}
{%- set lineage = {
    'cluster_id': 'varchar',
    'billing_period': 'date',
    'x_manifest_id': 'varchar',
    'x_export_id': 'varchar',
    'x_source_file': 'varchar',
    'x_source_row': 'bigint',
    'x_extra': 'varchar',
    '_dlt_load_id': 'varchar'
} -%}
{%- set raw_columns = {} -%}
{%- for column in timestamps %}{% do raw_columns.update({column: 'timestamp with time zone'}) %}{% endfor -%}
{%- do raw_columns.update(report_columns) -%}
{%- do raw_columns.update(lineage) -%}

with

source as (
    select raw_rows.* from {{ optional_source('raw_kubernetes', table, raw_columns) }} as raw_rows
),

flagged as (
    select
        {%- for column in timestamps %}
            {{ to_utc_timestamp(column) }} as {{ column }},
        {%- endfor %}
        {%- for column in report_columns %}
            {{ column }},
        {%- endfor %}
        {%- for column in lineage %}
            {{ column }},
        {%- endfor %}
        -- restatement guard (macros/sources/is_latest_load.sql)
        {{ is_latest_load(['cluster_id']) }} as is_latest_load
    from source
)

select * from flagged
{%- endmacro %}
