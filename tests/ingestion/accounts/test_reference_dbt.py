"""dbt build of the accounts and business-metrics bronze and silver models on DuckDB and
PostgreSQL, after real dlt loads (accounts files + overrides, GCP billing export rows for the
project-ancestry fallback, business metric CSVs). Expectations come from the fixture files."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

from ingestion import accounts, business_metrics, gcp_billing
from ingestion.warehouse import make_pipeline
from tests.conftest import FIXTURES
from tests.ingestion.accounts.test_accounts_rest_and_files import azure_expected, gcp_expected
from tests.ingestion.business_metrics.test_business_metrics import reference
from tests.warehouse_utils import query, use_warehouse

PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
HERE = FIXTURES / "accounts"
AWS_SNAPSHOT = {
    "Roots": [{"Id": "r-ab12", "Name": "Root"}],
    "OrganizationalUnits": [
        {"Id": "ou-ab12-prod", "Name": "Production", "ParentId": "r-ab12"},
        {"Id": "ou-ab12-pay", "Name": "Payments", "ParentId": "ou-ab12-prod"},
    ],
    "Accounts": [
        {"Id": "610293847510", "Name": "nw-payments-prod", "Status": "ACTIVE",
         "ParentId": "ou-ab12-pay",
         "Tags": [{"Key": "Team", "Value": "Payments"}, {"Key": "CostCenter", "Value": "CC-2001"},
                  {"Key": "env", "Value": "prod"}]},
        {"Id": "482913047561", "Name": "northwind-core", "Status": "ACTIVE", "ParentId": "r-ab12",
         "Tags": []},
    ],
}  # fmt: skip
# a Resource Manager project that the billing export also knows: the organization API wins
RM_SEARCH_DEV = {"projectId": "search-dev", "parent": "folders/190273645811",
                 "displayName": "search-dev", "labels": {"team": "search"}}  # fmt: skip


def _dbt(tmp: Path, *args: str) -> None:
    result = dbtRunner().invoke(
        [*args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
         "--no-use-colors", "--quiet"]
    )  # fmt: skip
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success and not failures, (result.exception, failures)


def _load_everything(tmp_path: Path) -> Path:
    folder = tmp_path / "hierarchy"
    folder.mkdir()
    for name in ("azure_management_group.json", "azure_subscriptions.json", "overrides.csv"):
        shutil.copy(HERE / name, folder / name)
    gcp = json.loads((HERE / "gcp_projects_search.json").read_text())
    gcp["projects"].append(RM_SEARCH_DEV)
    (folder / "gcp.json").write_text(
        json.dumps(gcp | json.loads((HERE / "gcp_folders.json").read_text()))
    )
    (folder / "aws.json").write_text(json.dumps(AWS_SNAPSHOT))
    make_pipeline("ref_accounts", accounts.DATASET_NAME).run(accounts.dlt_source(path=str(folder)))
    metrics = FIXTURES / "business_metrics"
    make_pipeline("ref_metrics", business_metrics.DATASET_NAME).run(
        business_metrics.dlt_source(path=str(metrics / "metrics_long.csv"))
    )
    make_pipeline("ref_metrics_wide", business_metrics.DATASET_NAME).run(
        business_metrics.dlt_source(path=str(metrics / "metrics_wide.csv"))
    )
    make_pipeline("ref_gcp_billing", gcp_billing.DATASET_NAME).run(
        gcp_billing.dlt_source(path=str(FIXTURES / "gcp_billing" / "export_rows.jsonl"))
    )
    return folder


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_reference_models_build(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    database = request.getfixturevalue("own_postgres_database") if kind == "postgres" else None
    with use_warehouse(kind, tmp_path / "wh.duckdb", database):
        _load_everything(tmp_path)
        _dbt(
            tmp_path, "build", "--select", "+int_account_hierarchy", "+int_business_metrics",
            "stg_accounts__loads", "stg_business_metrics__loads",
        )  # fmt: skip
        rows = query(
            "select x_provider, account_id, account_name, parent_id, parent_name, hierarchy_path, "
            "team, cost_center, product, environment, x_source, x_overridden "
            "from silver.int_account_hierarchy"
        )
        metrics = query(
            "select billing_period, product, metric, sum(value), min(unit), "
            "min(metric_date), max(metric_date) from silver.int_business_metrics group by 1, 2, 3"
        )
    by_key = {(r[0], r[1]): r[2:] for r in rows}
    assert len(by_key) == len(rows)

    # every discovered account once, plus the override-only one and the billing-only project
    azure, gcp = azure_expected(), gcp_expected()
    expected_keys = (
        {("azure", s) for s in azure}
        | {("gcp", p) for p in gcp}
        | {("aws", a["Id"]) for a in AWS_SNAPSHOT["Accounts"]}
        | {("aws", "999999999999"), ("gcp", "search-dev"), ("gcp", "payments-prod")}
    )
    assert set(by_key) == expected_keys
    for sub_id, (path, _, _) in azure.items():
        if sub_id != "5e2b7d41-3c6a-4f8e-a1b9-7d4c2e6f8a52":
            assert by_key[("azure", sub_id)][3] == path

    # AWS: path from the OU tree, keys from tags (lower-cased), no override
    assert by_key[("aws", "610293847510")] == (
        "nw-payments-prod", "ou-ab12-pay", "Payments", "Root / Production / Payments / "
        "nw-payments-prod", "payments", "cc-2001", None, "prod", "aws_organizations", False,
    )  # fmt: skip
    # Azure: the override replaces team and cost center; product and env still from tags
    payments = by_key[("azure", "5e2b7d41-3c6a-4f8e-a1b9-7d4c2e6f8a52")]
    assert payments[4:] == (
        "payments-core", "cc-2002", "checkout", "prod", "azure_management_groups", True
    )  # fmt: skip
    assert by_key[("azure", "9a1c3e5b-7d2f-4b6a-8e0c-1f3a5b7d9c73")][4] == "payments"  # owner tag
    # GCP: the override renames and moves the project; labels fill what it leaves empty
    assert by_key[("gcp", "nw-data-dev")] == (
        "Data (dev)", None, "Data", "Northwind / Non-production / Data / Data (dev)", "data",
        None, "analytics", "dev", "gcp_resource_manager", True,
    )  # fmt: skip
    # override-only account (provider inferred from the 12-digit id)
    assert by_key[("aws", "999999999999")] == (
        "legacy-reseller", None, "Legacy", "Legacy / legacy-reseller", "finance", "cc-9001",
        None, "prod", "csv_override", True,
    )  # fmt: skip
    # the billing export's ancestry fills projects the organization API did not list, and
    # loses to it where both know the project
    assert by_key[("gcp", "payments-prod")][2:5] == (
        "Payments", "example.com / Payments / Payments Prod", None
    )  # fmt: skip
    assert by_key[("gcp", "payments-prod")][8] == "gcp_billing_export"
    assert by_key[("gcp", "search-dev")][8] == "gcp_resource_manager"
    assert by_key[("gcp", "search-dev")][3] == "northwind.example / Non-production / search-dev"

    # business metrics: totals per month, product and metric equal the files'
    long_totals, _ = reference(FIXTURES / "business_metrics" / "metrics_long.csv")
    wide_totals, _ = reference(FIXTURES / "business_metrics" / "metrics_wide.csv")
    got = {(f"{p:%Y-%m}", prod, m): Decimal(str(v)) for p, prod, m, v, *_ in metrics}
    assert got == long_totals | wide_totals
    for period, _, _, _, _, first, last in metrics:
        assert first.replace(day=1) == period and last.replace(day=1) == period
