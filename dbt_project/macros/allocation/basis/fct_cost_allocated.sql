-- noqa: disable=LT02
{#
    The SQL of model fct_cost_allocated (see its doc comment), on an allocation basis:
    'as_was' (closed periods with the seeds saved at close: the model itself) or 'as_is'
    (every period with the current seeds: int_cost_allocated_as_is, read by showback only).
#}
{% macro fct_cost_allocated_sql(basis='as_was') -%}
{%- set dims = [
    'x_billing_period', 'billing_currency', 'x_provider', 'billing_account_id',
    'sub_account_id', 'service_category', 'service_name', 'charge_category', 'x_charge_kind',
] -%}

{%- set split_group_columns = dims + [
    'x_product', 'x_environment', 'resource_id', 'cast(charge_period_start as date)',
] -%}

with

kubernetes_split as (
    select * from {{ allocation_ref('int_kubernetes_bill_split', basis) }}
),

all_costs as (
    select
        *,
        {{ surrogate_key(split_group_columns) }} as x_split_group_key
    {%- if basis == 'as_is' %}
    -- fct_cost's lines of every period, allocated by the as-is decisions
    from (
        {{ allocated_cost_lines(ref('int_costs_keyed'), allocation_ref('int_allocation_decisions', basis)) }}
    ) as lines
    {%- else %}
    from {{ ref('fct_cost') }}
    {%- endif %}
),

split_groups as (
    select
        x_split_group_key,
        max(group_billed_cost) as billed_cost,
        max(group_effective_cost) as effective_cost,
        max(group_line_count) as line_count
    from kubernetes_split
    group by x_split_group_key
),

cost_groups as (
    select
        x_split_group_key,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        count(*) as line_count
    from all_costs
    where x_split_group_key in (select split_groups.x_split_group_key from split_groups)
    group by x_split_group_key
),

split_matched as (
    select split_groups.x_split_group_key
    from split_groups
    inner join cost_groups
        on
            split_groups.x_split_group_key = cost_groups.x_split_group_key
            and split_groups.billed_cost = cost_groups.billed_cost
            and split_groups.effective_cost = cost_groups.effective_cost
            and split_groups.line_count = cost_groups.line_count
),

-- every line but the Kubernetes nodes' split ones: allocated as fct_cost says
costs as (
    select * from all_costs
    where not exists (
        select 1 from split_matched
        where split_matched.x_split_group_key = all_costs.x_split_group_key
    )
),

hierarchy as (
    {{ as_was('org_hierarchy', basis) }}
),

pools as (
    select
        billing_period,
        pool_id,
        method
    from ({{ as_was('shared_cost_pools', basis) }}) as seeded
    union all
    -- charge kinds whose policy is 'proportional' form a pool of their own
    select
        billing_period,
        'policy:' || charge_kind as pool_id,
        'proportional' as method
    from ({{ as_was('charge_policy', basis) }}) as policies
    where policy = 'proportional'
),

targets as (
    {{ as_was('shared_cost_targets', basis) }}
),

kubernetes as (
    select
        {%- for dim in dims %}
            split.{{ dim }},
        {%- endfor %}
        split.team as x_team,
        lower(hierarchy.cost_center) as x_cost_center,
        lower(hierarchy.department) as x_department,
        lower(hierarchy.business_unit) as x_business_unit,
        hierarchy.legal_entity as x_legal_entity,
        split.x_product,
        split.x_environment,
        split.allocation_method as x_allocation_method,
        split.cluster_id as x_allocation_rule_id,
        split.charge_date,
        sum(split.billed_cost) as billed_cost,
        sum(split.effective_cost) as effective_cost,
        sum(split.line_count) as line_count
    from kubernetes_split as split
    inner join split_matched
        on split.x_split_group_key = split_matched.x_split_group_key
    left join hierarchy
        on
            split.x_billing_period = hierarchy.billing_period
            and split.team = lower(hierarchy.team)
            and split.x_billing_period >= hierarchy.valid_from
            and (hierarchy.valid_to is null or split.x_billing_period <= hierarchy.valid_to)
    group by
        {%- for dim in dims %}
            split.{{ dim }},
        {%- endfor %}
        split.team,
        lower(hierarchy.cost_center),
        lower(hierarchy.department),
        lower(hierarchy.business_unit),
        hierarchy.legal_entity,
        split.x_product,
        split.x_environment,
        split.allocation_method,
        split.cluster_id,
        split.charge_date
),

direct as (
    select
        {{ dims | join(', ') }},
        x_team,
        x_cost_center,
        x_department,
        x_business_unit,
        x_legal_entity,
        x_product,
        x_environment,
        x_allocation_method,
        x_allocation_rule_id,
        cast(charge_period_start as date) as charge_date,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        count(*) as line_count
    from costs
    where x_allocation_method not in ('shared_pool', 'commitment_consumers')
    group by
        {{ dims | join(', ') }},
        x_team,
        x_cost_center,
        x_department,
        x_business_unit,
        x_legal_entity,
        x_product,
        x_environment,
        x_allocation_method,
        x_allocation_rule_id,
        cast(charge_period_start as date)
),

{%- set pool_key -%}
    case
        when x_allocation_method = 'commitment_consumers'
            then coalesce('commitment:' || commitment_discount_id, x_allocation_rule_id)
        else x_allocation_rule_id
    end
{%- endset %}

-- shared pools, and unused commitments to split across their consumers (fallback_team: the
-- policy's team, for a commitment nobody used)
pool_amounts as (
    select
        {{ dims | join(', ') }},
        {{ pool_key }} as pool_id,
        x_allocation_method as split_method,
        x_team as fallback_team,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        count(*) as line_count
    from costs
    where x_allocation_method in ('shared_pool', 'commitment_consumers')
    group by {{ dims | join(', ') }}, {{ pool_key }}, x_allocation_method, x_team
),

-- each team's direct billed cost per period and currency (its Kubernetes share included): the
-- proportional weights
team_direct as (
    select
        x_billing_period,
        billing_currency,
        team,
        sum(direct_cost) as direct_cost
    from (
        select
            x_billing_period,
            billing_currency,
            x_team as team,
            billed_cost as direct_cost
        from costs
        where
            x_allocation_method not in ('shared_pool', 'commitment_consumers')
            and x_team is not null
        union all
        select
            x_billing_period,
            billing_currency,
            x_team as team,
            billed_cost as direct_cost
        from kubernetes
        where x_team is not null
    ) as direct_costs
    group by x_billing_period, billing_currency, team
),

pool_periods as (
    select distinct
        pool_amounts.x_billing_period,
        pool_amounts.billing_currency,
        pool_amounts.pool_id,
        pools.method
    from pool_amounts
    inner join pools
        on
            pool_amounts.x_billing_period = pools.billing_period
            and pool_amounts.pool_id = pools.pool_id
),

listed_targets as (
    select
        pool_periods.x_billing_period,
        pool_periods.billing_currency,
        pool_periods.pool_id,
        lower(targets.team) as team,
        case
            when pool_periods.method = 'fixed' then targets.percent
            when pool_periods.method = 'even' then 1
            else team_direct.direct_cost
        end as weight
    from pool_periods
    inner join targets
        on
            pool_periods.x_billing_period = targets.billing_period
            and pool_periods.pool_id = targets.pool_id
    left join team_direct
        on
            pool_periods.x_billing_period = team_direct.x_billing_period
            and pool_periods.billing_currency = team_direct.billing_currency
            and lower(targets.team) = team_direct.team
),

-- pools without listed targets go to every team with positive direct cost
implicit_targets as (
    select
        pool_periods.x_billing_period,
        pool_periods.billing_currency,
        pool_periods.pool_id,
        team_direct.team,
        case when pool_periods.method = 'even' then 1 else team_direct.direct_cost end as weight
    from pool_periods
    inner join team_direct
        on
            pool_periods.x_billing_period = team_direct.x_billing_period
            and pool_periods.billing_currency = team_direct.billing_currency
    where
        team_direct.direct_cost > 0
        and not exists (
            select 1 from targets
            where
                targets.billing_period = pool_periods.x_billing_period
                and targets.pool_id = pool_periods.pool_id
        )
),

-- an unused commitment's consumers: the teams whose lines used it in the period and currency,
-- weighted by their covered effective cost
consumer_targets as (
    select
        commitments.x_billing_period,
        commitments.billing_currency,
        commitments.pool_id,
        consumers.x_team as team,
        sum(consumers.effective_cost) as weight
    from (
        select distinct
            x_billing_period,
            billing_currency,
            pool_id
        from pool_amounts
        where split_method = 'commitment_consumers'
    ) as commitments
    inner join all_costs as consumers
        on
            commitments.x_billing_period = consumers.x_billing_period
            and commitments.billing_currency = consumers.billing_currency
            and commitments.pool_id = 'commitment:' || consumers.commitment_discount_id
    where
        consumers.commitment_discount_status = 'Used'
        and consumers.x_team is not null
        and consumers.x_allocation_method not in ('shared_pool', 'commitment_consumers')
    group by
        commitments.x_billing_period,
        commitments.billing_currency,
        commitments.pool_id,
        consumers.x_team
),

weights as (
    select * from listed_targets
    where weight > 0
    union all
    select * from implicit_targets
    union all
    select * from consumer_targets
    where weight > 0
),

shares as (
    select
        weights.*,
        cast(weights.weight as {{ dbt.type_float() }})
        / sum(cast(weights.weight as {{ dbt.type_float() }})) over (
            partition by weights.x_billing_period, weights.billing_currency, weights.pool_id
        ) as share
    from weights
),

{%- set measures = ['billed_cost', 'effective_cost'] %}

exact as (
    select
        {%- for dim in dims %}
            pool_amounts.{{ dim }},
        {%- endfor %}
        pool_amounts.pool_id,
        pool_amounts.split_method,
        pool_amounts.line_count,
        shares.team,
        shares.share,
        {%- for measure in measures %}
            pool_amounts.{{ measure }} as {{ measure }}_pool,
            -- whole cents of the exact share, rounded toward zero
            cast(
                trunc(cast(pool_amounts.{{ measure }} as {{ dbt.type_float() }}) * shares.share * 100)
                as {{ type_money() }}
            ) * 0.01 as {{ measure }}_floor,
            abs(
                cast(pool_amounts.{{ measure }} as {{ dbt.type_float() }}) * shares.share * 100
                - trunc(cast(pool_amounts.{{ measure }} as {{ dbt.type_float() }}) * shares.share * 100)
            ) as {{ measure }}_remainder{% if not loop.last %},{% endif %}
        {%- endfor %}
    from pool_amounts
    inner join shares
        on
            pool_amounts.x_billing_period = shares.x_billing_period
            and pool_amounts.billing_currency = shares.billing_currency
            and pool_amounts.pool_id = shares.pool_id
),

ranked as (
    select
        *,
        {%- for measure in measures %}
            {{ measure }}_pool - sum({{ measure }}_floor) over (
                partition by {{ dims | join(', ') }}, pool_id
            ) as {{ measure }}_left,
            row_number() over (
                partition by {{ dims | join(', ') }}, pool_id
                order by {{ measure }}_remainder desc, team asc
            ) as {{ measure }}_rank{% if not loop.last %},{% endif %}
        {%- endfor %}
    from exact
),

split as (
    select
        {%- for dim in dims %}
            {{ dim }},
        {%- endfor %}
        pool_id,
        split_method,
        team,
        {%- for measure in measures %}
            {{ measure }}_floor
            -- one cent each, in remainder order, while whole cents are left
            + case
                when {{ measure }}_rank <= trunc(abs({{ measure }}_left) * 100)
                    then sign({{ measure }}_left) * 0.01
                else 0
            end
            -- and the sub-cent rest to the first in line, so parts sum exactly to the pool
            + case
                when {{ measure }}_rank = 1
                    then
                        {{ measure }}_left
                        - sign({{ measure }}_left) * trunc(abs({{ measure }}_left) * 100) * 0.01
                else 0
            end as {{ measure }},
        {%- endfor %}
        line_count
    from ranked
),

unassigned_pools as (
    select pool_amounts.*
    from pool_amounts
    where not exists (
        select 1 from shares
        where
            shares.x_billing_period = pool_amounts.x_billing_period
            and shares.billing_currency = pool_amounts.billing_currency
            and shares.pool_id = pool_amounts.pool_id
    )
),

unioned as (
    select
        {{ dims | join(', ') }},
        x_team,
        x_cost_center,
        x_department,
        x_business_unit,
        x_legal_entity,
        x_product,
        x_environment,
        x_allocation_method,
        x_allocation_rule_id,
        charge_date,
        billed_cost,
        effective_cost,
        line_count
    from direct
    union all
    select
        {{ dims | join(', ') }},
        x_team,
        x_cost_center,
        x_department,
        x_business_unit,
        x_legal_entity,
        x_product,
        x_environment,
        x_allocation_method,
        x_allocation_rule_id,
        charge_date,
        billed_cost,
        effective_cost,
        line_count
    from kubernetes
    union all
    select
        {%- for dim in dims %}
            split.{{ dim }},
        {%- endfor %}
        split.team as x_team,
        lower(hierarchy.cost_center) as x_cost_center,
        lower(hierarchy.department) as x_department,
        lower(hierarchy.business_unit) as x_business_unit,
        hierarchy.legal_entity as x_legal_entity,
        cast(null as {{ type_varchar() }}) as x_product,
        cast(null as {{ type_varchar() }}) as x_environment,
        split.split_method as x_allocation_method,
        split.pool_id as x_allocation_rule_id,
        cast(null as date) as charge_date,
        split.billed_cost,
        split.effective_cost,
        -- a pool's lines are counted once, on its first target
        case when split.is_first_target then split.line_count else 0 end as line_count
    from (
        select
            *,
            row_number() over (
                partition by {{ dims | join(', ') }}, pool_id order by team
            ) = 1 as is_first_target
        from split
    ) as split
    left join hierarchy
        on
            split.x_billing_period = hierarchy.billing_period
            and split.team = lower(hierarchy.team)
            and split.x_billing_period >= hierarchy.valid_from
            and (hierarchy.valid_to is null or split.x_billing_period <= hierarchy.valid_to)
    union all
    -- a shared pool no team could take stays unallocated; an unused commitment nobody used
    -- goes to its policy's team
    select
        {%- for dim in dims %}
            unassigned.{{ dim }},
        {%- endfor %}
        unassigned.fallback_team as x_team,
        lower(hierarchy.cost_center) as x_cost_center,
        lower(hierarchy.department) as x_department,
        lower(hierarchy.business_unit) as x_business_unit,
        hierarchy.legal_entity as x_legal_entity,
        cast(null as {{ type_varchar() }}) as x_product,
        cast(null as {{ type_varchar() }}) as x_environment,
        case
            when unassigned.split_method = 'commitment_consumers' then 'commitment_unconsumed'
            else 'shared_pool_unassigned'
        end as x_allocation_method,
        unassigned.pool_id as x_allocation_rule_id,
        cast(null as date) as charge_date,
        unassigned.billed_cost,
        unassigned.effective_cost,
        unassigned.line_count
    from unassigned_pools as unassigned
    left join hierarchy
        on
            unassigned.x_billing_period = hierarchy.billing_period
            and unassigned.fallback_team = lower(hierarchy.team)
            and unassigned.x_billing_period >= hierarchy.valid_from
            and (hierarchy.valid_to is null or unassigned.x_billing_period <= hierarchy.valid_to)
),

final as (
    select
        {{ surrogate_key(dims + [
            'x_team', 'x_product', 'x_environment', 'x_allocation_method',
            'x_allocation_rule_id', 'charge_date',
        ]) }} as cost_allocated_id,
        {{ dims | join(', ') }},
        x_team,
        x_cost_center,
        x_department,
        x_business_unit,
        x_legal_entity,
        x_product,
        x_environment,
        x_allocation_method,
        x_allocation_rule_id,
        charge_date,
        x_team is not null as x_is_allocated,
        cast(billed_cost as {{ type_money() }}) as billed_cost,
        cast(effective_cost as {{ type_money() }}) as effective_cost,
        cast(line_count as {{ dbt.type_bigint() }}) as line_count
    from unioned
)

select * from final
{%- endmacro %}
