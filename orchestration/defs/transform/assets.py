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
from orchestration.lib.asset_metadata import billing_periods, dbt_metadata
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


# gold is a step of its own after silver, so the blocking checks on silver (FOCUS conformance,
# allocation reconciliation, dbt tests) run between the two: when one fails, the gold step never
# starts and the gold tables stay as the last good run left them
GOLD = "path:models/gold"
# the budget, KPI and unit-economics marts read the ml forecasts, which read gold: they are a
# third dbt step after ml, so one run is raw -> silver -> gold -> ml -> finance marts, no cycle
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
    invocation = dbt.cli(args, context=context, target_path=target)
    yield from dbt_metadata(
        invocation.stream(), invocation.manifest, billing_periods(context), context.log
    )
    dbt_state.keep_parse_state(target)
    dbt_state.prune_invocations()


def dbt_step(name: str, select: str = "fqn:*", exclude: str = "") -> dg.AssetsDefinition:
    """One partitioned dbt build step over the models `select` / `exclude` pick.

    Args:
        name: the step (op) name shown in the run.
        select: dbt selection of the step's models, seeds and tests (default: all).
        exclude: dbt exclusion applied to `select`.

    Returns:
        The step's assets, with their dbt tests as asset checks.
    """

    @dbt_assets(
        manifest=dbt_project.manifest_path,
        project=dbt_project,
        dagster_dbt_translator=FinopsDbtTranslator(),
        partitions_def=billing_month,
        backfill_policy=single_run,
        name=name,
        select=select,
        exclude=exclude,
    )
    def step(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
    ) -> Iterator[Any]:
        yield from _build(context, dbt, config)

    return step


# seeds, bronze and silver, the allocation decisions included
finops_dbt_silver = dbt_step("finops_dbt_silver", exclude=GOLD)
# gold marts (cost, allocation, showback, chargeback), once silver's blocking checks pass
finops_dbt_gold = dbt_step("finops_dbt_gold", select=GOLD, exclude=FINANCE_MARTS)
# budgets, KPIs and unit economics, after the forecasts they read
finops_dbt_finance_marts = dbt_step("finops_dbt_finance_marts", select=FINANCE_MARTS)
