"""Shared pieces of the Kubernetes source tests: fixture paths, reference totals, runs.

Reference totals are computed here from the fixture files with the json / csv modules and
Decimal, independently of the source's DuckDB parsing.
"""

from __future__ import annotations

import csv
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from dbt.cli.main import dbtRunner

from ingestion.common.report import SourceReport
from ingestion.kubernetes import DATASET_NAME, dlt_source
from ingestion.warehouse import dbt_env, make_pipeline

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "kubernetes"
ALLOCATION_JSON = FIXTURES / "allocations" / "allocation-2025-01.json"
ALLOCATION_CSV = FIXTURES / "allocations" / "opencost-export.csv"
KOKU = FIXTURES / "koku"
CSV_CLUSTER = "gke-ml"
PROJECT_DIR = Path(
    os.environ.get("FINOPS_TEST_DBT_PROJECT_DIR")
    or Path(__file__).resolve().parents[3] / "dbt_project"
)
MODELS = (
    "stg_kubernetes__allocations stg_kubernetes__loads stg_kubernetes__openshift_pod_usage "
    "stg_kubernetes__openshift_storage_usage stg_kubernetes__openshift_node_labels "
    "stg_kubernetes__openshift_namespace_labels int_kubernetes__allocation_weights "
    "int_kubernetes__costs_focus int_openshift__usage"
)


def json_reference(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(YYYY-MM, cluster) -> rows and Decimal total cost, read with the json module."""
    out: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"rows": 0, "total": Decimal(0)}
    )
    for step in json.loads(path.read_text())["data"]:
        for item in (step or {}).values():
            key = (item["window"]["start"][:7], item["properties"]["cluster"])
            out[key]["rows"] += 1
            out[key]["total"] += Decimal(repr(item["totalCost"]))
    return dict(out)


def csv_reference(path: Path, cluster: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(YYYY-MM, cluster) -> rows and Decimal total cost, read with the csv module."""
    out: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"rows": 0, "total": Decimal(0)}
    )
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            key = (row["Date"][:7], cluster)
            out[key]["rows"] += 1
            out[key]["total"] += Decimal(row["TotalCost"])
    return dict(out)


def run(path: Path | str, **options: Any) -> SourceReport:
    """Load `path` with the Kubernetes source into the warehouse the environment points at."""
    report = SourceReport()
    pipeline = make_pipeline("kubernetes", DATASET_NAME)
    pipeline.run(dlt_source(str(path), report=report, **options))
    return report


@contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def dbt_build(tmp: Path, select: str = MODELS, variables: dict | None = None) -> None:
    """dbt build of `select` on the configured warehouse; fails on any error or test failure."""
    cli = [
        "build", "--select", *select.split(),
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
        "--no-use-colors", "--quiet",
    ]  # fmt: skip
    if variables:
        cli += ["--vars", json.dumps(variables)]
    with environ(dbt_env()):
        result = dbtRunner().invoke(cli)
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success and not failures, f"dbt build failed: {result.exception} {failures}"
