"""Generated daily cost series with known structure, for tests and benchmarks.

No real long daily cost series ships offline with the installed packages, so the benchmarks and
tests rely on these. The shape mimics cloud bills: weekday/weekend usage, a month-end lift (batch
jobs, invoicing runs), a first-of-month fee (support, marketplace, RI charges), trend and noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# weekday multipliers Monday..Sunday: business usage drops about 35% at weekends
WEEKLY_PROFILE = np.array([1.05, 1.1, 1.1, 1.05, 1.0, 0.65, 0.6])


def daily_cost_series(
    n_days: int,
    seed: int,
    start: str = "2023-01-01",
    level: float = 1000.0,
    trend_per_year: float = 0.3,
    noise_cv: float = 0.12,
    month_end_lift: float = 0.5,
    month_start_fee: float = 0.3,
) -> pd.DataFrame:
    """A daily cost series with weekly and month-end seasonality, trend and noise.

    Args:
        n_days: Number of days.
        seed: Seed for the noise; the same seed gives the same series.
        start: First date.
        level: Mean daily cost at the start.
        trend_per_year: Relative growth per year (0.3 = +30% a year, linear).
        noise_cv: Coefficient of variation of the multiplicative Gaussian noise.
        month_end_lift: Relative lift on the last day of the month (half of it the day before).
        month_start_fee: Fee added on the first of the month, relative to `level`.

    Returns:
        Columns `date`, `cost`.
    """
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=n_days, freq="D")
    t = np.arange(n_days) / 365.0
    days_left = (dates.days_in_month - dates.day).to_numpy()
    month_end = np.where(days_left == 0, month_end_lift, 0.0)
    month_end += np.where(days_left == 1, month_end_lift / 2, 0.0)
    usage = level * (1 + trend_per_year * t) * WEEKLY_PROFILE[dates.dayofweek] * (1 + month_end)
    noise = 1 + noise_cv * rng.standard_normal(n_days)
    cost = usage * noise + np.where(dates.day == 1, month_start_fee * level, 0.0)
    return pd.DataFrame({"date": dates, "cost": np.round(cost, 4)})


def inject_anomaly(
    series: pd.DataFrame, kind: str, start: int, size: float, duration: int = 1
) -> pd.DataFrame:
    """Return a copy of `series` with one anomaly added from row `start`.

    Args:
        series: Columns `date`, `cost`.
        kind: `spike` (cost x (1 + size) for `duration` days), `level_shift` (x (1 + size) from
            `start` on) or `drift` (a ramp to x (1 + size) over 30 days, then held).
        start: Row position where the anomaly begins.
        size: Relative size, 0.5 = +50% of the day's cost.
        duration: Days a spike lasts.

    Returns:
        The modified copy.

    Raises:
        ValueError: For an unknown `kind`.
    """
    out = series.copy()
    factor = np.ones(len(out))
    if kind == "spike":
        factor[start : start + duration] += size
    elif kind == "level_shift":
        factor[start:] += size
    elif kind == "drift":
        ramp = np.minimum(np.arange(len(out) - start) + 1, 30) / 30.0
        factor[start:] += size * ramp
    else:
        raise ValueError(f"unknown anomaly kind {kind!r}")
    out["cost"] = out["cost"].to_numpy() * factor
    return out
