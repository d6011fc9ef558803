{#-
    Every FOCUS cost row with what allocation looks at: its account's place in the hierarchy
    (int_account_hierarchy), its charge kind (which chargeback policy applies), and an allocation
    key: the hash of every attribute a rule can match, so rules are evaluated once per distinct
    key (int_allocation_decisions) rather than once per line.
-#}
{%- set key_columns = [
    'costs.x_billing_period', 'costs.x_provider', 'costs.provider_name',
    'costs.billing_account_id', 'costs.billing_account_name', 'costs.sub_account_id',
    'costs.sub_account_name', 'costs.service_name', 'costs.service_category', 'costs.region_id',
    'costs.resource_id', 'costs.resource_name', 'costs.resource_type', 'costs.charge_category',
    'costs.charge_class', 'costs.commitment_discount_status', 'costs.x_line_item_type',
    'costs.publisher_name', 'costs.tags',
] -%}

with

costs as (
    select * from {{ ref('int_costs_unioned') }}
),

accounts as (
    select * from {{ ref('int_account_hierarchy') }}
),

keyed as (
    select
        costs.*,
        accounts.hierarchy_path as x_account_path,
        lower(accounts.team) as x_account_team,
        lower(accounts.product) as x_account_product,
        lower(accounts.environment) as x_account_environment,
        -- which chargeback policy row (seeds/allocation/charge_policy.csv) applies
        case
            when costs.charge_category = 'Tax' then 'tax'
            when costs.charge_category = 'Credit' then 'credit'
            when
                costs.charge_class = 'Correction' or costs.x_line_item_type = 'Refund'
                then 'refund'
            when costs.commitment_discount_status = 'Unused' then 'unused_commitment'
            when costs.charge_category = 'Purchase' then 'purchase'
            when lower(costs.service_name) like '%support%' then 'support'
            when
                costs.publisher_name is not null
                and costs.publisher_name != costs.provider_name
                then 'marketplace'
            else 'usage'
        end as x_charge_kind,
        {{ surrogate_key(key_columns + ['accounts.hierarchy_path', 'accounts.team']) }}
            as x_allocation_key
    from costs
    left join accounts
        on
            costs.x_provider = accounts.x_provider
            and costs.sub_account_id = accounts.account_id
)

select * from keyed
