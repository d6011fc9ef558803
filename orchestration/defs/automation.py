"""Jobs, schedules and sensors that span domains.

Schedules and sensors start STOPPED unless FINOPS_AUTOMATION=on, so `make dev` never launches
runs a user did not ask for; turn them on in the UI (Automation tab) or with that variable.
"""

import hashlib
import json
import os
from datetime import date, datetime, timedelta

import dagster as dg

from ingestion.aws_cur.discovery import file_version, is_cur_manifest, open_root, parse_period
from orchestration.defs.ingestion.sources import unconfigured_source_keys
from orchestration.lib.env import aws_cur_path
from orchestration.lib.partitions import billing_month

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
DEFAULT_STATUS = (
    dg.DefaultScheduleStatus.RUNNING
    if os.environ.get("FINOPS_AUTOMATION") == "on"
    else dg.DefaultScheduleStatus.STOPPED
)
DEFAULT_SENSOR_STATUS = (
    dg.DefaultSensorStatus.RUNNING
    if os.environ.get("FINOPS_AUTOMATION") == "on"
    else dg.DefaultSensorStatus.STOPPED
)

# the whole graph, raw -> gold -> ml, for a range of billing months; what `finops run` executes
finops_pipeline = dg.define_asset_job(
    name="finops_pipeline",
    # sources without a configured path are left out, so a deployment runs what it uses
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*unconfigured_source_keys()),
    partitions_def=billing_month,
    executor_def=dg.in_process_executor,
    description="Load the configured exports and build bronze, silver, gold and ml for the "
    "selected billing months.",
)


def month_range_tags(first: date, last: date) -> dict[str, str]:
    """Run tags covering billing months first..last in one run (single-run backfill policy)."""
    return {
        RANGE_START: first.replace(day=1).isoformat(),
        RANGE_END: last.replace(day=1).isoformat(),
    }


def previous_month(day: date) -> date:
    """First day of the month before `day`'s month."""
    first = day.replace(day=1)
    return (
        first.replace(year=first.year - 1, month=12)
        if first.month == 1
        else first.replace(month=first.month - 1)
    )


@dg.schedule(
    job=finops_pipeline,
    cron_schedule="0 5 * * *",
    execution_timezone="UTC",
    default_status=DEFAULT_STATUS,
    description="Daily 05:00 UTC: refresh the open month and the previous one, which providers "
    "restate for up to two weeks after month end.",
)
def daily_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """One run over the previous and the current billing month."""
    today = context.scheduled_execution_time.date()
    tags = month_range_tags(previous_month(today), today)
    return dg.RunRequest(run_key=f"daily-{today.isoformat()}", tags=tags)


def manifest_versions(path: str) -> dict[str, tuple[str, str]]:
    """Every CUR manifest under the landing path: {path: (version, billing month)}.

    The version is the ETag (object stores) or modification time (folders): a re-delivery that
    reuses file names rewrites the manifest and so changes it. Manifests are written after
    their data files, so a manifest's arrival means the delivery is complete.
    """
    fs, root = open_root(path)
    if not fs.exists(root):
        return {}
    found = {}
    for name, info in fs.find(root, detail=True).items():
        if not is_cur_manifest(name):
            continue
        version = file_version(info)
        try:
            with fs.open(name, "rb") as handle:
                start = json.load(handle)["billingPeriod"]["start"]
            month = parse_period(start).isoformat()
        except (ValueError, KeyError, TypeError):
            month = ""  # a broken manifest still triggers; the run quarantines it with the reason
        found[name] = (version, month)
    return found


@dg.sensor(
    job=finops_pipeline,
    minimum_interval_seconds=60,
    default_status=DEFAULT_SENSOR_STATUS,
    description="New or re-delivered AWS exports under FINOPS_AWS_CUR_PATH (folder or s3:// "
    "prefix): one run per affected billing month, triggered by the manifest.",
)
def aws_export_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Request a run for each billing month whose manifest is new or changed since the cursor."""
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = manifest_versions(aws_cur_path())
    changed = {path: info for path, info in current.items() if seen.get(path) != info[0]}
    requests = []
    for month in sorted({m for _, m in changed.values() if m}):
        deliveries = sorted(f"{p}@{v}" for p, (v, m) in changed.items() if m == month)
        first = datetime.fromisoformat(month).date()
        requests.append(
            dg.RunRequest(
                # a digest, not hash(): run keys must match across processes to deduplicate
                run_key=f"aws-{month}-{hashlib.sha1(str(deliveries).encode()).hexdigest()[:16]}",
                tags={**month_range_tags(first, first), "finops/trigger": "aws_export_sensor"},
            )
        )
    cursor = {**seen, **{path: info[0] for path, info in changed.items()}}
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))


# gold is stale when no run refreshed it for this long; the daily refresh keeps it well inside
GOLD_MAX_AGE = timedelta(hours=float(os.environ.get("FINOPS_GOLD_MAX_AGE_HOURS", "36")))

gold_freshness_checks = dg.build_last_update_freshness_checks(
    assets=[["gold", "fct_cost"], ["gold", "fct_cost_daily"]],
    lower_bound_delta=GOLD_MAX_AGE,
    severity=dg.AssetCheckSeverity.WARN,
)
gold_freshness_sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=gold_freshness_checks,
    name="gold_freshness_sensor",
    default_status=DEFAULT_SENSOR_STATUS,
)


@dg.definitions
def defs() -> dg.Definitions:
    """The pipeline job, the daily refresh, the export sensor and gold freshness."""
    return dg.Definitions(
        jobs=[finops_pipeline],
        schedules=[daily_refresh],
        sensors=[aws_export_sensor, gold_freshness_sensor],
        asset_checks=gold_freshness_checks,
    )
