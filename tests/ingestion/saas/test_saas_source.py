"""SaaS invoice source against real DuckDB and PostgreSQL, with dbt silver on top.

Reference totals come from the files (csv + Decimal) and the generator's ground truth.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import ingestion.saas as saas
from ingestion.common.numbers import parse_amount
from ingestion.sample_data import generate
from tests.conftest import FIXTURES, _admin_connection
from tests.ingestion.focus_files.helpers import create_empty_aws_raw, dbt_build, run_source
from tests.warehouse_utils import query, use_warehouse

ACME = FIXTURES / "saas" / "acme_2025-01.csv"


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty warehouse of each kind."""
    if request.param == "duckdb":
        with use_warehouse("duckdb", duckdb_file=tmp_path / "wh.duckdb"):
            yield "duckdb"
        return
    database = f"finops_saas_{uuid.uuid4().hex[:8]}"
    with _admin_connection() as con:
        con.execute(f'create database "{database}"')
    try:
        with use_warehouse("postgres", pg_database=database):
            yield "postgres"
    finally:
        with _admin_connection() as con:
            con.execute(f'drop database if exists "{database}" with (force)')


def _csv_total(path: Path, locale: str = "plain") -> Decimal:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    column = [h.lower() for h in rows[0]].index("amount")
    return sum((parse_amount(row[column], locale) for row in rows[1:]), Decimal(0))


def test_generated_invoices_load_and_build_silver(warehouse: str, tmp_path: Path) -> None:
    summary = generate(tmp_path / "gen", months=2, scale=20_000, providers=("saas",))
    truth = json.loads(summary.ground_truth_path.read_text())["saas"]
    report = run_source(saas, summary.roots["saas"])
    assert not report.quarantined
    loaded = dict(
        query(
            "select cast(billing_period as varchar) || ' ' || vendor, sum(amount) "
            "from raw_saas.invoice_lines group by 1"
        )
    )
    expected = {
        f"{month}-01 {vendor}": Decimal(total)
        for month, vendors in truth["billed_cost_by_month_and_vendor"].items()
        for vendor, total in vendors.items()
    }
    assert loaded == expected
    for path in summary.files:
        unit = f"{path.stem.rsplit('_', 1)[1]}-01 {path.parent.name}"
        matching = [k for k in loaded if k.lower() == unit.lower()]
        assert loaded[matching[0]] == _csv_total(path)
    # a second run replaces (billing_period, vendor): no duplicates
    rows = query("select count(*) from raw_saas.invoice_lines")[0][0]
    run_source(saas, summary.roots["saas"])
    assert query("select count(*) from raw_saas.invoice_lines")[0][0] == rows
    assert saas.months_found(str(summary.roots["saas"])) == sorted(
        truth["billed_cost_by_month_and_vendor"]
    )

    create_empty_aws_raw()
    dbt_build(tmp_path, "+int_costs_unioned", "stg_saas__loads")
    silver = query(
        "select charge_category, sum(billed_cost), sum(effective_cost), "
        "sum(case when list_cost = billed_cost and contracted_cost = billed_cost "
        "then 0 else 1 end), "
        "count(*), count(x_team) from silver.int_costs_unioned where x_provider = 'saas' "
        "group by charge_category order by charge_category"
    )
    by_category = {row[0]: row for row in silver}
    assert sum(row[1] for row in silver) == sum(expected.values())
    # billed = effective, and list = contracted = billed where the invoice gives no prices
    assert all(row[1] == row[2] and row[3] == 0 for row in silver)
    assert set(by_category) == {"Credit", "Tax", "Usage"}
    assert by_category["Usage"][5] == by_category["Usage"][4]  # every usage line has a team
    providers = query(
        "select distinct provider_name, service_provider_name, invoice_issuer_name "
        "from silver.int_saas__costs_focus"
    )
    assert {p[0] for p in providers} == {"Datadog", "GitHub", "Snowflake", "PagerDuty"}
    assert all(p[0] == p[1] == p[2] for p in providers)


def test_header_variants_locale_tags_and_charge_types(warehouse: str, tmp_path: Path) -> None:
    report = run_source(saas, ACME, number_locale="de")
    assert not report.quarantined, report.quarantined
    rows = query(
        "select x_source_row, billing_period, amount, currency, tags, charge_type, invoice_id "
        "from raw_saas.invoice_lines order by x_source_row"
    )
    assert [r[2] for r in rows] == [
        Decimal("1234.5"),
        Decimal("200"),
        Decimal("45.1"),
        Decimal("-10"),
    ]
    assert sum(r[2] for r in rows) == _csv_total(ACME, "de")
    assert {str(r[1]) for r in rows} == {"2025-01-01"}
    assert json.loads(rows[0][4]) == {"team": "data", "env": "prod"}
    assert json.loads(rows[1][4]) == {"team": "payments", "env": "dev"}
    # the charge type comes from the flag column only, never from the description
    assert [r[5] for r in rows] == [None, "Usage", "Tax", "Credit"]
    loads = query("select status, unit_key, cost_total, currency from raw_saas.loads")
    assert loads == [("loaded", "Acme Observability", Decimal("1469.6"), "EUR")]


def test_bad_invoices_are_quarantined_good_ones_load(warehouse: str, tmp_path: Path) -> None:
    root = tmp_path / "inv"
    root.mkdir()
    good = "vendor,invoice_id,period,description,amount,currency\nV,1,2025-02,Seats,10.00,USD\n"
    (root / "good.csv").write_text(good)
    (root / "copy.csv").write_text(good)
    (root / "empty.csv").write_text("")
    (root / "no_amount.csv").write_text(good.replace("amount", "price"))
    (root / "ambiguous.csv").write_text(good.replace("10.00", '"1,000"').replace("V,", "W,"))
    (root / "bad_period.csv").write_text(good.replace("2025-02", "Feb 2025").replace("V,", "X,"))
    (root / "bad_tags.csv").write_text(
        "vendor,period,amount,currency,tags\nY,2025-02,1,USD,team:data\n"
    )
    (root / "bad_type.csv").write_text(
        "vendor,period,amount,currency,charge_type\nZ,2025-02,1,USD,Refundish\n"
    )
    report = run_source(saas, root)
    reasons = {q.path: q.reason for q in report.quarantined}
    assert "same content" in reasons["good.csv"] or "same content" in reasons["copy.csv"]
    assert "empty" in reasons["empty.csv"]
    assert "required column 'amount'" in reasons["no_amount.csv"]
    assert "row 1, column 'amount': value '1,000'" in reasons["ambiguous.csv"]
    assert "row 1, column 'period'" in reasons["bad_period.csv"]
    assert "row 1, column 'tags'" in reasons["bad_tags.csv"]
    assert "row 1, column 'charge_type'" in reasons["bad_type.csv"]
    assert query("select vendor, sum(amount) from raw_saas.invoice_lines group by 1") == [
        ("V", Decimal("10"))
    ]
    quarantined = query("select count(*) from raw_saas.loads where status = 'quarantined'")
    assert quarantined == [(len(reasons),)]
