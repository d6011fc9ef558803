{#-
    koku-metrics-operator (OpenShift) node labels report rows as loaded by
    ingestion/kubernetes: usage only, no cost. Builds empty before the first load. The report's
    own columns are listed here; the period, interval and lineage columns every report has are
    added by the macro (macros/sources/openshift_report.sql).
-#}
{%- set report_columns = {
    'node': 'varchar',
    'node_labels': 'varchar',
    'node_labels_json': 'varchar'
} -%}

{{ openshift_report('openshift_node_labels', report_columns) }}
