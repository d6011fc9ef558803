"""Decision rules: when a deviation is an anomaly, of which kind, and how severe it is.

The detector walks the series day by day. Each day is scored against the one-step prediction of
`features.predict` (z = deviation in prediction standard deviations) and three tests run:

- spike: one day beyond the threshold. The day is then left out of later fits, so a spike
  neither inflates the band nor drags the baseline.
- level shift: two flagged days in a row in the same direction, a flagged day followed by a
  clearly deviating one, or the last 2-3 days all on the same side with a combined z beyond the
  threshold. A step then enters the regression from the shift's first day, so the new level
  becomes normal as soon as a few days of it are seen, instead of alerting for weeks.
- drift: the last two weeks' combined z beyond the threshold while no day stood out, or a
  level shift the same way as another within a month (a ramp is seen as a staircase of
  small steps, reported once a month, its later steps only moving the baseline); graded on the
  average daily excess and never above `high` (a creep is a review, not a page).

Rises are tested at `z_threshold` and falls at `drop_z_threshold`: overspend is what FinOps
pays for, and the log-scale noise of a bill has a longer lower tail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.anomaly.features import calendar_design, predict

SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class DetectorConfig:
    """Thresholds for flagging and grading anomalies.

    Attributes:
        z_threshold: Prediction standard deviations a rise must exceed (one day, or combined
            over the level-shift and drift windows).
        drop_z_threshold: The same for falls.
        confirm_z: Deviation, same direction, that turns yesterday's flagged day into a shift.
        window_min_z: Every day of a level-shift window must deviate at least this much.
        shift_windows: Window lengths (days) of the level-shift test.
        drift_days: Window length (days) of the drift test.
        creep_days: A level shift this many days or fewer after another the same way is a drift,
            reported at most once in this many days.
        min_impact: Smallest absolute dollar difference worth an alert.
        min_relative: Smallest difference relative to the expected cost worth an alert.
        dollar_steps: Absolute daily impact at which severity reaches medium, high, critical.
        relative_steps: Relative deviation at which severity reaches medium, high, critical.
    """

    z_threshold: float = 3.5
    drop_z_threshold: float = 4.5
    confirm_z: float = 2.0
    window_min_z: float = 1.0
    shift_windows: tuple[int, ...] = (2, 3)
    drift_days: int = 14
    creep_days: int = 30
    min_impact: float = 1.0
    min_relative: float = 0.1
    dollar_steps: tuple[float, float, float] = (100.0, 1_000.0, 10_000.0)
    relative_steps: tuple[float, float, float] = (0.25, 0.5, 1.0)


class _Scan:
    """The day-by-day state: scores, flags, days left out of fits, accepted shifts."""

    def __init__(self, daily: pd.Series, config: DetectorConfig) -> None:
        self.config = config
        self.costs = daily.to_numpy(dtype=float)
        self.design = calendar_design(pd.DatetimeIndex(daily.index))
        n = len(self.costs)
        self.z = np.full(n, np.nan)
        self.expected = np.full(n, np.nan)
        self.lower = np.full(n, np.nan)
        self.upper = np.full(n, np.nan)
        self.kind = np.full(n, "", dtype=object)
        self.usable = np.ones(n, dtype=bool)
        self.steps: list[int] = []
        # (day, direction) of each accepted step and of each reported drift
        self.shifts: list[tuple[int, float]] = []
        self.drifts: list[tuple[int, float]] = []

    def _threshold(self, sign: float) -> float:
        return self.config.z_threshold if sign > 0 else self.config.drop_z_threshold

    def _material(self, day: int) -> bool:
        impact = abs(self.costs[day] - self.expected[day])
        base = max(abs(self.expected[day]), self.config.min_impact)
        return impact >= self.config.min_impact and impact / base >= self.config.min_relative

    def _run_start(self, day: int, sign: float) -> int:
        start = day
        while start > 0 and self.kind[start - 1] and np.sign(self.z[start - 1]) == sign:
            start -= 1
        return start

    def _within(self, days: list[tuple[int, float]], day: int, sign: float) -> bool:
        return any(0 < day - d <= self.config.creep_days and s == sign for d, s in days)

    def _accept_shift(self, day: int, start: int) -> None:
        sign = float(np.sign(self.z[day]))
        # another step the same way shortly before: the level is creeping, not jumping; a creep
        # is reported once a month, its later steps only move the baseline
        if not self._within(self.shifts, day, sign):
            self.kind[day] = "level_shift"
        elif self._within(self.drifts, day, sign):
            self.kind[day] = ""
        else:
            self.kind[day] = "drift"
            self.drifts.append((day, sign))
        self.shifts.append((day, sign))
        self.steps.append(start)
        # the run's first day stays out (it may be a spike); the rest measure the new level
        self.usable[start + 1 : day + 1] = True

    def _window(self, day: int, length: int) -> np.ndarray | None:
        window = self.z[day - length + 1 : day + 1]
        flagged = self.kind[day - length + 1 : day + 1]
        if len(window) < length or np.isnan(window).any() or flagged[:-1].any():
            return None
        return window

    def _shift_test(self, day: int) -> int | None:
        for length in self.config.shift_windows:
            window = self._window(day, length)
            if window is None:
                continue
            sign = float(np.sign(window[-1]))
            combined = sign * window.sum() / np.sqrt(length)
            if (sign * window).min() >= self.config.window_min_z and combined >= self._threshold(
                sign
            ):
                return day - length + 1
        return None

    def _drift_test(self, day: int) -> float:
        """Direction of a drift over the last `drift_days`, 0 when there is none."""
        length = self.config.drift_days
        if any(day - d < length for d, _ in self.drifts) or any(
            day - s < length for s in self.steps
        ):
            return 0.0
        window = self._window(day, length)
        if window is None:
            return 0.0
        combined = window.sum() / np.sqrt(length)
        sign = float(np.sign(combined))
        return sign if abs(combined) >= self._threshold(sign) else 0.0

    def step(self, day: int) -> None:
        """Score one day and update the state."""
        prediction = predict(self.costs, self.design, day, self.usable, self.steps)
        if prediction is None:
            return
        z = prediction.z_score(self.costs[day])
        self.z[day] = z
        self.expected[day] = prediction.to_cost(0.0)
        # the band is the one-day test: outside it (and material) a day is a spike
        self.lower[day] = prediction.to_cost(-self.config.drop_z_threshold)
        self.upper[day] = prediction.to_cost(self.config.z_threshold)
        if not self._material(day):
            return
        sign = float(np.sign(z))
        previous = day > 0 and bool(self.kind[day - 1]) and np.sign(self.z[day - 1]) == sign
        if abs(z) >= self._threshold(sign) and self._within(self.shifts, day, sign):
            # a jump the same way soon after a shift: the level is still moving
            self._accept_shift(day, day)
        elif abs(z) >= self._threshold(sign):
            self.kind[day] = "spike"
            self.usable[day] = False
            if previous:
                self._accept_shift(day, self._run_start(day - 1, sign))
        elif previous and sign * z >= self.config.confirm_z:
            self._accept_shift(day, self._run_start(day - 1, sign))
        elif (start := self._shift_test(day)) is not None:
            self._accept_shift(day, start)
        elif drift := self._drift_test(day):
            self.kind[day] = "drift"
            self.drifts.append((day, drift))


def scan(daily: pd.Series, config: DetectorConfig) -> pd.DataFrame:
    """Score every day of a complete daily series and flag the anomalies.

    Args:
        daily: Cost per day on a gap-free daily index (see `ml.common.series.to_daily`).
        config: Thresholds.

    Returns:
        Columns `cost, expected, lower, upper, score, kind, is_anomaly` on the same index;
        `expected` etc. are NaN while there is too little history to judge the day.
    """
    state = _Scan(daily, config)
    for day in range(len(daily)):
        state.step(day)
    return pd.DataFrame(
        {
            "cost": state.costs,
            "expected": state.expected,
            "lower": state.lower,
            "upper": state.upper,
            "score": state.z,
            "kind": state.kind,
            "is_anomaly": state.kind != "",
        },
        index=daily.index,
    )


def grade(scanned: pd.DataFrame, config: DetectorConfig) -> pd.DataFrame:
    """The flagged days of `scan` with `impact`, `relative` and `severity`.

    A spike or shift is graded on its own day; a drift on its average daily excess over the
    drift window (each day against its own expectation, which has already absorbed part of the
    drift, so this understates it) and capped at `high`.
    """
    flagged = scanned[scanned["is_anomaly"]].copy()
    drift = flagged["kind"] == "drift"
    recent = scanned[["cost", "expected"]].rolling(config.drift_days, min_periods=1).mean()
    cost = flagged["cost"].where(~drift, recent["cost"])
    expected = flagged["expected"].where(~drift, recent["expected"])
    flagged["impact"] = cost - expected
    flagged["relative"] = flagged["impact"].abs() / expected.abs().clip(lower=config.min_impact)
    graded = severity(flagged["impact"], flagged["relative"], config)
    flagged["severity"] = graded.where(~drift | (graded != "critical"), "high")
    return flagged


def severity(impact: pd.Series, relative: pd.Series, config: DetectorConfig) -> pd.Series:
    """Grade anomalies from their dollar impact and relative deviation.

    Dollars set the floor (a $10k/day surprise is critical however big the bill), and a large
    relative deviation can raise the grade by one step at most (a +500% jump on a $5 series is
    worth a look, not a page).

    Args:
        impact: Cost minus expected, in currency.
        relative: Absolute impact over the expected cost.
        config: Step thresholds.

    Returns:
        One of `low`, `medium`, `high`, `critical` per row.
    """
    dollars = np.searchsorted(config.dollar_steps, impact.abs().to_numpy(), side="right")
    deviation = np.searchsorted(config.relative_steps, relative.to_numpy(), side="right")
    grade = np.maximum(dollars, np.minimum(deviation, dollars + 1))
    return pd.Series(np.array(SEVERITIES)[grade], index=impact.index, dtype=object)
