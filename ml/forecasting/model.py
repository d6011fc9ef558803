"""Forecasting candidates: two baselines and a scikit-learn calendar regression.

Every candidate has the same shape: it takes the training series (daily, no gaps) and a horizon
and returns one point forecast per future day. The backtest in `evaluate.py` picks among them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ml.forecasting.features import calendar_features

Forecaster = Callable[[pd.Series, int], np.ndarray]

RANDOM_STATE = 0
# two full weeks average out the weekday cycle while still following recent level changes
RUN_RATE_DAYS = 14
# a year of history is enough for month-end effects (12 occurrences) and keeps an old regime
# from dragging the trend
REGRESSION_WINDOW_DAYS = 365
# below four weeks the regression has fewer than four examples per weekday
REGRESSION_MIN_DAYS = 28


def build_regression_pipeline(random_state: int = RANDOM_STATE) -> Pipeline:
    """The calendar regression: scaled calendar + trend features into a ridge regression.

    Args:
        random_state: Seed passed to the estimator (results are deterministic either way).

    Returns:
        An unfitted scikit-learn Pipeline.
    """
    # ridge rather than trees: it extrapolates the trend and stays stable on short histories
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("ridge", Ridge(alpha=1.0, random_state=random_state)),
        ]
    )


def seasonal_naive(train: pd.Series, horizon: int) -> np.ndarray:
    """Repeat the last observed week (the last value when under a week of history)."""
    values = train.to_numpy(dtype=float)
    if values.size < 7:
        return np.full(horizon, values[-1] if values.size else 0.0)
    last_week = values[-7:]
    return last_week[np.arange(horizon) % 7]


def run_rate(train: pd.Series, horizon: int, days: int = RUN_RATE_DAYS) -> np.ndarray:
    """Mean of the last `days` days, held flat."""
    values = train.to_numpy(dtype=float)
    level = float(values[-days:].mean()) if values.size else 0.0
    return np.full(horizon, level)


def calendar_regression(train: pd.Series, horizon: int) -> np.ndarray:
    """Fit the calendar regression on the recent window and predict the next `horizon` days."""
    window = train.iloc[-REGRESSION_WINDOW_DAYS:]
    if len(window) < REGRESSION_MIN_DAYS:
        return seasonal_naive(train, horizon)
    origin = window.index[0]
    future = pd.date_range(window.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    pipeline = build_regression_pipeline()
    pipeline.fit(calendar_features(window.index, origin), window.to_numpy(dtype=float))
    return pipeline.predict(calendar_features(future, origin))


CANDIDATES: dict[str, Forecaster] = {
    "seasonal_naive": seasonal_naive,
    "run_rate": run_rate,
    "calendar_ridge": calendar_regression,
}
