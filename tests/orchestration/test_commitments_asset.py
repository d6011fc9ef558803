"""The ml/commitment_recommendations asset on DuckDB and PostgreSQL: new commitments are sized
net of the Savings Plans still active in gold, an expired one is ignored.

gold.fct_cost is written here as a small table of the columns the asset reads, so the asset runs
in seconds. Eligible on-demand spend is 10.00 an hour, 16.00 during 8 office hours a day: the
optimum for any shipped rate d (1 - d > 1/3) covers the 10.00 floor, i.e. commits (1 - d) x 10.
An active Savings Plan already covering 5.00 of it must bring that down to (1 - d) x 5.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import dagster as dg
import pytest

from orchestration.defs.ml.commitments import commitment_recommendations
from tests.warehouse_utils import create_table, query

CENT = Decimal("0.01")
START = datetime(2025, 3, 1)
HOURS = 240
FLOOR, PEAK = Decimal("10.00"), Decimal("16.00")
SP_RATE = Decimal("0.28")  # discount of both existing plans on the usage they cover
ACTIVE_SP = Decimal("3.60")  # per hour, every hour: covers 3.60 / 0.72 = 5.00 on demand
EXPIRED_SP = Decimal("1.44")  # per hour for the first 3 days only (covers 2.00)
EXPIRED_HOURS = 72
COLUMNS = (
    "charge_period_start timestamp, charge_period_end timestamp, charge_category varchar, "
    "x_line_item_type varchar, x_product_code varchar, x_usage_type varchar, "
    "x_provider varchar, x_billing_period date, commitment_discount_id varchar, "
    "commitment_discount_type varchar, commitment_discount_status varchar, "
    "list_cost decimal(38, 10), effective_cost decimal(38, 10), billed_cost decimal(38, 10)"
)


def on_demand(hour: int) -> Decimal:
    return PEAK if 8 <= hour % 24 < 16 else FLOOR


def _line(hour: int, kind: str, product: str, usage_type: str, costs: tuple, sp: str | None):
    start = START + timedelta(hours=hour)
    category = "Purchase" if kind == "SavingsPlanRecurringFee" else "Usage"
    status = "Used" if kind == "SavingsPlanCoveredUsage" else None
    sp_type = "Savings Plan" if sp else None
    return (
        start, start + timedelta(hours=1), category, kind, product, usage_type, "aws",
        START.date(), sp, sp_type, status, *costs,
    )  # fmt: skip


def _plan_lines(hour: int, arn: str, commitment: Decimal) -> list[tuple[Any, ...]]:
    covered = commitment / (1 - SP_RATE)
    fee = (Decimal(0), Decimal(0), commitment)  # list, effective (nothing unused), billed
    return [
        _line(hour, "SavingsPlanCoveredUsage", "AmazonEC2", "BoxUsage:m5.large",
              (covered, commitment, covered), arn),
        _line(hour, "SavingsPlanRecurringFee", "ComputeSavingsPlans", "ComputeSP:1yrNoUpfront",
              fee, arn),
    ]  # fmt: skip


def _gold() -> list[tuple[Any, ...]]:
    rows = []
    for hour in range(HOURS):
        plans = [("arn:sp-active", ACTIVE_SP)]
        if hour < EXPIRED_HOURS:
            plans.append(("arn:sp-expired", EXPIRED_SP))
        covered = sum((commitment / (1 - SP_RATE) for _, commitment in plans), Decimal(0))
        for arn, commitment in plans:
            rows += _plan_lines(hour, arn, commitment)
        rest = on_demand(hour) - covered
        rows.append(_line(hour, "Usage", "AmazonEC2", "BoxUsage:m5.large", (rest,) * 3, None))
    # an RDS reservation billing the whole month cannot cover compute: it must not count
    rows.append(
        (START, datetime(2025, 4, 1), "Purchase", "RIFee", "AmazonRDS", "HeavyUsage:db.r5",
         "aws", START.date(), "arn:ri-rds", "Reserved Instance", None,
         Decimal(100), Decimal(0), Decimal(100))
    )  # fmt: skip
    return rows


def test_active_plan_lowers_the_commitment_and_expired_one_is_ignored(empty_warehouse: str) -> None:
    create_table("gold.fct_cost", COLUMNS, _gold())
    result = dg.materialize([commitment_recommendations], partition_key="2025-03-01")
    assert result.success
    rows = query(
        "select commitment_type, term_years, payment_option, discount_rate, hourly_commitment "
        "from ml.commitment_recommendations"
    )
    assert len(rows) == 18  # every option of the shipped rate table
    covered_by_active = ACTIVE_SP / (1 - SP_RATE)
    assert covered_by_active == Decimal(5)
    for commitment_type, term, payment, rate, hourly in rows:
        keep = 1 - Decimal(str(rate))
        without_existing = keep * FLOOR
        expected = without_existing - keep * covered_by_active  # the expired plan changes nothing
        got = Decimal(str(hourly)).quantize(CENT, rounding=ROUND_HALF_UP)
        assert got == expected.quantize(CENT, rounding=ROUND_HALF_UP), (commitment_type, term)
        assert payment in ("no_upfront", "partial_upfront", "all_upfront")
    metadata = result.asset_materializations_for_node("ml__commitment_recommendations")[0].metadata
    assert metadata["existing_commitments_active"].value == 1
    assert metadata["existing_commitments_expired"].value == 1
    assert Decimal(str(metadata["existing_hourly_commitment"].value)).quantize(CENT) == ACTIVE_SP
    total = sum((on_demand(hour) for hour in range(HOURS)), Decimal(0))
    share = covered_by_active * HOURS / total
    assert metadata["existing_coverage"].value == pytest.approx(float(share), abs=1e-9)
