{#-
    On-premises Kubernetes clusters as FOCUS cost rows: clusters with no cloud bill, whose
    OpenCost allocation costs are the only record of what they cost. Cloud clusters produce no
    rows here (their nodes are instances on the cloud bill; allocations only split them).
    One row per allocation weight row (day, node, namespace, controller, pod) of an on-prem
    cluster: BilledCost = EffectiveCost = OpenCost's totalCost. These are OpenCost's
    list-price model costs (custom pricing), not an invoice; charge_description says so.
    The mapping of every column is documented in _kubernetes__models.yml.
-#}

with

weights as (
    select * from {{ ref('int_kubernetes__allocation_weights') }}
    where is_on_prem
),

final as (
    select
        cast(null as {{ type_varchar() }}) as availability_zone,
        cast(weights.total_cost as {{ type_money() }}) as billed_cost,
        cast(weights.cluster_id as {{ type_varchar() }}) as billing_account_id,
        cast(weights.cluster_id as {{ type_varchar() }}) as billing_account_name,
        cast(weights.currency as {{ type_varchar() }}) as billing_currency,
        cast(
            {{ dbt.dateadd('month', 1, 'cast(weights.billing_period as ' ~ dbt.type_timestamp() ~ ')') }}
            as {{ dbt.type_timestamp() }}
        ) as billing_period_end,
        cast(weights.billing_period as {{ dbt.type_timestamp() }}) as billing_period_start,
        cast('Usage' as {{ type_varchar() }}) as charge_category,
        cast(null as {{ type_varchar() }}) as charge_class,
        cast(
            'On-premises Kubernetes cost (OpenCost list-price model, not an invoice): '
            || case
                when weights.is_idle then 'idle capacity of node ' || coalesce(weights.node_name, '')
                else coalesce(weights.namespace, '') || '/' || coalesce(weights.pod, '')
            end
            as {{ type_varchar() }}
        ) as charge_description,
        cast('Usage-Based' as {{ type_varchar() }}) as charge_frequency,
        cast(weights.window_end as {{ dbt.type_timestamp() }}) as charge_period_end,
        cast(weights.window_start as {{ dbt.type_timestamp() }}) as charge_period_start,
        cast(null as {{ type_varchar() }}) as commitment_discount_category,
        cast(null as {{ type_varchar() }}) as commitment_discount_id,
        cast(null as {{ type_varchar() }}) as commitment_discount_name,
        cast(null as {{ type_varchar() }}) as commitment_discount_status,
        cast(null as {{ type_varchar() }}) as commitment_discount_type,
        cast(weights.x_weight_cpu as {{ type_quantity() }}) as consumed_quantity,
        cast('CPU core-hours' as {{ type_varchar() }}) as consumed_unit,
        cast(weights.total_cost as {{ type_money() }}) as contracted_cost,
        cast(null as {{ type_unit_price() }}) as contracted_unit_price,
        cast(weights.total_cost as {{ type_money() }}) as effective_cost,
        cast('On-premises' as {{ type_varchar() }}) as host_provider_name,
        cast(null as {{ type_varchar() }}) as invoice_id,
        cast('Internal (on-premises)' as {{ type_varchar() }}) as invoice_issuer_name,
        cast(weights.total_cost as {{ type_money() }}) as list_cost,
        cast(null as {{ type_unit_price() }}) as list_unit_price,
        cast('Standard' as {{ type_varchar() }}) as pricing_category,
        cast(null as {{ type_quantity() }}) as pricing_quantity,
        cast(null as {{ type_varchar() }}) as pricing_unit,
        cast('Kubernetes (on-premises)' as {{ type_varchar() }}) as provider_name,
        cast('Kubernetes (on-premises)' as {{ type_varchar() }}) as publisher_name,
        cast(null as {{ type_varchar() }}) as region_id,
        cast(null as {{ type_varchar() }}) as region_name,
        cast(
            weights.cluster_id || '/' || coalesce(weights.node_name, '') || '/'
            || coalesce(weights.namespace, '') || '/' || coalesce(weights.pod, '')
            as {{ type_varchar() }}
        ) as resource_id,
        cast(coalesce(weights.pod, weights.node_name) as {{ type_varchar() }}) as resource_name,
        cast(
            case when weights.is_idle then 'Kubernetes Node (idle)' else 'Kubernetes Pod' end
            as {{ type_varchar() }}
        ) as resource_type,
        cast('Compute' as {{ type_varchar() }}) as service_category,
        cast('Kubernetes' as {{ type_varchar() }}) as service_name,
        cast('Kubernetes (on-premises)' as {{ type_varchar() }}) as service_provider_name,
        cast(null as {{ type_varchar() }}) as sku_id,
        cast(null as {{ type_varchar() }}) as sku_price_id,
        cast(weights.namespace as {{ type_varchar() }}) as sub_account_id,
        cast(weights.namespace as {{ type_varchar() }}) as sub_account_name,
        cast(nullif(weights.labels, '{}') as {{ type_varchar() }}) as tags,
        cast('kubernetes' as {{ type_varchar() }}) as x_provider,
        cast({{ surrogate_key([
            "'kubernetes'",
            'weights.cluster_id',
            'weights.billing_period',
            'weights.x_weight_key',
        ]) }} as {{ type_varchar() }}) as x_cost_line_id,
        cast(weights.billing_period as date) as x_billing_period,
        cast(
            case when weights.is_idle then 'Idle' else 'Allocation' end as {{ type_varchar() }}
        ) as x_line_item_type,
        cast(null as {{ type_varchar() }}) as x_usage_type,
        cast(null as {{ type_varchar() }}) as x_operation,
        cast('Kubernetes' as {{ type_varchar() }}) as x_product_code,
        cast(weights.x_team as {{ type_varchar() }}) as x_team,
        weights.x_team is not null as x_has_owner_tag,
        cast(weights.x_export_id as {{ type_varchar() }}) as x_export_id,
        cast(weights.x_source_file as {{ type_varchar() }}) as x_source_file,
        cast(weights.x_source_row as {{ dbt.type_bigint() }}) as x_source_row
    from weights
)

select * from final
