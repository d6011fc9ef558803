{#-
    koku-metrics-operator (OpenShift) report rows as loaded by ingestion/kubernetes: usage only,
    no cost. Builds empty before the first load.
-#}
{%- set raw_columns = {
    'report_period_start': 'timestamp with time zone',
    'report_period_end': 'timestamp with time zone',
    'interval_start': 'timestamp with time zone',
    'interval_end': 'timestamp with time zone',
    'node': 'varchar',
    'node_labels': 'varchar',
    'node_labels_json': 'varchar',
    'cluster_id': 'varchar',
    'billing_period': 'date',
    'x_manifest_id': 'varchar',
    'x_export_id': 'varchar',
    'x_source_file': 'varchar',
    'x_source_row': 'bigint',
    'x_extra': 'varchar',
    '_dlt_load_id': 'varchar'
} -%}

with

source as (
    select raw_rows.* from {{ optional_source('raw_kubernetes', 'openshift_node_labels', raw_columns) }} as raw_rows
),

flagged as (
    select
        {{ to_utc_timestamp('report_period_start') }} as report_period_start,
        {{ to_utc_timestamp('report_period_end') }} as report_period_end,
        {{ to_utc_timestamp('interval_start') }} as interval_start,
        {{ to_utc_timestamp('interval_end') }} as interval_end,
        node,
        node_labels,
        node_labels_json,
        cluster_id,
        billing_period,
        x_manifest_id,
        x_export_id,
        x_source_file,
        x_source_row,
        x_extra,
        _dlt_load_id,
        -- restatement guard: ingestion replaces a (billing period, cluster) as a whole, so every
        -- row of a unit should carry the newest load id; a leftover row of an older load is
        -- flagged instead of being counted twice (load ids are epoch seconds as text)
        coalesce(
            _dlt_load_id = max(_dlt_load_id) over (partition by billing_period, cluster_id),
            false
        ) as is_latest_load
    from source
)

select * from flagged
