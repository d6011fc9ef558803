-- noqa: disable=LT02
{#
    A source table that may not exist yet: a deployment loads only the providers it uses, so a
    provider's bronze model must build (empty) before its raw table is ever written.

    Returns the source relation when the table exists, else an empty subquery with the given
    columns and types. source() is always called so dbt records the lineage.

    Args:
        source_name: the dbt source name (e.g. 'raw_azure_cost').
        table_name: the table in that source.
        columns: mapping column name -> SQL type of the columns the model reads; when omitted,
            the typed `columns` declared for the table in its sources YAML.
#}
{% macro optional_source(source_name, table_name, columns=none) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if columns is none and execute -%}
        {%- set columns = {} -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name] -%}
        {%- for name, column in node.columns.items() -%}
            {%- do columns.update({name: dbt.type_float() if column.data_type == 'double' else column.data_type}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if not execute or adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) is not none -%}
        {{ relation }}
    {%- else -%}
        (
            select
            {%- for name, data_type in columns.items() %}
                cast(null as {{ data_type }}) as {{ name }}{% if not loop.last %},{% endif %}
            {%- endfor %}
            where 1 = 0
        )
    {%- endif -%}
{%- endmacro %}
