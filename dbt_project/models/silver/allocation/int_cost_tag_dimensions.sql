{{ config(materialized='table') }}

{#-
    Canonical team, cost center, product and environment of every distinct tag set, per billing
    period: the first key of tag_key_map (by priority) that the tags carry, its value trimmed and
    lower-cased, then translated by tag_value_map. Works on distinct tag sets, not cost lines.
-#}

{{ int_cost_tag_dimensions_sql('as_was') }}
