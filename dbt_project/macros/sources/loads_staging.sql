-- noqa: disable=LT02
{#
    Bronze staging of a source's append-only loads table (one row per replaced unit or
    quarantined file): the columns as loaded, detected_at as a UTC timestamp, and
    is_quarantined. `raw_columns` maps the table's columns, in order, to their types
    (optional_source builds the model empty before the source's first load).
#}
{% macro loads_staging(dataset, raw_columns) -%}
with

source as (
    select raw_loads.* from {{ optional_source(dataset, 'loads', raw_columns) }} as raw_loads
),

renamed as (
    select
        {%- for column in raw_columns %}
            {%- if column == 'detected_at' %}
            {{ to_utc_timestamp('detected_at') }} as detected_at,
            {%- else %}
            {{ column }},
            {%- endif %}
        {%- endfor %}
        status = 'quarantined' as is_quarantined
    from source
)

select * from renamed
{%- endmacro %}
