-- noqa: disable=LT02
{#
    The SQL of model int_kubernetes_bill_split (see its doc comment), on an allocation basis:
    'as_was' (closed periods with the seeds saved at close: the model itself) or 'as_is'
    (every period with the current seeds: int_kubernetes_bill_split_as_is, read by showback only).
#}
{% macro int_kubernetes_bill_split_sql(basis='as_was') -%}
{%- set idle_policy = var('kubernetes_idle_policy', 'keep') | string | trim | lower -%}
{#- a value other than keep / even / proportional fails the build (policy_check below) -#}
{%- set policy_literal = "'" ~ (idle_policy | replace("'", "")) ~ "'" -%}
{%- set group_columns = [
    'x_billing_period', 'billing_currency', 'x_provider', 'billing_account_id',
    'sub_account_id', 'service_category', 'service_name', 'charge_category', 'x_charge_kind',
    'x_product', 'x_environment', 'resource_id', 'charge_date',
] -%}
{%- set measures = ['billed_cost', 'effective_cost'] -%}

with

weights as (
    select * from {{ ref('int_kubernetes__allocation_weights') }}
    where not is_on_prem and node_provider_id is not null
),

hierarchy as (
    {{ as_was('org_hierarchy', basis) }}
),

value_map as (
    {{ as_was('tag_value_map', basis) }}
),

namespace_teams as (
    {{ as_was('kubernetes_namespaces', basis) }}
),

known_teams as (
    select distinct
        billing_period,
        lower(team) as team
    from hierarchy
    where
        valid_from <= billing_period
        and (valid_to is null or valid_to >= billing_period)
),

-- a machine belongs to one cluster a day (the first by id, should two claim it)
node_days as (
    select
        usage_date,
        lower(node_provider_id) as node_key,
        min(cluster_id) as cluster_id
    from weights
    group by usage_date, lower(node_provider_id)
),

allocation_rows as (
    select
        weights.usage_date,
        weights.billing_period,
        weights.cluster_id,
        node_days.node_key,
        coalesce(weights.namespace, '__unallocated__') as namespace,
        weights.is_idle,
        weights.x_team as label_team,
        greatest(coalesce(weights.cpu_cost, 0), 0)
        + greatest(coalesce(weights.ram_cost, 0), 0)
        + greatest(coalesce(weights.gpu_cost, 0), 0)
        + greatest(coalesce(weights.network_cost, 0), 0) as cost_weight,
        greatest(coalesce(weights.x_weight_cpu, 0), 0) as cpu_weight
    from weights
    inner join node_days
        on
            weights.usage_date = node_days.usage_date
            and lower(weights.node_provider_id) = node_days.node_key
            and weights.cluster_id = node_days.cluster_id
),

node_bases as (
    select
        usage_date,
        node_key,
        sum(cost_weight) as cost_total,
        sum(cpu_weight) as cpu_total
    from allocation_rows
    group by usage_date, node_key
),

resolved as (
    select
        allocation_rows.usage_date,
        allocation_rows.billing_period,
        allocation_rows.cluster_id,
        allocation_rows.node_key,
        case when allocation_rows.is_idle then '__idle__' else allocation_rows.namespace end
            as namespace,
        allocation_rows.is_idle,
        case
            when not allocation_rows.is_idle then coalesce(label_teams.team, seed_teams.team)
        end as team,
        case
            when node_bases.cost_total > 0 then allocation_rows.cost_weight
            else allocation_rows.cpu_weight
        end as weight
    from allocation_rows
    inner join node_bases
        on
            allocation_rows.usage_date = node_bases.usage_date
            and allocation_rows.node_key = node_bases.node_key
    left join value_map
        on
            allocation_rows.billing_period = value_map.billing_period
            and value_map.dimension = 'team'
            and allocation_rows.label_team = lower(trim(value_map.tag_value))
    left join known_teams as label_teams
        on
            allocation_rows.billing_period = label_teams.billing_period
            and coalesce(lower(trim(value_map.canonical_value)), allocation_rows.label_team)
            = label_teams.team
    left join namespace_teams
        on
            allocation_rows.billing_period = namespace_teams.billing_period
            and allocation_rows.cluster_id = namespace_teams.cluster
            and allocation_rows.namespace = namespace_teams.namespace
    left join known_teams as seed_teams
        on
            allocation_rows.billing_period = seed_teams.billing_period
            and lower(trim(namespace_teams.team)) = seed_teams.team
    where node_bases.cost_total > 0 or node_bases.cpu_total > 0
),

-- one row per node-day, namespace and team (pods of a namespace may name different teams)
recipients as (
    select
        usage_date,
        billing_period,
        cluster_id,
        node_key,
        namespace,
        is_idle,
        team,
        sum(weight) as weight
    from resolved
    group by usage_date, billing_period, cluster_id, node_key, namespace, is_idle, team
),

-- the node-day's idle share of its weight: what its bill lines spend on idle capacity,
-- whatever the policy does with that cost (rpt_kpi_monthly's kubernetes idle spend)
node_idle as (
    select
        usage_date,
        node_key,
        sum(case when is_idle then weight else 0 end) / sum(weight) as idle_share
    from recipients
    group by usage_date, node_key
    having sum(weight) > 0
),

-- the policy as data, so one query serves all three; an unknown value stops the build with
-- its name in the error (the cast fails)
policy_check as (
    select
        {{ policy_literal if idle_policy in ('keep', 'even', 'proportional') else
            "cast(cast('var kubernetes_idle_policy must be keep, even or proportional, not "
            ~ policy_literal | replace("'", '') ~ "' as integer) as varchar)" }} as idle_policy
),

cluster_namespaces as (
    select
        usage_date,
        cluster_id,
        namespace,
        team,
        sum(weight) as weight
    from recipients
    where not is_idle
    group by usage_date, cluster_id, namespace, team
),

cluster_totals as (
    select
        usage_date,
        cluster_id,
        count(*) as recipient_count,
        sum(weight) as weight
    from cluster_namespaces
    group by usage_date, cluster_id
),

-- each node's idle weight handed to the cluster's namespaces of the day (even / proportional)
idle_shares as (
    select
        idle.usage_date,
        idle.billing_period,
        idle.cluster_id,
        idle.node_key,
        cluster_namespaces.namespace,
        false as is_idle,
        cluster_namespaces.team,
        case
            when policy_check.idle_policy = 'proportional' and cluster_totals.weight > 0
                then idle.weight * cluster_namespaces.weight / cluster_totals.weight
            else idle.weight / cluster_totals.recipient_count
        end as weight
    from recipients as idle
    cross join policy_check
    inner join cluster_totals
        on
            idle.usage_date = cluster_totals.usage_date
            and idle.cluster_id = cluster_totals.cluster_id
    inner join cluster_namespaces
        on
            idle.usage_date = cluster_namespaces.usage_date
            and idle.cluster_id = cluster_namespaces.cluster_id
    where idle.is_idle and policy_check.idle_policy != 'keep'
),

-- idle stays its own recipient under keep, and when the cluster-day has no namespace to take it
kept_idle as (
    select recipients.*
    from recipients
    cross join policy_check
    where
        recipients.is_idle
        and (
            policy_check.idle_policy = 'keep'
            or not exists (
                select 1 from cluster_totals
                where
                    cluster_totals.usage_date = recipients.usage_date
                    and cluster_totals.cluster_id = recipients.cluster_id
            )
        )
),

shared as (
    select
        usage_date,
        billing_period,
        cluster_id,
        node_key,
        namespace,
        is_idle,
        team,
        sum(weight) as weight
    from (
        select * from recipients
        where not is_idle
        union all
        select * from idle_shares
        union all
        select * from kept_idle
    ) as pooled
    group by usage_date, billing_period, cluster_id, node_key, namespace, is_idle, team
),

shares as (
    select
        *,
        cast(weight as {{ dbt.type_float() }})
        / sum(cast(weight as {{ dbt.type_float() }})) over (
            partition by usage_date, node_key
        ) as share
    from shared
    where weight > 0
),

lines as (
    select
        keyed.x_billing_period,
        keyed.billing_currency,
        keyed.x_provider,
        keyed.billing_account_id,
        keyed.sub_account_id,
        keyed.service_category,
        keyed.service_name,
        keyed.charge_category,
        keyed.x_charge_kind,
        decisions.product as x_product,
        decisions.environment as x_environment,
        keyed.resource_id,
        cast(keyed.charge_period_start as date) as charge_date,
        node_days.node_key,
        node_days.cluster_id,
        keyed.billed_cost,
        keyed.effective_cost
    from {{ ref('int_costs_keyed') }} as keyed
    inner join node_days
        on
            lower(keyed.resource_id) = node_days.node_key
            and cast(keyed.charge_period_start as date) = node_days.usage_date
    inner join {{ allocation_ref('int_allocation_decisions', basis) }} as decisions
        on
            keyed.x_billing_period = decisions.billing_period
            and keyed.x_allocation_key = decisions.x_allocation_key
    -- on-prem clusters' own rows are OpenCost's costs, never a cloud bill line
    where keyed.x_provider != 'kubernetes'
),

bill_groups as (
    select
        {{ group_columns | join(', ') }},
        node_key,
        cluster_id,
        {{ surrogate_key(group_columns) }} as x_split_group_key,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        count(*) as line_count
    from lines
    group by {{ group_columns | join(', ') }}, node_key, cluster_id
),

exact as (
    select
        bill_groups.*,
        shares.namespace,
        shares.is_idle,
        shares.team,
        shares.share,
        node_idle.idle_share as node_idle_share,
        {%- for measure in measures %}
            -- the exact share in cents, through decimal so float noise (299.99999999999994)
            -- does not cost a cent
            cast(
                cast(bill_groups.{{ measure }} as {{ dbt.type_float() }}) * shares.share * 100
                as {{ type_money() }}
            ) as {{ measure }}_cents{% if not loop.last %},{% endif %}
        {%- endfor %}
    from bill_groups
    inner join shares
        on
            bill_groups.charge_date = shares.usage_date
            and bill_groups.node_key = shares.node_key
    inner join node_idle
        on
            bill_groups.charge_date = node_idle.usage_date
            and bill_groups.node_key = node_idle.node_key
),

floored as (
    select
        *,
        {%- for measure in measures %}
            trunc({{ measure }}_cents) * 0.01 as {{ measure }}_floor,
            abs({{ measure }}_cents - trunc({{ measure }}_cents)) as {{ measure }}_remainder
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from exact
),

ranked as (
    select
        *,
        {%- for measure in measures %}
            {{ measure }} - sum({{ measure }}_floor) over (
                partition by x_split_group_key
            ) as {{ measure }}_left,
            row_number() over (
                partition by x_split_group_key
                order by {{ measure }}_remainder desc, namespace asc, team asc
            ) as {{ measure }}_rank,
        {%- endfor %}
        row_number() over (
            partition by x_split_group_key order by is_idle, namespace, team
        ) as recipient_rank
    from floored
),

final as (
    select
        x_split_group_key,
        {%- for column in group_columns %}
            {{ column }},
        {%- endfor %}
        cluster_id,
        namespace,
        cast(team as {{ type_varchar() }}) as team,
        is_idle,
        cast(case when is_idle then 'kubernetes_idle' else 'kubernetes' end as {{ type_varchar() }})
            as allocation_method,
        cast(share as {{ dbt.type_float() }}) as share,
        cast(node_idle_share as {{ dbt.type_float() }}) as node_idle_share,
        {%- for measure in measures %}
            cast(
                {{ measure }}_floor
                -- one cent each, in remainder order, while whole cents are left
                + case
                    when {{ measure }}_rank <= trunc(abs({{ measure }}_left) * 100)
                        then sign({{ measure }}_left) * 0.01
                    else 0
                end
                -- and the sub-cent rest to the first in line, so parts sum exactly to the group
                + case
                    when {{ measure }}_rank = 1
                        then
                            {{ measure }}_left
                            - sign({{ measure }}_left) * trunc(abs({{ measure }}_left) * 100) * 0.01
                    else 0
                end
                as {{ type_money() }}
            ) as {{ measure }},
            cast({{ measure }} as {{ type_money() }}) as group_{{ measure }},
        {%- endfor %}
        cast(case when recipient_rank = 1 then line_count else 0 end as {{ dbt.type_bigint() }})
            as line_count,
        cast(line_count as {{ dbt.type_bigint() }}) as group_line_count
    from ranked
)

select * from final
{%- endmacro %}
