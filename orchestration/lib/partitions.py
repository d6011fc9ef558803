"""The billing-month partitions shared by ingestion, dbt and (later) ml assets."""

from __future__ import annotations

import os
from datetime import date

import dagster as dg

# the earliest month a user may load; real CUR samples used in tests start in 2018
FIRST_BILLING_MONTH = os.environ.get("FINOPS_FIRST_BILLING_MONTH", "2018-01-01")

# end_offset=1 keeps the open (current) month as a partition so it can be refreshed daily
billing_month = dg.MonthlyPartitionsDefinition(start_date=FIRST_BILLING_MONTH, end_offset=1)

# one run covers a whole range of months: a dlt load and a dbt build per run, not per month
single_run = dg.BackfillPolicy.single_run()


def window_of(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """First and last billing month (first days) a run covers."""
    window = context.partition_time_window
    last = date.fromordinal(window.end.date().toordinal() - 1).replace(day=1)
    return window.start.date(), last


def months_between(first: date, last: date) -> list[str]:
    """Every month from first to last inclusive, as YYYY-MM."""
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
