"""Expected daily cost and noise scale from a robust weekly-seasonal baseline.

Everything looks backwards only (day t uses days before t), so a day's expectation is what the
detector would have said that morning, and an anomaly cannot hide by raising its own baseline.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

# the same weekday over the last six weeks: two outliers among six barely move the median
PROFILE_WEEKS = 6
MIN_LAGS = 2
# calendar days whose cost differs from their weekday (invoicing runs, monthly fees); their
# usual lift over the weekday profile is learnt from their last occurrences
SPECIAL_DAY_OCCURRENCES = 6
# a level change becomes the new normal after about half a week instead of six weeks
LEVEL_DAYS = 7
SCALE_DAYS = 56
SCALE_MIN_DAYS = 14
MAD_TO_SIGMA = 1.4826
# the noise scale is floored at 2% of the expected cost (and a cent) so a perfectly flat series does
# not turn every rounding difference into an infinite score
SCALE_FLOOR_SHARE = 0.02
SCALE_FLOOR_ABS = 0.01
SCALE_NORM_FLOOR = 0.25
LEVEL_WINDOW_DAYS = 28


def special_day_type(dates: pd.DatetimeIndex) -> np.ndarray:
    """Label the first, second-to-last and last day of each month; empty string otherwise."""
    days_left = (dates.days_in_month - dates.day).to_numpy()
    labels = np.full(len(dates), "", dtype=object)
    labels[days_left == 1] = "month_end_1"
    labels[days_left == 0] = "month_end"
    labels[dates.day.to_numpy() == 1] = "month_start"
    return labels


def _median_of_lags(values: pd.Series, lags: range) -> pd.Series:
    stacked = np.column_stack([values.shift(lag).to_numpy() for lag in lags])
    with warnings.catch_warnings():
        # early days have no lag at all; their NaN median is expected
        warnings.simplefilter("ignore", RuntimeWarning)
        return pd.Series(np.nanmedian(stacked, axis=1), index=values.index)


def _profile(daily: pd.Series, kinds: np.ndarray) -> pd.Series:
    # ratio to the centred 7-day mean: the day's share of its week, free of the level, so a level
    # shift cannot be counted twice (once in the profile, once in the level)
    ordinary = kinds == ""
    # month-start / month-end days are left out of the mean so their lift is not diluted
    centred = daily.where(ordinary).rolling(7, center=True, min_periods=4).mean()
    ratio = (daily / centred).where(centred > 0)
    weekly = _median_of_lags(ratio.where(ordinary), range(7, 7 * (PROFILE_WEEKS + 1), 7))
    profile = weekly.copy()
    for kind in ("month_start", "month_end_1", "month_end"):
        mask = kinds == kind
        # the centred mean needs three later days, so only earlier months are used
        lift = (ratio / weekly)[mask].shift(1).rolling(SPECIAL_DAY_OCCURRENCES, min_periods=1)
        profile[mask] = weekly[mask] * lift.median().fillna(1.0)
    return profile.where(profile > 0)


def _expected(daily: pd.Series) -> tuple[pd.Series, np.ndarray]:
    kinds = special_day_type(pd.DatetimeIndex(daily.index))
    profile = _profile(daily, kinds)
    # the level is the median recent day divided by its profile: it follows a level shift within
    # four days and ignores one-day spikes
    level = (daily / profile).shift(1).rolling(LEVEL_DAYS, min_periods=3).median()
    expected = profile * level
    # zero, negative (credit) or brand-new series have no usable ratio; the plain median of the
    # same weekday in earlier weeks, then of the last week, stands in
    plain = _median_of_lags(daily.where(kinds == ""), range(7, 7 * (PROFILE_WEEKS + 1), 7))
    recent = daily.shift(1).rolling(LEVEL_DAYS, min_periods=1).median()
    expected = expected.fillna(plain).fillna(recent)
    lags_seen = daily.shift(7).notna().to_numpy() & daily.shift(7 * MIN_LAGS).notna().to_numpy()
    return expected, lags_seen


def expected_cost(daily: pd.Series) -> pd.DataFrame:
    """Expected cost and robust noise scale for each day of a complete daily series.

    The expectation is profile x level: the profile is the day's usual share of its week (median
    over the same weekday in the last six weeks, times the month-start / month-end lift learnt
    from earlier months) and the level is the median of the last seven days over their profiles.

    Args:
        daily: Cost per day on a gap-free daily index (see `ml.common.series.to_daily`).

    Returns:
        Columns `cost`, `expected`, `scale` (robust standard deviation of the residual) and
        `ready` (False while there is too little history to judge the day).
    """
    expected, lags_seen = _expected(daily)
    # cost noise grows with the cost, so the spread is learnt on residuals relative to the
    # expectation (floored at a quarter of the recent level so near-zero days stay sane)
    recent = daily.abs().shift(1).rolling(LEVEL_WINDOW_DAYS, min_periods=1).mean()
    norm = np.maximum(expected.abs(), SCALE_NORM_FLOOR * recent).clip(lower=SCALE_FLOOR_ABS)
    relative = (daily - expected) / norm
    centre = relative.shift(1).rolling(SCALE_DAYS, min_periods=SCALE_MIN_DAYS).median()
    spread = (relative - centre).abs().shift(1)
    mad = spread.rolling(SCALE_DAYS, min_periods=SCALE_MIN_DAYS).median()
    scale = np.maximum(MAD_TO_SIGMA * mad, SCALE_FLOOR_SHARE) * norm
    ready = lags_seen & mad.notna().to_numpy()
    return pd.DataFrame(
        {"cost": daily, "expected": expected, "scale": scale, "ready": ready}, index=daily.index
    )
