{#-
    Every FOCUS cost row in one relation: the providers' exports (int_costs_exported) and the
    monthly amortization of commitments recorded in seeds/allocation/commitment_terms.csv for
    months the exports do not amortize (int_commitment_terms__costs_focus). Both have exactly
    the columns of macros/focus/focus_columns.sql.
-#}
{%- set focus_columns = focus_columns() -%}
-- noqa: disable=LT02
-- (the column loop renders empty under sqlfluff's stub macros)

{% for cost_model in [ref('int_costs_exported'), ref('int_commitment_terms__costs_focus')] %}
    select
        {%- for column in focus_columns %}
            {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ cost_model }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
