"""Hourly eligible spend: a full hourly grid, credits handled, existing commitments taken off.

Existing commitments are applied in the provider's order (AWS: Reserved Instances, then EC2
Instance Savings Plans, then Compute Savings Plans), each absorbing what the previous ones left.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

# the order AWS applies commitments to an hour of usage; unknown types go last
APPLY_ORDER: tuple[str, ...] = (
    "reserved_instance",
    "ec2_instance_savings_plan",
    "compute_savings_plan",
)

USAGE_COLUMNS = ("hour", "on_demand_cost")
EXISTING_COLUMNS = ("commitment_type", "hourly_commitment", "discount_rate", "start", "end")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s): {', '.join(missing)}")


def hourly_series(usage: pd.DataFrame, negative: Literal["reject", "clip"] = "reject") -> pd.Series:
    """Hourly on-demand-equivalent spend on a gap-free hourly grid.

    Rows for the same hour are summed. Hours absent between the first and last hour count as
    zero spend, because an hour without usage is exactly what makes a commitment go unused.

    Args:
        usage: Frame with ``hour`` (timestamp-like) and ``on_demand_cost`` columns.
        negative: ``"reject"`` raises on a negative hourly total (credits mixed into usage);
            ``"clip"`` sets it to zero.

    Returns:
        Float series indexed by hour (floored to the hour), named ``on_demand_cost``.

    Raises:
        ValueError: On missing columns, unparseable values or rejected negative totals.
    """
    _require(usage, USAGE_COLUMNS, "hourly usage")
    if usage.empty:
        return pd.Series([], index=pd.DatetimeIndex([], name="hour"), name="on_demand_cost")
    hours = pd.to_datetime(usage["hour"], utc=True).dt.floor("h")
    cost = pd.to_numeric(usage["on_demand_cost"], errors="raise").astype(float)
    if cost.isna().any():
        raise ValueError(f"on_demand_cost is empty at row {int(cost.isna().to_numpy().argmax())}")
    totals = cost.groupby(hours.to_numpy()).sum()
    grid = pd.date_range(totals.index.min(), totals.index.max(), freq="h", name="hour")
    series = totals.reindex(grid, fill_value=0.0).rename("on_demand_cost")
    if (series < 0).any():
        if negative == "reject":
            first = series[series < 0].index[0]
            raise ValueError(
                f"on_demand_cost is negative at hour {first.isoformat()}; credits are not "
                "eligible usage, remove them or pass negative='clip'"
            )
        series = series.clip(lower=0.0)
    return series


def _utc(value: object) -> pd.Timestamp:
    # naive timestamps are read as UTC, like the hours in hourly_series
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")


def _ordered(existing: pd.DataFrame) -> pd.DataFrame:
    rank = {name: position for position, name in enumerate(APPLY_ORDER)}
    order = existing["commitment_type"].map(rank).fillna(len(APPLY_ORDER))
    return existing.assign(_order=order).sort_values("_order", kind="stable")


def residual_spend(
    usage: pd.Series, existing: pd.DataFrame | None, as_of: pd.Timestamp | None = None
) -> pd.Series:
    """Eligible spend left after existing commitments, in the provider's order.

    Each commitment ``c`` at discount ``d`` absorbs up to ``c / (1 - d)`` of on-demand-equivalent
    spend in every hour it is active (``start <= hour < end``).

    Args:
        usage: Hourly series from :func:`hourly_series`.
        existing: Frame with ``commitment_type, hourly_commitment, discount_rate, start, end``;
            ``None`` or empty means no existing commitments.
        as_of: ``None`` gives the historical residual (each hour minus the commitments active
            then). A timestamp projects forward instead: the commitments still active at
            ``as_of`` are taken off every hour and those already expired are ignored, which is
            what a purchase made at ``as_of`` will actually face.

    Returns:
        Series like ``usage`` with the uncovered spend.
    """
    if existing is None or existing.empty or usage.empty:
        return usage.copy()
    _require(existing, EXISTING_COLUMNS, "existing commitments")
    remaining = usage.to_numpy(dtype=float).copy()
    hours = usage.index
    for row in _ordered(existing).itertuples(index=False):
        start, end = _utc(row.start), _utc(row.end)
        if as_of is None:
            active = np.asarray((hours >= start) & (hours < end))
        else:
            active = np.full(len(hours), bool(start <= _utc(as_of) < end))
        coverage = float(row.hourly_commitment) / (1.0 - float(row.discount_rate))
        remaining = np.where(active, np.maximum(remaining - coverage, 0.0), remaining)
    return pd.Series(remaining, index=hours, name=usage.name)
