{{ config(materialized='table') }}

{#-
    Cloud Kubernetes clusters' bill lines split across namespaces, as OpenCost splits a node's
    cost. The cloud bill already holds the cluster's nodes (EC2 instances, Azure VMs / scale
    sets, GCE instances): allocation data only divides them, it adds no dollars.

    Match: a cost line belongs to a cluster when its resource_id is the node_provider_id of a
    node of a cloud (not on-prem) cluster and its charge day is the allocation's usage_date.
    Lines are split by group: the lines of one node-day with the same gold dimensions
    (fct_cost_allocated's grain) form a bill line group (x_split_group_key).

    Weights: OpenCost prices each workload's max(request, usage) of CPU, RAM and GPU (its
    cpuCost / ramCost / gpuCost, adjustments included), and the node's unused capacity is its
    __idle__ allocation. A recipient's share of the node-day is its cpu + ram + gpu + network
    cost over the node's total including __idle__. PV cost is left out: volumes are their own
    bill lines, not the node's. A node-day whose costs are all zero falls back to core-hours.

    Idle (var kubernetes_idle_policy): keep -> its own row (team null, kubernetes_idle); even
    -> each node's idle is shared equally by the namespaces of the cluster that day;
    proportional -> by their weight in the cluster that day.

    Team: the recipient's team label (x_team, through tag_value_map), else the namespace seed
    kubernetes_namespaces, else null (unallocated); a team counts only if org_hierarchy knows
    it in the period. Amounts use largest-remainder rounding at the cent (as fct_cost_allocated
    splits pools), so each group's parts sum exactly to it; the group's lines are counted on its
    first namespace's row.
-#}

{{ int_kubernetes_bill_split_sql('as_was') }}
