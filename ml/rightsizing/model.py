"""Pick the cheapest same-family size that keeps rescaled p95 utilization under headroom."""

from __future__ import annotations

import math

import pandas as pd

CATALOG_COLUMNS = ("instance_type", "family", "vcpu", "memory_gib", "hourly_on_demand_usd")


def projected_utilization(p95: float, current_capacity: float, target_capacity: float) -> float:
    """Utilization the same absolute load would show on a different capacity.

    Args:
        p95: Observed p95 utilization in percent on the current size.
        current_capacity: vCPUs (or GiB) of the current size.
        target_capacity: vCPUs (or GiB) of the candidate size.

    Returns:
        ``p95 * current / target`` in percent.
    """
    return p95 * current_capacity / target_capacity


def choose_size(
    current_type: str,
    cpu_p95: float,
    mem_p95: float,
    catalog: pd.DataFrame,
    headroom: float = 0.8,
) -> str | None:
    """Cheapest instance in the current family whose projected p95s stay under headroom.

    CPU and memory are both rescaled to each candidate (``p95 * current / candidate``) and must
    stay at or below ``headroom * 100`` percent. A NaN ``mem_p95`` (memory not collected) leaves
    memory unconstrained, so the caller must flag that.

    Args:
        current_type: Current instance type, e.g. ``m5.2xlarge``.
        cpu_p95: p95 CPU utilization in percent.
        mem_p95: p95 memory utilization in percent, or NaN.
        catalog: Frame with ``CATALOG_COLUMNS``.
        headroom: Highest acceptable projected p95 as a share of the candidate's capacity.

    Returns:
        The chosen instance type (possibly the current one, or a larger one when the current
        size is too small); ``None`` if the type is not in the catalog or nothing fits.
    """
    rows = catalog[catalog["instance_type"] == current_type]
    if rows.empty:
        return None
    current = rows.iloc[0]
    family = catalog[catalog["family"] == current["family"]]
    limit = headroom * 100.0
    fits = projected_utilization(cpu_p95, current["vcpu"], family["vcpu"]) <= limit
    if not math.isnan(mem_p95):
        fits &= projected_utilization(mem_p95, current["memory_gib"], family["memory_gib"]) <= limit
    candidates = family[fits].sort_values(["hourly_on_demand_usd", "vcpu", "memory_gib"])
    return None if candidates.empty else str(candidates.iloc[0]["instance_type"])
