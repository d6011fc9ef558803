{#-
    Kubernetes allocation weights: how each cluster-day's capacity was used, per node,
    namespace, controller and pod. They split the cloud bill's node costs (the nodes are
    instances already on the bill); they are not extra dollars. One row per (usage_date,
    cluster_id, node_name, namespace, controller_kind, controller, pod) of the latest load.

    Weights follow OpenCost's allocation rule: a workload holds max(request, usage) of each
    resource (OpenCost's cpuCoreHours / ramByteHours already integrate that; where a CSV lacks
    hours they are max(request average, usage average) x window hours).
    https://opencost.io/docs/specification (Allocation)
-#}
{%- set cloud_schemes = var('kubernetes_cloud_provider_schemes', ['aws', 'azure', 'gce']) -%}
{%- set on_prem = var('on_prem_clusters', []) -%}
{%- set listed_on_prem = (
    "grouped.cluster_id in ('" ~ (on_prem | join("', '")) ~ "')" if on_prem else 'false'
) -%}

with

allocations as (
    select * from {{ ref('stg_kubernetes__allocations') }}
    where is_latest_load
),

parsed as (
    select
        *,
        extract(epoch from (window_end - window_start)) / 3600.0 as window_hours,
        case
            when provider_id like '%://%' then lower(split_part(provider_id, ':', 1))
        end as node_provider,
        coalesce(allocation_name, '') = '__idle__'
        or right(coalesce(allocation_name, ''), 9) = '/__idle__'
        or coalesce(namespace, '') = '__idle__' as is_idle,
        coalesce(namespace, '') = '__unallocated__'
        or coalesce(pod, '') = '__unallocated__' as is_unallocated
    from allocations
),

-- providerID -> the id the cloud bill uses for the node's machine:
--   aws:///us-east-1a/i-0abc                     -> i-0abc (CUR line_item_resource_id)
--   azure:///subscriptions/.../virtualMachines/v -> the VM resource id; a scale-set instance
--     (.../virtualMachineScaleSets/ss/virtualMachines/3) is billed on the scale set's id
--   gce://project/zone/name                      -> name (billing export resource.name)
identified as (
    select
        *,
        case
            when node_provider in ('aws', 'gce')
                then nullif(regexp_replace(provider_id, '^.*/', ''), '')
            when node_provider = 'azure'
                then regexp_replace(
                    regexp_replace(provider_id, '^azure://', ''),
                    '(/virtualMachineScaleSets/[^/]+)/virtualMachines/[^/]+$',
                    '\1'
                )
        end as node_provider_id,
        greatest(coalesce(cpu_core_request_average, 0), coalesce(cpu_core_usage_average, 0))
        * window_hours as cpu_hours_from_averages,
        greatest(coalesce(ram_byte_request_average, 0), coalesce(ram_byte_usage_average, 0))
        * window_hours as ram_hours_from_averages
    from parsed
),

-- a cluster-month is on-premises when configured so, or when its allocation data carries
-- node providerIDs and none names a cloud (CSV exports carry no providerID at all: such a
-- cluster counts as cloud unless configured, so its cost is never counted twice)
cluster_months as (
    select
        billing_period,
        cluster_id,
        max(case when node_provider in ('{{ cloud_schemes | join("', '") }}') then 1 else 0 end)
            as has_cloud_node,
        min(case when x_format = 'opencost_json' then 1 else 0 end) as is_all_json
    from identified
    group by billing_period, cluster_id
),

grouped as (
    select
        identified.usage_date,
        identified.billing_period,
        identified.cluster_id,
        identified.node as node_name,
        identified.node_provider,
        identified.node_provider_id,
        identified.namespace,
        identified.controller_kind,
        identified.controller,
        identified.pod,
        identified.is_idle,
        identified.is_unallocated,
        max(identified.merged_labels) as labels,
        max(identified.currency) as currency,
        min(identified.window_start) as window_start,
        max(identified.window_end) as window_end,
        sum(identified.cpu_core_request_average) as cpu_core_request_average,
        sum(identified.cpu_core_usage_average) as cpu_core_usage_average,
        sum(identified.cpu_core_hours) as cpu_core_hours,
        sum(identified.gpu_count) as gpu_count,
        sum(identified.gpu_hours) as gpu_hours,
        sum(identified.ram_byte_request_average) as ram_byte_request_average,
        sum(identified.ram_byte_usage_average) as ram_byte_usage_average,
        sum(identified.ram_byte_hours) as ram_byte_hours,
        sum(identified.pv_bytes) as pv_bytes,
        sum(identified.pv_byte_hours) as pv_byte_hours,
        sum(identified.network_transfer_bytes) as network_transfer_bytes,
        sum(identified.network_receive_bytes) as network_receive_bytes,
        -- per-resource costs include OpenCost's adjustments (its *TotalCost methods), as the
        -- CSV exports write them
        sum(identified.cpu_cost + coalesce(identified.cpu_cost_adjustment, 0)) as cpu_cost,
        sum(identified.gpu_cost + coalesce(identified.gpu_cost_adjustment, 0)) as gpu_cost,
        sum(identified.ram_cost + coalesce(identified.ram_cost_adjustment, 0)) as ram_cost,
        sum(identified.pv_cost + coalesce(identified.pv_cost_adjustment, 0)) as pv_cost,
        sum(identified.network_cost + coalesce(identified.network_cost_adjustment, 0))
            as network_cost,
        sum(
            identified.load_balancer_cost
            + coalesce(identified.load_balancer_cost_adjustment, 0)
        ) as load_balancer_cost,
        sum(identified.shared_cost) as shared_cost,
        sum(identified.external_cost) as external_cost,
        sum(identified.total_cost) as total_cost,
        sum(coalesce(identified.cpu_core_hours, identified.cpu_hours_from_averages))
            as x_weight_cpu,
        sum(coalesce(identified.ram_byte_hours, identified.ram_hours_from_averages))
            as x_weight_ram,
        sum(
            coalesce(
                identified.gpu_hours,
                coalesce(identified.gpu_count, 0) * identified.window_hours
            )
        ) as x_weight_gpu,
        sum(
            coalesce(
                identified.pv_byte_hours,
                coalesce(identified.pv_bytes, 0) * identified.window_hours
            )
        ) as x_weight_pv,
        sum(coalesce(identified.network_transfer_bytes, 0)) as x_weight_network,
        count(*) as x_allocation_count,
        min(identified.x_export_id) as x_export_id,
        min(identified.x_source_file) as x_source_file,
        min(identified.x_source_row) as x_source_row
    from identified
    group by
        identified.usage_date,
        identified.billing_period,
        identified.cluster_id,
        identified.node,
        identified.node_provider,
        identified.node_provider_id,
        identified.namespace,
        identified.controller_kind,
        identified.controller,
        identified.pod,
        identified.is_idle,
        identified.is_unallocated
),

final as (
    select
        grouped.usage_date,
        grouped.billing_period,
        grouped.cluster_id,
        grouped.node_name,
        grouped.node_provider,
        grouped.node_provider_id,
        grouped.namespace,
        grouped.controller_kind,
        grouped.controller,
        grouped.pod,
        cast(grouped.labels as {{ type_varchar() }}) as labels,
        cast(
            {{ first_tag_value('grouped.labels', var('owner_tag_keys')) }}
            as {{ type_varchar() }}
        ) as x_team,
        grouped.is_idle,
        grouped.is_unallocated,
        (
            (cluster_months.has_cloud_node = 0 and cluster_months.is_all_json = 1)
            or {{ listed_on_prem }}
        ) as is_on_prem,
        grouped.currency,
        grouped.window_start,
        grouped.window_end,
        grouped.cpu_core_request_average,
        grouped.cpu_core_usage_average,
        grouped.cpu_core_hours,
        grouped.gpu_count,
        grouped.gpu_hours,
        grouped.ram_byte_request_average,
        grouped.ram_byte_usage_average,
        grouped.ram_byte_hours,
        grouped.pv_bytes,
        grouped.pv_byte_hours,
        grouped.network_transfer_bytes,
        grouped.network_receive_bytes,
        cast(grouped.cpu_cost as {{ type_money() }}) as cpu_cost,
        cast(grouped.gpu_cost as {{ type_money() }}) as gpu_cost,
        cast(grouped.ram_cost as {{ type_money() }}) as ram_cost,
        cast(grouped.pv_cost as {{ type_money() }}) as pv_cost,
        cast(grouped.network_cost as {{ type_money() }}) as network_cost,
        cast(grouped.load_balancer_cost as {{ type_money() }}) as load_balancer_cost,
        cast(grouped.shared_cost as {{ type_money() }}) as shared_cost,
        cast(grouped.external_cost as {{ type_money() }}) as external_cost,
        cast(grouped.total_cost as {{ type_money() }}) as total_cost,
        cast(grouped.x_weight_cpu as {{ type_quantity() }}) as x_weight_cpu,
        cast(grouped.x_weight_ram as {{ type_quantity() }}) as x_weight_ram,
        cast(grouped.x_weight_gpu as {{ type_quantity() }}) as x_weight_gpu,
        cast(grouped.x_weight_pv as {{ type_quantity() }}) as x_weight_pv,
        cast(grouped.x_weight_network as {{ type_quantity() }}) as x_weight_network,
        grouped.x_allocation_count,
        cast({{ surrogate_key([
            'grouped.usage_date',
            'grouped.cluster_id',
            'grouped.node_name',
            'grouped.namespace',
            'grouped.controller_kind',
            'grouped.controller',
            'grouped.pod',
            'grouped.is_idle',
        ]) }} as {{ type_varchar() }}) as x_weight_key,
        grouped.x_export_id,
        grouped.x_source_file,
        grouped.x_source_row
    from grouped
    inner join cluster_months
        on
            grouped.billing_period = cluster_months.billing_period
            and grouped.cluster_id = cluster_months.cluster_id
)

select * from final
