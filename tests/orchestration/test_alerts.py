"""Alerts posted to a real local HTTP receiver standing in for Slack and Teams."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from orchestration.defs.alerts import anomaly_alerts, failure_alert, run_failure_alert
from orchestration.lib.tables import write_table
from orchestration.lib.webhooks import Alert, send
from tests.orchestration.conftest import Receiver
from tests.warehouse_utils import use_warehouse


def test_alert_reaches_slack_and_teams_in_their_formats(receiver: Receiver) -> None:
    errors = send(
        Alert("Budget exceeded", "payments at 112%", {"team": "payments"}, "http://x/run")
    )
    assert errors == []
    bodies = dict(receiver.posts)
    assert "*Budget exceeded*" in bodies["/slack/secret-token"]["text"]
    assert "team: payments" in bodies["/slack/secret-token"]["text"]
    card = bodies["/teams/secret-token"]
    assert card["@type"] == "MessageCard" and card["sections"][0]["facts"][0]["value"] == "payments"


def test_throttled_webhook_is_retried_and_errors_never_show_the_url(receiver: Receiver) -> None:
    receiver.fail_next = 1
    assert (
        send(Alert("t", "x"), targets={"slack": f"{receiver.url}/slack/secret-token"}, backoff=0.01)
        == []
    )
    assert len(receiver.posts) == 1
    errors = send(
        Alert("t", "x"), targets={"teams": "http://127.0.0.1:9/teams/secret-token"}, backoff=0.01
    )
    assert errors and "secret-token" not in errors[0] and errors[0].startswith("teams")


def test_high_anomalies_are_sent_once(receiver: Receiver, tmp_path: Path) -> None:
    anomalies = pd.DataFrame(
        {
            "series_type": ["team", "total"],
            "series_value": ["payments", "all"],
            "date": pd.to_datetime(["2025-02-14", "2025-02-15"]),
            "cost": [900.0, 120.0],
            "expected": [300.0, 100.0],
            "lower": [250.0, 90.0],
            "upper": [350.0, 110.0],
            "severity": ["high", "low"],
            "impact": [600.0, 20.0],
            "score": [9.0, 2.0],
            "kind": ["spike", "level_shift"],
            "root_cause_dimension": ["service_category", None],
            "root_cause_value": ["Compute", None],
            "root_cause_share": [0.9, None],
        }
    )
    from orchestration.defs.ml.forecasts import ANOMALY_COLUMNS

    with use_warehouse("duckdb", duckdb_file=tmp_path / "wh.duckdb"):
        write_table(anomalies, "cost_anomalies", ANOMALY_COLUMNS)
        context = dg.build_sensor_context()
        anomaly_alerts(context)
        assert len(receiver.posts) == 2  # the high one, to both channels; the low one never
        assert "payments" in dict(receiver.posts)["/slack/secret-token"]["text"]
        again = dg.build_sensor_context(cursor=context.cursor)
        assert isinstance(anomaly_alerts(again), dg.SkipReason)
    assert len(receiver.posts) == 2


def test_failed_run_is_posted_with_its_failed_step(receiver: Receiver) -> None:
    @dg.op
    def load_exports() -> None:
        raise RuntimeError("manifest lists a missing file")

    @dg.job
    def broken() -> None:
        load_exports()

    instance = dg.DagsterInstance.ephemeral()
    result = broken.execute_in_process(instance=instance, raise_on_error=False)
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    run_failure_alert(context)
    slack = dict(receiver.posts)["/slack/secret-token"]["text"]
    assert "run failed: broken" in slack and "load_exports" in slack and result.run_id in slack


@pytest.mark.parametrize(
    ("layer", "title"),
    [
        ("silver", "FinOps gold not published"),
        ("gold", "FinOps published data failed a blocking check"),
    ],
)
def test_failed_blocking_check_alert_says_whether_gold_was_held_back(
    layer: str, title: str
) -> None:
    # a check on gold runs after gold is written: saying "not published" would be false
    run = dg.DagsterRun(
        job_name="finops_pipeline", run_id="run-1", tags={"dagster/partition": "2025-03-01"}
    )
    check = (
        dg.AssetKey([layer, "model"]),
        f"some_check on {layer}/model: not_null(x) (billing periods 2025-03)",
    )
    alert = failure_alert(run, "step failed", ["some_check_step"], [check])
    assert alert.title.startswith(title)
    assert "some_check on " in alert.text and "2025-03" in alert.text
    assert alert.facts["billing months"] == "2025-03-01" and alert.facts["run"] == "run-1"
