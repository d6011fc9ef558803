"""Google Cloud Billing export dumps for the sample organization (JSON lines, nested).

One billing account, one project per team and environment (the teams of `aws_catalog.TEAMS`)
under an organization with a folder per team. Each invoice month is written as a BigQuery JSON
extract of the detailed usage cost table:
`gcp/invoice_month=YYYYMM/gcp_billing_export_resource_v1_<account>.jsonl`. Amounts are
decimals with at most 6 places, written as JSON numbers whose text is that decimal, so the
ground truth (cost + credits per month, and per owning team) is exact.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from .aws_catalog import TEAMS
from .registry import GenerationRequest, ProviderOutput, add_months, register

ACCOUNT = "01B7C2-9D4E5F-A0C3E1"
ORG = ("organizations/730118452960", "northwind.example")
SIX = Decimal("0.000001")

# (service id, service, sku id, sku, usage unit, pricing unit, price per pricing unit,
#  usage units per pricing unit, typical daily pricing units, resource kind)
SKUS: tuple[tuple[str, str, str, str, str, str, Decimal, float, float, str], ...] = (
    ("6F81-5844-456A", "Compute Engine", "CP-N2-CORE", "N2 Instance Core running in Americas",
     "seconds", "hour", Decimal("0.031611"), 3600.0, 96.0, "instances"),
    ("6F81-5844-456A", "Compute Engine", "CP-N2-RAM", "N2 Instance Ram running in Americas",
     "byte-seconds", "gibibyte hour", Decimal("0.004237"), 3865470566400.0, 384.0, "instances"),
    ("95FF-2EF5-5EA1", "Cloud Storage", "GCS-STD-US", "Standard Storage US Multi-region",
     "byte-seconds", "gibibyte month", Decimal("0.026"), 2.7e15, 40.0, "buckets"),
    ("24E6-581D-38E5", "BigQuery", "BQ-ANALYSIS", "Analysis",
     "bytes", "tebibyte", Decimal("6.25"), 1099511627776.0, 0.8, ""),
    ("9662-B51E-5089", "Cloud SQL", "SQL-PG-VCPU", "Cloud SQL for PostgreSQL: Zonal - vCPU",
     "seconds", "hour", Decimal("0.0413"), 3600.0, 48.0, "instances"),
    ("CCD8-9BF1-090E", "Kubernetes Engine", "GKE-CLUSTER", "Regional Kubernetes Clusters",
     "seconds", "hour", Decimal("0.1"), 3600.0, 24.0, "clusters"),
)  # fmt: skip
REGIONS = (("us-central1", "US", "us-central1-a"), ("europe-west1", "BE", "europe-west1-b"))
TAX_RATE = Decimal("0.0625")


def _project(team: str, environment: str, index: int) -> dict[str, Any]:
    number = f"{410000000000 + index * 1117:012d}"
    folder = f"folders/{520000000000 + TEAMS.index(team):012d}"
    return {
        "id": f"nw-{team}-{environment}",
        "number": number,
        "name": f"Northwind {team.title()} {environment.title()}",
        "labels": [{"key": "team", "value": team}, {"key": "env", "value": environment}],
        "ancestry_numbers": f"/{ORG[0].split('/')[1]}/{folder.split('/')[1]}/{number}/",
        "ancestors": [
            {"resource_name": f"projects/{number}", "display_name": f"nw-{team}-{environment}"},
            {"resource_name": folder, "display_name": team.title()},
            {"resource_name": ORG[0], "display_name": ORG[1]},
        ],
    }


PROJECTS = tuple(
    _project(team, env, i)
    for i, (team, env) in enumerate((t, e) for t in TEAMS for e in ("prod", "dev"))
)


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _number(value: Decimal) -> float:
    # a float whose shortest repr is exactly the decimal's text (at most 6 places)
    return float(str(value))


def _row(
    month: date,
    day: date,
    project: dict[str, Any],
    sku: tuple,
    amount: Decimal,
    rng: random.Random,
) -> dict[str, Any]:
    service_id, service, sku_id, sku_name, unit, pricing_unit, price, per, _, kind = sku
    region, country, zone = REGIONS[0] if rng.random() < 0.75 else REGIONS[1]
    start = datetime(day.year, day.month, day.day)
    cost = (amount * price).quantize(SIX)
    team = project["labels"][0]["value"]
    labels = [] if rng.random() < 0.15 else [{"key": "team", "value": team}]
    resource = None
    if kind:
        name = f"{team}-{kind[:-1]}-{rng.randint(1, 4)}"
        resource = {
            "name": name,
            "global_name": f"//{service.lower().replace(' ', '')}.googleapis.com/projects/"
            f"{project['id']}/zones/{zone}/{kind}/{name}",
        }
    return {
        "billing_account_id": ACCOUNT,
        "service": {"id": service_id, "description": service},
        "sku": {"id": sku_id, "description": sku_name},
        "usage_start_time": _ts(start),
        "usage_end_time": _ts(start + timedelta(days=1)),
        "project": project,
        "labels": labels,
        "system_labels": [],
        "location": {"location": region, "country": country, "region": region, "zone": zone},
        "resource": resource,
        "tags": [],
        "export_time": _ts(start + timedelta(days=1, hours=rng.randint(1, 9))),
        "cost": _number(cost),
        "currency": "USD",
        "currency_conversion_rate": 1.0,
        "usage": {
            "amount": float(amount) * per,
            "unit": unit,
            "amount_in_pricing_units": float(amount),
            "pricing_unit": pricing_unit,
        },
        "credits": [],
        "invoice": {"month": f"{month:%Y%m}", "publisher_type": None},
        "cost_type": "regular",
        "adjustment_info": None,
        "price": {
            "effective_price": str(price),
            "tier_start_amount": "0",
            "unit": pricing_unit,
            "pricing_unit_quantity": "1",
        },
        "cost_at_list": _number(cost),
        "transaction_type": "GOOGLE",
        "seller_name": None,
        "subscription": None,
    }


def _month_rows(month: date, count: int, rng: random.Random) -> list[dict[str, Any]]:
    days = (add_months(month, 1) - month).days
    rows: list[dict[str, Any]] = []
    for _ in range(count):
        project = rng.choice(PROJECTS)
        sku = rng.choice(SKUS)
        day = month + timedelta(days=rng.randrange(days))
        scale = 0.3 if project["id"].endswith("-dev") else 1.0
        amount = Decimal(str(round(sku[8] * scale * rng.uniform(0.5, 1.5), 4)))
        row = _row(month, day, project, sku, amount, rng)
        cost = Decimal(str(row["cost"]))
        if sku[1] == "Compute Engine" and project["id"] == "nw-payments-prod":
            # resource-based CUD covering most of the payments cores
            row["credits"].append(
                {
                    "name": "Committed use discount: CPU",
                    "amount": _number(-(cost * Decimal("0.55")).quantize(SIX)),
                    "full_name": "Committed use discount: N2 CPU in Americas",
                    "id": "CommitmentId-nw-payments-1",
                    "type": "COMMITTED_USAGE_DISCOUNT",
                }
            )
        elif sku[1] == "Compute Engine" and rng.random() < 0.5:
            row["credits"].append(
                {
                    "name": "Sustained Usage Discount",
                    "amount": _number(-(cost * Decimal("0.2")).quantize(SIX)),
                    "full_name": None,
                    "id": None,
                    "type": "SUSTAINED_USAGE_DISCOUNT",
                }
            )
        rows.append(row)
    payments = next(p for p in PROJECTS if p["id"] == "nw-payments-prod")
    fee = _row(month, month, payments, SKUS[0], Decimal(days * 40), rng)
    fee.update(
        sku={"id": "CUD-N2-CPU-1Y", "description": "Commitment v1: N2 Cpu in Americas for 1 Year"},
        labels=[],
        resource=None,
        credits=[],
    )
    rows.append(fee)
    subtotal = sum(
        Decimal(str(r["cost"])) + sum(Decimal(str(c["amount"])) for c in r["credits"]) for r in rows
    )
    tax = _row(month, month, payments, SKUS[0], Decimal(0), rng)
    tax.update(
        sku={"id": "TAX-US", "description": "Tax: US sales tax"},
        project=None,
        labels=[],
        resource=None,
        location=None,
        cost=_number((subtotal * TAX_RATE).quantize(SIX)),
        cost_type="tax",
        usage={"amount": 0.0, "unit": None, "amount_in_pricing_units": 0.0, "pricing_unit": None},
        price=None,
        cost_at_list=None,
    )
    rows.append(tax)
    return rows


def _team_of(row: dict[str, Any]) -> str:
    for source in (row.get("labels") or [], (row.get("project") or {}).get("labels") or []):
        for label in source:
            if label["key"] == "team":
                return label["value"]
    return ""


@register("gcp")
def generate_gcp(request: GenerationRequest) -> ProviderOutput:
    """Write one JSON lines export dump per invoice month under `gcp/`."""
    root = request.out_dir / "gcp"
    rng = random.Random(request.seed * 104729 + 3)
    count = min(max(request.scale // 20, 30), 3000)
    files: list[Path] = []
    rows_per_month: dict[str, int] = {}
    billed: dict[str, str] = {}
    by_team: dict[str, dict[str, str]] = {}
    for month in request.periods:
        rows = _month_rows(month, count, rng)
        path = (
            root / f"invoice_month={month:%Y%m}" / f"gcp_billing_export_resource_v1_{ACCOUNT}.jsonl"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        files.append(path)
        key = f"{month:%Y-%m}"
        rows_per_month[key] = len(rows)
        totals: dict[str, Decimal] = {}
        for row in rows:
            amount = Decimal(str(row["cost"])) + sum(
                (Decimal(str(c["amount"])) for c in row["credits"]), Decimal(0)
            )
            totals[_team_of(row)] = totals.get(_team_of(row), Decimal(0)) + amount
        billed[key] = str(sum(totals.values(), Decimal(0)))
        by_team[key] = {team or "(none)": str(total) for team, total in sorted(totals.items())}
        request.progress(f"gcp {key}: {len(rows)} rows")
    return ProviderOutput(
        files=files,
        rows_per_month=rows_per_month,
        ground_truth={
            "currency": "USD",
            "billing_account_id": ACCOUNT,
            "billed_cost_by_month": billed,
            "billed_cost_by_month_and_team": by_team,
        },
        roots={"gcp": root},
    )
