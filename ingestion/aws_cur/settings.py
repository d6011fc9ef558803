"""Constants of the AWS CUR source: the raw table contract and file-layout conventions.

The raw table keeps CUR 2.0 (AWS Data Exports) column names. Legacy CUR headers are
converted to them (`lineItem/UnblendedCost` -> `line_item_unblended_cost`), which is the
same rule AWS applies when it writes legacy CUR for Athena, so both shapes land in one table.
"""

from __future__ import annotations

# dataset (schema) dlt writes to; bronze reads it through `source('raw_aws_cur', ...)`
DATASET_NAME = "raw_aws_cur"
LINE_ITEMS_TABLE = "line_items"
LOADS_TABLE = "export_loads"

# money keeps 10 decimals end to end; CUR prints at most 10 in practice (rates can show more,
# they are kept at 16 since a rate rounded to 10 places times a large usage drifts cents)
MONEY_PRECISION, MONEY_SCALE = 38, 10
RATE_PRECISION, RATE_SCALE = 38, 16

# (column, kind). kinds: string, money, rate, quantity (double), timestamp, map (JSON text).
# Only columns bronze needs or a later issue is likely to need are typed here; any other
# column of the file is folded into the `x_extra` JSON so nothing delivered is dropped.
LINE_ITEM_COLUMNS: list[tuple[str, str]] = [
    ("identity_line_item_id", "string"),
    ("identity_time_interval", "string"),
    ("bill_invoice_id", "string"),
    ("bill_invoicing_entity", "string"),
    ("bill_billing_entity", "string"),
    ("bill_bill_type", "string"),
    ("bill_payer_account_id", "string"),
    ("bill_payer_account_name", "string"),
    ("bill_billing_period_start_date", "timestamp"),
    ("bill_billing_period_end_date", "timestamp"),
    ("line_item_usage_account_id", "string"),
    ("line_item_usage_account_name", "string"),
    ("line_item_line_item_type", "string"),
    ("line_item_usage_start_date", "timestamp"),
    ("line_item_usage_end_date", "timestamp"),
    ("line_item_product_code", "string"),
    ("line_item_usage_type", "string"),
    ("line_item_operation", "string"),
    ("line_item_availability_zone", "string"),
    ("line_item_resource_id", "string"),
    ("line_item_usage_amount", "quantity"),
    ("line_item_normalization_factor", "quantity"),
    ("line_item_normalized_usage_amount", "quantity"),
    ("line_item_currency_code", "string"),
    ("line_item_unblended_rate", "rate"),
    ("line_item_unblended_cost", "money"),
    ("line_item_blended_rate", "rate"),
    ("line_item_blended_cost", "money"),
    ("line_item_net_unblended_rate", "rate"),
    ("line_item_net_unblended_cost", "money"),
    ("line_item_line_item_description", "string"),
    ("line_item_tax_type", "string"),
    ("line_item_legal_entity", "string"),
    ("pricing_currency", "string"),
    ("pricing_public_on_demand_cost", "money"),
    ("pricing_public_on_demand_rate", "rate"),
    ("pricing_term", "string"),
    ("pricing_unit", "string"),
    ("pricing_rate_code", "string"),
    ("pricing_rate_id", "string"),
    ("pricing_lease_contract_length", "string"),
    ("pricing_offering_class", "string"),
    ("pricing_purchase_option", "string"),
    ("product_product_family", "string"),
    ("product_servicecode", "string"),
    ("product_product_name", "string"),
    ("product_region_code", "string"),
    ("product_location", "string"),
    ("product_instance_type", "string"),
    ("product_sku", "string"),
    ("reservation_reservation_a_r_n", "string"),
    ("reservation_effective_cost", "money"),
    ("reservation_net_effective_cost", "money"),
    ("reservation_amortized_upfront_cost_for_usage", "money"),
    ("reservation_amortized_upfront_fee_for_billing_period", "money"),
    ("reservation_recurring_fee_for_usage", "money"),
    ("reservation_unused_amortized_upfront_fee_for_billing_period", "money"),
    ("reservation_net_unused_amortized_upfront_fee_for_billing_period", "money"),
    ("reservation_unused_recurring_fee", "money"),
    ("reservation_net_unused_recurring_fee", "money"),
    ("reservation_upfront_value", "money"),
    ("reservation_unused_quantity", "quantity"),
    ("reservation_total_reserved_units", "quantity"),
    ("reservation_start_time", "timestamp"),
    ("reservation_end_time", "timestamp"),
    ("savings_plan_savings_plan_a_r_n", "string"),
    ("savings_plan_savings_plan_effective_cost", "money"),
    ("savings_plan_net_savings_plan_effective_cost", "money"),
    ("savings_plan_savings_plan_rate", "rate"),
    ("savings_plan_total_commitment_to_date", "money"),
    ("savings_plan_used_commitment", "money"),
    ("savings_plan_amortized_upfront_commitment_for_billing_period", "money"),
    ("savings_plan_recurring_commitment_for_billing_period", "money"),
    ("savings_plan_offering_type", "string"),
    ("savings_plan_payment_option", "string"),
    ("savings_plan_purchase_term", "string"),
    ("savings_plan_start_time", "timestamp"),
    ("savings_plan_end_time", "timestamp"),
    ("discount_total_discount", "money"),
    ("discount_bundled_discount", "money"),
    ("resource_tags", "map"),
    ("cost_category", "map"),
    ("product", "map"),
]

# lineage columns the source adds to every row
LINEAGE_COLUMNS: list[tuple[str, str]] = [
    ("billing_period", "date"),  # first day of the billing month; the unit of replacement
    ("x_export_id", "string"),  # CUR 2.0 executionId / legacy assemblyId / file checksum
    ("x_source_file", "string"),  # data file path relative to the export root
    ("x_source_row", "bigint"),  # 1-based row number inside that file: a stable row key
    ("x_extra", "map"),  # every delivered column not typed above, as JSON
]

# legacy CUR columns whose category holds a map rather than a fixed column
MAP_CATEGORIES = {
    "resource_tags": "resource_tags",
    "resourcetags": "resource_tags",
    "cost_category": "cost_category",
    "costcategory": "cost_category",
}

# files AWS writes beside the data that are not cost lines (Athena status table, access probe)
IGNORED_FILE_PREFIXES = ("cost_and_usage_data_status", "aws-programmatic-access-test-object")

DATA_FILE_SUFFIXES = (".parquet", ".snappy.parquet", ".csv", ".csv.gz", ".csv.zip", ".gz")
