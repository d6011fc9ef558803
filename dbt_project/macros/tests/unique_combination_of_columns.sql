{#
    Generic test: fails for each combination of `combination_of_columns` that occurs more than
    once (nulls compare equal, as in group by). The primary-key test of models whose grain is
    several columns and that carry no surrogate key.

    Args:
        model: the tested relation (injected by dbt).
        combination_of_columns: list of column names forming the grain.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
