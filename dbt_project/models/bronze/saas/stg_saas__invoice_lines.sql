{%- set raw_columns = {
    'billing_period': 'date',
    'vendor': type_varchar(),
    'invoice_id': type_varchar(),
    'description': type_varchar(),
    'amount': type_money(),
    'list_cost': type_money(),
    'contracted_cost': type_money(),
    'currency': type_varchar(),
    'tags': type_varchar(),
    'charge_type': type_varchar(),
    'quantity': type_quantity(),
    'unit': type_varchar(),
    'service_name': type_varchar(),
    'x_export_id': type_varchar(),
    'x_source_file': type_varchar(),
    'x_source_row': dbt.type_bigint(),
    'x_extra': type_varchar(),
    '_dlt_load_id': type_varchar()
} -%}

with

source as (
    select raw_lines.* from {{ optional_source('raw_saas', 'invoice_lines', raw_columns) }} as raw_lines
),

renamed as (
    select
        billing_period,
        vendor,
        invoice_id,
        description,
        amount,
        list_cost,
        contracted_cost,
        currency,
        tags,
        charge_type,
        quantity,
        unit,
        service_name,
        x_export_id,
        x_source_file,
        x_source_row,
        x_extra,
        _dlt_load_id,
        -- restatement guard (macros/sources/is_latest_load.sql)
        {{ is_latest_load(['vendor']) }} as is_latest_load
    from source
)

select * from renamed
