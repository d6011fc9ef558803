{#
    Turns a `timestamp with time zone` into the same instant as a UTC `timestamp` without
    zone, the only timestamp type models carry (engines disagree on zoned types).

    Args:
        column: SQL expression of type timestamp with time zone.
#}
{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'finops')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    ({{ column }} at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(column) -%}
    timezone('UTC', {{ column }})
{%- endmacro %}
