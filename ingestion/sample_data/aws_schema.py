"""Columns of the generated CUR 2.0 files, with their parquet kinds and manifest types.

Covers every typed column of `ingestion/aws_cur/settings.py::LINE_ITEM_COLUMNS` (the test
checks this) plus a few more real CUR 2.0 columns. Files list columns alphabetically, as
AWS Data Exports does.
"""

from __future__ import annotations

from .columnar import Kind

_STRING = (
    "bill_bill_type",
    "bill_billing_entity",
    "bill_invoice_id",
    "bill_invoicing_entity",
    "bill_payer_account_id",
    "bill_payer_account_name",
    "identity_line_item_id",
    "identity_time_interval",
    "line_item_availability_zone",
    "line_item_currency_code",
    "line_item_legal_entity",
    "line_item_line_item_description",
    "line_item_line_item_type",
    "line_item_operation",
    "line_item_product_code",
    "line_item_resource_id",
    "line_item_tax_type",
    "line_item_usage_account_id",
    "line_item_usage_account_name",
    "line_item_usage_type",
    "pricing_currency",
    "pricing_lease_contract_length",
    "pricing_offering_class",
    "pricing_purchase_option",
    "pricing_rate_code",
    "pricing_rate_id",
    "pricing_term",
    "pricing_unit",
    "product_from_location",
    "product_instance_family",
    "product_instance_type",
    "product_location",
    "product_location_type",
    "product_operation",
    "product_product_family",
    "product_product_name",
    "product_region_code",
    "product_servicecode",
    "product_sku",
    "product_to_location",
    "product_usagetype",
    "reservation_reservation_a_r_n",
    "savings_plan_offering_type",
    "savings_plan_payment_option",
    "savings_plan_purchase_term",
    "savings_plan_savings_plan_a_r_n",
)
_MONEY = (
    "discount_bundled_discount",
    "discount_total_discount",
    "line_item_blended_cost",
    "line_item_net_unblended_cost",
    "line_item_unblended_cost",
    "pricing_public_on_demand_cost",
    "reservation_amortized_upfront_cost_for_usage",
    "reservation_amortized_upfront_fee_for_billing_period",
    "reservation_effective_cost",
    "reservation_net_effective_cost",
    "reservation_net_unused_amortized_upfront_fee_for_billing_period",
    "reservation_net_unused_recurring_fee",
    "reservation_recurring_fee_for_usage",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
    "reservation_upfront_value",
    "savings_plan_amortized_upfront_commitment_for_billing_period",
    "savings_plan_net_savings_plan_effective_cost",
    "savings_plan_recurring_commitment_for_billing_period",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
)
_FLOAT = (
    "line_item_blended_rate",
    "line_item_net_unblended_rate",
    "line_item_normalization_factor",
    "line_item_normalized_usage_amount",
    "line_item_unblended_rate",
    "line_item_usage_amount",
    "pricing_public_on_demand_rate",
    "reservation_total_reserved_units",
    "reservation_unused_quantity",
    "savings_plan_savings_plan_rate",
)
_TIMESTAMP = (
    "bill_billing_period_end_date",
    "bill_billing_period_start_date",
    "line_item_usage_end_date",
    "line_item_usage_start_date",
    "reservation_end_time",
    "reservation_start_time",
    "savings_plan_end_time",
    "savings_plan_start_time",
)
_MAP = ("cost_category", "product", "resource_tags")

_KINDS: dict[str, Kind] = {
    **dict.fromkeys(_STRING, "string"),
    **dict.fromkeys(_MONEY, "money"),
    **dict.fromkeys(_FLOAT, "float"),
    **dict.fromkeys(_TIMESTAMP, "timestamp"),
    **dict.fromkeys(_MAP, "map"),
}
COLUMNS: list[tuple[str, Kind]] = sorted(_KINDS.items())
KIND_OF: dict[str, Kind] = dict(COLUMNS)

# type names the Data Exports manifest gives each column
MANIFEST_TYPES: dict[str, str] = {
    "string": "string",
    "money": "double",
    "float": "double",
    "timestamp": "timestamp",
    "map": "map<string,string>",
}


def manifest_columns() -> list[dict[str, str]]:
    """The manifest's `columns` list: name and type of every column, in file order."""
    return [{"name": name, "type": MANIFEST_TYPES[kind]} for name, kind in COLUMNS]
