-- noqa: disable=LT02
{#
    A rules seed as it applies to each billing period: the copy saved when the period was closed
    for closed periods (as-was), the current seed for open ones. Closing (`finops close`) saves
    every allocation seed row as JSON text in finance.rule_snapshots.

    Args:
        seed_name: the allocation seed (e.g. 'allocation_rules').

    Returns:
        SQL selecting billing_period plus the seed's columns.
#}
{% macro as_was(seed_name) -%}
    {%- set seed = ref(seed_name) -%}
    {#- the seed's columns and types as declared (column_types in seeds/allocation YAML); unit
        tests have no graph, and there the current seed is all there is -#}
    {%- set columns = [] -%}
    {%- set nodes = graph.get('nodes', {}) if execute else {} -%}
    {%- set node = nodes.get('seed.' ~ project_name ~ '.' ~ seed_name) -%}
    {%- if node -%}
        {%- for name, data_type in node.config.column_types.items() -%}
            {%- do columns.append({'name': name, 'data_type': data_type}) -%}
        {%- endfor -%}
    {%- endif %}
    select
        periods.billing_period,
        {%- for column in columns %}
            current_rows.{{ column.name }}{% if not loop.last %},{% endif %}
        {%- else %}
            current_rows.*
        {%- endfor %}
    from {{ ref('int_billing_periods') }} as periods
    cross join {{ seed }} as current_rows
    where not periods.is_closed
    {%- if columns %}
    union all
    select
        periods.billing_period,
        {%- for column in columns %}
            cast(
                {{ json_get_text_by('snapshots.row_json', "'" ~ column.name ~ "'") }}
                as {{ column.data_type }}
            ) as {{ column.name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('int_billing_periods') }} as periods
    inner join {{ optional_source('finance', 'rule_snapshots') }} as snapshots
        on
            periods.close_id = snapshots.close_id
            and snapshots.seed_name = '{{ seed_name }}'
    where periods.is_closed
    {%- endif %}
{%- endmacro %}
