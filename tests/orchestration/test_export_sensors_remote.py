"""The export sensors on an S3 prefix (moto server) and a Blob container (Azurite).

Each scenario drops data files, then the manifest, and evaluates the sensor with the cursor
string of the previous tick, as the daemon does after a restart.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.automation import aws_export_sensor, azure_export_sensor
from tests.ingestion.aws_cur.exports import cur2_rows, write_cur2_export
from tests.ingestion.azure_cost.test_azure_inputs import export_run
from tests.ingestion.storage_servers import tree, upload, upload_s3

Put = Callable[[dict[str, bytes]], None]


def _months(result: dg.SensorResult) -> list[str]:
    return [r.tags["dagster/asset_partition_range_start"][:7] for r in result.run_requests]


def _deliver(
    sensor: dg.SensorDefinition, put: Put, files: dict[str, bytes], cursor: str | None
) -> dg.SensorResult:
    """Data files first (the sensor must wait), then the manifest; the tick after it."""
    manifest = {k: v for k, v in files.items() if k.lower().endswith("manifest.json")}
    put({k: v for k, v in files.items() if k not in manifest})
    waiting = sensor(dg.build_sensor_context(cursor=cursor))
    assert waiting.run_requests == [], "a run started before the manifest arrived"
    put(manifest)
    return sensor(dg.build_sensor_context(cursor=waiting.cursor))


def _check_scenario(
    sensor: dg.SensorDefinition,
    put: Put,
    deliveries: tuple[dict[str, bytes], dict[str, bytes], dict[str, bytes]],
    months: tuple[str, str],
) -> str:
    """Run the scenario; returns the last cursor."""
    first, restated, other = deliveries
    result = _deliver(sensor, put, first, None)
    assert _months(result) == [months[0]]

    repeat = sensor(dg.build_sensor_context(cursor=result.cursor))
    assert repeat.run_requests == []  # the same delivery never starts twice

    again = _deliver(sensor, put, restated, repeat.cursor)  # same file names, new ETag
    assert _months(again) == [months[0]]
    assert again.run_requests[0].run_key != result.run_requests[0].run_key

    later = _deliver(sensor, put, other, again.cursor)
    assert _months(later) == [months[1]]  # only the newly delivered month
    assert sensor(dg.build_sensor_context(cursor=later.cursor)).run_requests == []
    return later.cursor


def _cur2_files(local: Path, period: date, execution: str) -> dict[str, bytes]:
    write_cur2_export(local, "acme", period, [cur2_rows("111111111111", period, 2)], execution)
    return tree(local, "cur")


def test_sensor_on_an_s3_prefix(
    s3_endpoint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("FINOPS_AWS_CUR_PATH", "s3://landing/cur")
    # the sensor reads the bucket with the source's own storage options (dlt config)
    monkeypatch.setenv(
        "SOURCES__AWS_CUR__STORAGE_OPTIONS", json.dumps({"endpoint_url": s3_endpoint})
    )
    upload_s3(s3_endpoint, "landing", {})
    assert aws_export_sensor(dg.build_sensor_context()).run_requests == []  # empty prefix

    jan, feb = date(2025, 1, 1), date(2025, 2, 1)
    deliveries = (
        _cur2_files(tmp_path / "first", jan, "exec-1"),
        _cur2_files(tmp_path / "restated", jan, "exec-2"),
        {
            k: v
            for k, v in _cur2_files(tmp_path / "restated", feb, "exec-1").items()
            if "2025-02" in k
        },
    )
    cursor = _check_scenario(
        aws_export_sensor,
        lambda files: [upload_s3(s3_endpoint, "landing", {k: v}) for k, v in files.items()],
        deliveries,
        ("2025-01", "2025-02"),
    )

    # a quiet tick is one listing: manifests already in the cursor are not downloaded again
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        assert aws_export_sensor(dg.build_sensor_context(cursor=cursor)).run_requests == []
    requests = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("list-type=2" in r for r in requests)
    assert not [r for r in requests if "Manifest.json" in r]


def _in_month(files: dict[str, bytes], month: str) -> dict[str, bytes]:
    """An Azure export run moved from March 2024 to another month (folder and manifest)."""
    folder = f"{month.replace('-', '')}01-{month.replace('-', '')}28"
    moved = {}
    for name, data in files.items():
        if name.endswith("_manifest.json"):
            content = json.loads(data)
            content["runInfo"]["startDate"] = f"{month}-01T00:00:00"
            data = json.dumps(content).replace("20240301-20240331", folder).encode()
        moved[name.replace("20240301-20240331", folder)] = data
    return moved


def test_sensor_on_a_blob_container(azurite: str, monkeypatch: pytest.MonkeyPatch) -> None:
    container = f"exports-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("FINOPS_AZURE_COST_PATH", f"azure://{container}/costs")
    monkeypatch.setenv("SOURCES__AZURE_COST__CONNECTION_STRING", azurite)
    upload(azurite, container, {})
    assert azure_export_sensor(dg.build_sensor_context()).run_requests == []  # empty container

    run = "a0000000-0000-0000-0000-000000000001"
    march = {f"costs/{k}": v for k, v in export_run("ActualCost", run).items()}
    # Cost Management rewrites a run's files under the same names: only the ETag changes
    deliveries = (march, dict(march), _in_month(march, "2024-04"))
    _check_scenario(
        azure_export_sensor,
        lambda files: upload(azurite, container, files),
        deliveries,
        ("2024-03", "2024-04"),
    )


def test_unconfigured_blob_sensor_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINOPS_AZURE_COST_PATH", raising=False)
    result = azure_export_sensor(dg.build_sensor_context())
    assert isinstance(result, dg.SkipReason) and "FINOPS_AZURE_COST_PATH" in result.skip_message
