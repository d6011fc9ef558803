{#-
    koku-metrics-operator (OpenShift) report rows as loaded by ingestion/kubernetes: usage only,
    no cost. Builds empty before the first load.
-#}
{%- set raw_columns = {
    'report_period_start': 'timestamp with time zone',
    'report_period_end': 'timestamp with time zone',
    'interval_start': 'timestamp with time zone',
    'interval_end': 'timestamp with time zone',
    'namespace': 'varchar',
    'pod': 'varchar',
    'persistentvolumeclaim': 'varchar',
    'persistentvolume': 'varchar',
    'storageclass': 'varchar',
    'csi_volume_handle': 'varchar',
    'persistentvolumeclaim_capacity_bytes': 'double precision',
    'persistentvolumeclaim_capacity_byte_seconds': 'double precision',
    'volume_request_storage_byte_seconds': 'double precision',
    'persistentvolumeclaim_usage_byte_seconds': 'double precision',
    'persistentvolume_labels': 'varchar',
    'persistentvolumeclaim_labels': 'varchar',
    'persistentvolume_labels_json': 'varchar',
    'persistentvolumeclaim_labels_json': 'varchar',
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
    select raw_rows.* from {{ optional_source('raw_kubernetes', 'openshift_storage_usage', raw_columns) }} as raw_rows
),

flagged as (
    select
        {{ to_utc_timestamp('report_period_start') }} as report_period_start,
        {{ to_utc_timestamp('report_period_end') }} as report_period_end,
        {{ to_utc_timestamp('interval_start') }} as interval_start,
        {{ to_utc_timestamp('interval_end') }} as interval_end,
        namespace,
        pod,
        persistentvolumeclaim,
        persistentvolume,
        storageclass,
        csi_volume_handle,
        persistentvolumeclaim_capacity_bytes,
        persistentvolumeclaim_capacity_byte_seconds,
        volume_request_storage_byte_seconds,
        persistentvolumeclaim_usage_byte_seconds,
        persistentvolume_labels,
        persistentvolumeclaim_labels,
        persistentvolume_labels_json,
        persistentvolumeclaim_labels_json,
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
