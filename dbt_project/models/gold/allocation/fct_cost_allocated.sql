{#-
    Cost by owner: fct_cost's directly allocated lines, the bill lines of cloud Kubernetes
    nodes split across namespaces (silver/allocation/int_kubernetes_bill_split), plus every
    shared pool split across its targets per billing period and currency. Splits use largest-remainder rounding at the cent:
    each target gets its share rounded down to the cent, the cents left go one by one to the
    largest remainders, and any sub-cent rest to the largest share, so the parts sum exactly to
    the pool. A pool with no target (no team had direct cost) stays unallocated.

    Unused commitments under the charge policy 'consumers' are split the same way: the unused
    cost of each commitment_discount_id, per billing period and currency, goes to the teams whose
    lines used that commitment in the period (commitment_discount_status 'Used'), weighted by
    their covered effective cost as fct_cost allocates it (a Kubernetes node line counts for the
    node's team, before its namespace split); method commitment_consumers, rule id
    'commitment:<commitment_discount_id>'. A commitment nobody used (or an unused line without a
    commitment id) goes to the policy's target_team, which fct_cost already carries as x_team:
    method commitment_unconsumed.

    Kubernetes: a node-day's bill line group is replaced by its split rows (method kubernetes or
    kubernetes_idle, rule id = cluster) only when fct_cost holds exactly the lines silver split
    (same totals and line count); a month whose export changed and whose fct_cost was not rebuilt
    keeps its lines as they were, so nothing is lost or counted twice. Split rows count as their
    team's direct cost for proportional pools.
-#}

{{ fct_cost_allocated_sql('as_was') }}
