{#-
    koku-metrics-operator (OpenShift) pod usage report rows as loaded by
    ingestion/kubernetes: usage only, no cost. Builds empty before the first load. The report's
    own columns are listed here; the period, interval and lineage columns every report has are
    added by the macro (macros/sources/openshift_report.sql).
-#}
{%- set report_columns = {
    'node': 'varchar',
    'namespace': 'varchar',
    'pod': 'varchar',
    'resource_id': 'varchar',
    'node_role': 'varchar',
    'pod_usage_cpu_core_seconds': 'double precision',
    'pod_request_cpu_core_seconds': 'double precision',
    'pod_limit_cpu_core_seconds': 'double precision',
    'pod_usage_memory_byte_seconds': 'double precision',
    'pod_request_memory_byte_seconds': 'double precision',
    'pod_limit_memory_byte_seconds': 'double precision',
    'node_capacity_cpu_cores': 'double precision',
    'node_capacity_cpu_core_seconds': 'double precision',
    'node_capacity_memory_bytes': 'double precision',
    'node_capacity_memory_byte_seconds': 'double precision',
    'pod_labels': 'varchar',
    'pod_labels_json': 'varchar'
} -%}

{{ openshift_report('openshift_pod_usage', report_columns) }}
