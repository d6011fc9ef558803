"""AWS Organizations read from moto's server (real boto3 calls over HTTP), into both warehouses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from ingestion.accounts import DATASET_NAME, dlt_source
from ingestion.common.report import SourceReport
from ingestion.warehouse import make_pipeline
from tests.ingestion.accounts.servers import moto_endpoint
from tests.warehouse_utils import query, use_warehouse

ORG = "aws-organizations://"


@pytest.fixture
def organization(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, dict[str, dict]]]:
    """An organization with nested OUs and tagged accounts; returns the endpoint and, per
    account id, the name, expected path and tags as created here."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_ORGANIZATIONS", raising=False)
    with moto_endpoint() as endpoint:
        client = boto3.client("organizations", endpoint_url=endpoint)
        client.create_organization(FeatureSet="ALL")
        root = client.list_roots()["Roots"][0]["Id"]
        master = client.describe_organization()["Organization"]["MasterAccountId"]
        prod = client.create_organizational_unit(ParentId=root, Name="Production")
        prod_id = prod["OrganizationalUnit"]["Id"]
        pay = client.create_organizational_unit(ParentId=prod_id, Name="Payments")
        pay_id = pay["OrganizationalUnit"]["Id"]
        sandbox = client.create_organizational_unit(ParentId=root, Name="Sandbox")
        sandbox_id = sandbox["OrganizationalUnit"]["Id"]
        expected: dict[str, dict] = {
            master: {"name": "master", "path": ["Root", "master"], "tags": {}, "parent": root}
        }
        for name, parent_id, path, tags in [
            ("payments-prod", pay_id, ["Root", "Production", "Payments"],
             {"team": "payments", "CostCenter": "cc-2001", "environment": "prod"}),
            ("data-prod", prod_id, ["Root", "Production"], {"Team": "data", "env": "prod"}),
            ("sandbox", sandbox_id, ["Root", "Sandbox"], {"owner": "platform"}),
        ]:  # fmt: skip
            status = client.create_account(
                Email=f"{name}@example.com",
                AccountName=name,
                Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
            )["CreateAccountStatus"]
            account_id = status["AccountId"]
            client.move_account(
                AccountId=account_id, SourceParentId=root, DestinationParentId=parent_id
            )
            expected[account_id] = {
                "name": name, "path": [*path, name], "tags": tags, "parent": parent_id
            }  # fmt: skip
        yield endpoint, expected


def _rows() -> dict[str, tuple]:
    rows = query(
        f"select account_id, account_name, account_type, parent_id, hierarchy_path, tags, "
        f"x_source, x_source_key from {DATASET_NAME}.accounts"
    )
    return {row[0]: row[1:] for row in rows}


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_organization_tree_tags_and_replacement(
    kind: str, organization: tuple[str, dict], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    endpoint, expected = organization
    database = request.getfixturevalue("own_postgres_database") if kind == "postgres" else None
    with use_warehouse(kind, tmp_path / "wh.duckdb", database):
        pipeline = make_pipeline(f"accounts_aws_{kind}", DATASET_NAME)
        report = SourceReport()
        pipeline.run(dlt_source(path=ORG, aws_endpoint=endpoint, report=report))
        rows = _rows()
        assert set(rows) == set(expected)
        for account_id, want in expected.items():
            name, kind_, parent, path, tags, source, key = rows[account_id]
            assert (name, kind_, parent, source, key) == (
                want["name"], "account", want["parent"], "aws_organizations", ORG
            )  # fmt: skip
            assert path == " / ".join(want["path"])
            assert json.loads(tags) == want["tags"]
        assert report.rows == len(expected) and not report.quarantined

        # a new snapshot replaces the old one: the moved account has one row, its new path
        client = boto3.client("organizations", endpoint_url=endpoint)
        moved = next(a for a, w in expected.items() if w["name"] == "sandbox")
        root = client.list_roots()["Roots"][0]["Id"]
        client.move_account(
            AccountId=moved, SourceParentId=expected[moved]["parent"], DestinationParentId=root
        )
        pipeline.run(dlt_source(path=ORG, aws_endpoint=endpoint))
        rows = _rows()
        assert len(query(f"select * from {DATASET_NAME}.accounts")) == len(expected)
        assert rows[moved][3] == "Root / sandbox"
        loads = query(
            f"select status, unit_key, row_count, checksum from {DATASET_NAME}.loads "
            "order by detected_at"
        )
        assert [(s, k, n) for s, k, n, _ in loads] == [
            ("loaded", f"aws_organizations:{ORG}", len(expected))
        ] * 2
        assert loads[0][3] != loads[1][3]  # the tree changed, so did its checksum


def test_endpoint_from_the_standard_aws_variable(
    organization: tuple[str, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint, expected = organization
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", endpoint)
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        make_pipeline("accounts_aws_env", DATASET_NAME).run(dlt_source(path=ORG))
        assert set(_rows()) == set(expected)


def test_unreachable_api_is_quarantined_and_files_still_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    snapshot = tmp_path / "org.json"
    snapshot.write_text(
        json.dumps(
            {
                "Roots": [{"Id": "r-1", "Name": "Root"}],
                "OrganizationalUnits": [{"Id": "ou-1", "Name": "Prod", "ParentId": "r-1"}],
                "Accounts": [{"Id": "123456789012", "Name": "a", "ParentId": "ou-1"}],
            }
        )
    )
    report = SourceReport()
    dead = "http://127.0.0.1:9"  # discard port: nothing listens
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        make_pipeline("accounts_dead", DATASET_NAME).run(
            dlt_source(path=f"{ORG},{snapshot}", aws_endpoint=dead, report=report)
        )
        assert [q.path for q in report.quarantined] == [ORG]
        assert "list_roots failed" in report.quarantined[0].reason
        assert query(f"select account_id, hierarchy_path from {DATASET_NAME}.accounts") == [
            ("123456789012", "Root / Prod / a")
        ]
        statuses = query(f"select status, error is null from {DATASET_NAME}.loads order by 1")
        assert statuses == [("loaded", True), ("quarantined", False)]
