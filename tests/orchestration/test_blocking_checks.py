"""A failed blocking check stops gold: the previous gold stays, the run says why, an alert goes.

One small billing month is built through the real `finops_pipeline` job, on DuckDB and on
PostgreSQL. Each case then breaks the data and runs again; since neither may publish, both
compare gold with what the first run wrote, row for row and to the cent.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ingestion.sample_data import generate
from orchestration.defs.alerts import run_failure_alert
from orchestration.defs.automation import month_range_tags
from orchestration.defs.quality.checks import DECISIONS, SILVER
from orchestration.defs.transform.assets import finops_dbt_gold
from orchestration.runner import run_months
from tests.conftest import _admin_connection
from tests.orchestration.conftest import Receiver
from tests.pipeline_builds import gold_rows
from tests.warehouse_utils import execute, query, use_warehouse

MONTH = "2025-03"
CENT = Decimal("0.01")
GOLD_STEP = "finops_dbt_gold"


@dataclass
class Warehouse:
    """A warehouse holding MONTH published to gold, and the exports it was built from."""

    kind: str
    duckdb_file: Path | None
    pg_database: str | None
    exports: Path

    def env(self) -> Any:
        """Point the environment at this warehouse."""
        return use_warehouse(self.kind, self.duckdb_file, self.pg_database)


@contextmanager
def aws_exports(path: Path) -> Iterator[None]:
    """FINOPS_AWS_CUR_PATH set to `path` for the block."""
    os.environ["FINOPS_AWS_CUR_PATH"] = str(path)
    try:
        yield
    finally:
        os.environ.pop("FINOPS_AWS_CUR_PATH", None)


def gold_snapshot() -> dict[str, Any]:
    """Every fct_cost row, and per table, period and currency the gold totals to the cent."""
    totals = {}
    for table in ("fct_cost", "fct_cost_daily", "fct_cost_allocated"):
        rows = query(
            "select cast(x_billing_period as varchar), billing_currency, sum(billed_cost), "
            f"sum(effective_cost) from gold.{table} group by 1, 2"
        )
        for period, currency, billed, effective in rows:
            amounts = (Decimal(billed).quantize(CENT), Decimal(effective).quantize(CENT))
            totals[(table, period[:7], currency)] = amounts
    return {"rows": gold_rows(), "totals": totals}


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def published(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Warehouse, dict[str, Any]]]:
    """A warehouse with MONTH published by a successful run, and the gold it holds."""
    root = tmp_path_factory.mktemp(f"blocking-{request.param}")
    exports = generate(root / "sample", months=1, scale=1_500, seed=5).roots["aws"]
    database = None
    if request.param == "postgres":
        database = f"finops_blocking_{uuid.uuid4().hex[:8]}"
        with _admin_connection() as con:
            con.execute(f'create database "{database}"')
    warehouse = Warehouse(request.param, root / "wh.duckdb", database, exports)
    with warehouse.env(), aws_exports(exports):
        outcome = run_months(MONTH, MONTH)
        assert outcome.success, outcome.failures
        snapshot = gold_snapshot()
    assert snapshot["totals"] and snapshot["rows"]
    yield warehouse, snapshot
    if database is not None:
        with _admin_connection() as con:
            con.execute(f'drop database if exists "{database}" with (force)')


def redeliver_without_end_dates(exports: Path, target: Path, rows: int = 5) -> Path:
    """A restatement of the exports whose first data file lacks `rows` usage end dates.

    The FOCUS mandatory column ChargePeriodEnd comes from line_item_usage_end_date; nothing
    before silver requires it, so only the blocking FOCUS check can catch the gap.
    """
    shutil.copytree(exports, target)
    data = sorted(target.rglob("*.parquet"))[0]
    table = pq.read_table(data)
    column = table.schema.get_field_index("line_item_usage_end_date")
    ends = table.column(column)
    keep = pa.array([index >= rows for index in range(table.num_rows)])
    table = table.set_column(column, table.schema.field(column), pc.if_else(keep, ends, None))
    pq.write_table(table, data)
    # a restatement is a new execution of the export
    for manifest in target.rglob("*Manifest.json"):
        body = json.loads(manifest.read_text())
        body["executionId"] = str(uuid.uuid4())
        manifest.write_text(json.dumps(body))
    return target


def run_events(run_id: str, event_type: dg.DagsterEventType) -> list[dg.DagsterEvent]:
    """The run's events of one type, from the instance the UI reads."""
    records = dg.DagsterInstance.get().all_logs(run_id, of_type=event_type)
    return [record.dagster_event for record in records if record.dagster_event]


def failed_check(run_id: str, name: str) -> dg.AssetCheckEvaluation:
    """The failed evaluation of check `name` in the run, as the UI shows it."""
    evaluations = [
        event.event_specific_data
        for event in run_events(run_id, dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        if event.event_specific_data.check_name == name
    ]
    assert len(evaluations) == 1, evaluations
    assert not evaluations[0].passed
    assert evaluations[0].severity == dg.AssetCheckSeverity.ERROR
    return evaluations[0]


def post_failure_alert(run_id: str) -> None:
    """Evaluate the run-failure sensor on the failed run, as the daemon would."""
    instance = dg.DagsterInstance.get()
    failure = run_events(run_id, dg.DagsterEventType.RUN_FAILURE)[-1]
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
    ).for_run_failure()
    run_failure_alert(context)


def assert_gold_untouched(run_id: str, snapshot: dict[str, Any]) -> None:
    """The gold step never started and gold holds exactly the previous run's rows and totals."""
    started = {event.step_key for event in run_events(run_id, dg.DagsterEventType.STEP_START)}
    assert GOLD_STEP not in started
    materialized = run_events(run_id, dg.DagsterEventType.ASSET_MATERIALIZATION)
    assert not [e for e in materialized if e.asset_key and e.asset_key.path[0] == "gold"]
    after = gold_snapshot()
    assert after["totals"] == snapshot["totals"]
    assert after["rows"] == snapshot["rows"]


def test_missing_mandatory_column_keeps_previous_gold_and_alerts(
    published: tuple[Warehouse, dict[str, Any]], receiver: Receiver, tmp_path: Path
) -> None:
    warehouse, snapshot = published
    broken = redeliver_without_end_dates(warehouse.exports, tmp_path / "restated")
    with warehouse.env(), aws_exports(broken):
        outcome = run_months(MONTH, MONTH)
        assert not outcome.success
        assert any("focus_conformance" in failure for failure in outcome.failures)
        evaluation = failed_check(outcome.run_id, "focus_conformance")
        assert evaluation.asset_key == SILVER
        assert "not_null(charge_period_end)" in evaluation.metadata["failed_expectations"].value
        assert evaluation.metadata["failed_periods"].value == MONTH
        assert_gold_untouched(outcome.run_id, snapshot)
        post_failure_alert(outcome.run_id)
    slack = dict(receiver.posts)["/slack/secret-token"]["text"]
    assert "gold not published" in slack
    assert "focus_conformance on silver/int_costs_unioned" in slack
    assert "not_null(charge_period_end)" in slack and MONTH in slack
    assert outcome.run_id in slack
    teams = dict(receiver.posts)["/teams/secret-token"]
    assert "focus_conformance" in json.dumps(teams)


def test_allocation_not_reconciling_keeps_previous_gold_and_alerts(
    published: tuple[Warehouse, dict[str, Any]], receiver: Receiver
) -> None:
    from orchestration.definitions import defs

    warehouse, snapshot = published
    check = dg.AssetCheckKey(DECISIONS, "allocation_reconciles_to_silver")
    # a UI run of gold alone, after a silver-feeding table went wrong: three allocation
    # decisions duplicated would count their cost lines twice in gold
    job = defs.resolve_job_def("finops_pipeline").get_subset(
        asset_selection=set(finops_dbt_gold.keys), asset_check_selection={check}
    )
    first = date.fromisoformat(f"{MONTH}-01")
    with warehouse.env(), aws_exports(warehouse.exports):
        execute(
            "insert into silver.int_allocation_decisions select * "
            "from silver.int_allocation_decisions where x_allocation_key in ("
            "select x_allocation_key from silver.int_allocation_decisions "
            f"where billing_period = date '{first}' order by x_allocation_key limit 3)"
        )
        result = job.execute_in_process(
            instance=dg.DagsterInstance.get(),
            tags=month_range_tags(first, first),
            raise_on_error=False,
        )
        assert not result.success
        evaluation = failed_check(result.run_id, "allocation_reconciles_to_silver")
        assert (
            "allocated_reconciles(line_count)" in evaluation.metadata["failed_expectations"].value
        )
        assert evaluation.metadata["failed_periods"].value == MONTH
        assert_gold_untouched(result.run_id, snapshot)
        post_failure_alert(result.run_id)
    slack = dict(receiver.posts)["/slack/secret-token"]["text"]
    assert "allocation_reconciles_to_silver on silver/int_allocation_decisions" in slack
    assert MONTH in slack and result.run_id in slack
