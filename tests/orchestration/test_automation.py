"""Schedules and sensors, evaluated for real against a landing folder."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.automation import aws_export_sensor, daily_refresh, focus_export_sensor
from tests.ingestion.aws_cur.exports import cur2_rows, write_cur2_export

JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)


@pytest.mark.parametrize(
    ("when", "first", "last"),
    [
        (datetime(2025, 3, 5, 5, tzinfo=UTC), "2025-02-01", "2025-03-01"),
        (datetime(2025, 1, 2, 5, tzinfo=UTC), "2024-12-01", "2025-01-01"),
    ],
)
def test_daily_refresh_covers_the_open_and_previous_month(
    when: datetime, first: str, last: str
) -> None:
    request = daily_refresh(dg.build_schedule_context(scheduled_execution_time=when))
    assert request.tags["dagster/asset_partition_range_start"] == first
    assert request.tags["dagster/asset_partition_range_end"] == last


def _tick(cursor: str | None) -> dg.SensorResult:
    return aws_export_sensor(dg.build_sensor_context(cursor=cursor))


def _months(result: dg.SensorResult) -> list[str]:
    return [r.tags["dagster/asset_partition_range_start"][:7] for r in result.run_requests]


def test_sensor_runs_each_delivered_month_once_and_again_on_redelivery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    monkeypatch.setenv("FINOPS_AWS_CUR_PATH", str(landing))
    assert _tick(None).run_requests == []  # an empty or missing landing folder is quiet

    manifest = write_cur2_export(landing, "acme", JAN, [cur2_rows("111111111111", JAN, 3)])
    first = _tick(None)
    assert _months(first) == ["2025-01"]

    again = _tick(first.cursor)
    assert again.run_requests == []  # the same delivery never starts twice

    # AWS rewrites the month with the same file names: the manifest's version changes
    later = time.time() + 5
    os.utime(manifest, (later, later))
    redelivered = _tick(again.cursor)
    assert _months(redelivered) == ["2025-01"]
    assert redelivered.run_requests[0].run_key != first.run_requests[0].run_key

    # only the newly delivered month runs
    write_cur2_export(landing, "acme", FEB, [cur2_rows("111111111111", FEB, 2)])
    assert _months(_tick(redelivered.cursor)) == ["2025-02"]


def test_sensor_waits_for_the_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    monkeypatch.setenv("FINOPS_AWS_CUR_PATH", str(landing))
    manifest = write_cur2_export(landing, "acme", JAN, [cur2_rows("111111111111", JAN, 3)])
    manifest.unlink()  # data files landed, manifest not yet written
    assert _tick(None).run_requests == []
    manifest.write_text(
        json.dumps({"billingPeriod": {"start": "2025-01-01T00:00:00Z"}, "dataFiles": []})
    )
    assert _months(_tick(None)) == ["2025-01"]


def test_run_keys_are_stable_across_evaluations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINOPS_AWS_CUR_PATH", str(tmp_path))
    write_cur2_export(tmp_path, "acme", JAN, [cur2_rows("111111111111", JAN, 1)])
    assert _tick(None).run_requests[0].run_key == _tick(None).run_requests[0].run_key


def test_focus_sensor_reads_aws_and_azure_manifests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINOPS_FOCUS_PATH", str(tmp_path))
    aws = tmp_path / "focus-aws" / "metadata" / "BILLING_PERIOD=2025-01"
    aws.mkdir(parents=True)
    (aws / "focus-aws-Manifest.json").write_text(
        json.dumps({"billingPeriod": {"start": "2025-01-01T00:00:00.000Z"}, "dataFiles": []})
    )
    azure = tmp_path / "focus-azure" / "20250201-20250228" / "run-1"
    azure.mkdir(parents=True)
    (azure / "part_0_0001.parquet").write_bytes(b"")
    assert (
        focus_export_sensor(dg.build_sensor_context())
        .run_requests[0]
        .tags["dagster/asset_partition_range_start"]
        == "2025-01-01"
    )  # the Azure run has no manifest yet

    (azure / "_manifest.json").write_text(
        json.dumps({"runInfo": {"runId": "run-1", "startDate": "2025-02-01T00:00:00"}, "blobs": []})
    )
    first = focus_export_sensor(dg.build_sensor_context())
    assert _months(first) == ["2025-01", "2025-02"]
    assert {r.tags["finops/trigger"] for r in first.run_requests} == {"focus_export_sensor"}
    # a manifest that cannot be read still runs the month its folder names (to quarantine it)
    (azure / "_manifest.json").write_text("{ not json")
    later = time.time() + 5
    os.utime(azure / "_manifest.json", (later, later))
    assert _months(focus_export_sensor(dg.build_sensor_context(cursor=first.cursor))) == ["2025-02"]
