"""End-to-end tests of the dbt project on DuckDB and PostgreSQL.

Each warehouse is built once per session: raw tables shaped like the dlt contract of
`ingestion/aws_cur/settings.py` are filled with a handful of CUR lines (two payers, two months,
a leftover row of an older load, null net columns, CUR 2.0 and legacy tag keys), then the
project is seeded and built twice, a restatement lands and a build windowed on one month runs.
The tests compare what each step left in gold with totals computed here in Python.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from dbt.cli.main import dbtRunner

from ingestion.aws_cur.settings import LINE_ITEM_COLUMNS, LINEAGE_COLUMNS

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
PG_DSN = "host=127.0.0.1 port=5432 user=postgres"

JAN, FEB = "2025-01-01", "2025-02-01"
PAYER_A, PAYER_B = "111111111111", "222222222222"
OLD_LOAD, LOAD, RESTATED_LOAD = "1738000000.000001", "1740000000.100000", "1741000000.200000"

SQL_TYPES = {
    "string": "varchar",
    "map": "varchar",
    "money": "decimal(38,10)",
    "rate": "decimal(38,16)",
    "quantity": "double precision",
    "timestamp": "timestamp with time zone",
    "date": "date",
    "bigint": "bigint",
}
RAW_COLUMNS = [*LINE_ITEM_COLUMNS, *LINEAGE_COLUMNS, ("_dlt_load_id", "string")]
EXPORT_LOAD_COLUMNS = [
    ("billing_period", "date"),
    ("bill_payer_account_id", "string"),
    ("export_id", "string"),
    ("export_kind", "string"),
    ("source_uri", "string"),
    ("files", "string"),
    ("file_count", "bigint"),
    ("row_count", "bigint"),
    ("unblended_cost_total", "money"),
    ("net_unblended_cost_total", "money"),
    ("status", "string"),
    ("error", "string"),
    ("detected_at", "timestamp"),
    ("_dlt_load_id", "string"),
]
SP_ARN = "arn:aws:savingsplans::111111111111:savingsplan/sp-1"
RI_ARN = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-1"


# a month of one payer: every line type the mapping names; money as text so it stays exact
MONTH_LINES: list[tuple[str, dict[str, Any]]] = [
    (
        "Usage",
        {
            "line_item_unblended_cost": "10.1234567891",
            "line_item_net_unblended_cost": "9.5000000001",
            "pricing_public_on_demand_cost": "12.5",
            "line_item_usage_amount": 3.5,
            "pricing_unit": "Hrs",
            "resource_tags": '{"user_team": " Payments ", "user_env": "prod"}',
        },
    ),
    # no net columns at all (legacy export, payer without discounts); legacy tag keys
    (
        "Usage",
        {
            "line_item_unblended_cost": "0.0000001234",
            "line_item_usage_type": "USE1-SpotUsage:m5.large",
            "resource_tags": '{"user:team": "Data", "user:env": "dev"}',
        },
    ),
    (
        "SavingsPlanCoveredUsage",
        {
            "line_item_unblended_cost": "4",
            "savings_plan_savings_plan_effective_cost": "2.75",
            "savings_plan_savings_plan_a_r_n": SP_ARN,
            "resource_tags": '{"owner": "SRE"}',
        },
    ),
    (
        "SavingsPlanNegation",
        {"line_item_unblended_cost": "-4", "savings_plan_savings_plan_a_r_n": SP_ARN},
    ),
    (
        "SavingsPlanRecurringFee",
        {
            "line_item_unblended_cost": "5",
            "savings_plan_total_commitment_to_date": "5",
            "savings_plan_used_commitment": "2.75",
            "savings_plan_savings_plan_a_r_n": SP_ARN,
        },
    ),
    (
        "DiscountedUsage",
        {
            "line_item_unblended_cost": "0",
            "reservation_effective_cost": "1.2",
            "reservation_net_effective_cost": "1.1",
            "reservation_reservation_a_r_n": RI_ARN,
        },
    ),
    (
        "RIFee",
        {
            "line_item_unblended_cost": "3",
            "reservation_unused_amortized_upfront_fee_for_billing_period": "0.4",
            "reservation_unused_recurring_fee": "0.6",
            "reservation_reservation_a_r_n": RI_ARN,
        },
    ),
    ("Fee", {"line_item_unblended_cost": "100", "reservation_reservation_a_r_n": RI_ARN}),
    ("Tax", {"line_item_unblended_cost": "1.23"}),
    ("EdpDiscount", {"line_item_unblended_cost": "-0.5", "line_item_net_unblended_cost": "-0.45"}),
    ("Refund", {"line_item_unblended_cost": "-2"}),
]
MONEY_COLUMNS = {name for name, kind in RAW_COLUMNS if kind == "money"}


def line(period: str, payer: str, load: str, row: int, line_type: str, **cols: Any) -> dict:
    """One raw CUR row with its lineage columns."""
    month_end = FEB if period == JAN else "2025-03-01"
    return {
        "billing_period": period,
        "bill_payer_account_id": payer,
        "bill_billing_period_start_date": f"{period} 00:00:00+00",
        "bill_billing_period_end_date": f"{month_end} 00:00:00+00",
        "line_item_usage_account_id": payer,
        "line_item_line_item_type": line_type,
        "line_item_usage_start_date": f"{period[:8]}03 05:00:00+00",
        "line_item_usage_end_date": f"{period[:8]}03 06:00:00+00",
        "line_item_currency_code": "USD",
        "line_item_product_code": "AmazonEC2",
        "x_export_id": f"export-{load}",
        "x_source_file": f"{payer}/{period}/part-0.csv.gz",
        "x_source_row": row,
        "_dlt_load_id": load,
        **cols,
    }


def payer_month_rows(period: str, payer: str, load: str, scale: str = "1") -> list[dict]:
    """MONTH_LINES for one payer and month, every amount multiplied by `scale`."""
    rows = []
    for number, (line_type, cols) in enumerate(MONTH_LINES, start=1):
        amounts = {k: Decimal(v) * Decimal(scale) for k, v in cols.items() if k in MONEY_COLUMNS}
        rows.append(line(period, payer, load, number, line_type, **{**cols, **amounts}))
    return rows


def effective_cost(row: dict) -> Decimal:
    """The amortization rule of int_aws__costs_focus, written again in Python."""

    def first(*keys: str) -> Decimal:
        return next((row[k] for k in keys if row.get(k) is not None), Decimal(0))

    billed = first("line_item_net_unblended_cost", "line_item_unblended_cost")
    kind = row["line_item_line_item_type"]
    if kind == "SavingsPlanCoveredUsage":
        return first(
            "savings_plan_net_savings_plan_effective_cost",
            "savings_plan_savings_plan_effective_cost",
        )
    if kind == "SavingsPlanRecurringFee":
        return first("savings_plan_total_commitment_to_date") - first(
            "savings_plan_used_commitment"
        )
    if kind in ("SavingsPlanNegation", "SavingsPlanUpfrontFee"):
        return Decimal(0)
    if kind == "DiscountedUsage":
        return first("reservation_net_effective_cost", "reservation_effective_cost")
    if kind == "RIFee":
        return first(
            "reservation_net_unused_amortized_upfront_fee_for_billing_period",
            "reservation_unused_amortized_upfront_fee_for_billing_period",
        ) + first("reservation_net_unused_recurring_fee", "reservation_unused_recurring_fee")
    if kind == "Fee" and row.get("reservation_reservation_a_r_n"):
        return Decimal(0)
    return billed


def expected_totals(rows: list[dict]) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(payer, period) -> (billed, effective) over the rows of each group's newest load."""
    newest: dict[tuple[str, str], str] = {}
    for row in rows:
        key = (row["bill_payer_account_id"], row["billing_period"])
        newest[key] = max(newest.get(key, ""), row["_dlt_load_id"])
    totals: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    for row in rows:
        key = (row["bill_payer_account_id"], row["billing_period"])
        if row["_dlt_load_id"] != newest[key]:
            continue
        net, unblended = row.get("line_item_net_unblended_cost"), row["line_item_unblended_cost"]
        billed, effective = totals.get(key, (Decimal(0), Decimal(0)))
        billed += unblended if net is None else net
        totals[key] = (billed, effective + effective_cost(row))
    return totals


def initial_rows() -> list[dict]:
    """Two payers x two months; payer A's January also keeps a leftover row of an older load."""
    return [
        line(JAN, PAYER_A, OLD_LOAD, 99, "Usage", line_item_unblended_cost=Decimal(1000)),
        *payer_month_rows(JAN, PAYER_A, LOAD),
        *payer_month_rows(FEB, PAYER_A, LOAD, scale="2"),
        *payer_month_rows(JAN, PAYER_B, LOAD, scale="0.5"),
        *payer_month_rows(FEB, PAYER_B, LOAD, scale="3"),
    ]


def restated_rows(rows: list[dict]) -> list[dict]:
    """Payer B restates both months (ingestion replaces a payer's month as a whole)."""
    kept = [r for r in rows if r["bill_payer_account_id"] != PAYER_B]
    return [
        *kept,
        *payer_month_rows(JAN, PAYER_B, RESTATED_LOAD, scale="0.7"),
        *payer_month_rows(FEB, PAYER_B, RESTATED_LOAD, scale="5"),
    ]


@dataclass
class Warehouse:
    """A warehouse under test: the env dbt needs to reach it and a way to run SQL on it.

    `run(sql)` returns the rows; `run(sql, params)` executes once per parameter tuple
    (placeholders written `%s`). `snapshots` keeps what the scenario read from gold.
    """

    env: dict[str, str]
    run: Callable[..., list[tuple]]
    snapshots: dict[str, Any] = field(default_factory=dict)


def create_raw(wh: Warehouse, rows: list[dict]) -> None:
    """Creates raw_aws_cur.line_items / export_loads with the dlt contract's types."""
    wh.run("create schema if not exists raw_aws_cur")
    for table, columns in (("line_items", RAW_COLUMNS), ("export_loads", EXPORT_LOAD_COLUMNS)):
        ddl = ", ".join(f"{name} {SQL_TYPES[kind]}" for name, kind in columns)
        wh.run(f"create table raw_aws_cur.{table} ({ddl})")
    replace_raw(wh, rows)


def replace_raw(wh: Warehouse, rows: list[dict]) -> None:
    """Writes `rows` as the whole content of raw, plus one export_loads row per payer-month."""
    wh.run("delete from raw_aws_cur.line_items")
    wh.run("delete from raw_aws_cur.export_loads")
    names = [name for name, _ in RAW_COLUMNS]
    wh.run(
        f"insert into raw_aws_cur.line_items ({', '.join(names)}) "
        f"values ({', '.join(['%s'] * len(names))})",
        [tuple(row.get(name) for name in names) for row in rows],
    )
    loads = {(r["billing_period"], r["bill_payer_account_id"], r["_dlt_load_id"]) for r in rows}
    wh.run(
        "insert into raw_aws_cur.export_loads (billing_period, bill_payer_account_id, export_id,"
        " export_kind, source_uri, files, file_count, row_count, status, detected_at,"
        " _dlt_load_id) values (%s, %s, %s, 'cur2', 's3://bucket/cur', '[]', 1, 0, 'loaded',"
        " '2025-03-02 10:00:00+00', %s)",
        [(period, payer, f"export-{load}", load) for period, payer, load in sorted(loads)],
    )


@contextmanager
def environ(env: dict[str, str]) -> Iterator[None]:
    """Temporarily sets environment variables (dbt reads profiles' env_var from os.environ)."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def dbt(
    wh: Warehouse,
    tmp: Path,
    *args: str,
    variables: dict | None = None,
    expected_warnings: tuple[str, ...] = (),
) -> None:
    """Runs one dbt command in-process against `wh`; fails the test on any error.

    A warning fails it too unless its test is named in `expected_warnings`, and then it must
    occur.
    """
    cli = [
        *args,
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(tmp / "target"),
        "--log-path", str(tmp / "logs"),
        "--no-use-colors",
        "--quiet",
    ]  # fmt: skip
    if variables:
        cli += ["--vars", json.dumps(variables)]
    with environ(wh.env):
        result = dbtRunner().invoke(cli)
    results = list(result.result or [])
    warned = {r.node.name for r in results if str(r.status) == "warn"}
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in results
        if str(r.status) not in ("success", "pass")
        and not (str(r.status) == "warn" and r.node.name in expected_warnings)
    ]
    assert result.success and not failures, (
        f"dbt {' '.join(args)} failed: {result.exception} {failures}"
    )
    assert warned >= set(expected_warnings), f"expected warnings missing: {expected_warnings}"


FCT_COST_ROWS = "select * from gold.fct_cost order by x_cost_line_id"
FEBRUARY_ROWS = (
    f"select * from gold.fct_cost where x_billing_period = cast('{FEB}' as date)"
    " order by x_cost_line_id"
)
FCT_COST_TOTALS = """
    select billing_account_id, cast(x_billing_period as varchar), sum(billed_cost),
        sum(effective_cost), count(*)
    from gold.fct_cost
    group by billing_account_id, x_billing_period
"""


def run_scenario(wh: Warehouse, tmp: Path) -> Warehouse:
    """Seed, build twice, restate payer B and build January only; snapshot gold after each."""
    rows = initial_rows()
    create_raw(wh, rows)
    dbt(wh, tmp, "seed")
    dbt(wh, tmp, "build")
    wh.snapshots["first_rows"] = wh.run(FCT_COST_ROWS)
    wh.snapshots["first_totals"] = wh.run(FCT_COST_TOTALS)
    wh.snapshots["first_expected"] = expected_totals(rows)
    wh.snapshots["daily"] = wh.run(
        "select sum(billed_cost), sum(effective_cost), sum(line_count) from gold.fct_cost_daily"
    )
    wh.snapshots["focus_billed"] = wh.run('select sum("BilledCost") from gold.focus_cost')
    # the owner named by tags (silver); gold's x_team is the allocated team
    wh.snapshots["teams"] = wh.run(
        "select distinct x_team, x_has_owner_tag from silver.int_costs_unioned"
        " where x_team is not null order by x_team"
    )
    dbt(wh, tmp, "build")
    wh.snapshots["second_rows"] = wh.run(FCT_COST_ROWS)
    wh.snapshots["february_rows_before"] = wh.run(FEBRUARY_ROWS)
    restated = restated_rows(rows)
    replace_raw(wh, restated)
    # February's export changed but the window leaves its gold as it was: the invoice
    # reconciliation (rebuilt whole) must show that month as a variance, and warn
    dbt(
        wh,
        tmp,
        "build",
        variables={"min_billing_period": JAN, "max_billing_period": JAN},
        expected_warnings=("rpt_invoice_reconciliation_has_no_variance",),
    )
    wh.snapshots["stale_invoices"] = wh.run(
        "select billing_account_id, cast(billing_period as varchar) from"
        " gold.rpt_invoice_reconciliation where status = 'variance' order by 1, 2"
    )
    wh.snapshots["february_rows_after"] = wh.run(FEBRUARY_ROWS)
    wh.snapshots["windowed_totals"] = wh.run(FCT_COST_TOTALS)
    wh.snapshots["restated_expected"] = expected_totals(restated)
    return wh


def duckdb_warehouse(tmp: Path) -> Warehouse:
    """A DuckDB file in `tmp`; each statement opens and closes its own connection."""
    path = tmp / "warehouse.duckdb"

    def run(sql: str, params: list[tuple] | None = None) -> list[tuple]:
        with duckdb.connect(str(path)) as con:
            sql = sql.replace("%s", "?")
            if params is not None:
                con.executemany(sql, params)
                return []
            return con.execute(sql).fetchall()

    return Warehouse(env={"FINOPS_WAREHOUSE": "duckdb", "FINOPS_DUCKDB_PATH": str(path)}, run=run)


@contextmanager
def postgres_warehouse() -> Iterator[Warehouse]:
    """A throwaway PostgreSQL database, dropped afterwards."""
    dbname = f"finops_dbt_test_{secrets.token_hex(4)}"
    with psycopg.connect(PG_DSN, autocommit=True) as admin:
        admin.execute(f"create database {dbname}")
    dsn = f"{PG_DSN} dbname={dbname}"

    def run(sql: str, params: list[tuple] | None = None) -> list[tuple]:
        with psycopg.connect(dsn, autocommit=True) as con, con.cursor() as cur:
            if params is not None:
                cur.executemany(sql, params)
                return []
            cur.execute(sql)
            return cur.fetchall() if cur.description else []

    try:
        yield Warehouse(
            env={
                "FINOPS_WAREHOUSE": "postgres",
                "PGHOST": "127.0.0.1",
                "PGPORT": "5432",
                "PGUSER": "postgres",
                "PGPASSWORD": "",
                "PGDATABASE": dbname,
            },
            run=run,
        )
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as admin:
            admin.execute(f"drop database if exists {dbname} with (force)")


@pytest.fixture(scope="session")
def duckdb_built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    tmp = tmp_path_factory.mktemp("dbt_duckdb")
    return run_scenario(duckdb_warehouse(tmp), tmp)


@pytest.fixture(scope="session")
def postgres_built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    tmp = tmp_path_factory.mktemp("dbt_postgres")
    with postgres_warehouse() as wh:
        yield run_scenario(wh, tmp)
    shutil.rmtree(tmp, ignore_errors=True)


WAREHOUSES = ["duckdb_built", pytest.param("postgres_built", marks=pytest.mark.postgres)]


@pytest.fixture(params=WAREHOUSES)
def built(request: pytest.FixtureRequest) -> Warehouse:
    return request.getfixturevalue(request.param)


def cents(amount: Decimal) -> Decimal:
    """Amount rounded to the cent, the precision the totals must agree to."""
    return amount.quantize(Decimal("0.01"))


def as_totals(rows: list[tuple]) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """FCT_COST_TOTALS rows as (payer, period) -> (billed, effective)."""
    return {
        (payer, str(period)): (billed, effective) for payer, period, billed, effective, _ in rows
    }


def test_gold_costs_equal_python_totals_per_payer_and_month(built: Warehouse) -> None:
    got = as_totals(built.snapshots["first_totals"])
    expected = built.snapshots["first_expected"]
    assert set(got) == set(expected)
    for key, (billed, effective) in expected.items():
        assert cents(got[key][0]) == cents(billed), key
        assert cents(got[key][1]) == cents(effective), key


def test_older_load_rows_are_not_counted(built: Warehouse) -> None:
    # the leftover row of OLD_LOAD carries 1000 USD; counting it would double-bill January
    counts = {(p, str(m)): n for p, m, _, _, n in built.snapshots["first_totals"]}
    assert counts[(PAYER_A, JAN)] == len(payer_month_rows(JAN, PAYER_A, LOAD))


def test_second_build_leaves_fct_cost_identical(built: Warehouse) -> None:
    assert built.snapshots["first_rows"], "fct_cost is empty"
    assert built.snapshots["second_rows"] == built.snapshots["first_rows"]


def test_windowed_build_replaces_only_its_month(built: Warehouse) -> None:
    assert built.snapshots["february_rows_before"], "no February rows to compare"
    assert built.snapshots["february_rows_after"] == built.snapshots["february_rows_before"]
    got = as_totals(built.snapshots["windowed_totals"])
    restated = built.snapshots["restated_expected"]
    assert [cents(v) for v in got[(PAYER_B, JAN)]] == [cents(v) for v in restated[(PAYER_B, JAN)]]
    assert got[(PAYER_A, JAN)] == as_totals(built.snapshots["first_totals"])[(PAYER_A, JAN)]
    # February of payer B was restated in raw too, but the window kept gold's old figures
    assert got[(PAYER_B, FEB)] == as_totals(built.snapshots["first_totals"])[(PAYER_B, FEB)]
    assert got[(PAYER_B, FEB)] != restated[(PAYER_B, FEB)]
    # ... and the invoice reconciliation shows exactly that stale month
    assert built.snapshots["stale_invoices"] == [(PAYER_B, FEB)]


def test_daily_and_focus_view_carry_the_same_totals(built: Warehouse) -> None:
    billed = sum(b for b, _ in built.snapshots["first_expected"].values())
    effective = sum(e for _, e in built.snapshots["first_expected"].values())
    ((daily_billed, daily_effective, lines),) = built.snapshots["daily"]
    assert cents(daily_billed) == cents(billed)
    assert cents(daily_effective) == cents(effective)
    assert lines == len(built.snapshots["first_rows"])
    assert cents(built.snapshots["focus_billed"][0][0]) == cents(billed)


def test_team_comes_from_cur2_legacy_and_unprefixed_tag_keys(built: Warehouse) -> None:
    assert built.snapshots["teams"] == [("data", True), ("payments", True), ("sre", True)]
