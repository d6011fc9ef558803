-- noqa: disable=LT02
{#
    The SQL of model int_allocation_decisions (see its doc comment), on an allocation basis:
    'as_was' (closed periods with the seeds saved at close: the model itself) or 'as_is'
    (every period with the current seeds: int_allocation_decisions_as_is, read by showback only).
#}
{% macro int_allocation_decisions_sql(basis='as_was') -%}
with

keys as (
    select distinct
        x_billing_period as billing_period,
        x_allocation_key,
        x_provider,
        provider_name,
        billing_account_id,
        billing_account_name,
        sub_account_id,
        sub_account_name,
        service_name,
        service_category,
        region_id,
        resource_id,
        resource_name,
        resource_type,
        charge_category,
        x_charge_kind,
        publisher_name,
        x_account_path,
        x_account_team,
        x_account_product,
        x_account_environment,
        tags
    from {{ ref('int_costs_keyed') }}
),

policies as (
    {{ as_was('charge_policy', basis) }}
),

pools as (
    {{ as_was('shared_cost_pools', basis) }}
),

rules as (
    {{ as_was('allocation_rules', basis) }}
),

hierarchy as (
    {{ as_was('org_hierarchy', basis) }}
),

-- teams the organization knows in each period (effective-dated)
known_teams as (
    select distinct
        billing_period,
        lower(team) as team
    from hierarchy
    where
        valid_from <= billing_period
        and (valid_to is null or valid_to >= billing_period)
),

pool_matches as (
    select
        keys.billing_period,
        keys.x_allocation_key,
        pools.pool_id,
        row_number() over (
            partition by keys.billing_period, keys.x_allocation_key
            order by pools.priority, pools.pool_id
        ) as match_rank
    from keys
    inner join pools
        on
            keys.billing_period = pools.billing_period
            and {{ rule_matches(
                allocation_match_value('keys', 'pools.match_column'),
                'pools.match_type',
                'pools.match_value',
            ) }}
),

rule_matches as (
    select
        keys.billing_period,
        keys.x_allocation_key,
        rules.rule_id,
        lower(rules.team) as team,
        lower(rules.product) as product,
        lower(rules.environment) as environment,
        row_number() over (
            partition by keys.billing_period, keys.x_allocation_key
            order by rules.priority, rules.rule_id
        ) as match_rank
    from keys
    inner join rules
        on
            keys.billing_period = rules.billing_period
            and {{ rule_matches(
                allocation_match_value('keys', 'rules.match_column'),
                'rules.match_type',
                'rules.match_value',
            ) }}
),

candidates as (
    select
        keys.*,
        policies.policy,
        lower(policies.target_team) as policy_team,
        pool_matches.pool_id,
        rule_matches.rule_id,
        rule_teams.team as rule_team,
        rule_matches.product as rule_product,
        rule_matches.environment as rule_environment,
        tag_teams.team as tag_team,
        tag_dimensions.tag_team_was_mapped,
        tag_dimensions.tag_team as tagged_team,
        tag_dimensions.tag_cost_center,
        tag_dimensions.tag_product,
        tag_dimensions.tag_environment,
        account_teams.team as account_team
    from keys
    left join policies
        on
            keys.billing_period = policies.billing_period
            and keys.x_charge_kind = policies.charge_kind
    left join pool_matches
        on
            keys.billing_period = pool_matches.billing_period
            and keys.x_allocation_key = pool_matches.x_allocation_key
            and pool_matches.match_rank = 1
    left join rule_matches
        on
            keys.billing_period = rule_matches.billing_period
            and keys.x_allocation_key = rule_matches.x_allocation_key
            and rule_matches.match_rank = 1
    left join known_teams as rule_teams
        on
            keys.billing_period = rule_teams.billing_period
            and rule_matches.team = rule_teams.team
    left join {{ allocation_ref('int_cost_tag_dimensions', basis) }} as tag_dimensions
        on
            keys.billing_period = tag_dimensions.billing_period
            and keys.tags = tag_dimensions.tags
    left join known_teams as tag_teams
        on
            keys.billing_period = tag_teams.billing_period
            and tag_dimensions.tag_team = tag_teams.team
    left join known_teams as account_teams
        on
            keys.billing_period = account_teams.billing_period
            and keys.x_account_team = account_teams.team
),

decided as (
    select
        billing_period,
        x_allocation_key,
        case
            when policy = 'consumers' then 'commitment_consumers'
            when policy = 'central' then 'charge_policy'
            when policy = 'proportional' or pool_id is not null then 'shared_pool'
            when rule_team is not null then 'virtual_tag'
            when tag_team is not null and tag_team_was_mapped then 'tag_value_map'
            when tag_team is not null then 'tag'
            when account_team is not null then 'account_default'
            else 'unallocated'
        end as allocation_method,
        case
            when policy in ('central', 'proportional', 'consumers') then 'policy:' || x_charge_kind
            when pool_id is not null then pool_id
            when rule_team is not null then rule_id
        end as allocation_rule_id,
        case
            when policy in ('central', 'consumers') then policy_team
            when policy = 'proportional' or pool_id is not null then null
            else coalesce(rule_team, tag_team, account_team)
        end as team,
        coalesce(rule_product, tag_product, x_account_product) as product,
        coalesce(rule_environment, tag_environment, x_account_environment) as environment,
        {%- set checks = [] %}
        {%- for dimension in var('mandatory_tag_dimensions') %}
            {%- do checks.append(('tagged_team' if dimension == 'team' else 'tag_' ~ dimension) ~ ' is not null') %}
        {%- endfor %}
        {{ checks | join(' and ') if checks else 'true' }} as has_mandatory_tags
    from candidates
),

final as (
    select
        decided.billing_period,
        decided.x_allocation_key,
        decided.allocation_method,
        decided.allocation_rule_id,
        decided.team,
        lower(hierarchy.cost_center) as cost_center,
        lower(hierarchy.department) as department,
        lower(hierarchy.business_unit) as business_unit,
        hierarchy.legal_entity,
        decided.product,
        decided.environment,
        decided.has_mandatory_tags
    from decided
    left join hierarchy
        on
            decided.billing_period = hierarchy.billing_period
            and decided.team = lower(hierarchy.team)
            and decided.billing_period >= hierarchy.valid_from
            and (hierarchy.valid_to is null or decided.billing_period <= hierarchy.valid_to)
)

select * from final
{%- endmacro %}
