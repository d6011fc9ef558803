"""Entry point: metrics + inventory (+ catalog) -> ``rightsizing_recommendations``."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from ml.rightsizing.features import summarize_metrics
from ml.rightsizing.model import choose_size

DEFAULT_CATALOG_PATH = Path(__file__).with_name("instance_catalog.csv")
INVENTORY_COLUMNS = ("resource_id", "resource_type", "instance_type", "state")
HOURS_PER_MONTH = Decimal(730)
CENT = Decimal("0.01")

# two weeks covers weekly cycles (batch jobs, weekend lows) at least twice
MIN_DAYS = 14.0
# below 2% p95 CPU an instance is doing nothing useful (AWS Compute Optimizer uses similar bars)
IDLE_CPU_P95 = 2.0

RECOMMENDATION_COLUMNS = [
    "resource_id",
    "resource_type",
    "current_instance_type",
    "recommended_instance_type",
    "action",
    "reason",
    "days_observed",
    "cpu_p95",
    "cpu_max",
    "mem_p95",
    "mem_max",
    "monthly_current_cost",
    "monthly_savings",
]


def load_default_catalog() -> pd.DataFrame:
    """Read the shipped, illustrative EC2 catalog (m5, c5, r5, t3; prices are examples).

    Returns:
        Frame with ``instance_type, family, vcpu, memory_gib, hourly_on_demand_usd``.
    """
    return pd.read_csv(DEFAULT_CATALOG_PATH, comment="#")


def _price(catalog: pd.DataFrame, instance_type: str) -> Decimal:
    # str() of the float read from the CSV gives back its written digits (0.192, not 0.19199..)
    return Decimal(
        str(catalog.loc[catalog["instance_type"] == instance_type, "hourly_on_demand_usd"].iloc[0])
    )


def monthly_cost(row: dict[str, Any]) -> Decimal:
    """The resource's cost per 730-hour month: `monthly_cost`, else `hourly_cost` x 730."""
    value = row.get("monthly_cost")
    if value is not None and not (isinstance(value, float) and math.isnan(value)):
        return Decimal(str(value))
    hourly = row.get("hourly_cost")
    if hourly is None or (isinstance(hourly, float) and math.isnan(hourly)):
        return Decimal(0)
    return Decimal(str(hourly)) * HOURS_PER_MONTH


def _decide_instance(
    row: dict[str, Any], catalog: pd.DataFrame, headroom: float, min_days: float
) -> tuple[str, str, str | None, Decimal]:
    """(action, reason, recommended type, monthly savings) for one billed instance."""
    cost = monthly_cost(row)
    nothing = Decimal(0)
    if row["state"] == "stopped":
        if cost > 0:
            return "review_stopped", "stopped instance still billed", None, cost
        return "none", "stopped and not billed", None, nothing
    days = row.get("days_observed", math.nan)
    if math.isnan(days) or days < min_days:
        observed = 0.0 if math.isnan(days) else days
        reason = f"not enough metrics: {observed:.1f} days observed, {min_days:g} needed"
        return "not_recommended", reason, None, nothing
    if math.isnan(row["cpu_p95"]):
        return "not_recommended", "no CPU metric", None, nothing
    if row["cpu_p95"] < IDLE_CPU_P95:
        reason = f"idle: p95 CPU {row['cpu_p95']:.2f}% < {IDLE_CPU_P95:g}%"
        return "idle", reason, None, cost
    current = row["instance_type"]
    target = choose_size(current, row["cpu_p95"], row["mem_p95"], catalog, headroom)
    if target is None:
        known = (catalog["instance_type"] == current).any()
        reason = "no size in family fits under headroom" if known else "type not in catalog"
        return "not_recommended", reason, None, nothing
    # the rate actually paid (after discounts) scaled by the on-demand price ratio
    savings = cost - cost * _price(catalog, target) / _price(catalog, current)
    note = "" if not math.isnan(row["mem_p95"]) else "; memory not measured, check it first"
    if target == current:
        return "none", f"already the smallest size under {headroom:.0%} p95{note}", None, nothing
    action = "downsize" if savings > 0 else "upsize"
    reason = f"projected p95 stays under {headroom:.0%} on {target}{note}"
    return action, reason, target, savings


def _decide(
    row: dict[str, Any], catalog: pd.DataFrame, headroom: float, min_days: float
) -> tuple[str, str, str | None, Decimal]:
    if row["resource_type"] == "volume":
        if row["state"] == "available":
            return "delete_volume", "unattached volume", None, monthly_cost(row)
        return "none", "attached volume", None, Decimal(0)
    return _decide_instance(row, catalog, headroom, min_days)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def recommend_rightsizing(
    metrics: pd.DataFrame,
    inventory: pd.DataFrame,
    catalog: pd.DataFrame | None = None,
    headroom: float = 0.8,
    min_days: float = MIN_DAYS,
) -> pd.DataFrame:
    """Downsizing and waste recommendations, one row per inventory resource.

    Args:
        metrics: CloudWatch-style rows ``resource_id, timestamp, metric, value`` with metrics
            ``CPUUtilization`` and ``mem_used_percent``.
        inventory: ``resource_id, resource_type ('instance' | 'volume'), instance_type, state
            ('running' | 'stopped' for instances, 'available' | 'in-use' for volumes)``, and
            the cost actually paid: ``monthly_cost`` (per 730-hour month, Decimal) or
            ``hourly_cost``.
        catalog: Instance catalog; defaults to the shipped illustrative one.
        headroom: Highest projected p95 (share of the candidate's capacity) a size may reach.
        min_days: Fewer days of metrics than this -> ``not_recommended``.

    Returns:
        Frame with ``RECOMMENDATION_COLUMNS``. ``action`` is one of ``downsize, upsize, idle,
        review_stopped, delete_volume, not_recommended, none``. ``monthly_current_cost`` and
        ``monthly_savings`` are Decimals rounded half-up to the cent; savings assume, for
        resizes, that the discount on the current rate carries over.
    """
    missing = [column for column in INVENTORY_COLUMNS if column not in inventory.columns]
    if missing:
        raise ValueError(f"inventory is missing column(s): {', '.join(missing)}")
    if not {"monthly_cost", "hourly_cost"} & set(inventory.columns):
        raise ValueError("inventory needs a monthly_cost or hourly_cost column")
    catalog = load_default_catalog() if catalog is None else catalog
    merged = inventory.merge(summarize_metrics(metrics), on="resource_id", how="left")
    rows = []
    for row in merged.to_dict("records"):
        action, reason, target, savings = _decide(row, catalog, headroom, min_days)
        rows.append(
            {
                **{key: row.get(key) for key in ("resource_id", "resource_type")},
                "current_instance_type": row.get("instance_type"),
                "recommended_instance_type": target,
                "action": action,
                "reason": reason,
                **{
                    key: row.get(key)
                    for key in ("days_observed", "cpu_p95", "cpu_max", "mem_p95", "mem_max")
                },
                "monthly_current_cost": _cents(monthly_cost(row)),
                "monthly_savings": _cents(savings),
            }
        )
    return pd.DataFrame(rows, columns=RECOMMENDATION_COLUMNS)
