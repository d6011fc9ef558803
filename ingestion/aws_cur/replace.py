"""Replace billing-period units: delete a unit's rows before its new rows are appended.

dlt's `merge` (delete-insert) loads every row into a staging table and copies it again into
the raw table, in one transaction: safe, but twice the writing. The rows are instead appended
as they are, and the source deletes the units it replaces once every file is validated and
written, just before dlt loads them. If that load then fails, dlt keeps the package and loads
it on the next run of the pipeline; until then the unit is missing, never doubled.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dlt
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from .settings import LINE_ITEMS_TABLE


def delete_units(pipeline: dlt.Pipeline, units: Sequence[tuple[date, str]]) -> None:
    """Delete the raw rows of each (billing period, payer account) in `units`.

    Args:
        pipeline: the pipeline whose destination holds the raw table.
        units: the units the current load replaces.
    """
    if not units:
        return
    with pipeline.sql_client() as client:
        if not client.has_dataset():
            return
        table = client.make_qualified_table_name(LINE_ITEMS_TABLE)
        match = " or ".join(["(billing_period = %s and bill_payer_account_id = %s)"] * len(units))
        values = [value for unit in units for value in unit]
        try:
            client.execute_sql(f"delete from {table} where {match}", *values)
        except DatabaseUndefinedRelation:
            return  # first load: the table does not exist yet
