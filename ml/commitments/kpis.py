"""Commitment KPIs from actual FOCUS-like cost lines (``fct_cost`` shape).

Conventions of this repo's FOCUS mapping: covered usage lines are ``charge_category = 'Usage'``
with ``commitment_discount_status = 'Used'`` and carry the amortized commitment cost in
``effective_cost``; the unused part of a commitment sits on its recurring-fee line (a
``Purchase``) with status ``'Unused'``; ``SavingsPlanNegation`` lines only offset billed cost and
are left out. ``list_cost`` is the on-demand-equivalent price.
"""

from __future__ import annotations

import pandas as pd

KPI_COLUMNS = (
    "charge_category",
    "commitment_discount_status",
    "commitment_discount_id",
    "effective_cost",
    "billed_cost",
    "list_cost",
    "x_line_item_type",
)

# negation lines cancel the on-demand charge of covered usage; counting them would net it twice
_IGNORED_LINE_TYPES = ("SavingsPlanNegation",)


def _lines(costs: pd.DataFrame) -> pd.DataFrame:
    missing = [column for column in KPI_COLUMNS if column not in costs.columns]
    if missing:
        raise ValueError(f"cost lines are missing column(s): {', '.join(missing)}")
    return costs[~costs["x_line_item_type"].isin(_IGNORED_LINE_TYPES)]


def _usage(lines: pd.DataFrame) -> pd.DataFrame:
    # some providers put unused commitment on Usage lines; it is waste, not usage
    unused = lines["commitment_discount_status"] == "Unused"
    return lines[(lines["charge_category"] == "Usage") & ~unused]


def _used(lines: pd.DataFrame) -> pd.DataFrame:
    usage = _usage(lines)
    return usage[
        (usage["commitment_discount_status"] == "Used") & usage["commitment_discount_id"].notna()
    ]


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def unused_commitment_cost(costs: pd.DataFrame) -> float:
    """Commitment cost paid for but not used (sum of effective cost on ``Unused`` lines).

    Args:
        costs: FOCUS-like cost lines with the ``KPI_COLUMNS``.

    Returns:
        Dollars of commitment waste.
    """
    lines = _lines(costs)
    return float(lines.loc[lines["commitment_discount_status"] == "Unused", "effective_cost"].sum())


def commitment_coverage(costs: pd.DataFrame) -> float:
    """Share of usage (at list, i.e. on-demand-equivalent, cost) covered by commitments.

    Args:
        costs: FOCUS-like cost lines with the ``KPI_COLUMNS``.

    Returns:
        ``list_cost`` of covered usage / ``list_cost`` of all usage; 0.0 without usage.
    """
    lines = _lines(costs)
    return _ratio(float(_used(lines)["list_cost"].sum()), float(_usage(lines)["list_cost"].sum()))


def commitment_utilization(costs: pd.DataFrame) -> float:
    """Share of commitment cost that was used.

    Args:
        costs: FOCUS-like cost lines with the ``KPI_COLUMNS``.

    Returns:
        Used commitment cost / (used + unused); 0.0 without commitments.
    """
    lines = _lines(costs)
    used = float(_used(lines)["effective_cost"].sum())
    return _ratio(used, used + unused_commitment_cost(costs))


def effective_savings_rate(costs: pd.DataFrame, include_unused: bool = False) -> float:
    """Effective savings rate: ``1 - effective cost / list cost`` over usage lines.

    Args:
        costs: FOCUS-like cost lines with the ``KPI_COLUMNS``.
        include_unused: Add unused commitment cost to the effective cost, as the FinOps
            Foundation ESR does, so that over-buying lowers the rate.

    Returns:
        The rate (0.0 without usage); negative when paying more than list.
    """
    lines = _lines(costs)
    usage = _usage(lines)
    effective = float(usage["effective_cost"].sum())
    if include_unused:
        effective += unused_commitment_cost(costs)
    listed = float(usage["list_cost"].sum())
    return 1.0 - effective / listed if listed else 0.0


def commitment_kpis(costs: pd.DataFrame) -> dict[str, float]:
    """All commitment KPIs at once.

    Args:
        costs: FOCUS-like cost lines with the ``KPI_COLUMNS``.

    Returns:
        Dict with ``coverage, utilization, effective_savings_rate,
        effective_savings_rate_with_unused, unused_commitment_cost``.
    """
    return {
        "coverage": commitment_coverage(costs),
        "utilization": commitment_utilization(costs),
        "effective_savings_rate": effective_savings_rate(costs),
        "effective_savings_rate_with_unused": effective_savings_rate(costs, include_unused=True),
        "unused_commitment_cost": unused_commitment_cost(costs),
    }
