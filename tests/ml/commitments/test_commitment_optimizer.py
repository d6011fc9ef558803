"""Exact optimum of S(c) = sum min(u, c / (1 - d)) - c * H against brute force and edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ml.commitments.optimizer import (
    optimal_commitment,
    optimal_coverage,
    savings,
)


def _brute_force_best(usage: np.ndarray, rate: float) -> float:
    # S is piecewise linear with kinks at the observed values, so its max is at one of them (or 0)
    levels = np.append(np.unique(usage), 0.0)
    return max(savings(usage, (1.0 - rate) * level, rate) for level in levels)


def _random_usage(rng: np.random.Generator, case: int) -> np.ndarray:
    hours = int(rng.integers(1, 400))
    kind = case % 4
    if kind == 0:  # steady with noise
        return rng.gamma(5.0, 2.0, hours)
    if kind == 1:  # spiky: low base, rare large spikes
        return rng.exponential(1.0, hours) + (rng.random(hours) < 0.05) * rng.uniform(
            50, 500, hours
        )
    if kind == 2:  # zero-heavy: mostly idle hours
        return rng.exponential(10.0, hours) * (rng.random(hours) < rng.uniform(0.02, 0.5))
    return np.round(rng.uniform(0, 20, hours))  # many ties


def test_optimum_matches_brute_force_on_random_series() -> None:
    rng = np.random.default_rng(20250101)
    for case in range(200):
        usage = _random_usage(rng, case)
        rate = float(rng.uniform(0.01, 0.95))
        best = _brute_force_best(usage, rate)
        found = savings(usage, optimal_commitment(usage, rate), rate)
        assert found >= best - 1e-3 * abs(best) - 1e-9, (case, rate, found, best)


def test_optimum_is_not_beaten_by_a_dense_grid() -> None:
    rng = np.random.default_rng(7)
    usage = rng.gamma(2.0, 3.0, 500)
    rate = 0.3
    grid = np.linspace(0, usage.max() * (1 - rate), 5001)
    best_grid = max(savings(usage, c, rate) for c in grid)
    assert savings(usage, optimal_commitment(usage, rate), rate) >= best_grid - 1e-9


def test_optimum_covers_up_to_the_lower_d_quantile() -> None:
    usage = np.arange(1.0, 11.0)  # 1..10
    # d * H = 3 -> flat between u_(3) and u_(4); the smaller commitment is taken
    assert optimal_coverage(usage, 0.3) == pytest.approx(3.0)
    assert optimal_coverage(usage, 0.35) == pytest.approx(4.0)
    assert optimal_coverage(usage, 0.05) == pytest.approx(1.0)
    assert optimal_coverage(usage, 0.95) == pytest.approx(10.0)
    # at the optimum at most a (1 - d) share of hours sit strictly above the coverage level
    rng = np.random.default_rng(3)
    for _ in range(50):
        series = rng.exponential(4.0, int(rng.integers(1, 200)))
        rate = float(rng.uniform(0.05, 0.9))
        level = optimal_coverage(series, rate)
        assert (series > level).mean() <= 1 - rate + 1e-12
        assert (series >= level).mean() >= 1 - rate - 1e-12


def test_higher_discount_never_shrinks_the_commitment_coverage() -> None:
    rng = np.random.default_rng(11)
    usage = rng.gamma(3.0, 2.0, 300)
    levels = [optimal_coverage(usage, rate) for rate in np.linspace(0.05, 0.95, 19)]
    assert levels == sorted(levels)
    assert levels[-1] > levels[0]


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ([], 0.0),
        ([7.5], 7.5 * 0.7),
        ([0.0] * 24, 0.0),
        ([0.0] * 20 + [5.0] * 4, 0.0),  # idle most of the time: a commitment would be wasted
    ],
    ids=["empty", "one-hour", "all-zero", "zero-heavy"],
)
def test_edge_case_commitments(usage: list[float], expected: float) -> None:
    assert optimal_commitment(usage, 0.3) == pytest.approx(expected)


def test_negative_usage_is_rejected_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        optimal_commitment([1.0, -2.0, 3.0], 0.3)


@pytest.mark.parametrize("rate", [0.0, 1.0, -0.1, 1.5, math.nan])
def test_discount_rate_outside_open_unit_interval_is_rejected(rate: float) -> None:
    with pytest.raises(ValueError, match="discount rate"):
        optimal_commitment([1.0, 2.0], rate)


def test_savings_formula_on_a_hand_example() -> None:
    # coverage 3/(1-0.4)=5: avoided 2+5+5=12, paid 3*3=9
    assert savings([2.0, 6.0, 9.0], 3.0, 0.4) == pytest.approx(3.0)
