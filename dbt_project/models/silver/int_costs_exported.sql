{#-
    Every provider's FOCUS cost rows as the exports deliver them, in one relation. Adding a
    provider means adding its `int_<provider>__costs_focus` model to `provider_models`; each must
    have exactly the columns of macros/focus/focus_columns.sql. int_costs_unioned adds the
    amortization of commitments recorded in seeds/allocation/commitment_terms.csv, which reads
    this model to skip months an export already amortizes.
-#}
{%- set provider_models = [
    ref('int_aws__costs_focus'),
    ref('int_azure__costs_focus'),
    ref('int_gcp__costs_focus'),
    ref('int_focus__costs_focus'),
    ref('int_saas__costs_focus'),
    ref('int_kubernetes__costs_focus'),
] -%}

{%- set focus_columns = focus_columns() -%}
-- noqa: disable=LT02
-- (the column loop renders empty under sqlfluff's stub macros)

{% for provider_model in provider_models %}
    select
        {%- for column in focus_columns %}
            {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ provider_model }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
