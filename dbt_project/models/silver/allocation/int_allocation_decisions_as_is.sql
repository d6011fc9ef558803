{{ config(materialized='view') }}

{#-
    int_allocation_decisions as the current seeds allocate every period, closed ones included (as-is): only
    showback reads it, with var showback_allocation: as_is. A view, so it costs nothing
    unless read. The journal never reads it: closed periods keep their allocation there.
-#}

{{ int_allocation_decisions_sql('as_is') }}
