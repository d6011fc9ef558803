"""Budget alerts to Slack / Teams: each new threshold crossing of gold.fct_budget_alert_events
sent once.

Only the open billing month (the newest one with budget events) and the month before it are
read, so a rebuilt history never resends old crossings; the ids already sent are kept in the
sensor's cursor, which Dagster stores in its instance, so a restart does not resend them.
"""

from __future__ import annotations

import json
from datetime import date

import dagster as dg

from orchestration.defs.automation import DEFAULT_SENSOR_STATUS
from orchestration.lib.tables import read_sql
from orchestration.lib.webhooks import Alert, dagster_link, send

LATEST_PERIOD_SQL = "select max(billing_period) as billing_period from gold.fct_budget_alert_events"
EVENTS_SQL = """
select alert_event_id, scope_type, scope, billing_period, budget_currency, basis,
    threshold_pct, crossed_on, budget_amount, cost_at_crossing, actual_cost, projected_cost,
    cost_measure, currency_status
from gold.fct_budget_alert_events
where billing_period >= {since}
order by billing_period, crossed_on, scope_type, scope, basis, threshold_pct
"""
SENT_IDS_KEPT = 5000  # far more than two months of events; the oldest ids are dropped first


def previous_month(period: date) -> date:
    """First day of the month before `period`'s month."""
    return (
        date(period.year - 1, 12, 1)
        if period.month == 1
        else date(period.year, period.month - 1, 1)
    )


def _as_date(value: object) -> date:
    # DuckDB gives a date, PostgreSQL a date, pandas may give a Timestamp
    return value.date() if hasattr(value, "date") and callable(value.date) else value  # type: ignore[return-value]


def _money(value: object, currency: str) -> str:
    return "-" if value is None or value != value else f"{float(value):,.2f} {currency}"


def event_alert(row: object) -> Alert:
    """The message of one budget event (a row of fct_budget_alert_events)."""
    month = f"{_as_date(row.billing_period):%Y-%m}"
    basis = "is projected to reach" if row.basis == "forecast" else "reached"
    text = (
        f"{row.scope_type} {row.scope} {basis} {int(row.threshold_pct)}% of its {month} budget "
        f"({_money(row.cost_at_crossing, row.budget_currency)} of "
        f"{_money(row.budget_amount, row.budget_currency)}) on {row.crossed_on}."
    )
    return Alert(
        title=f"Budget {int(row.threshold_pct)}% ({row.basis}): {row.scope_type} {row.scope}",
        text=text,
        facts={
            "billing month": month,
            "cost to date": _money(row.actual_cost, row.budget_currency),
            "projected": _money(row.projected_cost, row.budget_currency),
            "measure": str(row.cost_measure),
            "currencies": str(row.currency_status),
        },
        link=dagster_link("assets/gold/fct_budget_alert_events"),
    )


@dg.sensor(
    name="budget_alerts",
    minimum_interval_seconds=300,
    default_status=DEFAULT_SENSOR_STATUS,
    description="Post new budget threshold crossings (gold.fct_budget_alert_events) of the open "
    "and previous billing month to the configured Slack / Teams webhooks, once each.",
)
def budget_alerts(context: dg.SensorEvaluationContext) -> dg.SkipReason | None:
    """Send events not sent before; the cursor keeps the ids already sent."""
    sent: list[str] = json.loads(context.cursor) if context.cursor else []
    try:
        latest = read_sql(LATEST_PERIOD_SQL)["billing_period"].iloc[0]
    except Exception as error:  # the mart is not built yet: nothing to send, not a failure
        return dg.SkipReason(
            f"gold.fct_budget_alert_events not readable: {str(error).splitlines()[0]}"
        )
    if latest is None or latest != latest:  # no event at all (None or NaT)
        return dg.SkipReason("no budget alert events")
    since = previous_month(_as_date(latest))
    # a date literal built from a date object, not from any input text
    rows = read_sql(EVENTS_SQL.format(since=f"cast('{since.isoformat()}' as date)"))
    known = set(sent)
    new = [row for row in rows.itertuples(index=False) if row.alert_event_id not in known]
    if not new:
        return dg.SkipReason("no new budget threshold crossings")
    for row in new:
        for error in send(event_alert(row)):
            context.log.warning("budget alert not delivered: %s", error)
        # marked sent even when a channel failed: send() already retried, and a resend of
        # every event on each tick would flood the channels that did work
        sent.append(row.alert_event_id)
    context.update_cursor(json.dumps(sent[-SENT_IDS_KEPT:]))
    return None


@dg.definitions
def defs() -> dg.Definitions:
    """Budget alert sensor."""
    return dg.Definitions(sensors=[budget_alerts])
