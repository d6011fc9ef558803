{#
    Boolean SQL restricting a billing-period date column to the window given by the vars
    `min_billing_period` and `max_billing_period` ('YYYY-MM-DD', both inclusive). A missing
    bound leaves that side open, so with no vars every period passes. Incremental gold models
    and the reconcile test share this one filter, so a partitioned run and its checks always
    see the same months.

    Args:
        column: SQL expression of type date (a billing period: first day of a month).
#}
{% macro billing_window_filter(column) -%}
    {%- set conditions = [] -%}
    {%- for bound, operator in [('min_billing_period', '>='), ('max_billing_period', '<=')] -%}
        {%- set value = var(bound, none) -%}
        {%- if value is not none and (value | string | trim) != '' -%}
            {%- set value = value | string | trim -%}
            {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
                {{ exceptions.raise_compiler_error(
                    "var " ~ bound ~ " must be a 'YYYY-MM-DD' date, got '" ~ value ~ "'"
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
