{#
    The first non-empty value, trimmed and lower-cased, among several keys of a JSON tag
    object, tried in order. Keys are case-sensitive, so each spelling is its own entry.

    Args:
        json_col: SQL expression of a text column holding a JSON object of tags.
        keys: ordered list of tag keys.
#}
{% macro first_tag_value(json_col, keys) -%}
    {%- set values = [] -%}
    {%- for key in keys -%}
        {%- do values.append("nullif(trim(" ~ json_get_text(json_col, key) ~ "), '')") -%}
    {%- endfor -%}
    {%- if values -%}
        lower(coalesce({{ values | join(', ') }}))
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
