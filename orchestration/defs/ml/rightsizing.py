"""ml/rightsizing_recommendations: downsizing and waste from utilization metrics and gold costs."""

import time
from decimal import Decimal

import dagster as dg

from orchestration.lib.asset_keys import model_key
from orchestration.lib.asset_metadata import run_metadata
from orchestration.lib.partitions import billing_month, single_run
from orchestration.lib.tables import read_sql, write_table

SAMPLES = "bronze.stg_utilization_metrics__metric_samples"
# the last 30 days of samples: enough for the 14 required, recent enough to reflect today's load
METRICS_SQL = f"""
select resource_id, sample_time as timestamp, metric, average_percent as value,
    maximum_percent as maximum
from {SAMPLES}
where sample_time > (select max(sample_time) from {SAMPLES}) - interval '30 days'
"""
RESOURCES_SQL = """
select resource_id, resource_type, instance_type, resource_state, account_id
from bronze.stg_utilization_metrics__resources
"""
# effective cost (after RI / Savings Plan / negotiated discounts) over the last 720 hours of
# gold: the rate actually paid, which a resize scales and an idle resource saves in full
COSTS_SQL = """
select resource_id, max(sub_account_id) as account_id, max(billing_currency) as billing_currency,
    max(case when x_usage_type like '%BoxUsage:%' then x_usage_type end) as usage_type,
    sum(effective_cost) as cost
from gold.fct_cost
where resource_id is not null and charge_category = 'Usage'
    and charge_period_start
        > (select max(charge_period_start) from gold.fct_cost) - interval '30 days'
group by 1
"""

COLUMNS = {
    "resource_id": "varchar",
    "account_id": "varchar",
    "resource_type": "varchar",
    "current_instance_type": "varchar",
    "recommended_instance_type": "varchar",
    "action": "varchar",
    "reason": "varchar",
    "days_observed": "double precision",
    "cpu_p95": "double precision",
    "cpu_max": "double precision",
    "mem_p95": "double precision",
    "mem_max": "double precision",
    "billing_currency": "varchar",
    "monthly_current_cost": "decimal(38,2)",
    "monthly_savings": "decimal(38,2)",
}


@dg.asset(
    key=["ml", "rightsizing_recommendations"],
    deps=[
        model_key("gold", "fct_cost"),
        model_key("bronze", "stg_utilization_metrics__metric_samples"),
        model_key("bronze", "stg_utilization_metrics__resources"),
    ],
    partitions_def=billing_month,
    backfill_policy=single_run,
    group_name="ml",
    description="Per resource: the cheapest same-family size keeping p95 CPU and memory under "
    "80%, or idle / stopped-but-billed / unattached-volume waste, with monthly savings at the "
    "rates actually paid.",
)
def rightsizing_recommendations(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Rightsize every inventoried or measured resource on its last 30 days of metrics."""
    started = time.monotonic()
    from ml.rightsizing.inventory import build_inventory
    from ml.rightsizing.run import recommend_rightsizing

    metrics = read_sql(METRICS_SQL)
    inventory = build_inventory(
        read_sql(RESOURCES_SQL), read_sql(COSTS_SQL), set(metrics["resource_id"])
    )
    recommendations = recommend_rightsizing(metrics, inventory)
    extra = inventory.set_index("resource_id")[["account_id", "billing_currency"]]
    recommendations = recommendations.join(extra, on="resource_id")
    # NaN is a value in DuckDB's double columns: missing measurements are written as NULL
    recommendations = recommendations.astype(object).where(recommendations.notna(), None)
    rows = write_table(recommendations, "rightsizing_recommendations", COLUMNS)
    # upsizes cost more; the headline is what the savings recommendations would save
    savings = sum((v for v in recommendations["monthly_savings"] if v > 0), Decimal(0))
    actions = recommendations["action"].value_counts().to_dict() if rows else {}
    context.log.info("rightsizing: %s resources, monthly savings %s", rows, savings)
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "resources_with_metrics": int(metrics["resource_id"].nunique()) if len(metrics) else 0,
            "total_monthly_savings": float(savings),
            "by_action": dg.MetadataValue.json(actions),
            "relation": "ml.rightsizing_recommendations",
            **run_metadata(context, started),
        }
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The rightsizing recommendations asset."""
    return dg.Definitions(assets=[rightsizing_recommendations])
