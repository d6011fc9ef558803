"""Assemble the rightsizing inventory: resources, their state and the cost actually paid."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

# the cost window is this many hours; a month of advice is 730 hours (365 x 24 / 12)
COST_WINDOW_HOURS = Decimal(720)
HOURS_PER_MONTH = Decimal(730)


def instance_type_of(usage_type: object) -> str | None:
    """`USE1-BoxUsage:m5.xlarge` -> `m5.xlarge`; None when not an instance-hour usage type."""
    if not isinstance(usage_type, str) or "BoxUsage:" not in usage_type:
        return None
    return usage_type.split("BoxUsage:", 1)[1] or None


def build_inventory(
    resources: pd.DataFrame, costs: pd.DataFrame, measured_ids: set[str]
) -> pd.DataFrame:
    """One row per resource to assess, with its monthly cost at the rates actually paid.

    Args:
        resources: inventory ``resource_id, resource_type, instance_type, resource_state,
            account_id`` (may be empty).
        costs: per resource over the last 720 hours of gold: ``resource_id, account_id,
            billing_currency, usage_type, cost`` (effective cost, Decimal).
        measured_ids: resources that have utilization metrics; those missing from the
            inventory are taken as running instances whose type comes from the bill.

    Returns:
        ``resource_id, resource_type, instance_type, state, account_id, billing_currency,
        monthly_cost`` (Decimal: cost x 730 / 720).
    """
    listed = resources.rename(columns={"resource_state": "state"})[
        ["resource_id", "resource_type", "instance_type", "state", "account_id"]
    ]
    extra = sorted(measured_ids - set(listed["resource_id"]))
    found = pd.DataFrame(
        {
            "resource_id": extra,
            "resource_type": "instance",
            "instance_type": None,
            "state": "running",
            "account_id": None,
        },
        columns=listed.columns,
    )
    inventory = pd.concat([listed, found], ignore_index=True) if extra else listed.copy()
    billed = costs.set_index("resource_id")
    by_id = inventory["resource_id"]
    inventory["instance_type"] = inventory["instance_type"].where(
        inventory["instance_type"].notna(),
        by_id.map(billed["usage_type"].map(instance_type_of)),
    )
    inventory["account_id"] = inventory["account_id"].where(
        inventory["account_id"].notna(), by_id.map(billed["account_id"])
    )
    inventory["billing_currency"] = by_id.map(billed["billing_currency"])
    paid = by_id.map(billed["cost"])
    inventory["monthly_cost"] = [
        Decimal(0) if pd.isna(value) else Decimal(str(value)) * HOURS_PER_MONTH / COST_WINDOW_HOURS
        for value in paid
    ]
    return inventory.reset_index(drop=True)
