"""The accounts and business-metrics sample generators: deterministic, readable by their
sources, and silver agrees with the ground truth they state."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

from ingestion import accounts, business_metrics
from ingestion.common.report import SourceReport
from ingestion.sample_data import generate
from ingestion.warehouse import make_pipeline
from tests.ingestion.accounts.test_reference_dbt import _dbt
from tests.warehouse_utils import query, use_warehouse

ARGS = {"months": 3, "scale": 20_000, "seed": 11, "providers": ("accounts", "business_metrics")}


def _digests(summary) -> dict[str, str]:
    return {
        p.name: hashlib.md5(p.read_bytes(), usedforsecurity=False).hexdigest()
        for p in summary.files
    }


def test_samples_load_and_match_ground_truth(tmp_path: Path) -> None:
    summary = generate(tmp_path / "a", **ARGS)
    assert _digests(summary) == _digests(generate(tmp_path / "b", **ARGS))  # same seed, same bytes
    truth = json.loads(summary.ground_truth_path.read_text())
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        account_report, metrics_report = SourceReport(), SourceReport()
        make_pipeline("sample_accounts", accounts.DATASET_NAME).run(
            accounts.dlt_source(path=str(summary.roots["accounts"]), report=account_report)
        )
        make_pipeline("sample_metrics", business_metrics.DATASET_NAME).run(
            business_metrics.dlt_source(
                path=str(summary.roots["business_metrics"]), report=metrics_report
            )
        )
        assert not account_report.quarantined and not metrics_report.quarantined
        _dbt(tmp_path, "build", "--select", "+int_account_hierarchy", "+int_business_metrics")
        teams = query("select x_provider, account_id, team from silver.int_account_hierarchy")
        metrics = query(
            "select billing_period, product, metric, sum(value), count(*) "
            "from silver.int_business_metrics group by 1, 2, 3"
        )
    got_teams = {f"{p}:{a}": t for p, a, t in teams}
    assert got_teams == truth["accounts"]["team_by_account"]
    per_provider = {}
    for key in got_teams:
        per_provider[key.split(":")[0]] = per_provider.get(key.split(":")[0], 0) + 1
    assert per_provider == truth["accounts"]["accounts_by_provider"]

    want = truth["business_metrics"]["totals_by_month_product_metric"]
    got = {(f"{p:%Y-%m}", prod, m): Decimal(str(v)) for p, prod, m, v, _ in metrics}
    assert got == {
        (month, product, metric): Decimal(value)
        for month, products in want.items()
        for product, values in products.items()
        for metric, value in values.items()
    }
    rows = {}
    for period, *_, count in metrics:
        rows[f"{period:%Y-%m}"] = rows.get(f"{period:%Y-%m}", 0) + count
    assert rows == {
        k: v * 4 for k, v in truth["business_metrics"]["rows_by_month"].items()
    }  # four metrics per wide row
