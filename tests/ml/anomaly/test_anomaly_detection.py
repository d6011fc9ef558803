"""Anomaly detection: spikes flagged, known events suppressed, clean data quiet, root cause."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from ml.anomaly.model import DetectorConfig, severity
from ml.anomaly.run import ANOMALY_COLUMNS, detect, detect_many, explain
from ml.common.synthetic import daily_cost_series, inject_anomaly

SPIKE_DAY = 200  # 2023-07-20


def _spiked(seed: int = 1, size: float = 1.0) -> pd.DataFrame:
    return inject_anomaly(
        daily_cost_series(365, seed=seed, noise_cv=0.05), "spike", SPIKE_DAY, size
    )


def test_spike_is_flagged_with_impact_and_severity() -> None:
    found = detect(_spiked())
    assert list(found.columns) == ANOMALY_COLUMNS
    row = found[found["date"] == date(2023, 7, 20)]
    assert len(row) == 1
    assert row["impact"].iloc[0] > 500
    assert row["score"].iloc[0] > 4
    assert row["lower"].iloc[0] < row["expected"].iloc[0] < row["upper"].iloc[0]
    assert row["severity"].iloc[0] in {"medium", "high", "critical"}


def test_known_event_suppresses_the_spike() -> None:
    events = pd.DataFrame({"start_date": ["2023-07-19"], "end_date": ["2023-07-21"]})
    found = detect(_spiked(), known_events=events)
    assert date(2023, 7, 20) not in set(found["date"])
    assert found.attrs["suppressed"] == 1


def test_known_event_filter_applies_only_to_its_series() -> None:
    spiked = pd.concat([_spiked().assign(service="a"), _spiked().assign(service="b")])
    events = pd.DataFrame({"start_date": ["2023-07-20"], "service": ["a"]})
    found = detect_many(spiked, ["service"], known_events=events)
    on_day = found[found["date"] == date(2023, 7, 20)]
    assert on_day["service"].tolist() == ["b"]


@pytest.mark.parametrize("seed", range(5))
def test_clean_series_raises_few_alerts(seed: int) -> None:
    found = detect(daily_cost_series(365, seed=seed, noise_cv=0.05))
    assert len(found) <= 4  # fewer than one alert per series per quarter


@pytest.mark.parametrize(
    "costs",
    [[], [5.0], [0.0] * 90, [-10.0] * 60],
    ids=["empty", "one_point", "all_zero", "all_credit"],
)
def test_degenerate_series_do_not_crash_or_alert(costs: list[float]) -> None:
    history = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=len(costs)), "cost": costs})
    assert detect(history).empty


def test_severity_uses_dollars_as_floor_and_deviation_to_raise_one_step() -> None:
    config = DetectorConfig()
    impact = pd.Series([20_000.0, 5.0, 500.0, 50.0])
    relative = pd.Series([0.05, 5.0, 0.6, 0.1])
    assert severity(impact, relative, config).tolist() == ["critical", "medium", "high", "low"]


def test_root_cause_names_the_injected_dimension_value_first() -> None:
    rng = np.random.default_rng(0)
    days = pd.date_range("2024-03-01", periods=8)
    rows = [
        {"date": d, "service": s, "region": r, "cost": 100 + rng.normal(0, 2)}
        for d in days
        for s in ("ec2", "s3", "rds")
        for r in ("us-east-1", "eu-west-1")
    ]
    lines = pd.DataFrame(rows)
    surge = (lines["date"] == days[-1]) & (lines["service"] == "rds")
    surge &= lines["region"] == "eu-west-1"
    lines.loc[surge, "cost"] += 900
    result = explain(lines, days[-1].date(), ["service", "region"])
    assert list(result.columns) == ["dimension", "value", "baseline", "actual", "delta", "share"]
    top = result.iloc[0]
    assert (top["dimension"], top["value"]) in {("service", "rds"), ("region", "eu-west-1")}
    assert top["share"] > 0.9
    by_service = result[result["dimension"] == "service"]
    assert by_service["share"].sum() == pytest.approx(1.0)
    assert by_service.iloc[0]["value"] == "rds"
