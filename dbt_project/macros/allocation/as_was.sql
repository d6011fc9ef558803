-- noqa: disable=LT02
{#
    A rules seed as it applies to each billing period: the copy saved when the period was closed
    for closed periods (as-was), the current seed for open ones. Closing (`finops close`) saves
    every allocation seed row as JSON text in finance.rule_snapshots.

    Args:
        seed_name: the allocation seed (e.g. 'allocation_rules').
        basis: 'as_was' (above) or 'as_is': the current seed for every period, closed ones too
            (showback's documented re-allocation of history, var showback_allocation).

    Returns:
        SQL selecting billing_period plus the seed's columns.
#}
{% macro as_was(seed_name, basis='as_was') -%}
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
    {%- if basis != 'as_is' %}
    where not periods.is_closed
    {%- endif %}
    {%- if columns and basis != 'as_is' %}
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


{#
    The allocation model `name` on `basis`: the model itself for 'as_was', its view
    `<name>_as_is` (every period on the current seeds) for 'as_is'.
#}
{% macro allocation_ref(name, basis='as_was') -%}
    {%- if basis == 'as_is' -%}
        {{ return(ref(name ~ '_as_is')) }}
    {%- endif -%}
    {{ return(ref(name)) }}
{%- endmacro %}


{#
    The allocation basis showback reports on (var showback_allocation): 'as_was' (default; as
    the journal) or 'as_is' (closed periods re-allocated with the current seeds). Anything else
    fails compilation.
#}
{% macro showback_allocation() -%}
    {%- set basis = var('showback_allocation', 'as_was') | string | trim | lower -%}
    {%- if basis not in ('as_was', 'as_is') -%}
        {{ exceptions.raise_compiler_error(
            "var showback_allocation must be 'as_was' or 'as_is', got '" ~ basis ~ "'"
        ) }}
    {%- endif -%}
    {{ return(basis) }}
{%- endmacro %}
