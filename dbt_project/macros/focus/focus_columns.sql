{#
    The column contract of every `int_<provider>__costs_focus` silver model, in union order.
    FOCUS 1.2 Cost and Usage columns in snake_case, FOCUS 1.3's service_provider_name and
    host_provider_name, then the project's `x_` columns. int_costs_unioned selects exactly these.
#}
{% macro focus_columns() -%}
    {{ return([
        'availability_zone', 'billed_cost', 'billing_account_id', 'billing_account_name',
        'billing_currency', 'billing_period_end', 'billing_period_start', 'charge_category',
        'charge_class', 'charge_description', 'charge_frequency', 'charge_period_end',
        'charge_period_start', 'commitment_discount_category', 'commitment_discount_id',
        'commitment_discount_name', 'commitment_discount_status', 'commitment_discount_type',
        'consumed_quantity', 'consumed_unit', 'contracted_cost', 'contracted_unit_price',
        'effective_cost', 'host_provider_name', 'invoice_id', 'invoice_issuer_name', 'list_cost',
        'list_unit_price', 'pricing_category', 'pricing_quantity', 'pricing_unit',
        'provider_name', 'publisher_name', 'region_id', 'region_name', 'resource_id',
        'resource_name', 'resource_type', 'service_category', 'service_name',
        'service_provider_name', 'sku_id', 'sku_price_id', 'sub_account_id', 'sub_account_name',
        'tags',
        'x_provider', 'x_cost_line_id', 'x_billing_period', 'x_line_item_type', 'x_usage_type',
        'x_operation', 'x_product_code', 'x_team', 'x_has_owner_tag', 'x_export_id',
        'x_source_file', 'x_source_row',
    ]) }}
{%- endmacro %}
