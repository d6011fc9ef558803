{#
    Column types the cost models share. Money keeps ten decimals from raw to gold (never
    float); unit prices keep sixteen, like the raw rate columns, since a price rounded to ten
    places times a large usage amount drifts by cents. Rounding happens only at reporting.
#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'finops')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    decimal(38, 10)
{%- endmacro %}

{% macro type_unit_price() -%}
    {{ return(adapter.dispatch('type_unit_price', 'finops')()) }}
{%- endmacro %}

{% macro default__type_unit_price() -%}
    decimal(38, 16)
{%- endmacro %}

{#- quantities stay binary floating point, as delivered (usage amounts are not money) -#}
{% macro type_quantity() -%}
    {{ return(adapter.dispatch('type_quantity', 'finops')()) }}
{%- endmacro %}

{% macro default__type_quantity() -%}
    double precision
{%- endmacro %}

{#- text columns; `varchar` rather than dbt.type_string() (`text` on PostgreSQL), since gold
    contracts declare varchar and PostgreSQL tells the two apart -#}
{% macro type_varchar() -%}
    {{ return(adapter.dispatch('type_varchar', 'finops')()) }}
{%- endmacro %}

{% macro default__type_varchar() -%}
    varchar
{%- endmacro %}
