"""Calendar and trend features for the regression forecaster (DataFrame in, DataFrame out)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def calendar_features(dates: pd.DatetimeIndex, origin: pd.Timestamp) -> pd.DataFrame:
    """Features known in advance for any day, so the model can predict far ahead.

    Args:
        dates: Days to describe.
        origin: First day of the training window; the trend counts years from it.

    Returns:
        One row per date: trend, day-of-week one-hot, weekend flag, day-of-month harmonics and
        month-start / month-end flags.
    """
    dates = pd.DatetimeIndex(dates)
    days_left = (dates.days_in_month - dates.day).to_numpy()
    position = (dates.day.to_numpy() - 1) / dates.days_in_month.to_numpy()
    features = {
        "trend": (dates - origin).days.to_numpy() / 365.0,
        "weekend": (dates.dayofweek >= 5).astype(float),
        "month_start": (dates.day == 1).astype(float),
        "month_end": (days_left == 0).astype(float),
        "month_end_1": (days_left == 1).astype(float),
        "month_end_2": (days_left == 2).astype(float),
    }
    for dow in range(7):
        features[f"dow_{dow}"] = (dates.dayofweek == dow).astype(float)
    # two harmonics of the position in the month catch smooth intra-month patterns
    # (e.g. usage ramping through the billing cycle) without one dummy per day
    for k in (1, 2):
        features[f"month_sin_{k}"] = np.sin(2 * np.pi * k * position)
        features[f"month_cos_{k}"] = np.cos(2 * np.pi * k * position)
    return pd.DataFrame(features, index=dates)
