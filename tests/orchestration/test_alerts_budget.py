"""Budget alerts posted to a real local HTTP receiver standing in for Slack and Teams.

gold.fct_budget_alert_events is written as dbt would leave it (same columns and types) on a
real DuckDB file and a real PostgreSQL database; the sensor reads it like in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.alerts_budget import budget_alerts, defs, previous_month
from orchestration.defs.automation import DEFAULT_SENSOR_STATUS
from tests.orchestration.conftest import Receiver
from tests.warehouse_utils import execute, use_warehouse

CREATE = """
create table gold.fct_budget_alert_events (
    alert_event_id varchar, budget_id varchar, scope_type varchar, scope varchar,
    billing_period date, budget_currency varchar, basis varchar, threshold_pct integer,
    crossed_on date, budget_amount decimal(38,10), cost_at_crossing decimal(38,10),
    actual_cost decimal(38,10), projected_cost decimal(38,10), cost_measure varchar,
    currency_status varchar
)
"""
# (id, scope, month, basis, threshold, crossed_on): January is two months before the open
# month (March), so it is history and never sent
EVENTS = [
    ("e-jan", "search", "2025-01-01", "actual", 100, "2025-01-20"),
    ("e-feb-80", "payments", "2025-02-01", "actual", 80, "2025-02-21"),
    ("e-mar-50", "payments", "2025-03-01", "actual", 50, "2025-03-09"),
    ("e-mar-fc", "ml", "2025-03-01", "forecast", 100, "2025-03-10"),
]


def insert(events: list[tuple]) -> None:
    for event_id, scope, month, basis, threshold, crossed_on in events:
        execute(
            "insert into gold.fct_budget_alert_events values ("
            f"'{event_id}', 'b-{event_id}', 'team', '{scope}', cast('{month}' as date), 'USD',"
            f" '{basis}', {threshold}, cast('{crossed_on}' as date), 1000, {threshold * 10},"
            " 612.5, 1040, 'effective_cost', 'single_currency')"
        )


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
    database = request.getfixturevalue("postgres_database") if request.param == "postgres" else None
    with use_warehouse(request.param, tmp_path / "wh.duckdb", database):
        execute("create schema if not exists gold")
        execute("drop table if exists gold.fct_budget_alert_events")
        execute(CREATE)
        yield


def slack_texts(receiver: Receiver) -> list[str]:
    return [body["text"] for path, body in receiver.posts if path == "/slack/secret-token"]


def test_each_event_of_the_open_and_previous_month_is_sent_once(
    receiver: Receiver, warehouse: None
) -> None:
    insert(EVENTS)
    context = dg.build_sensor_context()
    assert budget_alerts(context) is None
    texts = slack_texts(receiver)
    assert len(texts) == 3 and len(receiver.posts) == 6  # three events, both channels
    assert not any("search" in text for text in texts)  # January is history
    assert any("payments reached 80% of its 2025-02 budget" in text for text in texts)
    assert any("ml is projected to reach 100% of its 2025-03 budget" in text for text in texts)
    teams = [body for path, body in receiver.posts if path == "/teams/secret-token"]
    assert {card["sections"][0]["facts"][0]["value"] for card in teams} == {"2025-02", "2025-03"}

    # a restart: a new evaluation with only the stored cursor sends nothing again
    again = dg.build_sensor_context(cursor=context.cursor)
    assert isinstance(budget_alerts(again), dg.SkipReason)
    assert len(receiver.posts) == 6

    # a new crossing later in the month is sent, alone
    insert([("e-mar-80", "payments", "2025-03-01", "actual", 80, "2025-03-15")])
    later = dg.build_sensor_context(cursor=again.cursor or context.cursor)
    assert budget_alerts(later) is None
    assert len(receiver.posts) == 8
    assert "payments reached 80% of its 2025-03 budget" in slack_texts(receiver)[-1]
    final = dg.build_sensor_context(cursor=later.cursor)
    assert isinstance(budget_alerts(final), dg.SkipReason)
    assert len(receiver.posts) == 8


def test_no_events_table_or_no_events_is_a_skip(receiver: Receiver, tmp_path: Path) -> None:
    with use_warehouse("duckdb", tmp_path / "empty.duckdb"):
        assert isinstance(budget_alerts(dg.build_sensor_context()), dg.SkipReason)
        execute("create schema gold")
        execute(CREATE)
        assert isinstance(budget_alerts(dg.build_sensor_context()), dg.SkipReason)
    assert receiver.posts == []


def test_sensor_is_registered_with_the_automation_default_status() -> None:
    assert budget_alerts.default_status == DEFAULT_SENSOR_STATUS
    assert defs().get_sensor_def("budget_alerts") is not None


def test_previous_month_crosses_the_year() -> None:
    from datetime import date

    assert previous_month(date(2025, 1, 1)) == date(2024, 12, 1)
    assert previous_month(date(2025, 3, 1)) == date(2025, 2, 1)
