with

source as (
    select raw_export_loads.* from {{ optional_source('raw_aws_cur', 'export_loads') }} as raw_export_loads
),

renamed as (
    select
        billing_period,
        bill_payer_account_id,
        export_id,
        export_kind,
        source_uri,
        files,
        file_count,
        row_count,
        unblended_cost_total,
        net_unblended_cost_total,
        status,
        error,
        {{ to_utc_timestamp('detected_at') }} as detected_at,
        _dlt_load_id,
        status = 'quarantined' as is_quarantined
    from source
)

select * from renamed
