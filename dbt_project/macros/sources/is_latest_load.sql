{#
    The restatement guard of bronze staging models: ingestion replaces a unit (a billing period
    and the source's unit columns, e.g. a payer or a scope) as a whole, so every row of a unit
    should carry the unit's newest dlt load id. A leftover row of an older load evaluates false
    here and is filtered out downstream instead of being counted twice. dlt load ids are epoch
    seconds as text (10 integer digits until 2286), so text order is time order.
#}
{% macro is_latest_load(unit_columns) -%}
coalesce(
    _dlt_load_id = max(_dlt_load_id) over (
        partition by {{ (['billing_period'] + unit_columns) | join(', ') }}
    ),
    false
)
{%- endmacro %}
