"""Alerts to Slack / Teams: failed runs (naming failed blocking checks) and high-severity cost
anomalies, each sent once."""

import json
import os

import dagster as dg

from orchestration.lib.tables import read_sql
from orchestration.lib.webhooks import Alert, configured_targets, dagster_link, send

# alerting starts on its own once a webhook is configured; otherwise it waits in the UI
DEFAULT_STATUS = (
    dg.DefaultSensorStatus.RUNNING
    if configured_targets() or os.environ.get("FINOPS_AUTOMATION") == "on"
    else dg.DefaultSensorStatus.STOPPED
)
ANOMALY_SQL = """
select series_type, series_value, cast(date as varchar) as day, cost, expected, severity, impact,
    root_cause_dimension, root_cause_value
from ml.cost_anomalies
where severity in ('high', 'critical')
order by impact desc
"""
SENT_KEYS_KEPT = 2000  # the cursor remembers this many sent anomalies
# a blocking check on these layers checks tables already written: the run stops after it, but
# what it checked is published; a check on raw, bronze or silver holds gold back
PUBLISHED_LAYERS = ("gold", "ml")


def failed_blocking_checks(
    instance: dg.DagsterInstance, run_id: str
) -> list[tuple[dg.AssetKey, str]]:
    """Each blocking check that failed in the run: its asset, and a line saying check, asset,
    failed expectations and billing periods.

    The GX checks put their failed expectations and billing periods in the check metadata; a
    dbt test has neither, so its line names the test and its model only.
    """
    lines = []
    records = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    for record in records:
        evaluation = record.dagster_event.event_specific_data if record.dagster_event else None
        if not isinstance(evaluation, dg.AssetCheckEvaluation) or evaluation.passed:
            continue
        if not evaluation.blocking or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        metadata = {
            key: getattr(value, "value", value) for key, value in evaluation.metadata.items()
        }
        line = f"{evaluation.check_name} on {evaluation.asset_key.to_user_string()}"
        failed = metadata.get("failed_expectations")
        if failed:
            line += f": {', '.join(map(str, failed))}"
        periods = metadata.get("failed_periods") or metadata.get("billing_window")
        if periods and periods != "-":
            line += f" (billing periods {periods})"
        lines.append((evaluation.asset_key, line))
    return lines


def failure_alert(
    run: dg.DagsterRun, message: str, steps: list[str], checks: list[tuple[dg.AssetKey, str]]
) -> Alert:
    """The message for a failed run; a failed blocking check says whether gold was held back."""
    months = " .. ".join(
        filter(
            None,
            [
                run.tags.get("dagster/asset_partition_range_start"),
                run.tags.get("dagster/asset_partition_range_end"),
            ],
        )
    )
    facts = {"run": run.run_id, "failed steps": ", ".join(steps) or "-"}
    facts["billing months"] = months or run.tags.get("dagster/partition") or "-"
    if not checks:
        return Alert(
            title=f"FinOps pipeline run failed: {run.job_name}",
            text=message.splitlines()[0][:500],
            facts=facts,
            link=dagster_link(f"runs/{run.run_id}"),
        )
    failed = "; ".join(line for _, line in checks)
    if any(key.path[0] not in PUBLISHED_LAYERS for key, _ in checks):
        title = f"FinOps gold not published: blocking data-quality check failed ({run.job_name})"
        text = (
            "A blocking check failed before gold, so the gold step did not run and the gold "
            f"tables still hold the previous successful run's data. Failed: {failed}"
        )
    else:
        title = f"FinOps published data failed a blocking check ({run.job_name})"
        text = (
            "A blocking check on tables already published failed; the steps after it did not "
            f"run. Failed: {failed}"
        )
    return Alert(
        title=title,
        text=text,
        facts={**facts, "failed checks": failed},
        link=dagster_link(f"runs/{run.run_id}"),
    )


@dg.run_failure_sensor(
    name="run_failure_alert",
    default_status=DEFAULT_STATUS,
    description="Post every failed run to the configured Slack / Teams webhooks, naming any "
    "failed blocking data-quality check.",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    """One message per failed run (the sensor's cursor makes it once)."""
    run = context.dagster_run
    steps = [e.step_key for e in context.get_step_failure_events() if e.step_key]
    checks = failed_blocking_checks(context.instance, run.run_id)
    alert = failure_alert(run, context.failure_event.message or "run failed", steps, checks)
    for error in send(alert):
        context.log.warning("alert not delivered: %s", error)


@dg.sensor(
    name="anomaly_alerts",
    minimum_interval_seconds=300,
    default_status=DEFAULT_STATUS,
    description="Post new high / critical cost anomalies (ml.cost_anomalies) once each.",
)
def anomaly_alerts(context: dg.SensorEvaluationContext) -> dg.SkipReason | None:
    """Send anomalies not sent before; the cursor keeps the keys already sent."""
    sent: list[str] = json.loads(context.cursor) if context.cursor else []
    try:
        rows = read_sql(ANOMALY_SQL)
    except Exception as error:  # no anomalies table yet (first run pending) is not an error
        return dg.SkipReason(f"ml.cost_anomalies not readable yet: {str(error).splitlines()[0]}")
    new = [
        row
        for row in rows.itertuples(index=False)
        if f"{row.series_type}|{row.series_value}|{row.day}" not in sent
    ]
    if not new:
        return dg.SkipReason("no new high or critical anomalies")
    for row in new:
        alert = Alert(
            title=f"Cost anomaly ({row.severity}): {row.series_type} {row.series_value}",
            text=f"{row.day}: spent {float(row.cost):,.2f} against {float(row.expected):,.2f} "
            f"expected ({float(row.impact):+,.2f}).",
            facts={
                "series": f"{row.series_type} = {row.series_value}",
                "day": row.day,
                "main driver": f"{row.root_cause_dimension} = {row.root_cause_value}",
            },
            link=dagster_link("assets/ml/cost_anomalies"),
        )
        for error in send(alert):
            context.log.warning("alert not delivered: %s", error)
        sent.append(f"{row.series_type}|{row.series_value}|{row.day}")
    context.update_cursor(json.dumps(sent[-SENT_KEYS_KEPT:]))
    return None


@dg.definitions
def defs() -> dg.Definitions:
    """Alert sensors."""
    return dg.Definitions(sensors=[run_failure_alert, anomaly_alerts])
