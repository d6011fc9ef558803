{#
    Text value of one top-level key of a JSON object held as text (raw map columns such as
    `resource_tags`), or null when the key, the value or the document is missing. Empty
    strings count as missing, since legacy exports write '' for an empty map.

    Args:
        json_col: SQL expression of a text column holding a JSON object.
        key: the key, a plain string; it may contain `:` or other punctuation.
#}
{% macro json_get_text(json_col, key) -%}
    {{ return(adapter.dispatch('json_get_text', 'finops')(json_col, key)) }}
{%- endmacro %}

{% macro default__json_get_text(json_col, key) -%}
    (cast(nullif(trim({{ json_col }}), '') as jsonb) ->> '{{ key | replace("'", "''") }}')
{%- endmacro %}

{% macro duckdb__json_get_text(json_col, key) -%}
    {#- a quoted JSONPath member, so keys like `user:team` are taken literally -#}
    json_extract_string(
        nullif(trim({{ json_col }}), ''),
        '$."{{ key | replace("'", "''") | replace('"', '\\"') }}"'
    )
{%- endmacro %}


{#
    Like json_get_text, but the key is a SQL expression (e.g. a column of a rules seed), so a
    key that comes from data is passed as a value and never pasted into the SQL text.

    Args:
        json_col: SQL expression of a text column holding a JSON object.
        key_expr: SQL expression giving the key.
#}
{% macro json_get_text_by(json_col, key_expr) -%}
    {{ return(adapter.dispatch('json_get_text_by', 'finops')(json_col, key_expr)) }}
{%- endmacro %}

{% macro default__json_get_text_by(json_col, key_expr) -%}
    (cast(nullif(trim({{ json_col }}), '') as jsonb) ->> ({{ key_expr }}))
{%- endmacro %}

{% macro duckdb__json_get_text_by(json_col, key_expr) -%}
    json_extract_string(
        nullif(trim({{ json_col }}), ''),
        '$."' || replace({{ key_expr }}, '"', '\"') || '"'
    )
{%- endmacro %}
