-- noqa: disable=RF06
-- (the quotes are needed: they keep the FOCUS names' case on PostgreSQL, which folds to lower)
{{ config(materialized='view') }}

{#-
    fct_cost under the exact FOCUS column names, for FOCUS-aware tools. Quoted identifiers keep
    the case on engines that fold unquoted names (PostgreSQL folds to lower case).
-#}

with

costs as (
    select * from {{ ref('fct_cost') }}
),

final as (
    select
        availability_zone as "AvailabilityZone",
        billed_cost as "BilledCost",
        billing_account_id as "BillingAccountId",
        billing_account_name as "BillingAccountName",
        billing_currency as "BillingCurrency",
        billing_period_end as "BillingPeriodEnd",
        billing_period_start as "BillingPeriodStart",
        charge_category as "ChargeCategory",
        charge_class as "ChargeClass",
        charge_description as "ChargeDescription",
        charge_frequency as "ChargeFrequency",
        charge_period_end as "ChargePeriodEnd",
        charge_period_start as "ChargePeriodStart",
        commitment_discount_category as "CommitmentDiscountCategory",
        commitment_discount_id as "CommitmentDiscountId",
        commitment_discount_status as "CommitmentDiscountStatus",
        commitment_discount_type as "CommitmentDiscountType",
        consumed_quantity as "ConsumedQuantity",
        consumed_unit as "ConsumedUnit",
        contracted_cost as "ContractedCost",
        contracted_unit_price as "ContractedUnitPrice",
        effective_cost as "EffectiveCost",
        host_provider_name as "HostProviderName",
        invoice_id as "InvoiceId",
        invoice_issuer_name as "InvoiceIssuerName",
        list_cost as "ListCost",
        list_unit_price as "ListUnitPrice",
        pricing_category as "PricingCategory",
        pricing_quantity as "PricingQuantity",
        pricing_unit as "PricingUnit",
        provider_name as "ProviderName",
        publisher_name as "PublisherName",
        region_id as "RegionId",
        region_name as "RegionName",
        resource_id as "ResourceId",
        service_category as "ServiceCategory",
        service_name as "ServiceName",
        service_provider_name as "ServiceProviderName",
        sku_id as "SkuId",
        sku_price_id as "SkuPriceId",
        sub_account_id as "SubAccountId",
        sub_account_name as "SubAccountName",
        tags as "Tags",
        x_provider as "x_Provider",
        x_cost_line_id as "x_CostLineId",
        x_billing_period as "x_BillingPeriod",
        x_line_item_type as "x_LineItemType",
        x_usage_type as "x_UsageType",
        x_operation as "x_Operation",
        x_product_code as "x_ProductCode",
        x_team as "x_Team",
        x_has_owner_tag as "x_HasOwnerTag",
        x_export_id as "x_ExportId",
        x_source_file as "x_SourceFile",
        x_source_row as "x_SourceRow"
    from costs
)

select * from final
