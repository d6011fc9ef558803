"""Utilization metrics from CloudWatch and Azure Monitor CSV exports plus an inventory, loaded
into DuckDB and PostgreSQL; expected values come from the rows the tests write."""

from __future__ import annotations

import csv
import gzip
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ingestion.common.report import SourceReport
from ingestion.utilization_metrics import DATASET_NAME, dlt_source, months_found
from ingestion.utilization_metrics.reader import read_file
from ingestion.warehouse import make_pipeline
from tests.warehouse_utils import query, table_exists, use_warehouse

START = datetime(2025, 1, 25)
HOURS = 15 * 24  # across the January / February boundary
AZURE_VM = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)
    return path


def cloudwatch(path: Path, instance: str, cpu: float, memory: float | None) -> Path:
    """Hourly CPUUtilization (+ mem_used_percent, + a NetworkIn row that is not read)."""
    rows: list[list[object]] = []
    for hour in range(HOURS):
        stamp = f"{START + timedelta(hours=hour):%Y-%m-%dT%H:%M:%SZ}"
        rows.append([stamp, "111122223333", instance, "CPUUtilization", cpu, cpu + 5, "Percent"])
        if memory is not None:
            rows.append([stamp, "111122223333", instance, "mem_used_percent", memory, memory, "%"])
        rows.append([stamp, "111122223333", instance, "NetworkIn", 1e6, 2e6, "Bytes"])
    header = ["Timestamp", "AccountId", "InstanceId", "MetricName", "Average", "Maximum", "Unit"]
    return _write(path, header, rows)


def azure_monitor(path: Path) -> Path:
    """Azure's Percentage CPU and Available Memory Percentage (free, so used = 100 - value)."""
    rows: list[list[object]] = []
    for hour in range(HOURS):
        stamp = f"{START + timedelta(hours=hour):%Y-%m-%d %H:%M:%S}+00:00"
        rows.append([stamp, AZURE_VM, "Percentage CPU", 12.5, 30.0, 2.0, "Percent"])
        rows.append([stamp, AZURE_VM, "Available Memory Percentage", 70.0, 80.0, 60.0, "Percent"])
    header = ["TimeStamp", "Resource ID", "Metric", "Average", "Maximum", "Minimum", "Unit"]
    return _write(path, header, rows)


def inventory(path: Path) -> Path:
    return _write(
        path,
        ["ResourceId", "ResourceType", "InstanceType", "State", "AccountId", "Region"],
        [
            ["i-0a", "instance", "m5.2xlarge", "running", "111122223333", "us-east-1"],
            ["i-0b", "instance", "m5.large", "stopped", "111122223333", "us-east-1"],
            [AZURE_VM, "instance", "Standard_D4s_v5", "VM running", "sub-0000", "westeurope"],
            ["vol-0c", "volume", "", "available", "111122223333", "us-east-1"],
        ],
    )


def _run(name: str, report: SourceReport | None = None, **kwargs: object) -> None:
    make_pipeline(name, DATASET_NAME).run(dlt_source(report=report, **kwargs))


def _samples() -> dict[tuple[str, str], tuple[int, float, float]]:
    rows = query(
        f"select resource_id, metric, count(*), avg(average), max(maximum) "
        f"from {DATASET_NAME}.metric_samples group by 1, 2"
    )
    return {(r, m): (n, round(a, 6), round(x, 6)) for r, m, n, a, x in rows}


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_cloudwatch_azure_and_inventory_load_rerun_and_restate(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    cloudwatch(folder / "cw.csv", "i-0a", 20.0, 30.0)
    azure_monitor(folder / "azure.csv")
    inventory(folder / "inventory.csv")
    assert months_found(str(folder)) == ["2025-01", "2025-02"]
    database = request.getfixturevalue("own_postgres_database") if kind == "postgres" else None
    expected = {
        ("i-0a", "cpu_percent"): (HOURS, 20.0, 25.0),
        ("i-0a", "memory_percent"): (HOURS, 30.0, 30.0),
        # Azure reports free memory: used average = 100 - 70, used peak = 100 - minimum 60
        (AZURE_VM, "cpu_percent"): (HOURS, 12.5, 30.0),
        (AZURE_VM, "memory_percent"): (HOURS, 30.0, 40.0),
    }
    with use_warehouse(kind, tmp_path / "wh.duckdb", database):
        report = SourceReport()
        _run(f"util_{kind}", report, path=str(folder))
        assert not report.quarantined
        assert any("NetworkIn" in note for note in report.notes)
        assert _samples() == expected
        states = dict(query(f"select resource_id, state from {DATASET_NAME}.resources"))
        assert states == {
            "i-0a": "running",
            "i-0b": "stopped",
            AZURE_VM: "running",
            "vol-0c": "available",
        }
        loads = query(f"select count(*), sum(row_count) from {DATASET_NAME}.loads")[0]
        # 4 series x 2 months, every sample counted once
        assert (loads[0], int(loads[1])) == (8, 4 * HOURS)

        # a newer export of i-0a (CPU only, a different level) replaces i-0a's CPU months; its
        # memory and the Azure VM stay; loading everything again adds nothing
        newer = cloudwatch(folder / "cw_reexport.csv", "i-0a", 40.0, None)
        os.utime(newer, (newer.stat().st_mtime + 60,) * 2)
        for _ in range(2):
            _run(f"util_{kind}", path=str(folder))
            assert _samples() == expected | {("i-0a", "cpu_percent"): (HOURS, 40.0, 45.0)}
            assert query(f"select count(*) from {DATASET_NAME}.resources")[0][0] == 4


BAD_FILES = [
    (
        "Timestamp,InstanceId,MetricName,Average\n2025-01-01T00:00:00Z,i-1,CPUUtilization,abc\n",
        "bad.csv: row 1, column 'Average': 'abc' is not a number",
    ),
    (
        "Timestamp,InstanceId,MetricName,Average\n2025-01-01T00:00:00Z,i-1,CPUUtilization,5\n"
        "01/02/2025,i-1,CPUUtilization,5\n",
        "bad.csv: row 2, column 'Timestamp': '01/02/2025' is not an ISO 8601 timestamp",
    ),
    (  # float() would read these; an export never writes them
        "Timestamp,InstanceId,MetricName,Average\n2025-01-01T00:00:00Z,i-1,CPUUtilization,nan\n",
        "bad.csv: row 1, column 'Average': 'nan' is not a number",
    ),
    (
        "Timestamp,InstanceId,MetricName,Average\n2025-01-01T00:00:00Z,i-1,CPUUtilization,250\n",
        "bad.csv: row 1, column 'Average': 250.0 is not a percentage (0..100)",
    ),
    (
        "Timestamp,InstanceId,MetricName,Average\n2025-01-01T00:00:00Z,i-1,CPUUtilization,5\n"
        "2025-01-01T00:00:00Z,i-1,CPUUtilization,6\n",
        "bad.csv: row 2: i-1 CPUUtilization average at 2025-01-01 00:00 is also in row 1",
    ),
    (
        "Timestamp,InstanceId,MetricName,Average\n2025-01-01T00:00:00Z,,CPUUtilization,5\n",
        "bad.csv: row 1, column 'InstanceId': empty",
    ),
    (
        "ResourceId,InstanceType,State\ni-1,m5.large,hibernating\n",
        "bad.csv: row 1, column 'State': unknown state 'hibernating'",
    ),
    ("Timestamp,Average\n2025-01-01T00:00:00Z,5\n", "bad.csv: no resource id column"),
    (  # a truncated export: its last row ends mid-field
        "Timestamp,InstanceId,MetricName,Average\n2025-01-01T00:00:00Z,i-1,CPUUtilization,5\n"
        "2025-01-01T01:00:00Z,i-1",
        "bad.csv: row 2, column 'MetricName': missing",
    ),
]


@pytest.mark.parametrize(("content", "reason"), BAD_FILES)
def test_bad_file_is_quarantined_naming_row_and_column_and_the_rest_loads(
    tmp_path: Path, content: str, reason: str
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    cloudwatch(folder / "good.csv", "i-0a", 20.0, None)
    (folder / "bad.csv").write_text(content)
    report = SourceReport()
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        _run("util_bad", report, path=str(folder))
        assert len(report.quarantined) == 1
        assert report.quarantined[0].reason.startswith(reason)
        assert _samples() == {("i-0a", "cpu_percent"): (HOURS, 20.0, 25.0)}
        quarantined = query(
            f"select source_file, error from {DATASET_NAME}.loads where status = 'quarantined'"
        )
        assert quarantined == [("bad.csv", report.quarantined[0].reason)]


def test_long_statistic_rows_pair_average_and_maximum(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "Timestamp,InstanceId,MetricName,Statistic,Value\n"
        "2025-01-01T00:00:00Z,i-1,CPUUtilization,Average,10\n"
        "2025-01-01T00:00:00Z,i-1,CPUUtilization,Maximum,35\n"
        "2025-01-01T00:00:00Z,i-1,CPUUtilization,p99,30\n"
        "2025-01-01T01:00:00Z,i-1,CPUUtilization,Average,12\n"
    )
    rows = read_file(path, "long.csv").rows
    assert [(r["average"], r["maximum"]) for r in rows] == [(10.0, 35.0), (12.0, 12.0)]


def test_only_requested_months_load_and_inventory_always_does(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    plain = cloudwatch(tmp_path / "cw.csv", "i-0a", 20.0, None)
    (folder / "cw.csv.gz").write_bytes(gzip.compress(plain.read_bytes()))
    inventory(folder / "inventory.csv")
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        _run("util_months", path=str(folder), billing_periods=["2025-02"])
        months = query(f"select distinct billing_period from {DATASET_NAME}.metric_samples")
        assert [f"{m:%Y-%m}" for (m,) in months] == ["2025-02"]
        assert table_exists(DATASET_NAME, "resources")
