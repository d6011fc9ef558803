{#
    True when `value` matches a rule's `match_type` ('equals', 'prefix' or 'regex') and
    `match_value`. Both come from seed columns and are compared as values, never as SQL text.

    Args:
        value: SQL expression of the candidate text.
        match_type: SQL expression of the match type.
        match_value: SQL expression of the value, prefix or regular expression.
#}
{% macro rule_matches(value, match_type, match_value) -%}
    (
        ({{ match_type }} = 'equals' and {{ value }} = {{ match_value }})
        or (
            {{ match_type }} = 'prefix'
            and substr({{ value }}, 1, length({{ match_value }})) = {{ match_value }}
        )
        or ({{ match_type }} = 'regex' and {{ regex_matches(value, match_value) }})
    )
{%- endmacro %}

{#- Partial regular-expression match (POSIX-style patterns work on both engines). -#}
{% macro regex_matches(value, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'finops')(value, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(value, pattern) -%}
    coalesce({{ value }} ~ {{ pattern }}, false)
{%- endmacro %}

{% macro duckdb__regex_matches(value, pattern) -%}
    coalesce(regexp_matches({{ value }}, {{ pattern }}), false)
{%- endmacro %}


{#
    Columns a rule may match on (the seed's `match_column`), besides `tag:<key>`. The names are
    fixed here, so a seed value only selects among them.
#}
{% macro allocation_match_columns() -%}
    {{ return([
        'x_provider', 'provider_name', 'billing_account_id', 'billing_account_name',
        'sub_account_id', 'sub_account_name', 'service_name', 'service_category', 'region_id',
        'resource_id', 'resource_name', 'resource_type', 'charge_category', 'x_charge_kind',
        'publisher_name', 'x_account_path',
    ]) }}
{%- endmacro %}

{#
    The value a rule looks at: the named column of `row`, or a tag value for `tag:<key>`.

    Args:
        row: alias of the relation holding the allocation-key columns.
        match_column: SQL expression of the rule's match column.
#}
{% macro allocation_match_value(row, match_column) -%}
    case
    {%- for column in allocation_match_columns() %}
            when {{ match_column }} = '{{ column }}' then {{ row }}.{{ column }}
    {%- endfor %}
        when substr({{ match_column }}, 1, 4) = 'tag:'
            then {{ json_get_text_by(row ~ '.tags', 'substr(' ~ match_column ~ ', 5)') }}
    end
{%- endmacro %}
