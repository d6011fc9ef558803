"""Names, column catalogue and defaults of the Azure Cost Management exports source.

Cost details exports (actual and amortized, EA / MCA / pay-as-you-go) name the same field in
several ways: PascalCase (`CostInBillingCurrency`), camelCase (`costInBillingCurrency`), the
v1 / legacy usage-details names (`PreTaxCost`, `SubscriptionGuid`, `UsageDateTime`) and the
spaced EA-portal spellings (`Meter Sub-Category`, `Extended Cost`). A header is matched on its
*normalized* form (lower-case, letters and digits only), so case, spaces, dashes and a UTF-8
byte-order mark never matter; then on the aliases below, the first alias present winning.

Column references:
    https://learn.microsoft.com/azure/cost-management-billing/automate/understand-usage-details-fields
    ../shared/data/finops-toolkit-export-schemas/actualcost_c360-2025-04.json
"""

from __future__ import annotations

import re

DATASET_NAME = "raw_azure_cost"
COST_TABLE = "cost_details"
LOADS_TABLE = "loads"
TABLES: tuple[str, ...] = (COST_TABLE, LOADS_TABLE)

ACTUAL, AMORTIZED = "actual", "amortized"
COST_VIEWS = (ACTUAL, AMORTIZED)

MONEY_PRECISION, MONEY_SCALE = 38, 10
RATE_PRECISION, RATE_SCALE = 38, 16

DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".snappy.parquet", ".gz.parquet")
MANIFEST_NAME = "_manifest.json"

# (column, kind, normalized aliases in priority order); kinds: string, money, rate, quantity,
# date, tags. The first alias is the v2 PascalCase name lower-cased.
COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("billing_account_id", "string", ("billingaccountid", "enrollmentnumber")),
    ("billing_account_name", "string", ("billingaccountname",)),
    ("billing_profile_id", "string", ("billingprofileid",)),
    ("billing_profile_name", "string", ("billingprofilename",)),
    ("invoice_section_id", "string", ("invoicesectionid",)),
    ("invoice_section_name", "string", ("invoicesectionname", "invoicesection", "departmentname")),
    ("invoice_id", "string", ("invoiceid",)),
    ("previous_invoice_id", "string", ("previousinvoiceid",)),
    ("account_name", "string", ("accountname",)),
    ("account_owner_id", "string", ("accountownerid", "accountowneremail")),
    ("subscription_id", "string", ("subscriptionid", "subscriptionguid")),
    ("subscription_name", "string", ("subscriptionname",)),
    ("resource_group", "string", ("resourcegroup", "resourcegroupname")),
    ("resource_location", "string", ("resourcelocation", "location")),
    ("charge_date", "date", ("date", "usagedate", "usagedatetime")),
    ("billing_period_start_date", "date", ("billingperiodstartdate",)),
    ("billing_period_end_date", "date", ("billingperiodenddate",)),
    ("service_period_start_date", "date", ("serviceperiodstartdate",)),
    ("service_period_end_date", "date", ("serviceperiodenddate",)),
    ("product_name", "string", ("productname", "product")),
    ("product_id", "string", ("productid",)),
    ("part_number", "string", ("partnumber",)),
    ("meter_id", "string", ("meterid",)),
    ("meter_name", "string", ("metername",)),
    ("meter_category", "string", ("metercategory",)),
    ("meter_sub_category", "string", ("metersubcategory",)),
    ("meter_region", "string", ("meterregion",)),
    ("service_family", "string", ("servicefamily",)),
    ("unit_of_measure", "string", ("unitofmeasure",)),
    ("quantity", "quantity", ("quantity", "usagequantity", "consumedquantity")),
    ("effective_price", "rate", ("effectiveprice", "resourcerate")),
    ("unit_price", "rate", ("unitprice",)),
    ("payg_price", "rate", ("paygprice",)),
    # the charge in the billing currency: v2 EA/MCA, v2 EA (older), v1 / PAYG, EA portal
    ("cost", "money", ("costinbillingcurrency", "cost", "pretaxcost", "extendedcost")),
    ("cost_in_pricing_currency", "money", ("costinpricingcurrency",)),
    ("cost_in_usd", "money", ("costinusd",)),
    ("payg_cost", "money", ("paygcostinbillingcurrency", "paygcost")),
    ("billing_currency", "string", ("billingcurrencycode", "billingcurrency", "currency")),
    ("pricing_currency", "string", ("pricingcurrencycode", "pricingcurrency")),
    ("exchange_rate", "rate", ("exchangeratepricingtobilling", "exchangerate")),
    ("consumed_service", "string", ("consumedservice",)),
    ("resource_id", "string", ("resourceid", "instanceid", "instancename")),
    ("resource_name", "string", ("resourcename",)),
    ("resource_type", "string", ("resourcetype",)),
    ("service_info1", "string", ("serviceinfo1",)),
    ("service_info2", "string", ("serviceinfo2",)),
    ("additional_info", "string", ("additionalinfo",)),
    ("tags", "tags", ("tags",)),
    ("offer_id", "string", ("offerid",)),
    ("is_azure_credit_eligible", "string", ("isazurecrediteligible",)),
    ("term", "string", ("term",)),
    ("publisher_name", "string", ("publishername",)),
    ("publisher_type", "string", ("publishertype",)),
    ("publisher_id", "string", ("publisherid",)),
    ("plan_name", "string", ("planname",)),
    ("charge_type", "string", ("chargetype",)),
    ("frequency", "string", ("frequency",)),
    ("pricing_model", "string", ("pricingmodel",)),
    ("reservation_id", "string", ("reservationid",)),
    ("reservation_name", "string", ("reservationname",)),
    ("product_order_id", "string", ("productorderid",)),
    ("product_order_name", "string", ("productordername",)),
    ("benefit_id", "string", ("benefitid",)),
    ("benefit_name", "string", ("benefitname",)),
    ("availability_zone", "string", ("availabilityzone",)),
    ("cost_center", "string", ("costcenter",)),
    ("cost_allocation_rule_name", "string", ("costallocationrulename",)),
    ("reseller_name", "string", ("resellername",)),
    ("reseller_mpn_id", "string", ("resellermpnid",)),
    # v1 (legacy usage details) only
    ("service_name", "string", ("servicename",)),
    ("service_tier", "string", ("servicetier",)),
)
KINDS = {name: kind for name, kind, _ in COLUMNS}

# raw-table lineage and unit columns, after the typed ones
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("billing_period", "date"),
    ("x_scope_id", "string"),
    ("x_resource_type", "string"),  # ARM type from ResourceId (v2 exports have no type column)
    ("x_resource_name", "string"),  # last ResourceId segment
    ("x_cost_view", "string"),
    ("x_export_id", "string"),
    ("x_export_name", "string"),
    ("x_source_file", "string"),
    ("x_source_row", "bigint"),
    ("x_extra", "string"),
)
UNIT_COLUMNS = ("billing_period", "x_scope_id", "x_cost_view")

_NORMALIZE = re.compile(r"[^a-z0-9]")


def normalize_header(name: str) -> str:
    """Header key: lower-case letters and digits only (BOM, case, spaces, dashes dropped)."""
    return _NORMALIZE.sub("", name.replace("\ufeff", "").lower())
