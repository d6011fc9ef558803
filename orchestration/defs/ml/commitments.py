"""ml/commitment_recommendations: Savings Plan / RI sizing from the hourly usage in gold."""

import time

import dagster as dg
import pandas as pd

from orchestration.defs.ml.existing_commitments import (
    ELIGIBLE_PRODUCTS,
    EXISTING_COMMITMENTS_SQL,
    existing_commitments,
)
from orchestration.lib.asset_keys import model_key
from orchestration.lib.asset_metadata import run_metadata
from orchestration.lib.partitions import billing_month, single_run
from orchestration.lib.tables import read_sql, write_table

# on-demand-equivalent spend a compute commitment could cover: usage of these services, covered
# lines at their list (on-demand) cost, uncovered lines as billed
ELIGIBLE_USAGE_SQL = f"""
select charge_period_start as hour, sum(list_cost) as on_demand_cost
from gold.fct_cost
where charge_category = 'Usage'
    and x_line_item_type in ('Usage', 'SavingsPlanCoveredUsage', 'DiscountedUsage')
    and x_product_code in ({", ".join(f"'{code}'" for code in ELIGIBLE_PRODUCTS)})
    and charge_period_start
        >= (select max(charge_period_start) from gold.fct_cost) - interval '30 days'
group by 1
"""
KPI_SQL = """
select charge_category, commitment_discount_status, commitment_discount_id, effective_cost,
    billed_cost, list_cost, x_line_item_type
from gold.fct_cost
where x_billing_period = (select max(x_billing_period) from gold.fct_cost)
"""

COLUMNS = {
    "scope": "varchar",
    "commitment_type": "varchar",
    "term_years": "integer",
    "payment_option": "varchar",
    "discount_rate": "decimal(10,6)",
    "lookback_hours": "integer",
    "hourly_commitment": "decimal(38,10)",
    "expected_monthly_savings": "decimal(38,10)",
    "coverage": "double precision",
    "utilization": "double precision",
    "break_even_utilization": "double precision",
    "break_even_months": "double precision",
    "savings_if_usage_drops_10": "decimal(38,10)",
    "savings_if_usage_drops_25": "decimal(38,10)",
    "savings_if_usage_drops_50": "decimal(38,10)",
}


@dg.asset(
    key=["ml", "commitment_recommendations"],
    deps=[model_key("gold", "fct_cost")],
    partitions_def=billing_month,
    backfill_policy=single_run,
    group_name="ml",
    description="Hourly commitment per type, term and payment option over the last 30 days of "
    "eligible compute usage net of the commitments still active, with savings, coverage, "
    "utilization and break-even.",
)
def commitment_recommendations(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Size new commitments on the latest 30 days of gold usage, net of the commitments already
    owned, and record today's KPIs and the existing commitments' coverage."""
    started = time.monotonic()
    # scipy / scikit-learn are imported only by this step, not by every process loading the defs
    from ml.commitments.kpis import commitment_kpis
    from ml.commitments.run import recommend_commitments

    usage = read_sql(ELIGIBLE_USAGE_SQL)
    usage["on_demand_cost"] = usage["on_demand_cost"].astype(float)
    existing = existing_commitments(read_sql(EXISTING_COMMITMENTS_SQL))
    recommendations = recommend_commitments(usage, existing, negative="clip")
    rows = write_table(recommendations, "commitment_recommendations", COLUMNS)
    costs = read_sql(KPI_SQL)
    for column in ("effective_cost", "billed_cost", "list_cost"):
        costs[column] = costs[column].astype(float)
    kpis = commitment_kpis(costs) if len(costs) else {}
    best = recommendations["expected_monthly_savings"].max() if rows else 0.0
    context.log.info("commitment recommendations: %s rows, best monthly savings %.2f", rows, best)
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "usage_hours": len(usage),
            "best_expected_monthly_savings": float(best),
            **_existing_coverage(usage, existing),
            **{f"kpi_{name}": float(value) for name, value in kpis.items()},
            "relation": "ml.commitment_recommendations",
            **run_metadata(context, started),
        }
    )


def _existing_coverage(usage: pd.DataFrame, existing: pd.DataFrame) -> dict[str, float | int]:
    """How much of the lookback's eligible spend the commitments still owned already cover."""
    from ml.commitments.features import hourly_series, residual_spend

    series = hourly_series(usage, negative="clip")
    if series.empty:
        return {"existing_commitments_active": 0, "existing_commitments_expired": len(existing)}
    as_of = series.index.max() + pd.Timedelta(hours=1)
    active = existing[(existing["start"] <= as_of) & (existing["end"] > as_of)]
    left = residual_spend(series, active, as_of=as_of)
    total = float(series.sum())
    return {
        "existing_commitments_active": len(active),
        "existing_commitments_expired": len(existing) - len(active),
        "existing_hourly_commitment": float(active["hourly_commitment"].sum()),
        "existing_coverage": 1.0 - float(left.sum()) / total if total > 0 else 0.0,
    }


@dg.definitions
def defs() -> dg.Definitions:
    """The commitment recommendations asset."""
    return dg.Definitions(assets=[commitment_recommendations])
