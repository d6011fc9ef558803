"""Rightsizing: p95 summaries, same-family sizing under headroom, idle and waste flags."""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd
import pytest

from ml.rightsizing.features import summarize_metrics
from ml.rightsizing.model import choose_size
from ml.rightsizing.run import RECOMMENDATION_COLUMNS, load_default_catalog, recommend_rightsizing

CATALOG = load_default_catalog()


def _metrics(resource_id: str, cpu: float, mem: float | None, days: int = 15) -> pd.DataFrame:
    hours = pd.date_range("2025-01-01", periods=days * 24, freq="h")
    frames = [pd.DataFrame({"timestamp": hours, "metric": "CPUUtilization", "value": cpu})]
    if mem is not None:
        frames.append(
            pd.DataFrame({"timestamp": hours, "metric": "mem_used_percent", "value": mem})
        )
    return pd.concat(frames).assign(resource_id=resource_id)


def _inventory(*rows: tuple[str, str, str | None, str, float]) -> pd.DataFrame:
    columns = ["resource_id", "resource_type", "instance_type", "state", "hourly_cost"]
    return pd.DataFrame(list(rows), columns=columns)


def _one(metrics: pd.DataFrame, inventory: pd.DataFrame) -> pd.Series:
    return recommend_rightsizing(metrics, inventory).set_index("resource_id").iloc[0]


def test_summary_has_p95_max_and_span() -> None:
    metrics = _metrics("i-1", 10.0, None, days=2)
    metrics.loc[metrics.index[-1], "value"] = 90.0
    summary = summarize_metrics(metrics).iloc[0]
    assert summary["cpu_max"] == 90.0 and summary["cpu_p95"] == pytest.approx(10.0)
    assert summary["days_observed"] == pytest.approx(47 / 24)
    assert math.isnan(summary["mem_p95"])


@pytest.mark.parametrize(
    ("current", "cpu", "mem", "expected"),
    [
        ("m5.4xlarge", 20.0, 30.0, "m5.2xlarge"),  # memory (30% of 64 GiB) stops m5.xlarge
        ("m5.4xlarge", 20.0, 10.0, "m5.xlarge"),  # cpu 20% of 16 vCPU = 80% of 4: just fits
        ("m5.large", 50.0, 50.0, "m5.large"),  # already the smallest size
        ("t3.medium", 95.0, 50.0, "t3.xlarge"),  # too small: the next size with more vCPU
        ("r5.2xlarge", 30.0, math.nan, "r5.xlarge"),  # memory unknown: cpu only
        ("x9.huge", 10.0, 10.0, None),  # not in the catalog
    ],
)
def test_choose_size(current: str, cpu: float, mem: float, expected: str | None) -> None:
    assert choose_size(current, cpu, mem, CATALOG) == expected


def test_downsize_savings_use_the_rate_actually_paid() -> None:
    # paid 0.6/h on a 0.768 on-demand m5.4xlarge; m5.2xlarge is half the price
    row = _one(
        _metrics("i-1", 20.0, 30.0), _inventory(("i-1", "instance", "m5.4xlarge", "running", 0.6))
    )
    assert row["action"] == "downsize" and row["recommended_instance_type"] == "m5.2xlarge"
    assert row["monthly_savings"] == Decimal("219.00")  # 0.3 x 730, to the cent
    assert row["monthly_current_cost"] == Decimal("438.00")


def test_fewer_than_14_days_is_not_recommended_with_a_reason() -> None:
    row = _one(
        _metrics("i-1", 20.0, 30.0, days=7),
        _inventory(("i-1", "instance", "m5.4xlarge", "running", 0.6)),
    )
    assert row["action"] == "not_recommended" and "days" in row["reason"]
    assert row["monthly_savings"] == Decimal(0)


def test_instance_without_metrics_is_not_recommended() -> None:
    row = _one(
        _metrics("other", 1.0, 1.0), _inventory(("i-1", "instance", "m5.large", "running", 0.1))
    )
    assert row["action"] == "not_recommended"


@pytest.mark.parametrize(
    ("inventory_row", "cpu", "action", "reason"),
    [
        (("i-1", "instance", "c5.large", "running", 0.085), 1.0, "idle", "idle: p95 CPU"),
        (("i-1", "instance", "m5.large", "stopped", 0.01), 1.0, "review_stopped", "stopped"),
        (("i-1", "volume", None, "available", 0.01), 1.0, "delete_volume", "unattached"),
    ],
)
def test_waste_is_flagged_with_reason_and_full_savings(
    inventory_row: tuple[str, str, str | None, str, float], cpu: float, action: str, reason: str
) -> None:
    row = _one(_metrics("i-1", cpu, 5.0), _inventory(inventory_row))
    assert row["action"] == action and reason in row["reason"]
    expected = (Decimal(str(inventory_row[4])) * 730).quantize(Decimal("0.01"))
    assert row["monthly_savings"] == expected


def test_output_has_one_row_per_resource_and_the_documented_columns() -> None:
    inventory = _inventory(
        ("i-1", "instance", "m5.large", "running", 0.096),
        ("vol-1", "volume", None, "in-use", 0.01),
    )
    result = recommend_rightsizing(_metrics("i-1", 50.0, 50.0), inventory)
    assert list(result.columns) == RECOMMENDATION_COLUMNS
    assert result["action"].tolist() == ["none", "none"]


def test_memory_without_cpu_is_not_recommended() -> None:
    # an agent that ships memory but no CPU sample must not be read as 0% CPU (idle)
    memory_only = _metrics("i-1", 0.0, 40.0).query("metric == 'mem_used_percent'")
    row = _one(memory_only, _inventory(("i-1", "instance", "m5.xlarge", "running", 0.192)))
    assert (row["action"], row["reason"]) == ("not_recommended", "no CPU metric")


def test_monthly_cost_in_decimal_is_used_as_given() -> None:
    inventory = _inventory(("i-1", "instance", "m5.4xlarge", "running", 0.0)).assign(
        monthly_cost=[Decimal("438.015")]
    )
    row = _one(_metrics("i-1", 20.0, 30.0), inventory)
    # half of 438.015 is 219.0075: rounded half-up to the cent once, at the end
    assert (row["monthly_current_cost"], row["monthly_savings"]) == (
        Decimal("438.02"),
        Decimal("219.01"),
    )
