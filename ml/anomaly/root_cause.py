"""Which dimension values drove a day's cost change."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

ROOT_CAUSE_COLUMNS = ["dimension", "value", "baseline", "actual", "delta", "share"]


def explain(
    lines: pd.DataFrame,
    anomaly_date: date,
    dimensions: list[str],
    value_column: str = "cost",
    baseline_days: int = 7,
) -> pd.DataFrame:
    """Break a day's change against its recent average down by dimension value.

    Args:
        lines: Cost lines with a `date` column, the `dimensions` and `value_column`.
        anomaly_date: The day to explain.
        dimensions: Columns to break down by (each is ranked on its own).
        value_column: The cost column.
        baseline_days: The baseline is the average daily cost over this many days before
            `anomaly_date` (days without lines count as zero).

    Returns:
        Columns `dimension, value, baseline, actual, delta, share`, where `share` is the value's
        delta over the total delta (NaN when the total did not change). Values that moved the
        total's way most come first.
    """
    day = pd.Timestamp(anomaly_date).normalize()
    dates = pd.to_datetime(lines["date"]).dt.normalize()
    in_baseline = (dates < day) & (dates >= day - pd.Timedelta(days=baseline_days))
    on_day = dates == day
    values = lines[value_column].astype(float)
    total_delta = values[on_day].sum() - values[in_baseline].sum() / baseline_days
    frames = []
    for dimension in dimensions:
        keys = lines[dimension].astype(object).where(lines[dimension].notna(), "(none)")
        baseline = values[in_baseline].groupby(keys[in_baseline]).sum() / baseline_days
        actual = values[on_day].groupby(keys[on_day]).sum()
        table = pd.concat([baseline.rename("baseline"), actual.rename("actual")], axis=1)
        table = table.fillna(0.0).rename_axis("value").reset_index()
        table.insert(0, "dimension", dimension)
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=ROOT_CAUSE_COLUMNS)
    result = pd.concat(frames, ignore_index=True)
    result["delta"] = result["actual"] - result["baseline"]
    result["share"] = result["delta"] / total_delta if total_delta != 0 else np.nan
    direction = 1.0 if total_delta >= 0 else -1.0
    result = result.assign(_rank=-direction * result["delta"]).sort_values(
        ["_rank", "dimension"], kind="stable"
    )
    return result[ROOT_CAUSE_COLUMNS].reset_index(drop=True)
