"""Hourly grid, credits, and existing commitments applied in the provider's order."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.commitments.features import hourly_series, residual_spend


def _usage(values: list[float], start: str = "2025-01-01") -> pd.DataFrame:
    hours = pd.date_range(start, periods=len(values), freq="h")
    return pd.DataFrame({"hour": hours, "on_demand_cost": values})


def test_missing_hours_count_as_zero_and_duplicates_are_summed() -> None:
    frame = pd.DataFrame(
        {
            "hour": ["2025-01-01T00:00", "2025-01-01T00:30", "2025-01-01T03:00"],
            "on_demand_cost": [1.0, 2.0, 4.0],
        }
    )
    series = hourly_series(frame)
    assert series.tolist() == [3.0, 0.0, 0.0, 4.0]


def test_empty_usage_gives_an_empty_series() -> None:
    assert hourly_series(_usage([])).empty


def test_negative_hour_is_rejected_or_clipped() -> None:
    frame = _usage([2.0, -1.0, 3.0])
    with pytest.raises(ValueError, match="negative at hour 2025-01-01T01:00"):
        hourly_series(frame)
    assert hourly_series(frame, negative="clip").tolist() == [2.0, 0.0, 3.0]


def test_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match="on_demand_cost"):
        hourly_series(pd.DataFrame({"hour": ["2025-01-01"]}))


def test_existing_commitments_apply_in_provider_order() -> None:
    series = hourly_series(_usage([10.0, 10.0]))
    existing = pd.DataFrame(
        {
            # listed in the wrong order on purpose: the RI must still be applied first
            "commitment_type": ["compute_savings_plan", "reserved_instance"],
            "hourly_commitment": [3.0, 4.0],
            "discount_rate": [0.25, 0.5],
            "start": ["2024-01-01", "2024-01-01"],
            "end": ["2026-01-01", "2026-01-01"],
        }
    )
    # RI covers 4/0.5 = 8, the Compute SP then only finds 2 of its 4 covered
    assert residual_spend(series, existing).tolist() == [0.0, 0.0]
    only_sp = existing[existing["commitment_type"] == "compute_savings_plan"]
    assert residual_spend(series, only_sp).tolist() == [6.0, 6.0]


def test_commitment_expiring_mid_window_leaves_more_eligible_spend_after_expiry() -> None:
    series = hourly_series(_usage([10.0] * 6))
    existing = pd.DataFrame(
        {
            "commitment_type": ["reserved_instance"],
            "hourly_commitment": [3.0],
            "discount_rate": [0.4],
            "start": ["2024-06-01"],
            "end": ["2025-01-01T03:00"],
        }
    )
    historical = residual_spend(series, existing)
    assert historical.tolist() == [5.0, 5.0, 5.0, 10.0, 10.0, 10.0]
    # projected to a purchase after expiry, the expired RI covers nothing
    after = residual_spend(series, existing, as_of=pd.Timestamp("2025-01-01T06:00"))
    assert after.tolist() == [10.0] * 6
    before = residual_spend(series, existing, as_of=pd.Timestamp("2025-01-01T02:00"))
    assert before.tolist() == [5.0] * 6
