{#-
    Google Cloud Billing export rows as loaded, timestamps in UTC, with a flag for the latest
    load of each unit (invoice month of a billing account).
-#}
with

source as (
    select raw_cost_lines.* from {{ optional_source('raw_gcp_billing', 'cost_lines') }} as raw_cost_lines
),

renamed as (
    select
        billing_account_id,
        service_id,
        service_description,
        sku_id,
        sku_description,
        {{ to_utc_timestamp('usage_start_time') }} as usage_start_time,
        {{ to_utc_timestamp('usage_end_time') }} as usage_end_time,
        project_id,
        project_number,
        project_name,
        project_labels,
        project_ancestry_numbers,
        project_ancestors,
        labels,
        system_labels,
        tags,
        location_location,
        location_country,
        location_region,
        location_zone,
        resource_name,
        resource_global_name,
        {{ to_utc_timestamp('export_time') }} as export_time,
        cost,
        currency,
        currency_conversion_rate,
        usage_amount,
        usage_unit,
        usage_amount_in_pricing_units,
        usage_pricing_unit,
        credits,
        invoice_month,
        invoice_publisher_type,
        cost_type,
        adjustment_info_id,
        adjustment_info_description,
        adjustment_info_mode,
        adjustment_info_type,
        price_effective_price,
        price_tier_start_amount,
        price_unit,
        price_pricing_unit_quantity,
        cost_at_list,
        transaction_type,
        seller_name,
        subscription_instance_id,
        credits_total,
        cud_credits_total,
        cud_credit_id,
        cud_credit_type,
        cud_credit_name,
        labels_map,
        project_labels_map,
        x_tags,
        project_ancestry_path,
        project_ancestor_names,
        billing_period,
        x_export_id,
        x_source_file,
        x_source_row,
        x_extra,
        _dlt_load_id,
        -- restatement guard (macros/sources/is_latest_load.sql)
        {{ is_latest_load(['billing_account_id']) }} as is_latest_export
    from source
)

select * from renamed
