{#-
    Showback: cost per team, cost center, product and environment per billing month and
    currency, billed and effective (amortized) side by side, with the change from the previous
    month and the service that drove most of it. Shared pools are included as split.
-#}
{%- set owner = ['x_team', 'x_cost_center', 'x_department', 'x_business_unit', 'x_product',
    'x_environment'] -%}

{#- as-was (as the journal) by default; var showback_allocation: as_is re-allocates closed
    periods with the current seeds. Both are refs, so the DAG is the same either way. -#}
{%- set as_was = ref('fct_cost_allocated') -%}
{%- set as_is = ref('int_cost_allocated_as_is') -%}
{%- set allocated = as_is if showback_allocation() == 'as_is' else as_was %}

with

allocated as (
    select * from {{ allocated }}
),

by_service as (
    select
        x_billing_period as billing_period,
        billing_currency,
        {{ owner | join(', ') }},
        service_name,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(line_count) as line_count
    from allocated
    group by x_billing_period, billing_currency, {{ owner | join(', ') }}, service_name
),

monthly as (
    select
        billing_period,
        billing_currency,
        {{ owner | join(', ') }},
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(line_count) as line_count
    from by_service
    group by billing_period, billing_currency, {{ owner | join(', ') }}
),

{%- set same_owner -%}
    {%- for column in owner %}
        and coalesce(current_rows.{{ column }}, '') = coalesce(previous_rows.{{ column }}, '')
    {%- endfor %}
{%- endset %}

with_previous as (
    select
        current_rows.*,
        previous_rows.billed_cost as previous_billed_cost,
        previous_rows.effective_cost as previous_effective_cost
    from monthly as current_rows
    left join monthly as previous_rows
        on
            previous_rows.billing_period
            = {{ dbt.dateadd('month', -1, 'current_rows.billing_period') }}
            and current_rows.billing_currency = previous_rows.billing_currency
            {{ same_owner }}
),

-- the service whose effective cost moved most since last month, for each owner
service_changes as (
    select
        current_rows.billing_period,
        current_rows.billing_currency,
        {%- for column in owner %}
            current_rows.{{ column }},
        {%- endfor %}
        current_rows.service_name,
        current_rows.effective_cost - coalesce(previous_rows.effective_cost, 0) as change,
        row_number() over (
            partition by
                current_rows.billing_period, current_rows.billing_currency,
                {%- for column in owner %}
                    current_rows.{{ column }}{% if not loop.last %},{% endif %}
                {%- endfor %}
            order by
                abs(current_rows.effective_cost - coalesce(previous_rows.effective_cost, 0))
                desc,
                current_rows.service_name
        ) as change_rank
    from by_service as current_rows
    left join by_service as previous_rows
        on
            previous_rows.billing_period
            = {{ dbt.dateadd('month', -1, 'current_rows.billing_period') }}
            and current_rows.billing_currency = previous_rows.billing_currency
            and coalesce(current_rows.service_name, '') = coalesce(previous_rows.service_name, '')
            {{ same_owner }}
),

final as (
    select
    {%- set key_columns = ['with_previous.billing_period', 'with_previous.billing_currency'] %}
    {%- for column in owner %}{% do key_columns.append('with_previous.' ~ column) %}{% endfor %}
        {{ surrogate_key(key_columns) }} as showback_id,
        cast(with_previous.billing_period as date) as billing_period,
        with_previous.billing_currency,
        {%- for column in owner %}
            with_previous.{{ column }},
        {%- endfor %}
        cast(with_previous.billed_cost as {{ type_money() }}) as billed_cost,
        cast(with_previous.effective_cost as {{ type_money() }}) as effective_cost,
        cast(with_previous.previous_billed_cost as {{ type_money() }}) as previous_billed_cost,
        cast(with_previous.previous_effective_cost as {{ type_money() }})
            as previous_effective_cost,
        cast(
            with_previous.effective_cost - coalesce(with_previous.previous_effective_cost, 0)
            as {{ type_money() }}
        ) as effective_cost_change,
        cast(drivers.service_name as {{ type_varchar() }}) as main_driver_service,
        cast(drivers.change as {{ type_money() }}) as main_driver_change,
        cast(with_previous.line_count as {{ dbt.type_bigint() }}) as line_count
    from with_previous
    left join service_changes as drivers
        on
            with_previous.billing_period = drivers.billing_period
            and with_previous.billing_currency = drivers.billing_currency
            and drivers.change_rank = 1
            {%- for column in owner %}
                and coalesce(with_previous.{{ column }}, '')
                = coalesce(drivers.{{ column }}, '')
            {%- endfor %}
)

select * from final
