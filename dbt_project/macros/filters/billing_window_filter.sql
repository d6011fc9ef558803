{#
    Boolean SQL restricting a billing-period date column to the window given by the vars
    `min_billing_period` and `max_billing_period` (billing months as 'YYYY-MM-01', both
    inclusive). A missing bound leaves that side open, so with no vars every period passes.
    Any other value fails compilation: a mid-month date or a typo would otherwise silently
    select the wrong months. The incremental gold models and the reconcile test share this one
    filter, so a windowed run and its checks always see the same months.

    Args:
        column: SQL expression of type date (a billing period: first day of a month).
#}
{% macro billing_window_filter(column) -%}
    {%- set conditions = [] -%}
    {%- for bound, operator in [('min_billing_period', '>='), ('max_billing_period', '<=')] -%}
        {%- set value = var(bound, none) -%}
        {%- if value is not none and (value | string | trim) != '' -%}
            {%- set value = value | string | trim -%}
            {%- if not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])-01$', value) -%}
                {{ exceptions.raise_compiler_error(
                    "var " ~ bound ~ " must be the first day of a billing month, 'YYYY-MM-01';"
                    ~ " got '" ~ value ~ "'"
                ) }}
            {%- endif -%}
            {%- do conditions.append(
                column ~ " " ~ operator ~ " cast('" ~ value ~ "' as date)"
            ) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if conditions -%}
        ({{ conditions | join(' and ') }})
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}
