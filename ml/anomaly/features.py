"""One-step-ahead expected cost from a seasonal regression on a trailing window.

Each day is predicted from the days before it only (what the detector would have said that
morning), by least squares on a trailing window: intercept, linear trend, weekday, the first,
second-to-last and last day of the month, and a step for each level shift already accepted.
Costs are modelled on the log scale (noise and seasonality are multiplicative in cloud bills);
a window holding zero or negative days (credits, idle series) is modelled on the plain scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# 26 weeks: every weekday is seen 26 times and each month-edge day 6 times, while a trend
# stays close to linear
WINDOW_DAYS = 182
MIN_FIT_DAYS = 14
MAD_TO_SIGMA = 1.4826
# residuals beyond this many robust sigmas are left out of the refit (spikes not flagged yet)
TRIM_SIGMAS = 3.5
# the noise scale never falls below 2% of the cost (log scale) or 2% of the mean level plus a
# cent (plain scale), so a perfectly flat series does not turn rounding into alerts
LOG_SIGMA_FLOOR = 0.02
PLAIN_SIGMA_SHARE = 0.02
PLAIN_SIGMA_ABS = 0.01
SPECIAL_DAYS = ("month_start", "month_end_1", "month_end")


def special_day_type(dates: pd.DatetimeIndex) -> np.ndarray:
    """Label the first, second-to-last and last day of each month; empty string otherwise."""
    days_left = (dates.days_in_month - dates.day).to_numpy()
    labels = np.full(len(dates), "", dtype=object)
    labels[days_left == 1] = "month_end_1"
    labels[days_left == 0] = "month_end"
    labels[dates.day.to_numpy() == 1] = "month_start"
    return labels


def calendar_design(dates: pd.DatetimeIndex) -> np.ndarray:
    """Columns: intercept, trend (years), Tuesday..Sunday, month start, month end - 1, month end."""
    n = len(dates)
    weekday = dates.dayofweek.to_numpy()
    kinds = special_day_type(dates)
    columns = [np.ones(n), np.arange(n) / 365.0]
    columns += [(weekday == day).astype(float) for day in range(1, 7)]
    columns += [(kinds == kind).astype(float) for kind in SPECIAL_DAYS]
    return np.column_stack(columns)


@dataclass(frozen=True)
class Prediction:
    """One day's expectation on the modelling scale.

    Attributes:
        mean: Predicted value (log cost, or cost on the plain scale).
        sd: Prediction standard deviation: noise plus the fit's own uncertainty.
        log_scale: Whether `mean` and `sd` are on the log scale.
    """

    mean: float
    sd: float
    log_scale: bool

    def to_cost(self, z: float) -> float:
        """The cost `z` prediction standard deviations from the mean."""
        value = self.mean + z * self.sd
        return float(np.exp(value)) if self.log_scale else float(value)

    def z_score(self, cost: float) -> float:
        """How many prediction standard deviations `cost` lies from the mean."""
        if self.log_scale:
            # a zero or negative day in a positive series is a collapse: score it as a 99.9% drop
            cost = max(cost, 1e-3 * float(np.exp(self.mean)))
            return (float(np.log(cost)) - self.mean) / self.sd
        return (cost - self.mean) / self.sd


def _least_squares(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    inverse = np.linalg.pinv(x.T @ x)
    beta = inverse @ (x.T @ y)
    return beta, y - x @ beta, inverse


def _special_day_spread(design: np.ndarray, residual: np.ndarray, day_row: np.ndarray) -> float:
    # a month-edge day can vary more than its dummy explains: a fixed monthly fee is a larger
    # share of a Sunday than of a Tuesday, so its own residual spread is used when it is larger
    special = day_row[-len(SPECIAL_DAYS) :].astype(bool)
    if not special.any():
        return 0.0
    mine = residual[design[:, -len(SPECIAL_DAYS) :][:, special].any(axis=1)]
    if len(mine) < 2:
        return 0.0
    return float(np.sqrt(mine @ mine / (len(mine) - 1)))


def predict(
    costs: np.ndarray,
    design: np.ndarray,
    day: int,
    usable: np.ndarray,
    steps: list[int],
    window_days: int = WINDOW_DAYS,
) -> Prediction | None:
    """Predict day `day` from the usable days of the trailing window.

    Args:
        costs: Daily costs of the whole series.
        design: `calendar_design` of the whole series.
        day: Position of the day to predict.
        usable: False for days left out of fits (flagged spikes).
        steps: Positions where an accepted level shift starts.
        window_days: Trailing window length.

    Returns:
        The prediction, or None while the history is too short or the day is a month-edge day
        never seen before (nothing says what is normal for it yet).
    """
    start = max(0, day - window_days)
    rows = np.arange(start, day)[usable[start:day]]
    if len(rows) < MIN_FIT_DAYS:
        return None
    step_starts = sorted(s for s in set(steps) if start < s <= day)
    x = np.column_stack([design[rows]] + [(rows >= s).astype(float) for s in step_starts])
    x_day = np.concatenate([design[day], np.ones(len(step_starts))])
    seen = x.any(axis=0)
    seen[0] = True
    if (x_day[~seen] != 0).any():
        return None
    x, x_day = x[:, seen], x_day[seen]
    values = costs[rows]
    log_scale = bool((values > 0).all())
    y = np.log(values) if log_scale else values
    floor = (
        LOG_SIGMA_FLOOR
        if log_scale
        else PLAIN_SIGMA_SHARE * float(np.abs(values).mean()) + PLAIN_SIGMA_ABS
    )
    beta, residual, inverse = _least_squares(x, y)
    sigma = MAD_TO_SIGMA * float(np.median(np.abs(residual - np.median(residual))))
    keep = np.abs(residual) <= TRIM_SIGMAS * max(sigma, floor)
    # refit without the outliers, unless that leaves a column (a weekday, a month-edge day)
    # without any day to learn it from
    if not keep.all() and (x[keep].any(axis=0) == x.any(axis=0)).all():
        beta, residual, inverse = _least_squares(x[keep], y[keep])
    else:
        keep = np.ones(len(y), bool)
    dof = max(int(keep.sum()) - np.linalg.matrix_rank(x[keep]), 1)
    sigma = float(np.sqrt(residual @ residual / dof))
    sigma = max(sigma, floor, _special_day_spread(design[rows[keep]], residual, design[day]))
    leverage = float(x_day @ inverse @ x_day)
    return Prediction(float(x_day @ beta), sigma * float(np.sqrt(1 + leverage)), log_scale)
