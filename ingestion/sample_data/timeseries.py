"""Daily cost shape shared by providers: growth, weekly seasonality, noise and injected events.

Shapes are per *series* (for AWS: one linked account x one service). Usage generators multiply
their hourly amounts by these factors, so the daily cost inherits every property below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

# weekend usage of interactive workloads is ~60% of a weekday in the bills we modelled
WEEKEND_FACTOR = 0.6
# lognormal daily noise; sigma 0.15 gives a coefficient of variation of ~15% per series
NOISE_SIGMA = 0.15
GROWTH_PER_MONTH = (0.03, 0.05)
SPIKE_SIZE = (2.2, 5.0)
LEVEL_SHIFT_SIZE = 1.4
DAYS_PER_MONTH = 30.44


@dataclass(frozen=True)
class InjectedEvent:
    """A cost anomaly planted in one series.

    Attributes:
        kind: `spike` (that day only) or `level_shift` (that day and every later day).
        series: index of the affected series.
        day: index of the day in the window.
        size: multiplier on the cost the series would otherwise have had.
    """

    kind: str
    series: int
    day: int
    size: float


@dataclass(frozen=True)
class DailyShape:
    """Multiplicative daily factors, each of shape (series, days) unless noted."""

    first_day: date
    growth: np.ndarray
    noise: np.ndarray  # mean 1; set to exactly 1 on spike days so a spike's size is exact
    events: np.ndarray
    weekday: np.ndarray  # (days,), 0 = Monday
    planted: tuple[InjectedEvent, ...]

    def day_date(self, day: int) -> date:
        """Calendar date of window day `day`."""
        return self.first_day + timedelta(days=day)


def build_shape(
    rng: np.random.Generator, series_group: np.ndarray, first_day: date, n_days: int
) -> DailyShape:
    """Draw growth and noise for every series; no events yet.

    Args:
        rng: generator for the draws.
        series_group: per series, the group sharing one growth rate (e.g. its account).
        first_day: date of window day 0.
        n_days: days in the window.

    Returns:
        The shape, with neutral event factors.
    """
    n_series = len(series_group)
    rates = rng.uniform(*GROWTH_PER_MONTH, size=int(series_group.max()) + 1)[series_group]
    days = np.arange(n_days, dtype=np.float64)
    growth = (1.0 + rates[:, None]) ** (days[None, :] / DAYS_PER_MONTH)
    sigma = NOISE_SIGMA
    noise = rng.lognormal(-0.5 * sigma**2, sigma, size=(n_series, n_days))
    weekday = (first_day.weekday() + np.arange(n_days)) % 7
    events = np.ones((n_series, n_days))
    return DailyShape(first_day, growth, noise, events, weekday, ())


def weekly_factor(weekday: np.ndarray) -> np.ndarray:
    """Seasonality multiplier per weekday (Saturday and Sunday are quieter)."""
    return np.where(weekday >= 5, WEEKEND_FACTOR, 1.0)


def diurnal_factor(hour_of_day: np.ndarray) -> np.ndarray:
    """Hour-of-day multiplier with mean 1, peaking mid-afternoon UTC."""
    return 1.0 + 0.35 * np.sin(2.0 * np.pi * (hour_of_day - 9) / 24.0)


def plant_events(
    rng: np.random.Generator,
    shape: DailyShape,
    spike_series: Sequence[int],
    shift_series: Sequence[int],
    last_day: int,
) -> DailyShape:
    """Plant 2-3 one-day spikes and one level shift, and record them on the shape.

    Args:
        rng: generator for the draws.
        shape: shape to extend.
        spike_series: series allowed to spike.
        shift_series: series allowed to get the level shift.
        last_day: last window day with delivered data; events land before it.

    Returns:
        A new shape whose event factors and `planted` list include the events.
    """
    events = shape.events.copy()
    noise = shape.noise.copy()
    planted: list[InjectedEvent] = []
    shift_day = int(rng.integers(last_day // 3, max(last_day // 3 + 1, 2 * last_day // 3)))
    shift = int(shift_series[rng.integers(len(shift_series))])
    events[shift, shift_day:] *= LEVEL_SHIFT_SIZE
    planted.append(InjectedEvent("level_shift", shift, shift_day, LEVEL_SHIFT_SIZE))
    # spikes fall on weekdays, a week apart, away from the window edges and the shift day
    candidates = [d for d in range(3, last_day - 3) if shape.weekday[d] < 5 and d != shift_day]
    n_spikes = int(rng.integers(2, 4))
    days: list[int] = []
    for day in rng.permutation(candidates):
        if all(abs(int(day) - other) >= 7 for other in days):
            days.append(int(day))
        if len(days) == n_spikes:
            break
    for day in sorted(days):
        # a spike within two weeks of the shift on the same series would blur the shift's size
        allowed = [s for s in spike_series if s != shift or abs(day - shift_day) > 14]
        if not allowed:
            continue
        series = int(allowed[rng.integers(len(allowed))])
        size = round(float(rng.uniform(*SPIKE_SIZE)), 1)
        events[series, day] *= size
        noise[series, day] = 1.0
        planted.append(InjectedEvent("spike", series, day, size))
    planted.sort(key=lambda event: (event.day, event.kind))
    return DailyShape(shape.first_day, shape.growth, noise, events, shape.weekday, tuple(planted))
