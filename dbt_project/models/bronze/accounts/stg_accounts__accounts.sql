{#- One row per account per hierarchy snapshot, as loaded (raw keeps one snapshot per unit). -#}
{%- set columns = {
    'x_provider': 'varchar', 'account_id': 'varchar', 'account_name': 'varchar',
    'account_type': 'varchar', 'status': 'varchar', 'parent_id': 'varchar',
    'parent_name': 'varchar', 'parent_path': 'varchar', 'hierarchy_path': 'varchar',
    'hierarchy_ids': 'varchar', 'tags': 'varchar', 'team': 'varchar',
    'cost_center': 'varchar', 'product': 'varchar', 'environment': 'varchar',
    'x_source': 'varchar', 'x_source_key': 'varchar', 'billing_period': 'date',
    'snapshot_at': 'timestamp with time zone', 'x_export_id': 'varchar',
    'x_source_file': 'varchar', 'x_source_row': 'bigint', '_dlt_load_id': 'varchar',
} -%}
with

source as (
    select raw_accounts.* from {{ optional_source('raw_accounts', 'accounts', columns) }} as raw_accounts
),

renamed as (
    select
        cast(x_provider as {{ type_varchar() }}) as x_provider,
        cast(account_id as {{ type_varchar() }}) as account_id,
        cast(account_name as {{ type_varchar() }}) as account_name,
        cast(account_type as {{ type_varchar() }}) as account_type,
        cast(status as {{ type_varchar() }}) as account_status,
        cast(parent_id as {{ type_varchar() }}) as parent_id,
        cast(parent_name as {{ type_varchar() }}) as parent_name,
        cast(parent_path as {{ type_varchar() }}) as parent_path,
        cast(hierarchy_path as {{ type_varchar() }}) as hierarchy_path,
        cast(hierarchy_ids as {{ type_varchar() }}) as hierarchy_ids,
        cast(tags as {{ type_varchar() }}) as tags,
        cast(team as {{ type_varchar() }}) as team,
        cast(cost_center as {{ type_varchar() }}) as cost_center,
        cast(product as {{ type_varchar() }}) as product,
        cast(environment as {{ type_varchar() }}) as environment,
        cast(x_source as {{ type_varchar() }}) as x_source,
        cast(x_source_key as {{ type_varchar() }}) as x_source_key,
        billing_period,
        {{ to_utc_timestamp('snapshot_at') }} as snapshot_at,
        cast(x_export_id as {{ type_varchar() }}) as x_export_id,
        cast(x_source_file as {{ type_varchar() }}) as x_source_file,
        cast(x_source_row as bigint) as x_source_row,
        cast(_dlt_load_id as {{ type_varchar() }}) as _dlt_load_id
    from source
)

select * from renamed
