"""Account hierarchy of the sample organization: AWS, Azure and GCP snapshots plus an override.

Writes `accounts/` in the formats `ingestion/accounts` reads:
- `aws_organizations.json`: AWS snapshot of `aws_catalog.PAYERS` / `ACCOUNTS`: Root → one OU
  per business unit (Core, Labs) → Production / Development OUs → linked accounts, payers under
  the root; tags team (spelled `team` or `Team`), cost-center, environment (the shared sandbox
  has no team tag).
- `azure_management_group.json` + `azure_subscriptions.json`: Tenant Root Group → Landing
  Zones → one group per team (`mg-<team>`) → subscriptions `sub-<team>-prod` / `sub-<team>-dev`
  whose ids are `azure_subscription_id(team, env)` (uuid5, stable), tagged Team / CostCenter /
  environment. An Azure cost sample should take its subscription ids from that function.
- `gcp_projects.json`: projects.search response with folders and organization for the GCP
  sample's projects (`gcp.PROJECTS`: `nw-<team>-<env>` under a folder per team).
- `overrides.csv`: assigns the sandbox to platform, maps accounts to products, and adds one
  account no API knows.

Ground truth: account count per provider and the team every account ends with in silver.
"""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path
from typing import Any

from .aws_catalog import COST_CENTERS, PAYERS, TEAMS
from .gcp import ORG as GCP_ORG
from .gcp import PROJECTS as GCP_PROJECTS
from .registry import GenerationRequest, ProviderOutput, register

ENVIRONMENTS = ("prod", "dev")
# the product each team's accounts serve; business_metrics.py reports volume for the same ones
PRODUCT_BY_TEAM = {
    "payments": "checkout",
    "search": "search",
    "mobile": "mobile-app",
    "ml": "recommendations",
    "data": "analytics",
    "platform": "platform",
}
TENANT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://northwind.example/azure/tenant"))
OVERRIDE_ONLY = ("999000111222", "aws", "legacy-reseller", "Legacy", "finance", "cc-9001")


def azure_subscription_id(team: str, environment: str) -> str:
    """The stable subscription GUID of `sub-<team>-<environment>` in the sample tenant."""
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"https://northwind.example/azure/sub-{team}-{environment}")
    )


def _aws_snapshot() -> tuple[dict[str, Any], dict[str, str | None]]:
    roots = [{"Id": "r-nw01", "Name": "Root"}]
    units: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    teams: dict[str, str | None] = {}
    for p, payer in enumerate(PAYERS):
        unit_id = f"ou-nw01-{payer.business_unit}"
        units.append({"Id": unit_id, "Name": payer.business_unit.title(), "ParentId": "r-nw01"})
        for env, label in (("prod", "Production"), ("dev", "Development")):
            units.append({"Id": f"{unit_id}-{env}", "Name": label, "ParentId": unit_id})
        accounts.append(
            {
                "Id": payer.account_id,
                "Name": payer.name,
                "Status": "ACTIVE",
                "ParentId": "r-nw01",
                "Tags": [],
            }
        )
        teams[payer.account_id] = None
        for a, account in enumerate(payer.accounts):
            tags = [{"Key": "environment", "Value": account.environment}]
            if account.primary_team:
                key = "team" if (p + a) % 2 == 0 else "Team"
                tags += [
                    {"Key": key, "Value": account.primary_team},
                    {"Key": "cost-center", "Value": COST_CENTERS[account.primary_team]},
                ]
            accounts.append(
                {
                    "Id": account.account_id,
                    "Name": account.name,
                    "Status": "ACTIVE",
                    "ParentId": f"{unit_id}-{account.environment}",
                    "Tags": tags,
                }
            )
            teams[account.account_id] = account.primary_team
    document = {"Roots": roots, "OrganizationalUnits": units, "Accounts": accounts}
    return document, teams


def _azure() -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    groups = []
    subscriptions = []
    teams: dict[str, str] = {}
    for t, team in enumerate(TEAMS):
        children = []
        for env in ENVIRONMENTS:
            sub_id = azure_subscription_id(team, env)
            name = f"sub-{team}-{env}"
            children.append(
                {
                    "id": f"/subscriptions/{sub_id}",
                    "type": "/subscriptions",
                    "name": sub_id,
                    "displayName": name,
                    "children": None,
                }
            )
            tags = {
                "Team" if t % 2 else "team": team,
                "CostCenter": COST_CENTERS[team],
                "environment": env,
            }
            subscriptions.append(
                {
                    "id": f"/subscriptions/{sub_id}",
                    "subscriptionId": sub_id,
                    "tenantId": TENANT_ID,
                    "displayName": name,
                    "state": "Enabled",
                    "tags": tags,
                }
            )
            teams[sub_id] = team
        groups.append(
            {
                "id": f"/providers/Microsoft.Management/managementGroups/mg-{team}",
                "type": "Microsoft.Management/managementGroups",
                "name": f"mg-{team}",
                "displayName": team.title(),
                "children": children,
            }
        )
    tree = {
        "id": f"/providers/Microsoft.Management/managementGroups/{TENANT_ID}",
        "type": "Microsoft.Management/managementGroups",
        "name": TENANT_ID,
        "properties": {
            "tenantId": TENANT_ID,
            "displayName": "Tenant Root Group",
            "children": [
                {
                    "id": "/providers/Microsoft.Management/managementGroups/mg-landing-zones",
                    "type": "Microsoft.Management/managementGroups",
                    "name": "mg-landing-zones",
                    "displayName": "Landing Zones",
                    "children": groups,
                },
            ],
        },
    }
    return tree, {"value": subscriptions}, teams


def _gcp() -> tuple[dict[str, Any], dict[str, str]]:
    projects, folders, teams = [], {}, {}
    for project in GCP_PROJECTS:
        folder = project["ancestors"][1]
        folders[folder["resource_name"]] = {
            "name": folder["resource_name"],
            "parent": GCP_ORG[0],
            "displayName": folder["display_name"],
            "state": "ACTIVE",
        }
        labels = {label["key"]: label["value"] for label in project["labels"]}
        projects.append(
            {
                "name": f"projects/{project['number']}",
                "parent": folder["resource_name"],
                "projectId": project["id"],
                "state": "ACTIVE",
                "displayName": project["name"],
                "labels": labels,
            }
        )
        teams[project["id"]] = labels["team"]
    organization = {"name": GCP_ORG[0], "displayName": GCP_ORG[1], "state": "ACTIVE"}
    document = {
        "projects": projects,
        "folders": list(folders.values()),
        "organizations": [organization],
    }
    return document, teams


def _write_json(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return path


@register("accounts")
def generate_accounts(request: GenerationRequest) -> ProviderOutput:
    """Write the hierarchy snapshots and the override file under `accounts/`."""
    root = request.out_dir / "accounts"
    root.mkdir(parents=True, exist_ok=True)
    aws, aws_teams = _aws_snapshot()
    tree, subscriptions, azure_teams = _azure()
    gcp, gcp_teams = _gcp()
    files = [
        _write_json(root / "aws_organizations.json", aws),
        _write_json(root / "azure_management_group.json", tree),
        _write_json(root / "azure_subscriptions.json", subscriptions),
        _write_json(root / "gcp_projects.json", gcp),
    ]
    sandbox = next(a["Id"] for a in aws["Accounts"] if a["Name"] == "nw-sandbox")
    overrides = [
        (
            "account_id",
            "provider",
            "account_name",
            "parent_path",
            "team",
            "cost_center",
            "product",
            "environment",
        ),
        (sandbox, "aws", "", "", "platform", COST_CENTERS["platform"], "platform", ""),
    ]
    for account_id, team in aws_teams.items():
        if team:
            overrides.append((account_id, "aws", "", "", "", "", PRODUCT_BY_TEAM[team], ""))
    aws_teams[sandbox] = "platform"  # what the override above makes of it
    overrides.append(
        (
            OVERRIDE_ONLY[0],
            OVERRIDE_ONLY[1],
            OVERRIDE_ONLY[2],
            OVERRIDE_ONLY[3],
            OVERRIDE_ONLY[4],
            OVERRIDE_ONLY[5],
            "",
            "prod",
        )
    )
    path = root / "overrides.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(overrides)
    files.append(path)
    teams = (
        {f"aws:{k}": v for k, v in aws_teams.items()}
        | {f"azure:{k}": v for k, v in azure_teams.items()}
        | {f"gcp:{k}": v for k, v in gcp_teams.items()}
        | {f"aws:{OVERRIDE_ONLY[0]}": OVERRIDE_ONLY[4]}
    )
    request.progress(f"accounts: {len(teams)} accounts in 3 providers plus an override")
    return ProviderOutput(
        files=files,
        rows_per_month={},
        ground_truth={
            "accounts_by_provider": {
                "aws": len(aws["Accounts"]) + 1,
                "azure": len(subscriptions["value"]),
                "gcp": len(gcp["projects"]),
            },
            "team_by_account": dict(sorted(teams.items())),
            "product_by_team": PRODUCT_BY_TEAM,
        },
        roots={"accounts": root},
    )
