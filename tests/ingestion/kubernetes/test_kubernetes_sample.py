"""The Kubernetes sample: deterministic, nodes are EC2 instances the AWS sample bills, and the
loaded totals match its ground truth."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import duckdb

from ingestion.sample_data import generate
from tests.ingestion.kubernetes.helpers import run
from tests.warehouse_utils import query


def _digest(root: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for path in sorted(root.rglob("*.json")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_sample_is_deterministic_and_sits_on_aws_instances(
    tmp_path: Path, duckdb_warehouse: Path
) -> None:
    summary = generate(
        tmp_path / "a", months=2, scale=20_000, seed=5, providers=("aws", "kubernetes")
    )
    again = generate(tmp_path / "b", months=2, scale=20_000, seed=5, providers=("kubernetes",))
    assert _digest(summary.roots["kubernetes"]) == _digest(again.roots["kubernetes"])
    truth = json.loads(summary.ground_truth_path.read_text())["kubernetes"]

    eks = truth["clusters"]["nw-eks-prod"]
    billed = {
        r[0]
        for r in duckdb.sql(
            "select distinct line_item_resource_id from read_parquet("
            f"'{summary.roots['aws']}/**/*.parquet')"
        ).fetchall()
    }
    assert eks["nodes"] and set(eks["nodes"].values()) <= billed
    assert truth["clusters"]["dc1-onprem"]["on_prem"] is True
    assert set(eks["teams"]) == {"platform", "payments", "data", "search", "mobile", "ml"}

    report = run(summary.roots["kubernetes"])
    assert report.quarantined == []
    rows = query(
        "select cluster_id, billing_period, count(*), sum(total_cost), count(distinct usage_date) "
        "from raw_kubernetes.allocations group by 1, 2"
    )
    assert len(rows) == 4
    for cluster, period, count, total, days in rows:
        expected = truth["clusters"][cluster]["billing_periods"][f"{period:%Y-%m}"]
        assert count == expected["rows"] and days == expected["days"]
        assert Decimal(total).quantize(Decimal("0.01")) == Decimal(expected["total_cost"]).quantize(
            Decimal("0.01")
        )
    providers = query(
        "select distinct provider_id from raw_kubernetes.allocations "
        "where cluster_id = 'nw-eks-prod'"
    )
    assert {p[0].rsplit("/", 1)[-1] for p in providers} == set(eks["nodes"].values())
