"""The sample's utilization metrics: same instance ids as the CUR sample, planted behaviours
visible in the files, byte-identical for a seed, readable by the utilization source."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ingestion.common.report import SourceReport
from ingestion.sample_data import generate
from ingestion.utilization_metrics.plan import UtilizationPlan
from ingestion.utilization_metrics.reader import read_file


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    return generate(
        tmp_path_factory.mktemp("util"), months=2, scale=3_000, seed=5,
        providers=("aws", "utilization"),
    )  # fmt: skip


def _billed_ids(root: Path, prefix: str) -> set[str]:
    ids: set[str] = set()
    for path in root.rglob("*.parquet"):
        column = pq.read_table(path, columns=["line_item_resource_id"])["line_item_resource_id"]
        ids |= {v for v in pc.unique(column).to_pylist() if v and v.startswith(prefix)}
    return ids


def test_metrics_cover_the_billed_instances_with_the_planted_behaviours(sample) -> None:
    truth = json.loads(sample.ground_truth_path.read_text())["utilization"]
    planted = truth["planted"]
    assert set(planted) == _billed_ids(sample.roots["aws"], "i-")
    assert sorted(planted.values()).count("over_provisioned") >= 1
    samples: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for path in sorted(sample.roots["utilization"].glob("cloudwatch_*.csv")):
        for row in read_file(path, path.name).rows:
            samples[(row["resource_id"], row["metric"])].append(row["sample_time"])
    for resource, kind in planted.items():
        cpu = samples.get((resource, "cpu_percent"), [])
        memory = samples.get((resource, "memory_percent"), [])
        expected_hours = {"stopped": 0, "short_history": 10 * 24}.get(kind, 30 * 24)
        assert len(cpu) == expected_hours, (resource, kind)
        assert len(memory) == (0 if kind == "no_memory_agent" else expected_hours), resource
        if cpu:  # hourly samples up to the last hour the initial AWS delivery covers
            assert max(cpu) == datetime.fromisoformat(truth["window_end"]) - timedelta(hours=1)
    inventory = read_file(sample.roots["utilization"] / "inventory.csv", "inventory.csv").rows
    states = {row["resource_id"]: row["state"] for row in inventory}
    assert {r for r, k in planted.items() if k == "stopped"} == {
        r for r, s in states.items() if s == "stopped"
    }


def test_same_seed_same_bytes_and_every_file_loads(sample, tmp_path: Path) -> None:
    again = generate(tmp_path, months=2, scale=3_000, seed=5, providers=("utilization",))
    for path in sorted(sample.roots["utilization"].iterdir()):
        assert path.read_bytes() == (again.roots["utilization"] / path.name).read_bytes()
    report = SourceReport()
    plan = UtilizationPlan(str(sample.roots["utilization"]), None, report)
    assert plan.months() and not report.quarantined
