{{ config(materialized='table') }}

{#-
    How every distinct allocation key is assigned, per billing period, first match wins:
      1. chargeback policy of its charge kind: 'central' -> the policy's team; 'proportional' ->
         the shared pool 'policy:<kind>' (split in gold by direct cost); 'consumers' (unused
         commitments) -> split in gold across the teams that used the same commitment, the
         policy's team kept as the fallback for a commitment nobody used;
      2. shared cost pools (shared_cost_pools, by priority) -> split in gold;
      3. virtual tags (allocation_rules, by priority) -> the rule's team;
      4. the resource's team tag, canonical as is ('tag') or through tag_value_map;
      5. the account's team from the account hierarchy ('account_default');
      6. else unallocated.
    A team counts only if the organization hierarchy knows it. Closed billing periods use the
    seeds saved at close (as-was); open ones the current seeds.
-#}

{{ int_allocation_decisions_sql('as_was') }}
