{#
    Generic test: fails for every row where `expression` is not true. Use it for
    arithmetic identities on a model or a column, e.g.
        data_tests:
          - expression_is_true:
              arguments:
                expression: "billed_cost = effective_cost"
                where: "charge_category = 'Usage'"
    On a column the column name is prefixed: `expression: ">= 0"`.

    Args:
        model: the tested relation (injected by dbt).
        expression: boolean SQL over the relation's columns.
        column_name: optional; when the test sits on a column, it is put before expression.
#}
{% test expression_is_true(model, expression, column_name=none) %}

    select *
    from {{ model }}
    where not (
        {%- if column_name is not none %} {{ column_name }}{% endif %} {{ expression }}
    )

{% endtest %}
