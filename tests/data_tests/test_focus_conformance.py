"""FOCUS conformance: rules generated from the requirements model, run on real warehouses.

Rule generation is checked against the model JSON read here independently. The warehouse
tests load the AWS CUR fixtures with the real dlt source, build the dbt silver models on
DuckDB and PostgreSQL, and run the rules; broken copies of silver (an invalid ChargeCategory,
a non-national currency, an inverted charge period, dropped columns) must fail the right
rules with the right example value.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner
from dbt.cli.main import dbtRunner

from data_tests.focus_conformance.rules import DEFAULT_MODEL, MODEL_DIR, load_rules, snake_case
from data_tests.focus_conformance.runner import (
    ABSENT,
    FAIL,
    NOT_CHECKED,
    PASS,
    ConformanceReport,
    run_conformance,
)
from data_tests.focus_conformance.sql import Compiler
from ingestion.aws_cur import DATASET_NAME, IngestReport, aws_cur
from ingestion.warehouse import make_pipeline
from tests.conftest import FIXTURES, _admin_connection
from tests.warehouse_utils import query, use_warehouse

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
MODEL = json.loads(DEFAULT_MODEL.read_text())["ModelRules"]
CONTRACT = PROJECT_DIR / "macros" / "focus" / "focus_columns.sql"


def contract_columns() -> set[str]:
    """Our FOCUS columns, read from the dbt macro's list."""
    text = CONTRACT.read_text()
    listed = text[text.index("return([") : text.index("])")]
    return set(re.findall(r"'([a-z_]+)'", listed))


def items_values(node: dict[str, Any]) -> set[str]:
    """Values of an OR of CheckValue items (an allowed-values list in the model)."""
    return {item["Value"] for item in node["Items"] if item["CheckFunction"] == "CheckValue"}


# ---------------------------------------------------------------- rule generation (no DB)


def test_every_model_rule_becomes_a_rule_with_a_kind_or_a_reason() -> None:
    rules = load_rules()
    assert list(rules.rules) == list(MODEL)  # none dropped, model order kept
    for rule in rules.rules.values():
        assert rule.kind in ("presence", "type", "row", "distinct", "composite", "not_checked")
        if rule.kind == "not_checked":
            assert rule.reason, rule.rule_id
    dynamic = [k for k, r in MODEL.items() if r["Type"] == "Dynamic"]
    checked_dynamic = [k for k in dynamic if rules.rules[k].kind != "not_checked"]
    # only the small supplement mapping turns Dynamic rules into checks
    assert set(checked_dynamic) == {
        "BillingPeriodStart-C-004-M",
        "BillingPeriodEnd-C-004-M",
        "ChargePeriodStart-C-004-M",
        "ChargePeriodEnd-C-004-M",
        "ConsumedQuantity-C-008-C",
        "CommitmentDiscountQuantity-C-009-M",
        "PricingCurrencyContractedUnitPrice-C-004-C",
        "PricingCurrencyContractedUnitPrice-C-005-C",
        "PricingCurrencyContractedUnitPrice-C-008-C",
    }


def test_presence_rules_match_the_model() -> None:
    rules = load_rules()
    present = {
        k: snake_case(r["ValidationCriteria"]["Requirement"]["ColumnName"])
        for k, r in MODEL.items()
        if r["ValidationCriteria"]["Requirement"].get("CheckFunction") == "ColumnPresent"
        and r["ValidationCriteria"]["Keyword"] != "MAY"
    }
    assert {r.rule_id: r.column for r in rules.by_kind("presence")} == present
    mandatory = {
        snake_case(r["ValidationCriteria"]["Requirement"]["ColumnName"])
        for r in MODEL.values()
        if r["ValidationCriteria"]["Requirement"].get("CheckFunction") == "ColumnPresent"
        and r["ValidationCriteria"]["Keyword"] == "MUST"
        and not r["ApplicabilityCriteria"]
    }
    generated = {r.column for r in rules.by_kind("presence") if r.mandatory and not r.applicability}
    assert generated == mandatory
    # second reading: presence rules whose id says Mandatory (-M)
    by_id = {k for k, r in MODEL.items() if r["Function"] == "Presence" and k.endswith("-M")}
    assert len(mandatory) == len(by_id) > 15
    # our contract carries every unconditionally mandatory FOCUS column
    assert mandatory <= contract_columns()


def test_non_null_rules_match_the_model() -> None:
    """Unconditional 'MUST NOT be null' rules: same columns, and no condition inherited."""
    expected = {
        k
        for k, r in MODEL.items()
        if r["ValidationCriteria"]["Requirement"]
        == {
            "CheckFunction": "CheckNotValue",
            "ColumnName": r["Reference"],
            "Value": None,
        }
        and not r["ValidationCriteria"]["Condition"]
    }
    # a composite's condition applies to its parts ("When PricingQuantity is not null, ...")
    under_condition = {
        item["ModelRuleId"]
        for r in MODEL.values()
        if r["Function"] == "Composite" and r["ValidationCriteria"]["Condition"]
        for item in r["ValidationCriteria"]["Requirement"].get("Items", [])
    }
    assert "PricingQuantity-C-008-M" in expected & under_condition
    expected -= under_condition
    rules = load_rules()
    generated = {
        r.rule_id
        for r in rules.by_kind("row")
        if r.requirement
        and r.requirement.get("CheckFunction") == "CheckNotValue"
        and r.requirement.get("Value") is None
        and not r.conditions
    }
    # the InvoiceId rule whose condition the model lost is reported, not checked
    assert generated == expected - {"InvoiceId-C-005-C"}
    assert rules.rules["InvoiceId-C-005-C"].kind == "not_checked"
    assert "billed_cost" in {rules.rules[k].column for k in generated}


def allowed_value_rules() -> dict[str, tuple[str, set[str]]]:
    """rule id -> (column, allowed values), read from the JSON."""
    found = {}
    for rule_id, raw in MODEL.items():
        criteria = raw["ValidationCriteria"]
        if criteria["MustSatisfy"].endswith("MUST be one of the allowed values."):
            requirement = criteria["Requirement"]
            found[rule_id] = (snake_case(raw["Reference"]), items_values(requirement))
    return found


def test_allowed_value_rules_accept_exactly_the_model_values() -> None:
    """Compile each allowed-values rule and evaluate it in DuckDB on its values and a bogus one."""
    rules = load_rules()
    expected = allowed_value_rules()
    assert {"ChargeCategory-C-003-M", "ChargeFrequency-C-003-M"} <= set(expected)
    compiler = Compiler("duckdb")
    con = duckdb.connect()
    for rule_id, (column, values) in expected.items():
        rule = rules.rules[rule_id]
        if rule_id == "CommitmentDiscountStatus-C-005-M":
            values = {"Used", "Unused"}  # the one erratum on allowed values (see errata.py)
        candidates = sorted(values | {"Bogus", "usage"})
        con.execute(f"create or replace table t ({column} varchar)")
        con.executemany("insert into t values (?)", [[v] for v in [*candidates, None]])
        sql = f"select {column} from t where {compiler.requirement(rule.requirement)}"
        accepted = {row[0] for row in con.execute(sql).fetchall()}
        assert accepted == values | {None}, rule_id  # nullability is a separate rule
    charge_category = expected["ChargeCategory-C-003-M"][1]
    assert charge_category == {"Usage", "Purchase", "Tax", "Credit", "Adjustment"}


def test_model_releases_and_errata() -> None:
    """1.2.0.1 fixes two slips of 1.2; errata and normalization cover both, nothing stale else."""
    current, older = load_rules(), load_rules(MODEL_DIR / "model-1.2.json")
    assert (current.model_version, older.model_version) == ("1.2.0.1", "1.2")
    # the 1.2 typo (CommitmentDiscountStatus-C-003-C checked NOT null) is the stale erratum now
    assert current.stale_errata == ["CommitmentDiscountStatus-C-003-C"]
    assert older.stale_errata == []
    for rule_id in ("CommitmentDiscountStatus-C-003-C", "ResourceType-C-005-C"):
        assert current.rules[rule_id].requirement == older.rules[rule_id].requirement
        assert current.rules[rule_id].conditions == older.rules[rule_id].conditions
    assert any("CheckCondition" in note for note in older.rules["ResourceType-C-005-C"].notes)
    # composite conditions reach their children (ConsumedQuantity-C-005-C: Usage, not Unused)
    inherited = current.rules["ConsumedQuantity-C-006-C"].conditions
    assert len(inherited) == 2 and inherited[1]["CheckFunction"] == "AND"


# ---------------------------------------------------------------- real warehouses


def dbt_build(tmp: Path) -> None:
    cli = [
        "build", "--select", "+int_costs_unioned", "--indirect-selection", "cautious",
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), "--quiet",
    ]  # fmt: skip
    result = dbtRunner().invoke(cli)
    assert result.success, f"dbt build failed: {result.exception}"


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Silver built from the AWS CUR fixtures, on each warehouse."""
    tmp = tmp_path_factory.mktemp(f"conformance-{request.param}")
    name = None
    if request.param == "postgres":
        name = f"finops_conf_{uuid.uuid4().hex[:8]}"
        with _admin_connection() as con:
            con.execute(f'create database "{name}"')
    try:
        with use_warehouse(request.param, tmp / "wh.duckdb", name):
            report = IngestReport()
            make_pipeline("aws_cur", DATASET_NAME).run(
                aws_cur(path=str(FIXTURES / "aws_cur"), report=report)
            )
            dbt_build(tmp)
            yield request.param
    finally:
        if name:
            with _admin_connection() as con:
                con.execute(f'drop database if exists "{name}" with (force)')


def fetch(sql: str) -> list[tuple[Any, ...]]:
    return query(sql)


def run(kind: str, table: str = "silver.int_costs_unioned", **kwargs: Any) -> ConformanceReport:
    return run_conformance(fetch, kind, table=table, **kwargs)


def test_silver_rules_that_must_pass(warehouse: str) -> None:
    report = run(warehouse)
    rows = dict(query("select x_provider, count(*) from silver.int_costs_unioned group by 1"))
    assert report.providers == ["aws"] and report.row_counts == {"aws": rows["aws"]}
    assert rows["aws"] > 1000
    aws = {rule_id: outcomes["aws"] for rule_id, outcomes in report.outcomes.items()}
    for rule_id in (
        "CostAndUsage-D-006-M",  # BilledCost present
        "BilledCost-C-001-M",  # decimal type
        "BilledCost-C-003-M",  # not null
        "ChargeCategory-C-003-M",  # allowed values
        "ChargeFrequency-C-003-M",
        "BillingCurrency-C-006-M",  # national currency
        "BillingPeriodStart-C-004-M",  # start < end (supplement)
        "ChargePeriodStart-C-004-M",
        "ChargePeriodStart-C-001-M",  # datetime type
        "Tags-C-001-M",  # JSON object
        "ServiceName-C-005-C",  # one ServiceCategory per ServiceName
        "CommitmentDiscountStatus-C-005-M",
    ):
        assert aws[rule_id].status == PASS, (rule_id, aws[rule_id])
    assert aws["ChargeCategory-C-003-M"].rows_checked == rows["aws"]
    assert aws["ChargeCategory-C-003-M"].rows_failing == 0
    assert aws["ChargeCategory-C-000-M"].status == PASS  # composite of passing parts
    # FOCUS columns we do not carry are reported per rule, never dropped
    assert aws["SkuMeter-C-004-C"].status == ABSENT
    assert aws["CostAndUsage-D-059-C"].status == ABSENT
    assert aws["DateTimeFormat-A-001-M"].status == NOT_CHECKED
    assert set(report.outcomes) == set(MODEL)


def test_real_failure_counts_match_a_direct_query(warehouse: str) -> None:
    """Tax rows carry a PricingQuantity in the fixtures: FOCUS wants it null."""
    report = run(warehouse)
    outcome = report.outcomes["PricingQuantity-C-004-C"]["aws"]
    (tax_rows, with_quantity), *_ = query(
        "select count(*), count(pricing_quantity) from silver.int_costs_unioned "
        "where charge_category = 'Tax'"
    )
    assert with_quantity > 0
    assert (outcome.status, outcome.rows_checked, outcome.rows_failing) == (
        FAIL,
        tax_rows,
        with_quantity,
    )
    assert ("PricingQuantity-C-004-C", "aws") in report.mandatory_failures()


def execute(sql: str) -> None:
    """Run a statement that returns no rows (DDL, DML) on the current warehouse."""
    from ingestion.warehouse import duckdb_path, postgres_settings, warehouse_kind

    if warehouse_kind() == "duckdb":
        with duckdb.connect(str(duckdb_path())) as con:
            con.execute(sql)
        return
    import psycopg

    with psycopg.connect(**postgres_settings(), autocommit=True) as con:
        con.execute(sql)


def make_copy(table: str, drop: tuple[str, ...] = ()) -> None:
    """A test-only copy of silver in schema conformance_test, minus `drop` columns."""
    execute("create schema if not exists conformance_test")
    execute(f"drop table if exists conformance_test.{table}")
    execute(f"create table conformance_test.{table} as select * from silver.int_costs_unioned")
    for column in drop:
        execute(f"alter table conformance_test.{table} drop column {column}")


def test_broken_rows_fail_the_right_rules(warehouse: str) -> None:
    make_copy("broken")
    # one usage row, broken three ways, added as provider 'broken'
    execute("drop table if exists conformance_test.bad_row")
    execute(
        "create table conformance_test.bad_row as select * from silver.int_costs_unioned "
        "where charge_category = 'Usage' order by x_cost_line_id limit 1"
    )
    execute(
        "update conformance_test.bad_row set x_provider = 'broken', charge_category = 'Bogus', "
        "billing_currency = 'XXX', charge_period_start = charge_period_end + interval '1 hour'"
    )
    execute("insert into conformance_test.broken select * from conformance_test.bad_row")
    report = run(warehouse, "conformance_test.broken")
    assert report.row_counts["broken"] == 1
    broken = {rule_id: outcomes["broken"] for rule_id, outcomes in report.outcomes.items()}
    aws = {rule_id: outcomes["aws"] for rule_id, outcomes in report.outcomes.items()}

    category = broken["ChargeCategory-C-003-M"]
    assert (category.status, category.rows_failing, category.example) == (FAIL, 1, "Bogus")
    assert broken["ChargeCategory-C-000-M"].status == FAIL
    assert aws["ChargeCategory-C-003-M"].status == PASS  # the other provider is unaffected
    # XXX is an ISO 4217 code (format passes) but not a national currency
    assert broken["BillingCurrency-C-003-M"].status == PASS
    currency = broken["BillingCurrency-C-006-M"]
    assert (currency.status, currency.example) == (FAIL, "XXX")
    period = broken["ChargePeriodStart-C-004-M"]
    assert (period.status, period.rows_failing) == (FAIL, 1)
    assert ("ChargeCategory-C-003-M", "broken") in report.mandatory_failures()
    assert ("ChargeCategory-C-003-M", "aws") not in report.mandatory_failures()

    only = run(warehouse, "conformance_test.broken", providers=["broken"])
    assert only.providers == ["broken"]
    assert only.outcomes["ChargeCategory-C-003-M"]["broken"].example == "Bogus"
    with pytest.raises(LookupError, match="gcp"):
        run(warehouse, "conformance_test.broken", providers=["gcp"])


def test_missing_columns(warehouse: str) -> None:
    make_copy("narrow", drop=("charge_description", "region_name"))
    aws = {k: v["aws"] for k, v in run(warehouse, "conformance_test.narrow").outcomes.items()}
    assert aws["CostAndUsage-D-025-M"].status == FAIL  # ChargeDescription MUST be present
    assert aws["CostAndUsage-D-062-C"].status == ABSENT  # RegionName: only if REGION_SUPPORTED
    assert aws["ChargeDescription-C-001-M"].status == ABSENT
    assert aws["RegionName-C-005-C"].status == ABSENT
    assert aws["BilledCost-C-003-M"].status == PASS


def test_cli(warehouse: str, tmp_path: Path) -> None:
    from orchestration.cli import main

    runner = CliRunner()
    out = tmp_path / "conformance.json"
    done = runner.invoke(main, ["conformance", "--format", "json", "--out", str(out)])
    assert done.exit_code == 0, done.output
    data = json.loads(out.read_text())
    assert data["model"]["model_version"] == "1.2.0.1"
    assert set(data["providers"]) == {"aws"}
    assert len(data["rules"]) == len(MODEL)
    by_id = {rule["rule_id"]: rule for rule in data["rules"]}
    assert by_id["ChargeCategory-C-003-M"]["outcomes"]["aws"]["status"] == PASS

    table = runner.invoke(main, ["conformance", "--provider", "aws"])
    assert table.exit_code == 0, table.output
    assert "ChargeCategory-C-003-M" in table.output
    assert "aws: " in table.output and " not checked" in table.output

    # the fixtures break mandatory rules (Tax rows with a PricingQuantity): strict fails
    strict = runner.invoke(main, ["conformance", "--strict"])
    assert strict.exit_code == 1
    assert "mandatory rule failure" in strict.output
    unknown = runner.invoke(main, ["conformance", "--provider", "nope"])
    assert unknown.exit_code == 1 and "nope" in unknown.output


def test_readme_lists_every_rule_not_checked() -> None:
    from data_tests.focus_conformance.inventory import inventory

    readme = Path(__file__).resolve().parents[2] / "data_tests/focus_conformance/README.md"
    assert inventory(load_rules()) in readme.read_text()


def test_asset_check(warehouse: str) -> None:
    """The Dagster check warns (never blocks) with the mandatory failures of the CLI report."""
    from orchestration.defs.quality.conformance import focus_requirements_model

    result = focus_requirements_model()
    expected = run(warehouse).mandatory_failures()
    assert expected and result.passed is False
    assert result.severity.value == "WARN"
    assert result.metadata["mandatory_failures"].value == len(expected)


def test_empty_silver_gives_an_empty_report_not_a_crash() -> None:
    """A warehouse with no cost source loaded yet (e.g. only utilization metrics ingested)."""
    con = duckdb.connect()
    con.execute("create schema silver")
    con.execute(
        "create table silver.int_costs_unioned (x_provider varchar, billed_cost decimal(38, 10),"
        " charge_category varchar)"
    )
    report = run_conformance(lambda sql: con.execute(sql).fetchall(), "duckdb")
    assert report.providers == []
    assert report.mandatory_failures() == []
