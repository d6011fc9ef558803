{#- a view (free unless read) in normal runs; a table, computed once, when showback asks for it -#}
{{ config(
    materialized='table' if showback_allocation() == 'as_is' else 'view',
    tags=['allocation_as_is'],
) }}

{#-
    int_cost_tag_dimensions, with every period allocated by the current seeds, closed ones included
    (as-is). Only showback reads it, with var showback_allocation: as_is; the journal never
    does, so closed periods keep their allocation there.
-#}

{{ int_cost_tag_dimensions_sql('as_is') }}
