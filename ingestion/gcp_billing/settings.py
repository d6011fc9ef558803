"""Constants of the GCP billing source: the raw table contract and the export's field paths.

Field paths follow Google's BigQuery schema of the standard and detailed usage cost export
(`gcp_billing_export_v1_<id>`, `gcp_billing_export_resource_v1_<id>`). Nested RECORD fields are
flattened with `_` (`service.description` -> `service_description`); REPEATED fields (labels,
credits, project ancestors) are kept as delivered, as JSON array text.
"""

from __future__ import annotations

DATASET_NAME = "raw_gcp_billing"
COST_TABLE = "cost_lines"
LOADS_TABLE = "loads"
TABLES = (COST_TABLE, LOADS_TABLE)

MONEY_PRECISION, MONEY_SCALE = 38, 10
RATE_PRECISION, RATE_SCALE = 38, 16

# (raw column, kind, export field path). kinds: string, money, rate, quantity, timestamp,
# json (a REPEATED or RECORD field as JSON text). Fields absent from an export (older exports
# lack price, cost_at_list, transaction_type, ...; the standard export lacks resource) are null.
FIELDS: list[tuple[str, str, str]] = [
    ("billing_account_id", "string", "billing_account_id"),
    ("service_id", "string", "service.id"),
    ("service_description", "string", "service.description"),
    ("sku_id", "string", "sku.id"),
    ("sku_description", "string", "sku.description"),
    ("usage_start_time", "timestamp", "usage_start_time"),
    ("usage_end_time", "timestamp", "usage_end_time"),
    ("project_id", "string", "project.id"),
    ("project_number", "string", "project.number"),
    ("project_name", "string", "project.name"),
    ("project_labels", "json", "project.labels"),
    ("project_ancestry_numbers", "string", "project.ancestry_numbers"),
    ("project_ancestors", "json", "project.ancestors"),
    ("labels", "json", "labels"),
    ("system_labels", "json", "system_labels"),
    ("tags", "json", "tags"),
    ("location_location", "string", "location.location"),
    ("location_country", "string", "location.country"),
    ("location_region", "string", "location.region"),
    ("location_zone", "string", "location.zone"),
    ("resource_name", "string", "resource.name"),
    ("resource_global_name", "string", "resource.global_name"),
    ("export_time", "timestamp", "export_time"),
    ("cost", "money", "cost"),
    ("currency", "string", "currency"),
    ("currency_conversion_rate", "rate", "currency_conversion_rate"),
    ("usage_amount", "quantity", "usage.amount"),
    ("usage_unit", "string", "usage.unit"),
    ("usage_amount_in_pricing_units", "quantity", "usage.amount_in_pricing_units"),
    ("usage_pricing_unit", "string", "usage.pricing_unit"),
    ("credits", "json", "credits"),
    ("invoice_month", "string", "invoice.month"),
    ("invoice_publisher_type", "string", "invoice.publisher_type"),
    ("cost_type", "string", "cost_type"),
    ("adjustment_info_id", "string", "adjustment_info.id"),
    ("adjustment_info_description", "string", "adjustment_info.description"),
    ("adjustment_info_mode", "string", "adjustment_info.mode"),
    ("adjustment_info_type", "string", "adjustment_info.type"),
    ("price_effective_price", "rate", "price.effective_price"),
    ("price_tier_start_amount", "quantity", "price.tier_start_amount"),
    ("price_unit", "string", "price.unit"),
    ("price_pricing_unit_quantity", "quantity", "price.pricing_unit_quantity"),
    ("cost_at_list", "money", "cost_at_list"),
    ("transaction_type", "string", "transaction_type"),
    ("seller_name", "string", "seller_name"),
    ("subscription_instance_id", "string", "subscription.instance_id"),
]

# top-level fields of the export; anything else delivered goes to x_extra
TOP_LEVEL = {path.split(".", 1)[0] for _, _, path in FIELDS}

# a line cannot be billed without these: their absence from a file is schema drift
REQUIRED = ("billing_account_id", "cost", "currency", "invoice_month")

# columns ingestion derives from the delivered ones (all computed in DuckDB)
DERIVED_COLUMNS: list[tuple[str, str]] = [
    ("credits_total", "money"),  # sum(credits.amount); credits are negative
    ("cud_credits_total", "money"),  # the committed use discount part of credits_total
    ("cud_credit_id", "string"),  # credits.id of the first committed use discount credit
    ("cud_credit_type", "string"),  # its credits.type
    ("cud_credit_name", "string"),  # its credits.full_name / name
    ("labels_map", "json"),  # labels as one JSON object {key: value}
    ("project_labels_map", "json"),  # project.labels as one JSON object
    ("x_tags", "json"),  # labels + project labels under `project:<key>` (see README)
    ("project_ancestry_path", "string"),  # ancestor display names, organization first, ` / `
    ("project_ancestor_names", "json"),  # JSON array of display names, organization first
]

LINEAGE_COLUMNS: list[tuple[str, str]] = [
    ("billing_period", "date"),  # first day of invoice.month: the unit of replacement
    ("x_export_id", "string"),  # checksum of the file, or the BigQuery job id
    ("x_source_file", "string"),  # file relative to the root, or bigquery://table?month
    ("x_source_row", "bigint"),  # 1-based row inside that file / query result
    ("x_extra", "json"),  # delivered fields not listed in FIELDS, as a JSON object
]

DATA_FILE_SUFFIXES = (
    ".csv",
    ".csv.gz",
    ".json",
    ".jsonl",
    ".ndjson",
    ".json.gz",
    ".jsonl.gz",
    ".ndjson.gz",
    ".parquet",
)
