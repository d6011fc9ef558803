"""Registers the dbt assets."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.transform.assets import finops_dbt_finance_marts, finops_dbt_models


@dg.definitions
def defs() -> dg.Definitions:
    """dbt seeds and models, with dbt tests as asset checks."""
    return dg.Definitions(assets=[finops_dbt_models, finops_dbt_finance_marts])
