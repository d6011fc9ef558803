{#
    Deterministic key from several columns: the hash of their text forms joined by '|',
    nulls written as a marker so (null, 'a') and ('', 'a') differ. Same idea as
    dbt_utils.generate_surrogate_key, kept here because hub packages are unreachable.

    Args:
        columns: list of SQL expressions.
#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(
            "coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')"
        ) -%}
        {%- if not loop.last -%}
            {%- do parts.append("'|'") -%}
        {%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
