{#-
    Whether each provider's billing month can be closed, from its finalization signals: AWS,
    Azure, FOCUS and SaaS lines carry an invoice id once invoiced (every line must have one);
    GCP exports have no invoice id, so a GCP month is ready once it ended
    var close_ready_after_days ago (its late usage has landed in the next invoice by then).
-#}

with

costs as (
    select
        x_provider,
        x_billing_period,
        billing_period_end,
        invoice_id
    from {{ ref('fct_cost') }}
),

per_provider as (
    select
        x_provider,
        x_billing_period,
        max(billing_period_end) as billing_period_end,
        count(*) as line_count,
        sum(case when invoice_id is null then 1 else 0 end) as lines_without_invoice_id
    from costs
    group by x_provider, x_billing_period
),

final as (
    select
        {{ surrogate_key(['x_provider', 'x_billing_period']) }} as close_readiness_id,
        cast(x_provider as {{ type_varchar() }}) as x_provider,
        cast(x_billing_period as date) as billing_period,
        cast(line_count as {{ dbt.type_bigint() }}) as line_count,
        cast(lines_without_invoice_id as {{ dbt.type_bigint() }}) as lines_without_invoice_id,
        case
            when x_provider = 'gcp'
                then
                    {{ dbt.dateadd('day', var('close_ready_after_days'), 'billing_period_end') }}
                    <= {{ dbt.current_timestamp() }}
            else lines_without_invoice_id = 0
        end as is_close_ready,
        cast(
            case
                when x_provider = 'gcp'
                    then
                        'GCP: month ended ' || cast(cast(billing_period_end as date) as {{ type_varchar() }})
                        || ', ready ' || cast({{ var('close_ready_after_days') }} as {{ type_varchar() }})
                        || ' days later'
                when lines_without_invoice_id = 0 then 'every line is invoiced'
                else
                    cast(lines_without_invoice_id as {{ type_varchar() }})
                    || ' lines have no invoice id yet'
            end as {{ type_varchar() }}
        ) as reason
    from per_provider
)

select * from final
