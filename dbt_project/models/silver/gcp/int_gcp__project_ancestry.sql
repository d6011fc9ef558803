{#-
    One row per Google Cloud project seen in the billing export: its number, name and place in
    the resource hierarchy (organization and folders), as of the most recent export row. Read by
    the account-hierarchy work; not part of the FOCUS cost contract.
-#}
with

cost_lines as (
    select * from {{ ref('stg_gcp_billing__cost_lines') }}
    where is_latest_export and project_id is not null
),

ranked as (
    select
        project_id,
        project_number,
        project_name,
        billing_account_id,
        project_ancestry_numbers,
        project_ancestors,
        project_ancestor_names,
        project_ancestry_path,
        export_time,
        row_number() over (
            partition by project_id
            order by billing_period desc, export_time desc, x_source_file desc, x_source_row desc
        ) as recency
    from cost_lines
),

final as (
    select
        cast(project_id as {{ type_varchar() }}) as project_id,
        cast(project_number as {{ type_varchar() }}) as project_number,
        cast(project_name as {{ type_varchar() }}) as project_name,
        cast(billing_account_id as {{ type_varchar() }}) as billing_account_id,
        cast(project_ancestry_numbers as {{ type_varchar() }}) as ancestry_numbers,
        cast(project_ancestors as {{ type_varchar() }}) as ancestors,
        cast(project_ancestor_names as {{ type_varchar() }}) as ancestor_names,
        cast(project_ancestry_path as {{ type_varchar() }}) as ancestry_path,
        cast(export_time as {{ dbt.type_timestamp() }}) as last_export_time
    from ranked
    where recency = 1
)

select * from final
