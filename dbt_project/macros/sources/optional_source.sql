{#
    A source table that may not exist yet: a deployment loads only the providers it uses, so a
    provider's bronze model must build (empty) before its raw table is ever written.

    Returns the source relation when the table exists, else an empty subquery with the given
    columns and types. source() is always called so dbt records the lineage.

    Args:
        source_name: the dbt source name (e.g. 'raw_azure_cost').
        table_name: the table in that source.
        columns: mapping column name -> SQL type, the columns the model reads.
#}
{% macro optional_source(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and adapter.get_relation(
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
