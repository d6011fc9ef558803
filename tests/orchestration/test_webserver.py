"""The Dagster webserver and daemon for real: graph, schedules, sensors, a launched run, and
the export sensor launching runs from a landing folder (runs it starts stay queued).

`dagster dev` runs in its own process group (it ignores signals sent to the shell's group) and
is stopped with the whole group.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ingestion.sample_data import generate

ROOT = Path(__file__).resolve().parents[2]
SENSOR_RUNS_QUEUED = """
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    tag_concurrency_limits:
      - key: finops/trigger
        limit: 0
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Dagster:
    """A running `dagster dev` and a GraphQL client for it."""

    def __init__(self, url: str, landing: Path) -> None:
        self.url = url
        self.landing = landing  # FINOPS_AWS_CUR_PATH of the code location

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = json.loads(response.read())
        assert "errors" not in payload, payload
        return payload["data"]


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dagster]:
    """`dagster dev` on 127.0.0.1 over a small generated sample and a private DuckDB."""
    home = tmp_path_factory.mktemp("dagster-dev")
    sample = generate(home / "sample", months=1, scale=3_000, seed=3)
    (home / "dagster").mkdir()
    # runs the export sensor starts stay queued: the sensor test checks what was requested, and
    # a second pipeline run would compete with the launched-run test for the DuckDB file
    (home / "dagster" / "dagster.yaml").write_text(
        (ROOT / "orchestration" / "dagster.yaml").read_text() + SENSOR_RUNS_QUEUED
    )
    port = _free_port()
    # no source path another test may have left in this process: only the sample's AWS
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FINOPS_")},
        "DAGSTER_HOME": str(home / "dagster"),
        "FINOPS_HOME": str(home),
        "FINOPS_WAREHOUSE": "duckdb",
        "FINOPS_DUCKDB_PATH": str(home / "wh.duckdb"),
        "FINOPS_AWS_CUR_PATH": str(sample.roots["aws"]),
        "FINOPS_SENSOR_INTERVAL_SECONDS": "1",
    }
    log = open(home / "dagster-dev.log", "w")  # noqa: SIM115 - closed in the finalizer
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster"),
            "dev",
            "-w",
            "workspace.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, (home / "dagster-dev.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=2):
                    break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("dagster dev did not answer within 120 s")
        yield Dagster(url, sample.roots["aws"])
    finally:
        # SIGINT is what `dagster dev` handles as a clean shutdown of webserver and daemon
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _repository(client: Dagster) -> dict[str, str]:
    data = client.graphql(
        "{ repositoriesOrError { ... on RepositoryConnection { nodes { name "
        "location { name } } } } }"
    )
    node = data["repositoriesOrError"]["nodes"][0]
    return {"repositoryName": node["name"], "repositoryLocationName": node["location"]["name"]}


def test_ui_lists_the_graph_schedules_and_sensors(dagster_dev: Dagster) -> None:
    nodes = dagster_dev.graphql("{ assetNodes { assetKey { path } } }")["assetNodes"]
    keys = {"/".join(node["assetKey"]["path"]) for node in nodes}
    assert {"raw/aws_cur/line_items", "gold/fct_cost", "ml/cost_forecasts"} <= keys
    selector = _repository(dagster_dev)
    data = dagster_dev.graphql(
        "query($s: RepositorySelector!) { schedulesOrError(repositorySelector: $s) "
        "{ ... on Schedules { results { name } } } sensorsOrError(repositorySelector: $s) "
        "{ ... on Sensors { results { name } } } }",
        {"s": selector},
    )
    assert sorted(s["name"] for s in data["schedulesOrError"]["results"]) == [
        "daily_refresh",
        "month_end_close_schedule",
        "weekly_showback_schedule",
    ]
    assert {s["name"] for s in data["sensorsOrError"]["results"]} == {
        "aws_export_sensor",
        "azure_export_sensor",
        "focus_export_sensor",
        "gold_freshness_sensor",
        "run_failure_alert",
        "anomaly_alerts",
        "budget_alerts",
    }


def _failures(client: Dagster, run_id: str) -> list[str]:
    """The step failures of a run, with their error messages."""
    events = client.graphql(
        "query($id: ID!) { logsForRun(runId: $id) { ... on EventConnection { events { "
        "__typename ... on ExecutionStepFailureEvent { stepKey error { message } } "
        "... on RunFailureEvent { message } } } } }",
        {"id": run_id},
    )["logsForRun"]["events"]
    return [
        f"{e.get('stepKey', 'run')}: {(e.get('error') or {}).get('message') or e.get('message')}"
        for e in events
        if e["__typename"] in ("ExecutionStepFailureEvent", "RunFailureEvent")
    ]


def _upstream_of(client: Dagster, target: str, job: str) -> list[dict[str, list[str]]]:
    """Asset keys of `job` that `target` depends on, itself included (from the UI's graph)."""
    nodes = client.graphql("{ assetNodes { assetKey { path } dependencyKeys { path } jobNames } }")[
        "assetNodes"
    ]
    deps = {
        "/".join(n["assetKey"]["path"]): ["/".join(d["path"]) for d in n["dependencyKeys"]]
        for n in nodes
        if job in n["jobNames"]
    }
    seen, todo = set(), [target]
    while todo:
        key = todo.pop()
        if key in deps and key not in seen:
            seen.add(key)
            todo.extend(deps[key])
    return [{"path": key.split("/")} for key in sorted(seen)]


def test_a_partitioned_run_launched_through_the_api_succeeds(dagster_dev: Dagster) -> None:
    # ingestion -> dbt up to gold.fct_cost, in the daemon's run worker with one process per
    # step; the ml and finance steps are covered in-process by tests/test_pipeline_*
    selection = _upstream_of(dagster_dev, "gold/fct_cost", "finops_pipeline")
    assert {"raw", "bronze", "silver", "gold"} <= {key["path"][0] for key in selection}
    params = {
        "selector": {
            **_repository(dagster_dev),
            "jobName": "finops_pipeline",
            "assetSelection": selection,
        },
        "runConfigData": {},
        "executionMetadata": {
            "tags": [
                {"key": "dagster/asset_partition_range_start", "value": "2025-03-01"},
                {"key": "dagster/asset_partition_range_end", "value": "2025-03-01"},
            ]
        },
    }
    launched = dagster_dev.graphql(
        "mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename "
        "... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }",
        {"p": params},
    )["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    status, deadline = "", time.monotonic() + 240
    while time.monotonic() < deadline and status not in ("SUCCESS", "FAILURE", "CANCELED"):
        time.sleep(2)
        status = dagster_dev.graphql(
            "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id}
        )["runOrError"]["status"]
    assert status == "SUCCESS", _failures(dagster_dev, run_id)
    materialized = dagster_dev.graphql(
        '{ assetNodes(assetKeys: [{path: ["gold", "fct_cost"]}]) { assetMaterializations(limit: 1) '
        "{ runId partition } } }"
    )["assetNodes"][0]["assetMaterializations"]
    assert materialized and materialized[0]["runId"] == run_id
    assert materialized[0]["partition"] == "2025-03-01"


def _sensor_selector(client: Dagster, name: str) -> dict[str, str]:
    return {**_repository(client), "sensorName": name}


def _sensor_runs(client: Dagster) -> list[dict[str, Any]]:
    """Runs the export sensor requested: id, status and billing-month range."""
    runs = client.graphql(
        '{ runsOrError(filter: {tags: [{key: "finops/trigger", value: "aws_export_sensor"}]}) '
        "{ ... on Runs { results { runId status tags { key value } } } } }"
    )["runsOrError"]["results"]
    return [
        {
            "id": run["runId"],
            "status": run["status"],
            "months": tuple(
                tag["value"][:7]
                for tag in run["tags"]
                if tag["key"].startswith("dagster/asset_partition_range_")
            ),
        }
        for run in runs
    ]


def _next_tick(client: Dagster, selector: dict[str, str]) -> None:
    """Wait for a sensor evaluation that started after now (the daemon ticks every ~5 s)."""
    query = (
        "query($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { ... on Sensor { "
        "sensorState { ticks(limit: 5) { timestamp status error { message } } } } } }"
    )
    start, deadline = time.time(), time.monotonic() + 60
    while time.monotonic() < deadline:
        state = client.graphql(query, {"s": selector})["sensorOrError"]["sensorState"]
        done = [t for t in state["ticks"] if t["timestamp"] > start and t["status"] != "STARTED"]
        assert not [t for t in done if t["status"] == "FAILURE"], done
        if done:
            return
        time.sleep(0.5)
    pytest.fail("the daemon did not evaluate the sensor within 60 s")


def test_export_sensor_launches_the_delivered_month_only(
    dagster_dev: Dagster, tmp_path: Path
) -> None:
    from orchestration.lib.landing import AWS_MANIFESTS, manifest_versions
    from tests.ingestion.aws_cur.exports import cur2_rows, write_cur2_export

    selector = _sensor_selector(dagster_dev, "aws_export_sensor")
    # the sample's own month (2025-03) counts as seen, as after the first run of a deployment
    seen = {
        k: v for k, (v, _) in manifest_versions(str(dagster_dev.landing), AWS_MANIFESTS).items()
    }
    mutation = (
        "mutation($s: SensorSelector!, $c: String) { setSensorCursor(sensorSelector: $s, "
        "cursor: $c) { __typename } }"
    )
    dagster_dev.graphql(mutation, {"s": selector, "c": json.dumps(seen)})
    started = dagster_dev.graphql(
        "mutation($s: SensorSelector!) { startSensor(sensorSelector: $s) { __typename "
        "... on Sensor { sensorState { status } } } }",
        {"s": selector},
    )["startSensor"]
    assert started["sensorState"]["status"] == "RUNNING", started

    # January and February exports land, data files first; only January's manifest follows
    staging = tmp_path / "staging"
    for month in (date(2025, 1, 1), date(2025, 2, 1)):
        write_cur2_export(staging, "acme", month, [cur2_rows("111111111111", month, 3)])
    shutil.copytree(staging / "acme" / "data", dagster_dev.landing / "acme" / "data")
    january = "acme/metadata/BILLING_PERIOD=2025-01"
    shutil.copytree(staging / january, dagster_dev.landing / january)
    _next_tick(dagster_dev, selector)
    # one run, for January only: the sample's month was seen, February has no manifest yet
    assert [r["months"] for r in _sensor_runs(dagster_dev)] == [("2025-01", "2025-01")]

    _next_tick(dagster_dev, selector)
    assert len(_sensor_runs(dagster_dev)) == 1  # the same delivery never starts twice

    # a restatement rewrites the same file names: the manifest's modification time changes
    later = time.time() + 10
    os.utime(dagster_dev.landing / january / "acme-Manifest.json", (later, later))
    _next_tick(dagster_dev, selector)
    runs = _sensor_runs(dagster_dev)
    assert [r["months"] for r in runs] == [("2025-01", "2025-01")] * 2
    assert {r["status"] for r in runs} == {"QUEUED"}
