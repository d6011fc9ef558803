"""OpenCost allocation sample: one EKS cluster on the AWS sample's EC2 instances, one on-prem.

Files are `/allocation` API responses (`{"code": 200, "data": [<one set per day>]}`) as
OpenCost answers `window=<month>&step=1d&aggregate=cluster,node,namespace,controllerKind,
controller,pod&includeIdle=true&idleByNode=true`, one file per cluster and month:
`kubernetes/<cluster>/allocation-YYYY-MM.json`.

The EKS cluster's nodes are EC2 instances the AWS generator bills (same seed and scale, so the
same catalog draw); its allocations only split those instances' cost. The on-prem cluster has
no providerID and no cloud bill: its OpenCost costs are the only record of what it costs.
Namespaces belong to the teams of aws_catalog.TEAMS and carry a `team` label. Costs follow
OpenCost's list-price model (CPU core-hours and RAM GiB-hours times a price; the unallocated
remainder of each node is its `__idle__` allocation) and are rounded to 5 decimals, as the API
rounds them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from .aws_catalog import PROFILES, TEAMS
from .aws_cur import DELIVERED_DAYS, FIXED_ROWS_PER_MONTH, MIN_RESOURCES, ROWS_PER_RESOURCE_MONTH
from .aws_resources import build_catalog
from .registry import GenerationRequest, ProviderOutput, add_months, register

ROOT = "kubernetes"
EKS_CLUSTER = "nw-eks-prod"
ON_PREM_CLUSTER = "dc1-onprem"
ON_PREM_TEAMS = ("platform", "data")
NODE_CORES, NODE_RAM_GIB = 4.0, 16.0
# OpenCost's default AWS list prices per core-hour and GiB-hour (m5 family, us-east-1)
CPU_PRICE = {"eks": 0.031611, "onprem": 0.021}
RAM_PRICE = {"eks": 0.004237, "onprem": 0.0028}
APPS = ("api", "worker", "web", "etl", "cache", "batch")
GIB = 1024**3
CENT5 = Decimal("0.00001")


@dataclass(frozen=True)
class Node:
    """A cluster node: its name and the providerID the kubelet reports (empty on-prem)."""

    name: str
    provider_id: str
    instance_id: str | None


def eks_nodes(request: GenerationRequest, count: int = 4) -> list[Node]:
    """EC2 instances of the AWS sample (same seed and scale) that host the EKS cluster.

    Always-on instances first (a node runs every day), all in the region of the first one.
    """
    per_resource = (request.scale - FIXED_ROWS_PER_MONTH) / ROWS_PER_RESOURCE_MONTH
    catalog = build_catalog(
        np.random.default_rng([request.seed, 1]), max(MIN_RESOURCES, round(per_resource))
    )
    ec2 = [
        i
        for i in range(len(catalog))
        if PROFILES[int(catalog.profile[i])].resource == "ec2" and catalog.zones[i]
    ]
    ec2.sort(key=lambda i: (not bool(catalog.always_on[i]), i))
    region = int(catalog.region[ec2[0]])
    chosen = [i for i in ec2 if int(catalog.region[i]) == region][:count]
    nodes = []
    for n, i in enumerate(chosen):
        instance = catalog.resource_ids[i]
        name = f"ip-10-0-{n + 1}-{10 + n}.ec2.internal"
        nodes.append(Node(name, f"aws:///{catalog.zones[i]}/{instance}", instance))
    return nodes


def _money(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(CENT5)


def _allocation(
    cluster: str,
    node: Node,
    namespace: str,
    pod: str | None,
    labels: dict[str, str],
    day: datetime,
    cores: float,
    ram_gib: float,
    usage: float,
    kind: str,
) -> dict[str, Any]:
    start, end = day, day + timedelta(days=1)
    cpu_cost = _money(cores * 24 * CPU_PRICE[kind])
    ram_cost = _money(ram_gib * 24 * RAM_PRICE[kind])
    props: dict[str, Any] = {"cluster": cluster, "node": node.name, "namespace": namespace}
    if node.provider_id:
        props["providerID"] = node.provider_id
    if pod is not None:
        props |= {
            "controllerKind": "deployment",
            "controller": pod.rsplit("-", 2)[0],
            "pod": pod,
            "labels": labels,
            "namespaceLabels": {"team": labels["team"]},
        }
        name = f"{cluster}/{node.name}/{namespace}/deployment:{props['controller']}/{pod}"
    else:
        name = f"{cluster}/{node.name}/__idle__"
    window = {"start": f"{start:%Y-%m-%dT%H:%M:%SZ}", "end": f"{end:%Y-%m-%dT%H:%M:%SZ}"}
    return {
        "name": name,
        "properties": props,
        "window": window,
        "start": window["start"],
        "end": window["end"],
        "minutes": 1440.0,
        "cpuCores": cores,
        "cpuCoreRequestAverage": round(cores, 5) if pod else 0.0,
        "cpuCoreUsageAverage": round(cores * usage, 5) if pod else 0.0,
        "cpuCoreHours": round(cores * 24, 5),
        "cpuCost": float(cpu_cost),
        "cpuCostAdjustment": 0.0,
        "gpuCount": 0.0,
        "gpuHours": 0.0,
        "gpuCost": 0.0,
        "gpuCostAdjustment": 0.0,
        "networkTransferBytes": 0.0,
        "networkReceiveBytes": 0.0,
        "networkCost": 0.0,
        "networkCostAdjustment": 0.0,
        "loadBalancerCost": 0.0,
        "loadBalancerCostAdjustment": 0.0,
        "pvBytes": 0.0,
        "pvByteHours": 0.0,
        "pvCost": 0.0,
        "pvCostAdjustment": 0.0,
        "pvs": None,
        "ramBytes": ram_gib * GIB,
        "ramByteRequestAverage": ram_gib * GIB if pod else 0.0,
        "ramByteUsageAverage": round(ram_gib * GIB * usage) if pod else 0.0,
        "ramByteHours": ram_gib * GIB * 24,
        "ramCost": float(ram_cost),
        "ramCostAdjustment": 0.0,
        "sharedCost": 0.0,
        "externalCost": 0.0,
        "totalCost": float(cpu_cost + ram_cost),
        "totalEfficiency": round(usage, 5) if pod else 0.0,
    }


def _day_set(
    rng: np.random.Generator,
    cluster: str,
    nodes: list[Node],
    teams: tuple[str, ...],
    pods_per_namespace: int,
    day: datetime,
    kind: str,
) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for n, node in enumerate(nodes):
        share = rng.uniform(0.5, 0.85)  # allocated part of the node; the rest is idle
        weights = rng.dirichlet(np.ones(len(teams) * pods_per_namespace))
        for k, weight in enumerate(weights):
            team = teams[k // pods_per_namespace]
            app = APPS[k % len(APPS)]
            pod = f"{team}-{app}-n{n + 1}-{k}"
            labels = {"team": team, "app": app, "env": "prod"}
            cores = round(float(NODE_CORES * share * weight), 5)
            ram = round(float(NODE_RAM_GIB * share * weight), 5)
            usage = float(rng.uniform(0.3, 0.95))
            item = _allocation(cluster, node, team, pod, labels, day, cores, ram, usage, kind)
            entries[item["name"]] = item
        idle_cores = round(NODE_CORES * (1 - share), 5)
        idle_ram = round(NODE_RAM_GIB * (1 - share), 5)
        item = _allocation(
            cluster, node, "__idle__", None, {}, day, idle_cores, idle_ram, 0.0, kind
        )
        entries[item["name"]] = item
    return entries


def _days(period: date, last_period: date) -> list[datetime]:
    nxt = add_months(period, 1)
    count = (nxt - period).days
    if period == last_period:  # the open month: as far as the AWS sample's first delivery
        count = DELIVERED_DAYS["initial"]
    start = datetime(period.year, period.month, 1)
    return [start + timedelta(days=d) for d in range(count)]


@register("kubernetes")
def generate_kubernetes(request: GenerationRequest) -> ProviderOutput:
    """Write one OpenCost allocation response per cluster and month.

    Args:
        request: window, scale, seed and progress callback.

    Returns:
        Files, rows per month, and ground truth (totals per cluster and month, the node ->
        instance map, the teams).
    """
    root = request.out_dir / ROOT
    if root.exists():
        for old in sorted(root.rglob("*"), reverse=True):
            old.unlink() if old.is_file() else old.rmdir()
    clusters = [
        (EKS_CLUSTER, eks_nodes(request), TEAMS, "eks"),
        (
            ON_PREM_CLUSTER,
            [Node(f"dc1-node-{n}", "", None) for n in (1, 2)],
            ON_PREM_TEAMS,
            "onprem",
        ),
    ]
    target_rows = max(1, request.scale // 20)
    files: list[Path] = []
    rows_per_month: dict[str, int] = {}
    truth: dict[str, Any] = {"root": ROOT, "clusters": {}}
    for c, (cluster, nodes, teams, kind) in enumerate(clusters):
        per_day = target_rows / 31 / len(nodes) / len(teams)
        pods = int(min(3, max(1, round(per_day))))
        section: dict[str, Any] = {
            "on_prem": kind == "onprem",
            "nodes": {n.name: n.instance_id for n in nodes},
            "teams": list(teams),
            "billing_periods": {},
        }
        for p, period in enumerate(request.periods):
            rng = np.random.default_rng([request.seed, 40, c, p])
            sets = [
                _day_set(rng, cluster, nodes, teams, pods, day, kind)
                for day in _days(period, request.periods[-1])
            ]
            path = root / cluster / f"allocation-{period:%Y-%m}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"code": 200, "data": sets}, indent=1) + "\n")
            files.append(path)
            items = [item for day in sets for item in day.values()]
            month = f"{period:%Y-%m}"
            rows_per_month[month] = rows_per_month.get(month, 0) + len(items)
            total = sum((Decimal(repr(i["totalCost"])) for i in items), Decimal(0))
            idle = sum(
                (Decimal(repr(i["totalCost"])) for i in items if i["name"].endswith("__idle__")),
                Decimal(0),
            )
            section["billing_periods"][month] = {
                "rows": len(items),
                "days": len(sets),
                "total_cost": str(total),
                "idle_cost": str(idle),
            }
        truth["clusters"][cluster] = section
        request.progress(f"kubernetes: {cluster} written")
    return ProviderOutput(files, rows_per_month, truth, roots={ROOT: root})
