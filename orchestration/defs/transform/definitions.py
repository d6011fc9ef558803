"""Registers the dbt assets."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.transform.assets import (
    finops_dbt_finance_marts,
    finops_dbt_gold,
    finops_dbt_silver,
)


@dg.definitions
def defs() -> dg.Definitions:
    """dbt seeds and models, with dbt tests as asset checks."""
    return dg.Definitions(assets=[finops_dbt_silver, finops_dbt_gold, finops_dbt_finance_marts])
