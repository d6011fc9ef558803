{#-
    Every provider's FOCUS cost rows in one relation. Adding a provider means adding its
    `int_<provider>__costs_focus` model to `provider_models`; each must have the columns below.
-#}
{%- set provider_models = [
    ref('int_aws__costs_focus'),
] -%}

{%- set focus_columns = [
    'availability_zone', 'billed_cost', 'billing_account_id', 'billing_account_name',
    'billing_currency', 'billing_period_end', 'billing_period_start', 'charge_category',
    'charge_class', 'charge_description', 'charge_frequency', 'charge_period_end',
    'charge_period_start', 'commitment_discount_category', 'commitment_discount_id',
    'commitment_discount_status', 'commitment_discount_type', 'consumed_quantity',
    'consumed_unit', 'contracted_cost', 'contracted_unit_price', 'effective_cost',
    'host_provider_name', 'invoice_id', 'invoice_issuer_name', 'list_cost', 'list_unit_price',
    'pricing_category', 'pricing_quantity', 'pricing_unit', 'provider_name', 'publisher_name',
    'region_id', 'region_name', 'resource_id', 'service_category', 'service_name',
    'service_provider_name', 'sku_id', 'sku_price_id', 'sub_account_id', 'sub_account_name',
    'tags',
    'x_provider', 'x_cost_line_id', 'x_billing_period', 'x_line_item_type', 'x_usage_type',
    'x_operation', 'x_product_code', 'x_team', 'x_has_owner_tag', 'x_export_id',
    'x_source_file', 'x_source_row',
] -%}

{% for provider_model in provider_models %}
    select
        {%- for column in focus_columns %}
            {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ provider_model }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
