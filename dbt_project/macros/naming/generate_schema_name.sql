{#
    Schemas are exactly the layer names (`bronze`, `silver`, `gold`), not dbt's default
    `<target_schema>_<custom>`: BI tools, Dagster asset keys and the reconcile tests name
    them directly. Models without a custom schema land in the target schema. Test builds get
    isolation from their own warehouse (a temp DuckDB file or a throwaway PostgreSQL
    database), not from schema prefixes.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
