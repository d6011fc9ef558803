"""Decision rules: when a deviation is an anomaly and how severe it is.

The detector is a robust statistical baseline (see `features.py`), not a fitted scikit-learn
estimator: medians and MADs need no training run, explain themselves in one sentence to a
FinOps analyst, and stay stable on the short, gappy series cost data produces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class DetectorConfig:
    """Thresholds for flagging and grading anomalies.

    Attributes:
        z_threshold: Robust z-score (residual / noise scale) a day must exceed.
        band_z: Half-width of the reported expected band, in noise scales.
        min_impact: Smallest absolute dollar difference worth an alert.
        min_relative: Smallest difference relative to the expected cost worth an alert.
        dollar_steps: Absolute daily impact at which severity reaches medium, high, critical.
        relative_steps: Relative deviation at which severity reaches medium, high, critical.
    """

    z_threshold: float = 4.0
    band_z: float = 4.0
    min_impact: float = 1.0
    min_relative: float = 0.1
    dollar_steps: tuple[float, float, float] = (100.0, 1_000.0, 10_000.0)
    relative_steps: tuple[float, float, float] = (0.25, 0.5, 1.0)


def score(baseline: pd.DataFrame, config: DetectorConfig) -> pd.DataFrame:
    """Add impact, score, band and an `is_anomaly` flag to the baseline frame.

    Args:
        baseline: Output of `features.expected_cost`.
        config: Thresholds.

    Returns:
        The input plus `impact` (cost - expected), `score` (impact / scale), `lower`, `upper`,
        `relative` and `is_anomaly`.
    """
    out = baseline.copy()
    out["impact"] = out["cost"] - out["expected"]
    out["score"] = out["impact"] / out["scale"]
    out["lower"] = out["expected"] - config.band_z * out["scale"]
    out["upper"] = out["expected"] + config.band_z * out["scale"]
    out["relative"] = out["impact"].abs() / out["expected"].abs().clip(lower=config.min_impact)
    out["is_anomaly"] = (
        out["ready"]
        & (out["score"].abs() >= config.z_threshold)
        & (out["impact"].abs() >= config.min_impact)
        & (out["relative"] >= config.min_relative)
    )
    return out


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
