{#-
    One row per (x_provider, account_id): every account, subscription and project any hierarchy
    source knows, with its place in the hierarchy and its allocation keys. Organization APIs
    win over the GCP billing export's project ancestry; a CSV override wins over both, column
    by column (an empty override cell keeps the discovered value). Allocation keys not set by an
    override come from account tags / labels (keys listed in the vars below).
-#}
{%- set team_keys = var('account_team_tag_keys', ['team', 'Team', 'TEAM', 'owner', 'Owner']) -%}
{%- set cost_center_keys = var('account_cost_center_tag_keys', [
    'cost-center', 'cost_center', 'CostCenter', 'costcenter', 'Cost Center', 'cost-centre',
]) -%}
{%- set product_keys = var('account_product_tag_keys', [
    'product', 'Product', 'application', 'Application', 'app',
]) -%}
{%- set environment_keys = var('account_environment_tag_keys', [
    'environment', 'Environment', 'env', 'Env', 'stage',
]) -%}
with

snapshots as (
    select * from {{ ref('stg_accounts__accounts') }}
),

discovered as (
    select
        x_provider,
        account_id,
        account_name,
        account_type,
        account_status,
        parent_id,
        parent_name,
        parent_path,
        tags,
        x_source,
        snapshot_at,
        1 as source_rank
    from snapshots
    where x_source != 'csv_override'
),

billing_projects as (
    {#- projects seen in the GCP billing export; their ancestry path is org first, project last -#}
    select
        project_id,
        project_name,
        ancestry_path,
        last_export_time,
        reverse(split_part(reverse(ancestry_path), ' / ', 1)) as own_name
    from {{ ref('int_gcp__project_ancestry') }}
    where project_id is not null
),

billing_ancestry as (
    select
        project_id,
        project_name,
        last_export_time,
        case
            when ancestry_path like '% / %'
                then left(ancestry_path, length(ancestry_path) - length(own_name) - 3)
        end as parent_path
    from billing_projects
),

billing_discovered as (
    select
        cast('gcp' as {{ type_varchar() }}) as x_provider,
        project_id as account_id,
        project_name as account_name,
        cast('project' as {{ type_varchar() }}) as account_type,
        cast(null as {{ type_varchar() }}) as account_status,
        cast(null as {{ type_varchar() }}) as parent_id,
        case
            when parent_path is not null
                then reverse(split_part(reverse(parent_path), ' / ', 1))
        end as parent_name,
        parent_path,
        cast(null as {{ type_varchar() }}) as tags,
        cast('gcp_billing_export' as {{ type_varchar() }}) as x_source,
        last_export_time as snapshot_at,
        2 as source_rank
    from billing_ancestry
),

candidates as (
    select * from discovered
    union all
    select * from billing_discovered
),

ranked as (
    select
        candidates.*,
        row_number() over (
            partition by candidates.x_provider, candidates.account_id
            order by
                candidates.source_rank asc,
                candidates.snapshot_at desc,
                candidates.x_source asc
        ) as recency
    from candidates
),

best as (
    select * from ranked
    where recency = 1
),

overrides as (
    select * from snapshots
    where x_source = 'csv_override'
),

override_matches as (
    {#- an override naming its provider matches that provider's account; one without a provider
        matches the id on any provider; the one naming the provider wins -#}
    select
        best.x_provider as matched_provider,
        best.account_id as matched_account_id,
        overrides.account_name,
        overrides.parent_path,
        overrides.parent_name,
        overrides.team,
        overrides.cost_center,
        overrides.product,
        overrides.environment,
        row_number() over (
            partition by best.x_provider, best.account_id
            order by
                case when overrides.x_provider is null then 1 else 0 end,
                overrides.x_source_file,
                overrides.x_source_row
        ) as preference
    from best
    inner join overrides
        on
            best.account_id = overrides.account_id
            and (best.x_provider = overrides.x_provider or overrides.x_provider is null)
),

chosen_overrides as (
    select * from override_matches
    where preference = 1
),

merged as (
    select
        best.x_provider,
        best.account_id,
        coalesce(o.account_name, best.account_name) as account_name,
        best.account_type,
        best.account_status,
        case when o.parent_path is null then best.parent_id end as parent_id,
        coalesce(o.parent_name, best.parent_name) as parent_name,
        coalesce(o.parent_path, best.parent_path) as parent_path,
        best.tags,
        o.team as override_team,
        o.cost_center as override_cost_center,
        o.product as override_product,
        o.environment as override_environment,
        best.x_source,
        o.matched_account_id is not null as x_overridden
    from best
    left join chosen_overrides as o
        on
            best.x_provider = o.matched_provider
            and best.account_id = o.matched_account_id
),

orphan_overrides as (
    {#- override rows no source discovered: accounts of their own -#}
    select
        coalesce(overrides.x_provider, 'other') as x_provider,
        overrides.account_id,
        overrides.account_name,
        overrides.parent_path,
        overrides.parent_name,
        overrides.team,
        overrides.cost_center,
        overrides.product,
        overrides.environment,
        row_number() over (
            partition by coalesce(overrides.x_provider, 'other'), overrides.account_id
            order by overrides.x_source_file, overrides.x_source_row
        ) as preference
    from overrides
    where not exists (
        select 1
        from best
        where
            best.account_id = overrides.account_id
            and (best.x_provider = overrides.x_provider or overrides.x_provider is null)
    )
),

override_only as (
    select
        x_provider,
        account_id,
        coalesce(account_name, account_id) as account_name,
        cast(null as {{ type_varchar() }}) as account_type,
        cast(null as {{ type_varchar() }}) as account_status,
        cast(null as {{ type_varchar() }}) as parent_id,
        parent_name,
        parent_path,
        cast(null as {{ type_varchar() }}) as tags,
        team as override_team,
        cost_center as override_cost_center,
        product as override_product,
        environment as override_environment,
        cast('csv_override' as {{ type_varchar() }}) as x_source,
        true as x_overridden
    from orphan_overrides
    where preference = 1
),

unioned as (
    select * from merged
    union all
    select * from override_only
),

final as (
    select
        cast(x_provider as {{ type_varchar() }}) as x_provider,
        cast(account_id as {{ type_varchar() }}) as account_id,
        cast(account_name as {{ type_varchar() }}) as account_name,
        cast(account_type as {{ type_varchar() }}) as account_type,
        cast(account_status as {{ type_varchar() }}) as account_status,
        cast(parent_id as {{ type_varchar() }}) as parent_id,
        cast(parent_name as {{ type_varchar() }}) as parent_name,
        cast(
            case
                when parent_path is null or parent_path = '' then account_name
                else parent_path || ' / ' || account_name
            end as {{ type_varchar() }}
        ) as hierarchy_path,
        cast(
            coalesce(lower(override_team), {{ first_tag_value('tags', team_keys) }})
            as {{ type_varchar() }}
        ) as team,
        cast(
            coalesce(lower(override_cost_center), {{ first_tag_value('tags', cost_center_keys) }})
            as {{ type_varchar() }}
        ) as cost_center,
        cast(
            coalesce(lower(override_product), {{ first_tag_value('tags', product_keys) }})
            as {{ type_varchar() }}
        ) as product,
        cast(
            coalesce(
                lower(override_environment), {{ first_tag_value('tags', environment_keys) }}
            ) as {{ type_varchar() }}
        ) as environment,
        cast(tags as {{ type_varchar() }}) as tags,
        cast(x_source as {{ type_varchar() }}) as x_source,
        x_overridden
    from unioned
)

select * from final
