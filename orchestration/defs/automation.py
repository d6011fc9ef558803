"""Jobs, schedules and sensors that span domains.

Schedules and sensors start STOPPED unless FINOPS_AUTOMATION=on, so `make dev` never launches
runs a user did not ask for; turn them on in the UI (Automation tab) or with that variable.
"""

import hashlib
import json
import os
from collections.abc import Callable
from datetime import date, datetime, timedelta

import dagster as dg
import dlt
from dagster._core.definitions.unresolved_asset_job_definition import (
    UnresolvedAssetJobDefinition,  # what define_asset_job returns; not exported at the top
)

from ingestion import registry
from orchestration.defs.ingestion.sources import unconfigured_source_keys
from orchestration.lib.env import aws_cur_path
from orchestration.lib.landing import (
    AWS_MANIFESTS,
    AZURE_MANIFESTS,
    FOCUS_MANIFESTS,
    ManifestRule,
    manifest_versions,
)
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


def pipeline_job() -> UnresolvedAssetJobDefinition:
    """The whole graph, raw -> gold -> ml, for a range of billing months (`finops run`).

    Sources without a configured path are left out, so a deployment runs what it uses. The
    paths are read when this is called: the code location calls it once at load, the runner
    at every run, so a path set after the definitions were imported is still loaded.
    """
    return dg.define_asset_job(
        name="finops_pipeline",
        selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*unconfigured_source_keys()),
        partitions_def=billing_month,
        executor_def=dg.in_process_executor,
        description="Load the configured exports and build bronze, silver, gold and ml for the "
        "selected billing months.",
    )


finops_pipeline = pipeline_job()


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


# how often the export sensors list their landing roots; a listing is one or a few requests
SENSOR_INTERVAL_SECONDS = int(os.environ.get("FINOPS_SENSOR_INTERVAL_SECONDS", "60"))


def export_sensor(
    name: str, source: str, rule: ManifestRule, path_of: Callable[[], str | None]
) -> dg.SensorDefinition:
    """A sensor requesting one run per billing month whose manifest is new or changed.

    The cursor maps each manifest (path) to the version last seen (ETag or mtime), so a
    re-delivery that reuses file names runs again and the same delivery never runs twice; run
    keys carry the same digest, so a cursor lost or replayed cannot start a delivery twice.

    Args:
        name: the sensor's name.
        source: the registry name of the source whose landing root is watched.
        rule: how its manifests are recognised and dated.
        path_of: the configured root, or None when the source is not used.

    Returns:
        The sensor, targeting the `finops_pipeline` job.
    """
    spec = registry.get(source)

    @dg.sensor(
        name=name,
        job=finops_pipeline,
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=DEFAULT_SENSOR_STATUS,
        description=f"New or re-delivered exports under {spec.path_env} (folder, s3:// prefix or "
        "azure:// container): one run per affected billing month, triggered by the manifest, "
        "which the provider writes after the data files.",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        path = path_of()
        if path is None:
            return dg.SkipReason(f"{spec.path_env} is not set")
        seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        changed = manifest_versions(
            path,
            rule,
            seen,
            storage_options=dlt.config.get(spec.config_key("storage_options"), dict),
            connection_string=dlt.secrets.get(spec.config_key("connection_string"), str),
        )
        requests = []
        for month in sorted({m for _, m in changed.values() if m}):
            deliveries = sorted(f"{k}@{v}" for k, (v, m) in changed.items() if m == month)
            first = datetime.fromisoformat(month).date()
            digest = hashlib.sha1(str(deliveries).encode()).hexdigest()[:16]
            requests.append(
                dg.RunRequest(
                    # a digest, not hash(): run keys must match across processes to deduplicate
                    run_key=f"{source}-{month}-{digest}",
                    tags={**month_range_tags(first, first), "finops/trigger": name},
                )
            )
        cursor = {**seen, **{key: info[0] for key, info in changed.items()}}
        return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))

    return _sensor


aws_export_sensor = export_sensor("aws_export_sensor", "aws-cur", AWS_MANIFESTS, aws_cur_path)
azure_export_sensor = export_sensor(
    "azure_export_sensor",
    "azure-cost",
    AZURE_MANIFESTS,
    registry.get("azure-cost").configured_path,
)
focus_export_sensor = export_sensor(
    "focus_export_sensor", "focus", FOCUS_MANIFESTS, registry.get("focus").configured_path
)


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
    """The pipeline job, the daily refresh, the export sensors and gold freshness."""
    return dg.Definitions(
        jobs=[finops_pipeline],
        schedules=[daily_refresh],
        sensors=[
            aws_export_sensor,
            azure_export_sensor,
            focus_export_sensor,
            gold_freshness_sensor,
        ],
        asset_checks=gold_freshness_checks,
    )
