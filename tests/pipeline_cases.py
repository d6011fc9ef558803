"""The end-to-end tests of the whole pipeline (dlt -> dbt -> gold, run by Dagster).

tests/test_pipeline_duckdb.py and tests/test_pipeline_postgres.py import these tests with a
`built` fixture of their warehouse, so pytest-xdist runs the two builds on different workers.
Each warehouse is built once (tests/pipeline_builds.py); the tests compare gold with totals
computed straight from the export files by tests/reference_cur.py.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from ingestion.sample_data import generate
from tests.pipeline_builds import Build, gold_rows
from tests.reference_cur import reference_totals
from tests.warehouse_utils import query

CENT = Decimal("0.01")


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory):
    """Three generated months with every line item type, plus a restated open month, and the
    utilization metrics of the sample's EC2 instances."""
    return generate(
        tmp_path_factory.mktemp("sample"),
        months=3,
        scale=3_000,
        seed=11,
        providers=("aws", "utilization"),
    )


def export_files(root: Path) -> list[Path]:
    """Data files of a generated root (it holds no stale versions, so listing them is exact)."""
    return sorted(p for p in root.rglob("*") if p.suffix in (".parquet", ".csv", ".gz"))


def gold_totals(where: str = "") -> dict[tuple[str, str], dict[str, Decimal]]:
    rows = query(
        "select billing_account_id, cast(x_billing_period as varchar), count(*), "
        f"sum(billed_cost), sum(effective_cost) from gold.fct_cost {where} group by 1, 2"
    )
    return {
        (payer, period[:7]): {"rows": Decimal(n), "billed": Decimal(b), "effective": Decimal(e)}
        for payer, period, n, b, e in rows
    }


def assert_conserved(expected: dict, actual: dict) -> None:
    assert set(actual) == set(expected)
    for key, want in expected.items():
        got = actual[key]
        assert got["rows"] == want["rows"], key
        assert abs(got["billed"] - want["billed"]) < CENT, (key, got, want)
        assert abs(got["effective"] - want["effective"]) < CENT, (key, got, want)


def test_every_run_succeeded(built: Build) -> None:
    failed = {name: o.failures for name, o in built.outcomes.items() if not o.success}
    assert failed == {}


def test_gold_conserves_billed_and_effective_cost_of_generated_exports(
    built: Build, sample
) -> None:
    open_month = built.months[-1]
    expected = {
        key: value
        for key, value in reference_totals(export_files(sample.roots["aws"])).items()
        if key[1] != open_month
    }
    expected |= {
        key: value
        for key, value in reference_totals(export_files(sample.roots["aws_restated"])).items()
        if key[1] == open_month
    }
    with built.env():
        actual = {k: v for k, v in gold_totals().items() if k[1] in built.months}
    assert_conserved(expected, actual)
    # every line item type of a real bill reached gold with a non-zero amount; discount lines
    # carry theirs in unblended (contracted) cost, their net being folded into discounted lines
    with built.env():
        types = query(
            "select x_line_item_type from gold.fct_cost group by 1 having "
            "sum(abs(billed_cost)) + sum(abs(effective_cost)) + sum(abs(contracted_cost)) > 0"
        )
    planted = json.loads(sample.ground_truth_path.read_text())["aws"]["billing_periods"]
    planted_types = {t for period in planted for t in period["row_count_by_line_item_type"]}
    assert len(planted_types) >= 14  # every line item type of a real bill
    assert {t for (t,) in types} >= planted_types


def test_rerunning_a_partition_leaves_gold_identical(built: Build) -> None:
    assert len(built.snapshots["first"]) > 0
    assert built.snapshots["rerun"] == built.snapshots["first"]


def test_restated_export_replaces_the_open_month(built: Build, sample) -> None:
    open_month = built.months[-1]
    restated = reference_totals(export_files(sample.roots["aws_restated"]))
    original = reference_totals(export_files(sample.roots["aws"]))
    with built.env():
        actual = gold_totals(f"where x_billing_period = date '{open_month}-01'")
        closed = gold_rows(
            f"where x_billing_period >= date '{built.months[0]}-01' "
            f"and x_billing_period < date '{open_month}-01'"
        )
    assert {k: v["rows"] for k, v in actual.items()} == {
        k: v["rows"] for k, v in restated.items() if k[1] == open_month
    }
    assert any(
        restated[k]["billed"] != original[k]["billed"] for k in restated if k[1] == open_month
    ), "the restated sample should change the open month's totals"
    # closed months are untouched by the restatement
    closed_now = set(closed)
    first_closed = [row for row in built.snapshots["first"] if row in closed_now]
    assert len(first_closed) == len(closed) > 0


def test_open_month_has_no_invoice_and_closed_months_do(built: Build) -> None:
    with built.env():
        rows = query(
            "select cast(x_billing_period as varchar), count(invoice_id), count(*) "
            "from gold.fct_cost where x_provider = 'aws' group by 1"
        )
    by_month = {period[:7]: (with_invoice, total) for period, with_invoice, total in rows}
    assert by_month[built.months[-1]][0] == 0
    for month in built.months[:-1]:
        assert by_month[month][0] > 0


def test_daily_rollup_and_focus_view_agree_with_fct_cost(built: Build) -> None:
    with built.env():
        fct = query("select sum(billed_cost), sum(effective_cost) from gold.fct_cost")[0]
        daily = query("select sum(billed_cost), sum(effective_cost) from gold.fct_cost_daily")[0]
        focus = query('select sum("BilledCost"), sum("EffectiveCost") from gold.focus_cost')[0]
    assert fct == daily == focus


def test_demo_summary_reads_gold(built: Build) -> None:
    from orchestration.summary import render_summary

    with built.env():
        text = render_summary()
        # the coverage printed is the allocated share of fct_cost_allocated, computed here again
        allocated, total = query(
            "select sum(case when x_is_allocated then effective_cost else 0 end),"
            " sum(effective_cost) from gold.fct_cost_allocated where billing_currency = 'USD'"
        )[0]
    assert "aws" in text and built.months[0] in text
    assert "(tagging coverage)" in text
    share = Decimal(str(allocated)) / Decimal(str(total)) * 100
    assert f"Allocation coverage (USD): {share:.1f}%" in text


def test_status_lists_last_loads_and_quarantined_files(built: Build) -> None:
    from click.testing import CliRunner

    from orchestration.cli import main

    with built.env():
        result = CliRunner().invoke(main, ["status"])
        quarantined = query(
            "select error from raw_aws_cur.export_loads where status = 'quarantined'"
        )
        [(loaded_rows,)] = query(
            "select sum(row_count) from raw_aws_cur.export_loads where status = 'loaded'"
            " and _dlt_load_id = (select max(_dlt_load_id) from raw_aws_cur.export_loads)"
        )
    assert result.exit_code == 0, result.output
    aws_line = next(line for line in result.output.splitlines() if line.startswith("aws-cur"))
    assert f"{int(loaded_rows):,} rows" in aws_line
    assert "azure-cost        never loaded (FINOPS_AZURE_COST_PATH)" in result.output
    for (error,) in quarantined[:20]:
        assert error in result.output


def test_dagster_recorded_partitioned_materializations(built: Build) -> None:
    import dagster as dg

    instance = dg.DagsterInstance.get()
    run = instance.get_run_by_id(built.outcomes["all_months"].run_id)
    assert run is not None and run.is_success
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(["gold", "fct_cost"])), limit=1000
    ).records
    partitions = {r.partition_key[:7] for r in records if r.run_id == run.run_id}
    assert partitions == set(built.months)


def run_materializations(run_id: str) -> dict[str, dict]:
    """Asset key (a/b/c) -> metadata of each asset the run materialized."""
    import dagster as dg

    records = (
        dg.DagsterInstance.get()
        .get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        .records
    )
    found = {}
    for record in records:
        materialization = record.event_log_entry.dagster_event.event_specific_data.materialization
        found[materialization.asset_key.to_user_string()] = {
            name: value.value for name, value in materialization.metadata.items()
        }
    return found


def test_every_asset_kind_reports_rows_periods_costs_and_duration(built: Build) -> None:
    run = built.outcomes["restated"]  # the last run: gold still holds what it wrote
    month = built.months[-1]
    found = run_materializations(run.run_id)
    for key, metadata in found.items():
        assert {"billing_periods", "duration_s"} <= set(metadata), key
        if not key.startswith("raw/"):  # a source reports the periods it found
            assert metadata["billing_periods"] == [month], key
    raw = found["raw/aws_cur/line_items"]
    assert raw["rows"] > 0 and set(raw["cost_total"]) == {month}
    for key in ("silver/int_costs_unioned", "gold/fct_cost_daily", "gold/fct_cost_allocated"):
        assert found[key]["billed_cost_total"] and found[key]["effective_cost_total"], key
    for key in ("gold/fct_cost", "gold/fct_cost_daily", "ml/cost_forecasts", "ml/cost_anomalies"):
        assert isinstance(found[key]["rows"], int), key
    fct_cost = found["gold/fct_cost"]
    with built.env():
        [(rows,)] = query("select count(*) from gold.fct_cost")
        sums = query(
            "select billing_currency, sum(billed_cost), sum(effective_cost) from gold.fct_cost "
            f"where x_billing_period = '{month}-01' group by 1"
        )
    assert fct_cost["rows"] == rows
    assert set(fct_cost["billed_cost_total"]) == {currency for currency, *_ in sums}
    for currency, billed, effective in sums:
        assert abs(Decimal(fct_cost["billed_cost_total"][currency]) - Decimal(billed)) < CENT
        assert abs(Decimal(fct_cost["effective_cost_total"][currency]) - Decimal(effective)) < CENT


def test_commitment_recommendations_are_written_with_declared_types(built: Build) -> None:
    with built.env():
        rows = query(
            "select count(*), min(hourly_commitment), max(utilization) "
            "from ml.commitment_recommendations"
        )
        types = dict(
            query(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'ml' and table_name = 'commitment_recommendations'"
            )
        )
    count, smallest, utilization = rows[0]
    assert count >= 3 and smallest >= 0 and 0 < utilization <= 1
    assert types["hourly_commitment"].lower().startswith(("decimal", "numeric"))
    assert types["term_years"].lower() == "integer"


def test_forecasts_cover_every_series_with_ordered_intervals(built: Build) -> None:
    with built.env():
        series = dict(
            query(
                "select series_type, count(distinct series_value) from ml.cost_forecasts group by 1"
            )
        )
        disorder = query(
            "select count(*) from ml.cost_forecasts where not (lower_95 <= lower_80 "
            "and lower_80 <= forecast and forecast <= upper_80 and upper_80 <= upper_95)"
        )
        horizon = query("select min(date), max(date) from ml.cost_forecasts")[0]
    assert series["total"] == 1 and series["team"] >= 5 and series["service_category"] >= 3
    assert disorder == [(0,)]
    assert str(horizon[0]) > f"{built.months[-1]}-01"  # forecasts start after the data


def test_planted_spikes_are_flagged_as_anomalies(built: Build, sample) -> None:
    planted = json.loads(sample.ground_truth_path.read_text())["aws"]["events"]
    spike_days = {event["date"] for event in planted if event["kind"] == "spike"}
    with built.env():
        flagged = {
            str(day)
            for (day,) in query(
                "select distinct cast(date as varchar) from ml.cost_anomalies "
                "where series_type in ('total', 'provider', 'service_category')"
            )
        }
    assert spike_days, "the sample plants spikes"
    assert spike_days & flagged, (spike_days, flagged)


def test_each_dbt_invocation_reuses_the_parse_state_of_the_last(built: Build) -> None:
    from orchestration.lib.dbt_state import KEEP_RUN_FOLDERS, state_dir

    folders = sorted((state_dir() / "runs").iterdir(), key=lambda p: p.stat().st_mtime)
    assert 2 <= len(folders) <= KEEP_RUN_FOLDERS
    # the finance marts step of the last run follows the models step of the same run: same
    # project, vars and profile, so dbt must not parse the project again
    newest = folders[-1]
    assert "finance_marts" in newest.name
    assert "Nothing changed, skipping partial parsing" in (newest / "dbt.log").read_text()


def test_rightsizing_flags_the_planted_waste_with_savings_to_the_cent(built: Build, sample) -> None:
    from orchestration.summary import render_summary

    planted = json.loads(sample.ground_truth_path.read_text())["utilization"]["planted"]
    expected_action = {
        "stopped": "review_stopped",
        "idle": "idle",
        "short_history": "not_recommended",
        "no_memory_agent": "downsize",
        "over_provisioned": "downsize",
        "well_sized": "none",
    }
    with built.env():
        rows = query(
            "select resource_id, action, current_instance_type, recommended_instance_type, "
            "monthly_current_cost, monthly_savings from ml.rightsizing_recommendations"
        )
        # reference: the effective cost of the last 30 days in gold, per resource
        paid = dict(
            query(
                "select resource_id, sum(effective_cost) from gold.fct_cost "
                "where charge_category = 'Usage' and charge_period_start > "
                "(select max(charge_period_start) from gold.fct_cost) - interval '30 days' "
                "group by 1"
            )
        )
        text = render_summary()
    got = {resource: rest for resource, *rest in rows}
    assert {r: got[r][0] for r in planted} == {r: expected_action[k] for r, k in planted.items()}
    prices = {"m5.xlarge": Decimal("0.192"), "m5.large": Decimal("0.096")}
    for resource, kind in planted.items():
        _, current, target, cost, savings = got[resource]
        monthly = Decimal(str(paid[resource])) * 730 / 720
        assert Decimal(cost) == monthly.quantize(CENT, rounding=ROUND_HALF_UP), resource
        if kind in ("stopped", "idle"):
            assert Decimal(savings) == Decimal(cost) > 0, resource
        elif current == "m5.xlarge" and kind.endswith(("provisioned", "agent")):
            reference = monthly * (1 - prices[target] / prices[current])
            assert Decimal(savings) == reference.quantize(CENT, rounding=ROUND_HALF_UP), resource
    assert "Rightsizing and waste: ~" in text
