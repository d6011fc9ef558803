"""The metadata every materialization carries: rows, billing periods, cost totals, duration.

Names are the same on every asset kind: `rows` (int), `billing_periods` (JSON list of
YYYY-MM), `billed_cost_total` / `effective_cost_total` (JSON {currency: amount}, the amounts
as exact decimal strings), `duration_s` (float).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import dagster as dg

from orchestration.lib.partitions import months_between, window_of
from orchestration.lib.tables import fetch_rows

# models whose cost totals over the run's window are worth one aggregate query each: the FOCUS
# union silver hands to gold and the gold cost facts (the rest derive from them)
COST_MODELS = {
    "silver.int_costs_unioned",
    "gold.fct_cost",
    "gold.fct_cost_daily",
    "gold.fct_cost_allocated",
}
# counting a view runs its query: only built relations report their row count
COUNTED = {"table", "incremental", "seed"}


def billing_periods(context: dg.AssetExecutionContext) -> list[str]:
    """The run's billing months as YYYY-MM (empty for an unpartitioned run)."""
    if not context.has_partition_key_range:
        return []
    return months_between(*window_of(context))


def run_metadata(context: dg.AssetExecutionContext, started: float) -> dict[str, Any]:
    """Billing periods and duration of a step started at `started` (time.monotonic())."""
    return {
        "billing_periods": dg.MetadataValue.json(billing_periods(context)),
        "duration_s": round(time.monotonic() - started, 3),
    }


def _relation(node: Mapping[str, Any]) -> str:
    return f"{node['schema']}.{node['alias']}"


def _row_counts(relations: list[str]) -> dict[str, int]:
    # one statement for every table of the step: a single round trip, after dbt released the
    # warehouse (DuckDB allows one writer, so this cannot run while dbt still builds)
    if not relations:
        return {}
    sql = " union all ".join(f"select '{r}' as relation, count(*) from {r}" for r in relations)
    return {relation: int(count) for relation, count in fetch_rows(sql)[1]}


def _cost_totals(relations: list[str], periods: list[str]) -> dict[str, dict[str, Any]]:
    if not relations:
        return {}
    where = (
        f"where x_billing_period between '{periods[0]}-01' and '{periods[-1]}-01'"
        if periods
        else ""
    )
    sql = " union all ".join(
        f"select '{r}', billing_currency, count(*), sum(billed_cost), sum(effective_cost) "
        f"from {r} {where} group by billing_currency"
        for r in relations
    )
    totals: dict[str, dict[str, Any]] = {
        r: {"rows": 0, "billed": {}, "effective": {}} for r in relations
    }
    for relation, currency, count, billed, effective in fetch_rows(sql)[1]:
        entry = totals[relation]
        entry["rows"] += int(count)
        entry["billed"][currency] = str(Decimal(billed or 0))
        entry["effective"][currency] = str(Decimal(effective or 0))
    return totals


def dbt_metadata(
    events: Iterable[Any], manifest: Mapping[str, Any], periods: list[str], log: Any
) -> Iterator[Any]:
    """dbt's events, the model materializations with rows, window, cost totals and duration.

    Events are held back until dbt has finished: the counts are read afterwards in one query,
    the cost totals in another. A failed build yields what it built as dbt reported it.
    """
    held: list[Any] = []
    try:
        held.extend(events)
    except Exception:
        yield from held
        raise
    nodes = manifest["nodes"]
    built = {
        index: nodes[event.metadata["unique_id"].value]
        for index, event in enumerate(held)
        if isinstance(event, dg.Output | dg.AssetMaterialization)
        and "unique_id" in event.metadata
        and event.metadata["unique_id"].value in nodes
    }
    relations = {index: _relation(node) for index, node in built.items()}
    counted = {r for i, r in relations.items() if built[i]["config"]["materialized"] in COUNTED}
    queried = time.monotonic()
    try:
        counts = _row_counts(sorted(counted))
        costs = _cost_totals(sorted(set(relations.values()) & COST_MODELS), periods)
    except Exception as error:  # metadata is no reason to fail a build that succeeded
        log.warning("row counts / cost totals not read: %s", error)
        counts, costs = {}, {}
    log.info(
        "metadata: %s row counts, %s cost totals in %.2fs",
        len(counts),
        len(costs),
        time.monotonic() - queried,
    )
    for index, event in enumerate(held):
        relation = relations.get(index)
        if relation is None:
            yield event
            continue
        extra: dict[str, Any] = {"billing_periods": dg.MetadataValue.json(periods)}
        duration = event.metadata.get("Execution Duration")
        if duration is not None:
            extra["duration_s"] = float(duration.value)
        if relation in counts:
            extra["rows"] = counts[relation]
        if relation in costs:
            extra["window_rows"] = costs[relation]["rows"]
            extra["billed_cost_total"] = dg.MetadataValue.json(costs[relation]["billed"])
            extra["effective_cost_total"] = dg.MetadataValue.json(costs[relation]["effective"])
        yield event.with_metadata({**event.metadata, **extra})
