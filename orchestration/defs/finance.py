"""Month-end close and weekly showback as Dagster jobs with their schedules.

The close job posts the previous month's chargeback journal (orchestration/finance/close.py) on
day FINOPS_CLOSE_DAY (default 5) of each month; a month that is not close-ready fails the run
with the reason, and the run-failure alert sends it. Schedules start STOPPED unless
FINOPS_AUTOMATION=on, like the others.
"""

import os
from datetime import date

import dagster as dg

from orchestration.defs.automation import DEFAULT_STATUS
from orchestration.finance.close import CloseError, close_period, parse_period
from orchestration.lib.asset_keys import model_key
from orchestration.lib.partitions import billing_month


def previous_month(today: date) -> str:
    """YYYY-MM of the month before `today`."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


class CloseConfig(dg.Config):
    """Which month to close; empty = the previous calendar month."""

    period: str = ""
    force: bool = False
    reason: str = ""


@dg.op(description="Post the month's chargeback journal; fails when it is not close-ready.")
def close_month(context: dg.OpExecutionContext, config: CloseConfig) -> None:
    """Close one billing month and log what was posted."""
    period = config.period or previous_month(date.today())
    try:
        result = close_period(
            parse_period(period), "dagster:month_end_close", config.force, config.reason or None
        )
    except CloseError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error
    context.log.info(
        result.message
        or f"closed {period}: {result.journal_id}, {result.line_count} lines, "
        f"{result.adjustments} adjustments, debits {result.debit_total}"
    )


@dg.job(
    name="month_end_close",
    description="Month-end chargeback close: post the previous month's journal to "
    "finance.journal_lines (append-only), only when every provider is close-ready.",
)
def month_end_close() -> None:
    """The close job."""
    close_month()


def _close_day() -> int:
    value = os.environ.get("FINOPS_CLOSE_DAY", "5")
    if not value.isdigit() or not 1 <= int(value) <= 28:
        raise ValueError(f"FINOPS_CLOSE_DAY must be a day 1..28, got {value!r}")
    return int(value)


@dg.schedule(
    job=month_end_close,
    cron_schedule=f"0 7 {_close_day()} * *",
    execution_timezone="UTC",
    default_status=DEFAULT_STATUS,
    description="07:00 UTC on day FINOPS_CLOSE_DAY (default 5): close the previous month.",
)
def month_end_close_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Close the month before the scheduled date."""
    period = previous_month(context.scheduled_execution_time.date())
    return dg.RunRequest(
        run_key=f"close-{period}",
        run_config={"ops": {"close_month": {"config": {"period": period}}}},
    )


weekly_showback = dg.define_asset_job(
    name="weekly_showback",
    selection=dg.AssetSelection.assets(
        model_key("gold", "fct_cost_allocated"),
        model_key("gold", "rpt_showback_weekly"),
        model_key("gold", "rpt_showback_monthly"),
    ),
    partitions_def=billing_month,
    description="Rebuild the showback reports from the current gold costs and allocation seeds.",
)


@dg.schedule(
    job=weekly_showback,
    cron_schedule="0 6 * * 1",
    execution_timezone="UTC",
    default_status=DEFAULT_STATUS,
    description="Mondays 06:00 UTC: refresh the weekly and monthly showback reports.",
)
def weekly_showback_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """One run on the current month's partition (the reports are rebuilt whole)."""
    today = context.scheduled_execution_time.date()
    return dg.RunRequest(run_key=f"showback-{today.isoformat()}", partition_key=f"{today:%Y-%m}-01")


@dg.definitions
def defs() -> dg.Definitions:
    """Close and showback jobs and schedules."""
    return dg.Definitions(
        jobs=[month_end_close, weekly_showback],
        schedules=[month_end_close_schedule, weekly_showback_schedule],
    )
