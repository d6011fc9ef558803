"""recommend_commitments: rows per pool and rate option, existing commitments, risk columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.commitments.evaluate import break_even_months, evaluate_commitment
from ml.commitments.run import RECOMMENDATION_COLUMNS, load_default_rates, recommend_commitments

RATE = pd.DataFrame(
    {
        "commitment_type": ["compute_savings_plan"],
        "term_years": [1],
        "payment_option": ["no_upfront"],
        "discount_rate": [0.3],
        "upfront_fraction": [0.0],
    }
)


def _usage(values: list[float] | np.ndarray) -> pd.DataFrame:
    hours = pd.date_range("2025-01-01", periods=len(values), freq="h")
    return pd.DataFrame({"hour": hours, "on_demand_cost": values})


def test_default_rates_cover_every_type_term_and_payment_option() -> None:
    rates = load_default_rates()
    assert len(rates) == 18
    assert rates["discount_rate"].between(0, 1, inclusive="neither").all()
    assert set(rates["term_years"]) == {1, 3}


def test_one_row_per_rate_option_with_all_columns() -> None:
    rng = np.random.default_rng(5)
    result = recommend_commitments(_usage(rng.gamma(4.0, 2.0, 24 * 14)))
    assert list(result.columns) == RECOMMENDATION_COLUMNS
    assert len(result) == len(load_default_rates())
    assert (result["expected_monthly_savings"] >= 0).all()
    assert result["utilization"].between(0, 1).all() and result["coverage"].between(0, 1).all()
    # utilization at the optimum never falls below the break-even threshold
    assert (result["utilization"] >= result["break_even_utilization"] - 1e-12).all()


def test_usage_drop_scenarios_lose_savings_and_can_go_negative() -> None:
    row = recommend_commitments(_usage([10.0] * 100), rates=RATE).iloc[0]
    assert row["hourly_commitment"] == pytest.approx(7.0)
    assert row["coverage"] == pytest.approx(1.0) and row["utilization"] == pytest.approx(1.0)
    assert row["expected_monthly_savings"] == pytest.approx(3.0 * 730)
    assert row["savings_if_usage_drops_10"] == pytest.approx(2.0 * 730)
    assert row["savings_if_usage_drops_50"] == pytest.approx(-2.0 * 730)


def test_expired_commitment_is_not_subtracted_from_a_later_purchase() -> None:
    usage = _usage([10.0] * 48)
    existing = pd.DataFrame(
        {
            "commitment_type": ["reserved_instance"],
            "hourly_commitment": [3.0],
            "discount_rate": [0.4],
            "start": ["2024-01-01"],
            "end": ["2025-01-02"],  # expires after the first 24 hours
        }
    )
    after = recommend_commitments(usage, existing, rates=RATE).iloc[0]
    during = recommend_commitments(
        usage, existing, rates=RATE, as_of=pd.Timestamp("2025-01-01T12:00")
    ).iloc[0]
    assert after["hourly_commitment"] == pytest.approx(7.0)
    assert during["hourly_commitment"] == pytest.approx(3.5)


def test_pools_by_commitment_type_only_get_their_own_rates() -> None:
    frame = pd.concat(
        [
            _usage([5.0] * 10).assign(commitment_type="reserved_instance", scope="m5"),
            _usage([8.0] * 10).assign(commitment_type="compute_savings_plan", scope="all"),
        ]
    )
    result = recommend_commitments(frame)
    assert set(result.loc[result["scope"] == "m5", "commitment_type"]) == {"reserved_instance"}
    assert len(result) == 12


def test_empty_usage_gives_no_recommendations() -> None:
    result = recommend_commitments(_usage([]))
    assert result.empty and list(result.columns) == RECOMMENDATION_COLUMNS


def test_all_zero_usage_recommends_nothing() -> None:
    row = recommend_commitments(_usage([0.0] * 24), rates=RATE).iloc[0]
    assert row["hourly_commitment"] == 0.0 and row["expected_savings"] == 0.0


@pytest.mark.parametrize(
    ("avoided", "commitment", "upfront", "years", "expected"),
    [
        (1000.0, 1.0, 0.0, 1, 0.0),  # no upfront, in profit from the start
        (500.0, 1.0, 0.0, 1, float("nan")),  # no upfront, fee 730 > 500 avoided: never
        (1460.0, 1.0, 1.0, 1, 6.0),  # all upfront 8760, avoided 1460 a month
        (1095.0, 1.0, 0.5, 1, 6.0),  # upfront 4380, margin 1095 - 365 = 730
        (0.0, 0.0, 1.0, 3, 0.0),  # nothing bought
    ],
)
def test_break_even_months(
    avoided: float, commitment: float, upfront: float, years: int, expected: float
) -> None:
    assert break_even_months(avoided, commitment, upfront, years) == pytest.approx(
        expected, nan_ok=True
    )


def test_evaluation_of_an_over_commitment_has_low_utilization() -> None:
    result = evaluate_commitment([1.0, 1.0], hourly_commitment=7.0, discount_rate=0.3)
    assert result.utilization == pytest.approx(0.1)
    assert result.expected_savings == pytest.approx(2.0 - 14.0)
