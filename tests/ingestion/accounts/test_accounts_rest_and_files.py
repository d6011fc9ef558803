"""Azure and GCP hierarchies over HTTP (local servers answering documented JSON), the same JSON
from files, and CSV overrides; expected paths are derived here from the fixture documents."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from ingestion.accounts import DATASET_NAME, dlt_source
from ingestion.common.report import SourceReport
from ingestion.warehouse import make_pipeline
from tests.conftest import FIXTURES
from tests.ingestion.accounts.servers import JsonServer, json_server
from tests.warehouse_utils import query, use_warehouse

HERE = FIXTURES / "accounts"
TOKEN = "test-token"
MG_ROOT = "6b3c1f4e-52a1-4c0e-9d7a-0f2f7d1a9e10"


def _load(name: str) -> Any:
    return json.loads((HERE / name).read_text())


def azure_expected() -> dict[str, tuple[str, str | None, dict]]:
    """subscription id -> (hierarchy path, parent group, tags), walked from the fixtures."""
    tree, subs = _load("azure_management_group.json"), _load("azure_subscriptions.json")
    paths: dict[str, tuple[list[str], str]] = {}

    def walk(item: dict, trail: list[str]) -> None:
        name = item.get("displayName") or item["properties"]["displayName"]
        for child in item.get("children") or item.get("properties", {}).get("children") or []:
            if child["type"] == "/subscriptions":
                paths[child["name"]] = ([*trail, name], item["name"])
            else:
                walk(child, [*trail, name])

    walk(tree, [])
    out = {}
    for sub in subs["value"]:
        trail, parent = paths.get(sub["subscriptionId"], ([], None))
        out[sub["subscriptionId"]] = (
            " / ".join([*trail, sub["displayName"]]),
            parent,
            sub.get("tags") or {},
        )
    return out


def gcp_expected() -> dict[str, tuple[str, str]]:
    """project id -> (hierarchy path, parent), walked from the fixtures."""
    extra = _load("gcp_folders.json")
    nodes = {n["name"]: n for n in extra["folders"] + extra["organizations"]}
    out = {}
    for project in _load("gcp_projects_search.json")["projects"]:
        trail, parent = [], project["parent"]
        while parent in nodes:
            trail.insert(0, nodes[parent]["displayName"])
            parent = nodes[parent].get("parent")
        out[project["projectId"]] = (
            " / ".join([*trail, project["displayName"]]),
            project["parent"],
        )
    return out


def route(path: str, params: dict[str, list[str]], server: JsonServer) -> tuple[int, Any]:
    """Azure Resource Manager and GCP Resource Manager v3, paging in two pages each."""
    if path == f"/providers/Microsoft.Management/managementGroups/{MG_ROOT}":
        wanted = {"api-version": ["2021-04-01"], "$expand": ["children"], "$recurse": ["true"]}
        if params != wanted:
            return 400, {"error": {"code": "BadRequest", "message": str(params)}}
        return 200, _load("azure_management_group.json")
    if path == "/subscriptions":
        values = _load("azure_subscriptions.json")["value"]
        if params.get("$skiptoken") == ["2"]:
            return 200, {"value": values[2:]}
        link = f"{server.url}/subscriptions?api-version=2022-12-01&$skiptoken=2"
        return 200, {"value": values[:2], "nextLink": link}
    if path == "/v3/projects:search":
        projects = _load("gcp_projects_search.json")["projects"]
        if params.get("pageToken") == ["p2"]:
            return 200, {"projects": projects[1:]}
        return 200, {"projects": projects[:1], "nextPageToken": "p2"}
    extra = _load("gcp_folders.json")
    for node in extra["folders"] + extra["organizations"]:
        if path == f"/v3/{node['name']}":
            return 200, node
    return 404, {"error": {"code": 404, "message": f"{path} not found"}}


def _accounts() -> dict[tuple[str, str], tuple]:
    rows = query(
        f"select x_provider, account_id, hierarchy_path, parent_id, tags, x_source, status, "
        f"team, cost_center from {DATASET_NAME}.accounts"
    )
    return {(r[0], r[1]): r[2:] for r in rows}


def test_azure_and_gcp_apis_with_paging_and_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("GOOGLE_OAUTH_ACCESS_TOKEN", TOKEN)
    report = SourceReport()
    with json_server(route, token=TOKEN) as server:
        path = f"azure-management-groups://{MG_ROOT}, gcp-resource-manager://"
        source = dlt_source(
            path=path, azure_endpoint=server.url, gcp_endpoint=server.url, report=report
        )
        with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
            make_pipeline("accounts_rest", DATASET_NAME).run(source)
            rows = _accounts()
    assert not report.quarantined, report.quarantined
    assert all(auth == f"Bearer {TOKEN}" for _, auth in server.requests)
    assert any("skiptoken=2" in p for p, _ in server.requests)
    assert any("pageToken=p2" in p for p, _ in server.requests)
    azure = azure_expected()
    gcp = gcp_expected()
    assert {k for k in rows if k[0] == "azure"} == {("azure", s) for s in azure}
    for sub_id, (path_, parent, tags) in azure.items():
        got = rows[("azure", sub_id)]
        assert (got[0], got[1], json.loads(got[2]), got[3]) == (
            path_,
            parent,
            tags,
            "azure_management_groups",
        )
    assert {k for k in rows if k[0] == "gcp"} == {("gcp", p) for p in gcp}
    for project_id, (path_, parent) in gcp.items():
        assert rows[("gcp", project_id)][:2] == (path_, parent)
    assert rows[("azure", "c4e6a8b0-2d4f-4a6c-8e1b-3d5f7a9c1e94")][4] == "Disabled"


def test_missing_token_and_http_errors_are_quarantined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("GOOGLE_OAUTH_ACCESS_TOKEN", "wrong-token")
    report = SourceReport()
    with json_server(route, token=TOKEN) as server:
        source = dlt_source(
            path=f"azure-management-groups://{MG_ROOT},gcp-resource-manager://,{HERE}/overrides.csv",
            azure_endpoint=server.url,
            gcp_endpoint=server.url,
            report=report,
        )
        with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
            make_pipeline("accounts_rest_bad", DATASET_NAME).run(source)
            sources = query(f"select distinct x_source from {DATASET_NAME}.accounts")
            loads = query(f"select status, unit_key, error from {DATASET_NAME}.loads order by 2")
    reasons = {q.path: q.reason for q in report.quarantined}
    assert "AZURE_ACCESS_TOKEN" in reasons[f"azure-management-groups://{MG_ROOT}"]
    assert "HTTP 401" in reasons["gcp-resource-manager://"]
    assert sources == [("csv_override",)]
    assert sorted(row[0] for row in loads) == ["loaded", "quarantined", "quarantined"]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "hierarchy"
    folder.mkdir()
    for name in (
        "azure_management_group.json",
        "azure_subscriptions.json",
        "overrides.csv",
        "overrides_bad.csv",
    ):
        shutil.copy(HERE / name, folder / name)
    gcp = _load("gcp_projects_search.json") | _load("gcp_folders.json")
    (folder / "gcp.json").write_text(json.dumps(gcp))
    (folder / "notes.txt").write_text("ignored")
    return folder


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_files_and_overrides(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    folder = _folder(tmp_path)
    database = request.getfixturevalue("own_postgres_database") if kind == "postgres" else None
    report = SourceReport()
    with use_warehouse(kind, tmp_path / "wh.duckdb", database):
        pipeline = make_pipeline(f"accounts_files_{kind}", DATASET_NAME)
        pipeline.run(dlt_source(path=str(folder), report=report))
        rows = {
            (r[0], r[1], r[2]): r[3:]
            for r in query(
                f"select x_provider, account_id, x_source, team, cost_center "
                f"from {DATASET_NAME}.accounts"
            )
        }
        # the bad override file is refused with its row and column; everything else loads
        assert [q.path for q in report.quarantined] == [str(folder / "overrides_bad.csv")]
        assert "row 3, column 'account_id': value is empty" in report.quarantined[0].reason
        with open(HERE / "overrides.csv", newline="") as handle:
            overrides = list(csv.DictReader(handle))
        want = {("azure", s) for s in azure_expected()} | {("gcp", p) for p in gcp_expected()}
        assert {k[:2] for k in rows if k[2] != "csv_override"} == want
        got_overrides = {k[:2]: v for k, v in rows.items() if k[2] == "csv_override"}
        assert {k[1] for k in got_overrides} == {o["account_id"] for o in overrides}
        for line in overrides:
            provider = line["provider"] or "aws"  # 12 digits: inferred as AWS
            team, cost_center = got_overrides[(provider, line["account_id"])]
            assert (team or "", cost_center or "") == (line["team"], line["cost_center"])
        loads = query(
            f"select unit_key, status, row_count from {DATASET_NAME}.loads order by unit_key"
        )
        assert sorted(loads) == sorted(
            [
                (f"azure_management_groups:{folder}", "loaded", len(azure_expected())),
                (f"csv_override:{folder}", "loaded", len(overrides)),
                (f"gcp_resource_manager:{folder}", "loaded", len(gcp_expected())),
                (str(folder), "quarantined", 0),
            ]
        )
        # loading the same folder again replaces each source's snapshot, never duplicates
        pipeline.run(dlt_source(path=str(folder)))
        assert len(query(f"select * from {DATASET_NAME}.accounts")) == len(rows)


def test_unknown_json_and_broken_json_are_quarantined(tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text('{"hello": 1}')
    (tmp_path / "broken.json").write_text('{"Accounts": [')
    report = SourceReport()
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        make_pipeline("accounts_unknown", DATASET_NAME).run(
            dlt_source(path=str(tmp_path), report=report)
        )
    reasons = sorted(q.reason for q in report.quarantined)
    assert "broken.json: not valid JSON" in reasons[0]
    assert "other.json: not a known hierarchy document" in reasons[1]


def test_azure_service_principal_sign_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tenant = "00000000-1111-2222-3333-444444444444"
    token_path = f"POST /{tenant}/oauth2/v2.0/token"

    def with_login(path: str, params: dict[str, list[str]], server: JsonServer) -> tuple[int, Any]:
        if path == token_path:
            wanted = {
                "grant_type": ["client_credentials"],
                "client_id": ["app"],
                "client_secret": ["shh"],
                "scope": ["https://management.azure.com/.default"],
            }
            if params != wanted:
                return 401, {"error": "invalid_client"}
            return 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}
        return route(path, params, server)

    monkeypatch.delenv("AZURE_ACCESS_TOKEN", raising=False)
    for name, value in {"TENANT_ID": tenant, "CLIENT_ID": "app", "CLIENT_SECRET": "shh"}.items():
        monkeypatch.setenv(f"AZURE_{name}", value)
    report = SourceReport()
    with json_server(with_login) as server:
        monkeypatch.setenv("AZURE_AUTHORITY_HOST", server.url)
        source = dlt_source(
            path=f"azure-management-groups://{MG_ROOT}", azure_endpoint=server.url, report=report
        )
        with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
            make_pipeline("accounts_spn", DATASET_NAME).run(source)
            count = query(f"select count(*) from {DATASET_NAME}.accounts")[0][0]
        checked = server.requests
    assert not report.quarantined and count == len(azure_expected())
    assert checked[0][0] == f"POST /{tenant}/oauth2/v2.0/token"
    assert all(auth == f"Bearer {TOKEN}" for path, auth in checked[1:])

    monkeypatch.setenv("AZURE_CLIENT_SECRET", "wrong")
    refused = SourceReport()
    with json_server(with_login) as server:
        monkeypatch.setenv("AZURE_AUTHORITY_HOST", server.url)
        with use_warehouse("duckdb", tmp_path / "wh2.duckdb"):
            make_pipeline("accounts_spn_bad", DATASET_NAME).run(
                dlt_source(
                    path=f"azure-management-groups://{MG_ROOT}",
                    azure_endpoint=server.url,
                    report=refused,
                )
            )
    assert "service principal sign-in failed: POST" in refused.quarantined[0].reason
    assert (
        "shh" not in refused.quarantined[0].reason and "wrong" not in refused.quarantined[0].reason
    )
