"""Rolling-origin backtest, error metrics and interval calibration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.forecasting.model import Forecaster

# horizon buckets (inclusive day ranges) whose residuals share one set of interval offsets
HORIZON_BUCKETS: tuple[tuple[int, int], ...] = ((1, 7), (8, 14), (15, 28))
# fewer residuals than this make the 2.5%/97.5% quantiles guesswork, so a bucket borrows the
# residuals of the shorter horizons next to it
MIN_BUCKET_RESIDUALS = 30
LEVEL_DAYS = 28
FLOOR_SHARE = 0.25
INTERVAL_LEVELS = {"80": (0.10, 0.90), "95": (0.025, 0.975)}


def seasonal_scale(train: np.ndarray, season: int = 7) -> float:
    """In-sample MAE of the weekly seasonal naive forecast: the MASE denominator.

    Falls back to the lag-1 naive on under two weeks of data, then to the mean absolute value,
    then to 1 so an all-zero series gives MASE = MAE instead of a division by zero.
    """
    for lag in (season, 1):
        if train.size > lag:
            scale = float(np.mean(np.abs(train[lag:] - train[:-lag])))
            if scale > 0:
                return scale
    scale = float(np.mean(np.abs(train))) if train.size else 0.0
    return scale if scale > 0 else 1.0


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute scaled error for one forecast path."""
    return float(np.mean(np.abs(actual - forecast)) / scale)


def mape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Mean absolute percentage error in percent, over days with non-zero actuals."""
    mask = actual != 0
    if not mask.any():
        return float("nan")
    return float(100 * np.mean(np.abs((actual[mask] - forecast[mask]) / actual[mask])))


@dataclass(frozen=True)
class Backtest:
    """Errors of one candidate over the rolling origins.

    Attributes:
        residuals: Shape (origins, horizon): actual minus forecast, divided by the series level
            at that origin (see `series_level`).
        mase: MASE per origin.
    """

    residuals: np.ndarray
    mase: np.ndarray

    @property
    def mean_mase(self) -> float:
        """Average MASE over origins (NaN when there was no origin)."""
        return float(np.mean(self.mase)) if self.mase.size else float("nan")


def series_level(train: np.ndarray, days: int = LEVEL_DAYS) -> float:
    """Mean absolute daily cost over the last `days` days; 1 when that is zero.

    Residuals are stored relative to it because cost errors grow with the cost: a series that
    grew 30% since an old origin has 30% larger errors today.
    """
    value = float(np.mean(np.abs(train[-days:]))) if train.size else 0.0
    return value if value > 0 else 1.0


def error_scale(forecast: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Per-day size of the expected error: the forecast's magnitude, floored at a quarter of the
    series level so near-zero forecasts do not blow relative residuals up."""
    return np.maximum(np.abs(forecast), FLOOR_SHARE * series_level(train))


def origins(n_days: int, horizon: int, n_origins: int, step: int, min_train: int) -> list[int]:
    """Training-set lengths for the rolling origins, latest first.

    Each origin keeps at least `min_train` days to train on and `horizon` days to score.
    """
    last = n_days - horizon
    return [o for o in range(last, last - n_origins * step, -step) if o >= min_train]


def backtest(
    series: pd.Series, forecaster: Forecaster, horizon: int, cut_points: list[int]
) -> Backtest:
    """Fit at each cut point, forecast `horizon` days, and collect the errors.

    Args:
        series: Complete daily series.
        forecaster: Candidate to evaluate.
        horizon: Days forecast from each origin.
        cut_points: Training lengths from `origins`.

    Returns:
        The level-relative residuals and per-origin MASE.
    """
    residuals, scores = [], []
    values = series.to_numpy(dtype=float)
    for cut in cut_points:
        forecast = forecaster(series.iloc[:cut], horizon)
        actual = values[cut : cut + horizon]
        residuals.append((actual - forecast) / error_scale(forecast, values[:cut]))
        scores.append(mase(actual, forecast, seasonal_scale(values[:cut])))
    return Backtest(np.array(residuals).reshape(len(cut_points), horizon), np.array(scores))


def interval_offsets(residuals: np.ndarray, horizon: int) -> pd.DataFrame:
    """Offsets to add to the point forecast for the 80% and 95% intervals, per horizon day.

    Offsets are the empirical residual quantiles of the horizon bucket a day falls in. Beyond
    the backtested range the last bucket's offsets grow with the square root of the horizon
    (random-walk-like error growth). Widths never shrink as the horizon grows, and lower offsets
    stay <= 0 <= upper offsets, so the intervals are ordered around the forecast.

    Args:
        residuals: Backtest residuals, shape (origins, backtest horizon).
        horizon: Days to produce offsets for.

    Returns:
        One row per horizon day (1-based index) with columns lower_80, upper_80, lower_95,
        upper_95.
    """
    tested = residuals.shape[1]
    buckets = [(lo, min(hi, tested)) for lo, hi in HORIZON_BUCKETS if lo <= tested]
    if buckets[-1][1] < tested:
        buckets.append((buckets[-1][1] + 1, tested))
    rows = []
    for lo, hi in buckets:
        first = lo
        pool = residuals[:, first - 1 : hi].ravel()
        while pool.size < MIN_BUCKET_RESIDUALS and first > 1:
            first -= 1
            pool = residuals[:, first - 1 : hi].ravel()
        n = pool.size
        row = {"lo": lo, "hi": hi}
        for name, (q_low, q_high) in INTERVAL_LEVELS.items():
            # widen the quantile levels by the split-conformal finite-sample correction
            adj_low = max(q_low - (1 - q_high + q_low) / (2 * (n + 1)), 0.0)
            adj_high = min(q_high + (1 - q_high + q_low) / (2 * (n + 1)), 1.0)
            row[f"lower_{name}"] = min(float(np.quantile(pool, adj_low)), 0.0)
            row[f"upper_{name}"] = max(float(np.quantile(pool, adj_high)), 0.0)
        rows.append(row)
    table = pd.DataFrame(rows)
    columns = ["lower_80", "upper_80", "lower_95", "upper_95"]
    # widths must not shrink with the horizon; cumulative extremes enforce that
    for column in columns:
        sign = -1 if column.startswith("lower") else 1
        table[column] = sign * (sign * table[column]).cummax()
    table["lower_95"] = np.minimum(table["lower_95"], table["lower_80"])
    table["upper_95"] = np.maximum(table["upper_95"], table["upper_80"])
    steps = np.arange(1, horizon + 1)
    bucket_of = np.searchsorted(table["hi"].to_numpy(), np.minimum(steps, tested))
    offsets = table.iloc[bucket_of][columns].reset_index(drop=True)
    last_mid = (table["lo"].iloc[-1] + table["hi"].iloc[-1]) / 2
    growth = np.sqrt(np.maximum(steps / last_mid, 1.0))
    growth[steps <= tested] = 1.0
    offsets = offsets.mul(growth, axis=0)
    offsets.index = pd.RangeIndex(1, horizon + 1, name="step")
    return offsets
