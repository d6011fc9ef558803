"""dbt models as partitioned assets: a run builds only the billing months it covers."""

import json
import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from ingestion.warehouse import dbt_env
from orchestration.defs.transform.project import dbt_project
from orchestration.defs.transform.translator import FinopsDbtTranslator
from orchestration.lib import dbt_state
from orchestration.lib.partitions import billing_month, single_run, window_of


def dbt_build_args(first: date | None, last: date | None, full_refresh: bool = False) -> list[str]:
    """CLI arguments for one dbt build over a billing window.

    Args:
        first: first billing month of the window (None: all months).
        last: last billing month of the window.
        full_refresh: rebuild incremental models from scratch.

    Returns:
        Arguments for `dbt`, starting with the command.
    """
    # dbt unit tests check model logic on fixtures: CI runs them (tests/dbt), a pipeline run
    # only needs the data tests on the data it built
    args = ["build", "--exclude-resource-type", "unit_test"]
    if first is not None and last is not None:
        window = {"min_billing_period": first.isoformat(), "max_billing_period": last.isoformat()}
        args += ["--vars", json.dumps(window)]
    if full_refresh:
        args.append("--full-refresh")
    return args


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt build."""

    full_refresh: bool = False


# the budget, KPI and unit-economics marts read the ml forecasts, which read gold: they are a
# second dbt step after ml, so one run is raw -> gold -> ml -> finance marts with no cycle
FINANCE_MARTS = "path:models/gold/finance"


def _build(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    os.environ.update(dbt_env())
    # a run of a few assets (a UI selection, a retry of one model) must not run a singular test
    # that also reads an unselected model: dbt's default `eager` would, and fail on a missing
    # table; `buildable` keeps tests whose models are all selected or upstream of the selection
    os.environ.setdefault("DBT_INDIRECT_SELECTION", "buildable")
    first, last = window_of(context)
    args = dbt_build_args(first, last, config.full_refresh)
    context.log.info("dbt %s", " ".join(args))
    target = dbt_state.invocation_target(context.run_id, context.op_def.name)
    yield from dbt.cli(args, context=context, target_path=target).stream()
    dbt_state.keep_parse_state(target)
    dbt_state.prune_invocations()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=FinopsDbtTranslator(),
    partitions_def=billing_month,
    backfill_policy=single_run,
    name="finops_dbt_models",
    exclude=FINANCE_MARTS,
)
def finops_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    """Seeds, bronze, silver and gold for the billing months of this run."""
    yield from _build(context, dbt, config)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=FinopsDbtTranslator(),
    partitions_def=billing_month,
    backfill_policy=single_run,
    name="finops_dbt_finance_marts",
    select=FINANCE_MARTS,
)
def finops_dbt_finance_marts(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    """Budgets, KPIs and unit economics, after the forecasts they read."""
    yield from _build(context, dbt, config)
