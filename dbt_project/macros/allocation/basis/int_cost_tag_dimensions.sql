-- noqa: disable=LT02
{#
    The SQL of model int_cost_tag_dimensions (see its doc comment), on an allocation basis:
    'as_was' (closed periods with the seeds saved at close: the model itself) or 'as_is'
    (every period with the current seeds: int_cost_tag_dimensions_as_is, read by showback only).
#}
{% macro int_cost_tag_dimensions_sql(basis='as_was') -%}
with

tag_sets as (
    select distinct
        x_billing_period as billing_period,
        tags
    from {{ ref('int_costs_unioned') }}
    where tags is not null
),

key_map as (
    {{ as_was('tag_key_map', basis) }}
),

value_map as (
    {{ as_was('tag_value_map', basis) }}
),

found as (
    select
        tag_sets.billing_period,
        tag_sets.tags,
        key_map.dimension,
        key_map.priority,
        lower(trim({{ json_get_text_by('tag_sets.tags', 'key_map.tag_key') }})) as tag_value
    from tag_sets
    inner join key_map on tag_sets.billing_period = key_map.billing_period
),

ranked as (
    select
        *,
        row_number() over (
            partition by billing_period, tags, dimension order by priority
        ) as rank_in_dimension
    from found
    where tag_value is not null and tag_value != ''
),

mapped as (
    select
        ranked.billing_period,
        ranked.tags,
        ranked.dimension,
        coalesce(lower(value_map.canonical_value), ranked.tag_value) as dimension_value,
        value_map.canonical_value is not null as was_mapped
    from ranked
    left join value_map
        on
            ranked.billing_period = value_map.billing_period
            and ranked.dimension = value_map.dimension
            and ranked.tag_value = lower(trim(value_map.tag_value))
    where ranked.rank_in_dimension = 1
),

final as (
    select
        billing_period,
        tags,
        max(case when dimension = 'team' then dimension_value end) as tag_team,
        max(case when dimension = 'team' and was_mapped then 1 else 0 end) = 1
            as tag_team_was_mapped,
        max(case when dimension = 'cost_center' then dimension_value end) as tag_cost_center,
        max(case when dimension = 'product' then dimension_value end) as tag_product,
        max(case when dimension = 'environment' then dimension_value end) as tag_environment
    from mapped
    group by billing_period, tags
)

select * from final
{%- endmacro %}
