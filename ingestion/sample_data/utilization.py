"""CloudWatch-style utilization of the AWS sample's EC2 instances, plus their inventory.

Writes `utilization/cloudwatch_YYYY-MM.csv` (`Timestamp, AccountId, InstanceId, MetricName,
Average, Maximum, Unit`: hourly CPUUtilization and the CloudWatch agent's mem_used_percent)
over the last 30 days the initial AWS delivery covers, and `utilization/inventory.csv`
(`ResourceId, ResourceType, InstanceType, State, AccountId, Region`) for the same instance and
volume ids as the CUR sample, so `finops demo` has rightsizing advice. Planted, in instance id
order: one stopped instance still billed, one idle, one with only 10 days of metrics, one
without the memory agent, then over-provisioned and well-sized ones alternating; the first EBS
volume (when the scale draws one) is unattached.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from typing import Any

from .aws_catalog import ACCOUNTS, PROFILES, REGIONS
from .aws_cur import DELIVERED_DAYS, build_world
from .registry import GenerationRequest, ProviderOutput, register

WINDOW_DAYS = 30
SHORT_HISTORY_DAYS = 10
# (cpu p95 target, memory p95 target) in percent; None = not collected
LOADS: dict[str, tuple[float, float | None]] = {
    "idle": (0.6, 4.0),
    "short_history": (15.0, 20.0),
    "no_memory_agent": (14.0, None),
    "over_provisioned": (16.0, 22.0),
    "well_sized": (62.0, 58.0),
}
PLANTED_FIRST = ("stopped", "idle", "short_history", "no_memory_agent")


def _plan(instance_ids: list[str]) -> dict[str, str]:
    """Instance id -> planted behaviour (deterministic: by id order)."""
    kinds: dict[str, str] = {}
    for position, resource in enumerate(sorted(instance_ids)):
        if position < len(PLANTED_FIRST):
            kinds[resource] = PLANTED_FIRST[position]
        else:
            kinds[resource] = ("over_provisioned", "well_sized")[position % 2]
    return kinds


def _series(rng: random.Random, hours: int, target: float) -> list[tuple[float, float]]:
    """Hourly (average, maximum) whose averages' p95 lands near `target` percent."""
    values = []
    for hour in range(hours):
        daily = 0.75 + 0.25 * (1 if 8 <= hour % 24 < 20 else 0)  # busier in working hours
        average = min(100.0, target * daily * rng.uniform(0.8, 1.05))
        values.append((round(average, 3), round(min(100.0, average * rng.uniform(1.05, 1.4)), 3)))
    return values


@register("utilization")
def generate_utilization(request: GenerationRequest) -> ProviderOutput:
    """Write hourly CPU / memory metrics per month and the resource inventory."""
    root = request.out_dir / "utilization"
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob("*.csv"):
        stale.unlink()
    catalog = build_world(request).catalog
    instances, volumes = [], []
    for index in range(len(catalog)):
        profile = PROFILES[int(catalog.profile[index])]
        if profile.key.startswith("ec2_"):
            instances.append(index)
        elif profile.key == "ebs_gp3":
            volumes.append(index)
    ids = catalog.resource_ids
    kinds = _plan([ids[i] for i in instances])
    end = datetime.combine(request.periods[-1], datetime.min.time()) + timedelta(
        days=DELIVERED_DAYS["initial"]
    )
    rng = random.Random(request.seed * 104_729 + 5)
    rows: dict[str, list[list[Any]]] = {}
    for index in sorted(instances, key=lambda i: ids[i]):
        kind = kinds[ids[index]]
        if kind == "stopped":
            continue  # a stopped instance reports no datapoints
        days = SHORT_HISTORY_DAYS if kind == "short_history" else WINDOW_DAYS
        start = end - timedelta(days=days)
        cpu, memory = LOADS[kind]
        account = ACCOUNTS[int(catalog.account[index])][1].account_id
        metrics = [("CPUUtilization", cpu)] + ([("mem_used_percent", memory)] if memory else [])
        for name, target in metrics:
            for hour, (average, maximum) in enumerate(_series(rng, days * 24, target)):
                moment = start + timedelta(hours=hour)
                rows.setdefault(f"{moment:%Y-%m}", []).append(
                    [f"{moment:%Y-%m-%dT%H:%M:%SZ}", account, ids[index], name, average, maximum,
                     "Percent"]
                )  # fmt: skip
    files = []
    for month, lines in sorted(rows.items()):
        path = root / f"cloudwatch_{month}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle, lineterminator="\n")
            out.writerow(
                ["Timestamp", "AccountId", "InstanceId", "MetricName", "Average", "Maximum", "Unit"]
            )
            out.writerows(lines)
        files.append(path)
    inventory = root / "inventory.csv"
    unattached = min((ids[i] for i in volumes), default=None)
    with inventory.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["ResourceId", "ResourceType", "InstanceType", "State", "AccountId", "Region"])
        for index in sorted(instances + volumes, key=lambda i: ids[i]):
            profile = PROFILES[int(catalog.profile[index])]
            is_volume = profile.key == "ebs_gp3"
            if is_volume:
                state = "available" if ids[index] == unattached else "in-use"
            else:
                state = "stopped" if kinds[ids[index]] == "stopped" else "running"
            region = REGIONS[int(catalog.region[index])].code
            out.writerow(
                [ids[index], "volume" if is_volume else "instance", profile.instance_type or "",
                 state, ACCOUNTS[int(catalog.account[index])][1].account_id, region]
            )  # fmt: skip
    files.append(inventory)
    request.progress(f"utilization: {sum(len(v) for v in rows.values())} metric rows")
    return ProviderOutput(
        files=files,
        rows_per_month={},  # not cost lines
        ground_truth={
            "window_end": end.isoformat(),
            "planted": {ids[i]: kinds[ids[i]] for i in instances},
            "unattached_volume": unattached,
        },
        roots={"utilization": root},
    )
