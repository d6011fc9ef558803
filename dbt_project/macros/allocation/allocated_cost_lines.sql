-- noqa: disable=LT02
{#
    fct_cost's lines: every keyed cost line with its allocation decision, joined on billing period
    and allocation key. fct_cost selects it from its window of int_costs_keyed and
    int_allocation_decisions; int_cost_allocated_as_is from every period and the as-is decisions.

    Args:
        costs: relation (or CTE name) of int_costs_keyed rows.
        decisions: relation (or CTE name) of allocation decisions.
#}
{% macro allocated_cost_lines(costs, decisions) -%}
    select
    {%- for column in focus_columns() if column != 'x_team' %}
            costs.{{ column }},
        {%- endfor %}
        decisions.team as x_team,
        decisions.cost_center as x_cost_center,
        decisions.department as x_department,
        decisions.business_unit as x_business_unit,
        decisions.legal_entity as x_legal_entity,
        decisions.product as x_product,
        decisions.environment as x_environment,
        decisions.allocation_method as x_allocation_method,
        decisions.allocation_rule_id as x_allocation_rule_id,
        costs.x_charge_kind,
        costs.x_account_path,
        decisions.has_mandatory_tags as x_has_mandatory_tags
    from {{ costs }} as costs
    inner join {{ decisions }} as decisions
        on
            costs.x_billing_period = decisions.billing_period
            and costs.x_allocation_key = decisions.x_allocation_key
{%- endmacro %}
