"""Existing AWS commitments read back from gold, in the shape ``recommend_commitments`` takes.

Gold carries no commitment terms (silver keeps neither the CUR's savings_plan_end_time nor
reservation_end_time), so each commitment is derived from its own cost lines:

- ``start`` / ``end``: first and last hour it billed (its covered usage and its fee lines). A
  Savings Plan bills a recurring fee every hour of its term, so a plan whose lines stop before
  the end of the AWS usage in gold has expired (``end`` = its last billed hour) and is ignored.
  One still billing at that end is assumed active beyond the purchase being sized (``end`` =
  ``OPEN_END``): the real end date is not known in gold, and a plan expiring soon after will
  show as expired on the next run. RI fees are monthly lines, so an RI counts as running
  through its last billed month.
- ``hourly_commitment``: its amortized cost per hour of that span, i.e. the effective cost of
  the usage it covered plus the unused part of its fees (upfront payments are already in both).
- ``discount_rate``: 1 - effective / list cost of the usage it covered; 0 (it absorbs exactly
  its own cost of on-demand spend) when it covered nothing.
- ``commitment_type``: RI -> ``reserved_instance``; a Savings Plan whose fee usage type starts
  with ``EC2InstanceSP`` -> ``ec2_instance_savings_plan``, any other -> ``compute_savings_plan``.

Only commitments with a line in the eligible compute products count (an RDS RI or a SageMaker
Savings Plan cannot cover the EC2 / Lambda / Fargate spend being sized).
"""

from __future__ import annotations

import pandas as pd

ELIGIBLE_PRODUCTS = ("AmazonEC2", "AWSLambda", "AmazonECS", "AmazonEKS")
_PRODUCTS = ", ".join(f"'{code}'" for code in ELIGIBLE_PRODUCTS)

EXISTING_COMMITMENTS_SQL = f"""
select
    commitment_discount_id,
    max(commitment_discount_type) as commitment_discount_type,
    max(case when x_usage_type like 'EC2InstanceSP%' then 1 else 0 end) as is_instance_plan,
    min(charge_period_start) as start_hour,
    max(charge_period_end) as end_hour,
    sum(effective_cost) as committed_cost,
    sum(case when charge_category = 'Usage' then effective_cost else 0 end) as covered_effective,
    sum(case when charge_category = 'Usage' then list_cost else 0 end) as covered_list,
    (
        select max(charge_period_end) from gold.fct_cost
        where x_provider = 'aws' and charge_category = 'Usage'
    ) as usage_end_hour
from gold.fct_cost
where x_provider = 'aws'
    and commitment_discount_id is not null
    and charge_category in ('Usage', 'Purchase')
group by commitment_discount_id
having max(case when x_product_code in ({_PRODUCTS}, 'ComputeSavingsPlans') then 1 else 0 end) = 1
"""

# the end of a commitment still billing when the data ends (pandas' timestamps stop in 2262)
OPEN_END = pd.Timestamp("2262-01-01", tz="UTC")

EXISTING_COLUMNS = [
    "commitment_id",
    "commitment_type",
    "hourly_commitment",
    "discount_rate",
    "start",
    "end",
]


def _commitment_type(row: pd.Series) -> str:
    if row["commitment_discount_type"] == "Reserved Instance":
        return "reserved_instance"
    return "ec2_instance_savings_plan" if row["is_instance_plan"] else "compute_savings_plan"


def existing_commitments(lines: pd.DataFrame) -> pd.DataFrame:
    """Turn the rows of ``EXISTING_COMMITMENTS_SQL`` into ``recommend_commitments``' input.

    Args:
        lines: One row per commitment as the query returns it.

    Returns:
        Frame with ``EXISTING_COLUMNS`` (``start`` / ``end`` as UTC timestamps).
    """
    if lines.empty:
        return pd.DataFrame(columns=EXISTING_COLUMNS)
    start = pd.to_datetime(lines["start_hour"], utc=True)
    end = pd.to_datetime(lines["end_hour"], utc=True)
    running = end >= pd.to_datetime(lines["usage_end_hour"], utc=True)
    hours = ((end - start) / pd.Timedelta(hours=1)).clip(lower=1.0)
    effective = lines["covered_effective"].astype(float)
    listed = lines["covered_list"].astype(float)
    rate = (1.0 - effective / listed.where(listed > 0)).fillna(0.0).clip(0.0, 0.99)
    return pd.DataFrame(
        {
            "commitment_id": lines["commitment_discount_id"],
            "commitment_type": lines.apply(_commitment_type, axis=1),
            "hourly_commitment": lines["committed_cost"].astype(float) / hours,
            "discount_rate": rate,
            "start": start,
            "end": end.where(~running, OPEN_END),
        },
        columns=EXISTING_COLUMNS,
    )
