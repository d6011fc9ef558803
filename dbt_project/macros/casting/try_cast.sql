{#
    Cast that yields null instead of failing on a value the target type cannot hold.
    `dbt.safe_cast` is a plain cast on DuckDB (errors) but null-on-failure on other
    engines; this macro makes the null-on-failure behaviour explicit everywhere.

    Args:
        expression: SQL expression to cast.
        data_type: target SQL type, e.g. dbt.type_numeric() or 'decimal(38, 10)'.
#}
{% macro try_cast(expression, data_type) -%}
    {{ return(adapter.dispatch('try_cast', 'finops')(expression, data_type)) }}
{%- endmacro %}

{% macro default__try_cast(expression, data_type) -%}
    {{ dbt.safe_cast(expression, data_type) }}
{%- endmacro %}

{% macro duckdb__try_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro postgres__try_cast(expression, data_type) -%}
    {#-
        PostgreSQL has no try_cast; numeric targets are guarded by a pattern match (the
        common case: numbers delivered as text), other targets fall back to a plain cast.
    -#}
    {%- set numeric_types = ['numeric', 'decimal', 'int', 'bigint', 'smallint', 'integer',
                             'real', 'double', 'float'] -%}
    {%- set base = (data_type | lower | trim).split('(')[0].split(' ')[0] -%}
    {%- if base in numeric_types -%}
        case
            when trim(cast({{ expression }} as text))
                ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$'
                then cast(trim(cast({{ expression }} as text)) as {{ data_type }})
        end
    {%- else -%}
        cast({{ expression }} as {{ data_type }})
    {%- endif -%}
{%- endmacro %}
