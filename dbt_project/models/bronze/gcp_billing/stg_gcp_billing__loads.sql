{#- One row per replaced unit or quarantined file of every GCP billing load (append-only). -#}
with

source as (
    select raw_loads.* from {{ optional_source('raw_gcp_billing', 'loads') }} as raw_loads
),

renamed as (
    select
        billing_period,
        billing_account_id,
        unit_key,
        status,
        source_file,
        checksum,
        files,
        row_count,
        cost_total,
        x_cost_before_credits,
        x_credits_total,
        currency,
        error,
        {{ to_utc_timestamp('detected_at') }} as detected_at,
        _dlt_load_id,
        status = 'quarantined' as is_quarantined
    from source
)

select * from renamed
