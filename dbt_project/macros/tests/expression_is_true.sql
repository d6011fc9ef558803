{#
    Generic test: fails for every row where `expression` is not true. Use it for
    arithmetic identities on a model or a column, e.g.
        data_tests:
          - expression_is_true:
              arguments:
                expression: "effective_cost = 0"
              config:
                where: "x_line_item_type = 'SavingsPlanNegation'"
    On a column the column name is put first: `expression: "> 0"`.

    Args:
        model: the tested relation (injected by dbt).
        expression: boolean SQL over the relation's columns.
        column_name: optional; set by dbt when the test sits on a column.
#}
{% test expression_is_true(model, expression, column_name=none) %}
{%- set condition = (column_name ~ ' ' if column_name is not none else '') ~ expression %}

select *
from {{ model }}
where not ({{ condition }})

{% endtest %}
