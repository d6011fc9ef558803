"""The ml/rightsizing_recommendations asset on DuckDB and PostgreSQL.

Its inputs (the bronze utilization views and gold.fct_cost) are written here as small tables of
the columns the asset reads, so the asset runs in seconds; the full path (dlt -> dbt -> asset)
runs in tests/pipeline_cases.py. Expected savings are computed here with Decimal, to the cent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import dagster as dg
import pytest

from orchestration.defs.ml.rightsizing import COLUMNS, rightsizing_recommendations
from tests.warehouse_utils import create_table, query

CENT = Decimal("0.01")
END = datetime(2025, 3, 21)
# (resource, days of metrics, cpu %, memory % or None); every sample hourly up to END
MEASURED = [
    ("i-over", 20, 20.0, 10.0),  # m5.2xlarge: 20% of 8 vCPU = 80% of m5.large's 2
    ("i-short", 10, 20.0, 10.0),  # < 14 days: not recommended
    ("i-zero", 20, 0.0, 0.0),  # all-zero usage: idle
    ("i-nomem", 20, 30.0, None),  # no memory agent: CPU alone decides, flagged
    ("i-unlisted", 20, 35.0, 40.0),  # measured, not in the inventory: type from the bill
]
INVENTORY = [
    ("i-over", "instance", "m5.2xlarge", "running", "111"),
    ("i-short", "instance", "m5.2xlarge", "running", "111"),
    ("i-zero", "instance", "c5.xlarge", "running", "111"),
    ("i-nomem", "instance", "r5.2xlarge", "running", "222"),
    ("i-stopped", "instance", "m5.large", "stopped", "222"),
    ("vol-free", "volume", None, "available", "222"),
    ("vol-used", "volume", None, "in-use", "222"),
]
# resource -> (daily effective cost over the last 30 days, usage type)
DAILY_COST = {
    "i-over": (Decimal("7.3711"), "BoxUsage:m5.2xlarge"),
    "i-short": (Decimal("9.2160"), "BoxUsage:m5.2xlarge"),
    "i-zero": (Decimal("3.2645"), "BoxUsage:c5.xlarge"),
    "i-nomem": (Decimal("10.0873"), "BoxUsage:r5.2xlarge"),
    "i-stopped": (Decimal("0.4173"), "BoxUsage:m5.large"),
    "vol-free": (Decimal("0.2667"), "EBS:VolumeUsage.gp3"),
    "vol-used": (Decimal("1.3333"), "EBS:VolumeUsage.gp3"),
    "i-unlisted": (Decimal("2.3041"), "USE1-BoxUsage:m5.xlarge"),
}


SAMPLE_COLUMNS = (
    "resource_id varchar, sample_time timestamp, metric varchar, "
    "average_percent double precision, maximum_percent double precision"
)
RESOURCE_COLUMNS = (
    "resource_id varchar, resource_type varchar, instance_type varchar, "
    "resource_state varchar, account_id varchar"
)
COST_COLUMNS = (
    "resource_id varchar, sub_account_id varchar, billing_currency varchar, "
    "x_usage_type varchar, effective_cost decimal(38, 10), charge_category varchar, "
    "charge_period_start timestamp"
)


def _inputs() -> None:
    samples = []
    for resource, days, cpu, memory in MEASURED:
        for hour in range(days * 24):
            moment = END - timedelta(hours=hour)
            samples.append((resource, moment, "cpu_percent", cpu, cpu))
            if memory is not None:
                samples.append((resource, moment, "memory_percent", memory, memory))
    create_table("bronze.stg_utilization_metrics__metric_samples", SAMPLE_COLUMNS, samples)
    create_table("bronze.stg_utilization_metrics__resources", RESOURCE_COLUMNS, INVENTORY)
    costs = []
    for resource, (daily, usage_type) in DAILY_COST.items():
        # 30 days in the window, plus one older day that must not count
        for day in range(31):
            moment = END - timedelta(days=day)
            costs.append((resource, "333", "USD", usage_type, daily, "Usage", moment))
        costs.append((resource, "333", "USD", usage_type, Decimal(-1), "Credit", END))
    create_table("gold.fct_cost", COST_COLUMNS, costs)


def monthly(resource: str) -> Decimal:
    """Reference: the 30 days' effective cost scaled to a 730-hour month, unrounded."""
    return DAILY_COST[resource][0] * 30 * Decimal(730) / Decimal(720)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# m5.large / m5.2xlarge on-demand prices: the resize keeps the discount, so it scales the cost paid
M5_RATIO = Decimal("0.096") / Decimal("0.384")
# resource -> (action, recommended type, savings), from the price list's size ratios
EXPECTED = {
    "i-over": ("downsize", "m5.large", cents(monthly("i-over") * (1 - M5_RATIO))),
    "i-short": ("not_recommended", None, Decimal("0.00")),
    "i-zero": ("idle", None, cents(monthly("i-zero"))),
    "i-nomem": ("downsize", "r5.xlarge", cents(monthly("i-nomem") / 2)),
    "i-stopped": ("review_stopped", None, cents(monthly("i-stopped"))),
    "vol-free": ("delete_volume", None, cents(monthly("vol-free"))),
    "vol-used": ("none", None, Decimal("0.00")),
    "i-unlisted": ("downsize", "m5.large", cents(monthly("i-unlisted") / 2)),
}  # fmt: skip


def test_recommendations_and_savings_to_the_cent(empty_warehouse: str) -> None:
    _inputs()
    result = dg.materialize([rightsizing_recommendations], partition_key="2025-03-01")
    assert result.success
    rows = query(
        "select resource_id, action, recommended_instance_type, monthly_savings, "
        "monthly_current_cost, account_id, reason, mem_p95, cpu_p95, days_observed "
        "from ml.rightsizing_recommendations"
    )
    by_id = {row[0]: row[1:] for row in rows}
    assert set(by_id) == set(EXPECTED)
    for resource, (action, target, savings) in EXPECTED.items():
        got = by_id[resource]
        assert (got[0], got[1], Decimal(got[2])) == (action, target, savings), resource
        assert Decimal(got[3]) == cents(monthly(resource)), resource
    assert "days observed, 14 needed" in by_id["i-short"][5]
    assert "memory not measured" in by_id["i-nomem"][5] and by_id["i-nomem"][6] is None
    assert by_id["i-zero"][7] == 0.0 and by_id["i-unlisted"][4] == "333"
    # 20 days of hourly samples span 20 days less one hour
    assert by_id["i-over"][7] == pytest.approx(20.0)
    assert by_id["i-over"][8] == pytest.approx(20 - 1 / 24)
    types = query(
        "select column_name, data_type, numeric_scale from information_schema.columns "
        "where table_schema = 'ml' and table_name = 'rightsizing_recommendations' "
        "order by ordinal_position"
    )
    assert [name for name, _, _ in types] == list(COLUMNS)
    money = {name: (kind.lower(), scale) for name, kind, scale in types if "cost" in name}
    money["monthly_savings"] = next(
        (t[1].lower(), t[2]) for t in types if t[0] == "monthly_savings"
    )
    assert all(
        kind.startswith(("decimal", "numeric")) and scale == 2 for kind, scale in money.values()
    )
    materialization = result.asset_materializations_for_node("ml__rightsizing_recommendations")[0]
    total = sum((s for _, _, s in EXPECTED.values() if s > 0), Decimal(0))
    assert materialization.metadata["rows"].value == len(EXPECTED)
    assert Decimal(str(materialization.metadata["total_monthly_savings"].value)) == total


def test_without_metrics_or_inventory_the_table_is_empty(empty_warehouse: str) -> None:
    # a deployment that never configured utilization metrics: the bronze views are empty
    create_table("bronze.stg_utilization_metrics__metric_samples", SAMPLE_COLUMNS, [])
    create_table("bronze.stg_utilization_metrics__resources", RESOURCE_COLUMNS, [])
    create_table(
        "gold.fct_cost",
        COST_COLUMNS,
        [("i-1", "1", "USD", "BoxUsage:m5.large", Decimal(1), "Usage", END)],
    )
    result = dg.materialize([rightsizing_recommendations], partition_key="2025-03-01")
    assert result.success
    assert query("select count(*) from ml.rightsizing_recommendations") == [(0,)]
