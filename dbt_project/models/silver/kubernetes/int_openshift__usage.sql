{#-
    OpenShift usage from koku-metrics-operator reports: usage only, no cost. One row per
    (usage_date, cluster_id, usage_kind, node, namespace, pod, persistentvolumeclaim):
    usage_kind 'pod' carries CPU and memory (core-hours, GiB-hours), 'storage' carries PVC
    capacity, request and usage (GiB-hours). Seconds-based metrics are summed over the day's
    intervals and divided by 3600 (and 2^30 for bytes).
    Fields: https://github.com/project-koku/koku-metrics-operator (docs/report-fields-description.md)
-#}
{%- set gib_hours = '(3600.0 * 1073741824.0)' -%}

with

pods as (
    select * from {{ ref('stg_kubernetes__openshift_pod_usage') }}
    where is_latest_load
),

storage as (
    select * from {{ ref('stg_kubernetes__openshift_storage_usage') }}
    where is_latest_load
),

pod_days as (
    select
        cast(interval_start as date) as usage_date,
        billing_period,
        cluster_id,
        'pod' as usage_kind,
        node,
        namespace,
        pod,
        cast(null as {{ type_varchar() }}) as persistentvolumeclaim,
        cast(null as {{ type_varchar() }}) as persistentvolume,
        cast(null as {{ type_varchar() }}) as storageclass,
        max(pod_labels_json) as labels,
        sum(pod_usage_cpu_core_seconds) / 3600.0 as cpu_core_usage_hours,
        sum(pod_request_cpu_core_seconds) / 3600.0 as cpu_core_request_hours,
        sum(pod_limit_cpu_core_seconds) / 3600.0 as cpu_core_limit_hours,
        sum(pod_usage_memory_byte_seconds) / {{ gib_hours }} as memory_gib_usage_hours,
        sum(pod_request_memory_byte_seconds) / {{ gib_hours }} as memory_gib_request_hours,
        sum(pod_limit_memory_byte_seconds) / {{ gib_hours }} as memory_gib_limit_hours,
        max(node_capacity_cpu_cores) as node_capacity_cpu_cores,
        max(node_capacity_memory_bytes) / 1073741824.0 as node_capacity_memory_gib,
        cast(null as double precision) as pvc_capacity_gib_hours,
        cast(null as double precision) as pvc_request_gib_hours,
        cast(null as double precision) as pvc_usage_gib_hours,
        count(*) as interval_count,
        min(x_source_file) as x_source_file
    from pods
    group by 1, 2, 3, 4, 5, 6, 7
),

storage_days as (
    select
        cast(interval_start as date) as usage_date,
        billing_period,
        cluster_id,
        'storage' as usage_kind,
        cast(null as {{ type_varchar() }}) as node,
        namespace,
        pod,
        persistentvolumeclaim,
        persistentvolume,
        storageclass,
        max(persistentvolumeclaim_labels_json) as labels,
        cast(null as double precision) as cpu_core_usage_hours,
        cast(null as double precision) as cpu_core_request_hours,
        cast(null as double precision) as cpu_core_limit_hours,
        cast(null as double precision) as memory_gib_usage_hours,
        cast(null as double precision) as memory_gib_request_hours,
        cast(null as double precision) as memory_gib_limit_hours,
        cast(null as double precision) as node_capacity_cpu_cores,
        cast(null as double precision) as node_capacity_memory_gib,
        sum(persistentvolumeclaim_capacity_byte_seconds) / {{ gib_hours }}
            as pvc_capacity_gib_hours,
        sum(volume_request_storage_byte_seconds) / {{ gib_hours }} as pvc_request_gib_hours,
        sum(persistentvolumeclaim_usage_byte_seconds) / {{ gib_hours }} as pvc_usage_gib_hours,
        count(*) as interval_count,
        min(x_source_file) as x_source_file
    from storage
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
),

unioned as (
    select * from pod_days
    union all
    select * from storage_days
),

final as (
    select
        usage_date,
        billing_period,
        cast(cluster_id as {{ type_varchar() }}) as cluster_id,
        cast(usage_kind as {{ type_varchar() }}) as usage_kind,
        cast(node as {{ type_varchar() }}) as node,
        cast(namespace as {{ type_varchar() }}) as namespace,
        cast(pod as {{ type_varchar() }}) as pod,
        cast(persistentvolumeclaim as {{ type_varchar() }}) as persistentvolumeclaim,
        cast(persistentvolume as {{ type_varchar() }}) as persistentvolume,
        cast(storageclass as {{ type_varchar() }}) as storageclass,
        cast(labels as {{ type_varchar() }}) as labels,
        cast(
            {{ first_tag_value('labels', var('owner_tag_keys')) }}
            as {{ type_varchar() }}
        ) as x_team,
        cast(cpu_core_usage_hours as {{ type_quantity() }}) as cpu_core_usage_hours,
        cast(cpu_core_request_hours as {{ type_quantity() }}) as cpu_core_request_hours,
        cast(cpu_core_limit_hours as {{ type_quantity() }}) as cpu_core_limit_hours,
        cast(memory_gib_usage_hours as {{ type_quantity() }}) as memory_gib_usage_hours,
        cast(memory_gib_request_hours as {{ type_quantity() }}) as memory_gib_request_hours,
        cast(memory_gib_limit_hours as {{ type_quantity() }}) as memory_gib_limit_hours,
        cast(node_capacity_cpu_cores as {{ type_quantity() }}) as node_capacity_cpu_cores,
        cast(node_capacity_memory_gib as {{ type_quantity() }}) as node_capacity_memory_gib,
        cast(pvc_capacity_gib_hours as {{ type_quantity() }}) as pvc_capacity_gib_hours,
        cast(pvc_request_gib_hours as {{ type_quantity() }}) as pvc_request_gib_hours,
        cast(pvc_usage_gib_hours as {{ type_quantity() }}) as pvc_usage_gib_hours,
        interval_count,
        cast({{ surrogate_key([
            'usage_date', 'cluster_id', 'usage_kind', 'node', 'namespace', 'pod',
            'persistentvolumeclaim', 'persistentvolume', 'storageclass',
        ]) }} as {{ type_varchar() }}) as x_usage_key,
        cast(x_source_file as {{ type_varchar() }}) as x_source_file
    from unioned
)

select * from final
