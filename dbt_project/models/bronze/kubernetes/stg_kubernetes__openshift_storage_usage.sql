{#-
    koku-metrics-operator (OpenShift) storage usage report rows as loaded by
    ingestion/kubernetes: usage only, no cost. Builds empty before the first load. The report's
    own columns are listed here; the period, interval and lineage columns every report has are
    added by the macro (macros/sources/openshift_report.sql).
-#}
{%- set report_columns = {
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
    'persistentvolumeclaim_labels_json': 'varchar'
} -%}

{{ openshift_report('openshift_storage_usage', report_columns) }}
