{{ config(materialized='view') }}

{#-
    fct_cost_allocated as the current seeds allocate every period, closed ones included (as-is): only
    showback reads it, with var showback_allocation: as_is. A view, so it costs nothing
    unless read. The journal never reads it: closed periods keep their allocation there.
-#}

{{ fct_cost_allocated_sql('as_is') }}
