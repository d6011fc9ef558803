"""The Dagster code location: loads, keys mirror the warehouse, graph runs raw -> gold."""

from __future__ import annotations

from datetime import date

import dagster as dg

from orchestration.definitions import defs
from orchestration.defs.transform.assets import dbt_build_args
from orchestration.runner import contiguous_ranges


def _graph() -> dict[dg.AssetKey, set[dg.AssetKey]]:
    return {
        spec.key: {dep.asset_key for dep in spec.deps} for spec in defs.resolve_all_asset_specs()
    }


def _ancestors(graph: dict[dg.AssetKey, set[dg.AssetKey]], key: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    stack = list(graph.get(key, ()))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(graph.get(current, ()))
    return seen


def test_definitions_load_with_the_expected_keys() -> None:
    keys = {key.to_user_string() for key in _graph()}
    assert {
        "raw/aws_cur/line_items",
        "raw/aws_cur/export_loads",
        "bronze/stg_aws_cur__line_items",
        "silver/int_aws__costs_focus",
        "silver/int_costs_unioned",
        "gold/fct_cost",
        "gold/fct_cost_daily",
        "gold/focus_cost",
    } <= keys
    assert defs.resolve_job_def("finops_pipeline") is not None


def test_every_dependency_exists_and_gold_traces_back_to_raw() -> None:
    graph = _graph()
    for key, deps in graph.items():
        assert deps <= set(graph), (
            f"{key} depends on assets that are not defined: {deps - set(graph)}"
        )
    # the posted journal comes from `finops close` (the finance schema), not from a raw export;
    # planning inputs (budgets) are seeds only
    closing = {dg.AssetKey(["finance", "journal_lines"])}
    for key in graph:
        if key.path[0] == "gold" and key.path[-1] not in ("int_budget_lines",):
            ancestors = _ancestors(graph, key)
            assert dg.AssetKey(["raw", "aws_cur", "line_items"]) in ancestors or (
                ancestors & closing
            ), key


def test_dbt_tests_are_asset_checks() -> None:
    assets = defs.resolve_assets_def(dg.AssetKey(["gold", "fct_cost"]))
    checks = {spec.name for spec in assets.check_specs if spec.asset_key.path[-1] == "fct_cost"}
    assert "assert_gold_costs_reconcile_to_bronze" in checks
    assert any(name.startswith("unique_fct_cost") for name in checks)


def test_every_asset_is_partitioned_by_billing_month() -> None:
    for key in _graph():
        assets = defs.resolve_assets_def(key)
        if key.path[0] == "finance":
            # appended by `finops close` / the month_end_close job, which Dagster only reads
            assert not assets.is_materializable, key
            continue
        assert assets.partitions_def is not None, key


def test_dbt_build_arguments_carry_the_billing_window() -> None:
    assert dbt_build_args(date(2025, 1, 1), date(2025, 3, 1)) == [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        '{"min_billing_period": "2025-01-01", "max_billing_period": "2025-03-01"}',
    ]
    assert dbt_build_args(None, None, full_refresh=True) == [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--full-refresh",
    ]


def test_months_group_into_contiguous_runs() -> None:
    assert contiguous_ranges(["2025-03", "2024-12", "2025-01", "2023-06"]) == [
        ("2023-06", "2023-06"),
        ("2024-12", "2025-01"),
        ("2025-03", "2025-03"),
    ]


def test_gold_is_its_own_step_held_back_by_the_blocking_silver_checks() -> None:
    step_of = {
        key: defs.resolve_assets_def(key).node_def.name
        for key in (
            dg.AssetKey(["silver", "int_costs_unioned"]),
            dg.AssetKey(["silver", "int_allocation_decisions"]),
            dg.AssetKey(["gold", "fct_cost"]),
            dg.AssetKey(["gold", "rpt_showback_monthly"]),
            dg.AssetKey(["gold", "rpt_budget_vs_actual"]),
        )
    }
    assert list(step_of.values()) == [
        "finops_dbt_silver",
        "finops_dbt_silver",
        "finops_dbt_gold",
        "finops_dbt_gold",
        "finops_dbt_finance_marts",
    ]
    structure = defs.resolve_job_def("finops_pipeline").graph.dependency_structure
    upstream = {
        output.node.name
        for outputs in structure.input_to_upstream_outputs_for_node("finops_dbt_gold").values()
        for output in outputs
    }
    assert {
        "finops_dbt_silver",
        "silver__int_costs_unioned_focus_conformance",
        "silver__int_allocation_decisions_allocation_reconciles_to_silver",
    } <= upstream


def test_a_source_path_set_after_the_definitions_loaded_is_in_the_run(
    monkeypatch, tmp_path
) -> None:
    """`finops` and tests set a source's path after `defs` may already be imported: the run's
    job must take the source in (it was left out, and the source silently not loaded)."""
    from orchestration.runner import _pipeline_job

    saas_raw = dg.AssetKey(["raw", "saas", "invoice_lines"])
    monkeypatch.delenv("FINOPS_SAAS_PATH", raising=False)
    assert saas_raw not in _pipeline_job(defs).asset_layer.executable_asset_keys
    monkeypatch.setenv("FINOPS_SAAS_PATH", str(tmp_path))
    assert saas_raw in _pipeline_job(defs).asset_layer.executable_asset_keys
