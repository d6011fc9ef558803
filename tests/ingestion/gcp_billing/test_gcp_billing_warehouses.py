"""GCP billing from BigQuery (REST, local endpoint) and from dumps, through dlt and dbt.

BigQuery is faked only at the HTTP boundary: the real google-cloud-bigquery client talks to a
local server that answers the documented REST calls. The same rows loaded from a JSON lines
dump must give identical raw and silver totals. Loads and dbt builds run on DuckDB and
PostgreSQL.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from dbt.cli.main import dbtRunner

from ingestion.common.report import SourceReport
from ingestion.gcp_billing import DATASET_NAME, dlt_source
from ingestion.gcp_billing.plan import ExportPlan
from ingestion.warehouse import dbt_env, make_pipeline
from tests.ingestion.gcp_billing.exports import (
    FakeBigQuery,
    billed_by_month,
    load_rows,
    write_csv,
    write_jsonl,
)
from tests.warehouse_utils import query, use_warehouse

PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
TABLE = "gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9"
URI = f"bigquery://billing-proj.billing_export.{TABLE}"
SELECT = "+int_costs_unioned int_gcp__project_ancestry stg_gcp_billing__loads"

SILVER_TOTALS = """
    select cast(x_billing_period as varchar), charge_category, count(*), sum(billed_cost),
        sum(effective_cost), sum(list_cost)
    from silver.int_gcp__costs_focus group by 1, 2 order by 1, 2
"""


@contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run(path: str, report: SourceReport | None = None, **options) -> SourceReport:
    """The real dlt pipeline into the warehouse the environment points at."""
    report = report or SourceReport()
    make_pipeline("gcp_billing", DATASET_NAME).run(dlt_source(path=path, report=report, **options))
    return report


def dbt_build(tmp: Path) -> None:
    """dbt build of the GCP models and the union, in-process, private target and logs."""
    cli = [
        # cautious: only tests whose every parent is selected (not gold's reconciliations)
        "build", "--select", *SELECT.split(), "--indirect-selection", "cautious",
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
        "--no-use-colors", "--quiet",
    ]  # fmt: skip
    with environ(dbt_env()):
        result = dbtRunner().invoke(cli)
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) not in ("success", "pass")
    ]
    assert result.success and not failures, f"dbt build failed: {result.exception} {failures}"


def test_bigquery_rest_and_json_dump_give_identical_totals(tmp_path: Path) -> None:
    rows = load_rows()
    reference = billed_by_month(rows)
    bq_wh, file_wh = tmp_path / "bq.duckdb", tmp_path / "file.duckdb"
    with FakeBigQuery("billing-proj", "billing_export", {TABLE: rows}) as bigquery:
        with use_warehouse("duckdb", bq_wh):
            report = run(
                URI,
                billing_periods=["2022-08", "2022-09"],
                bigquery_endpoint=bigquery.endpoint,
                bigquery_page_size=3,
            )
            assert report.quarantined == []
            dbt_build(tmp_path / "bq")
            bq_silver = query(SILVER_TOTALS)
            bq_raw = query(
                "select x_source_file, count(*), sum(cost + credits_total) "
                "from raw_gcp_billing.cost_lines group by 1 order by 1"
            )
        # one query per invoice month, each paged through getQueryResults with pageToken
        assert len(bigquery.queries) == 2
        assert all("invoice.month = @invoice_month" in q for q in bigquery.queries)
        assert all("_PARTITIONTIME" in q and "export_time >=" in q for q in bigquery.queries)
        paged = [p for m, path, p in bigquery.requests if "/queries/" in path and "pageToken" in p]
        assert len(paged) >= 3  # 8 rows / 3 per page + 4 rows / 3 per page
    assert [(src.rsplit("=", 1)[1], n, Decimal(t)) for src, n, t in bq_raw] == [
        ("202208", 8, reference["202208"]),
        ("202209", 4, reference["202209"]),
    ]
    dump = write_jsonl(rows, tmp_path / "dump" / "export.jsonl")
    with use_warehouse("duckdb", file_wh):
        run(str(dump.parent))
        dbt_build(tmp_path / "file")
        file_silver = query(SILVER_TOTALS)
    assert bq_silver == file_silver
    billed = {}
    for period, _, _, total, _, _ in bq_silver:
        billed[period[:7]] = billed.get(period[:7], Decimal(0)) + Decimal(total)
    assert billed == {"2022-08": reference["202208"], "2022-09": reference["202209"]}


def test_bigquery_defaults_to_open_months_and_quarantines_a_missing_table() -> None:
    rows = load_rows()
    now = datetime.now(UTC)
    current = copy.deepcopy(rows[0])
    current["invoice"]["month"] = f"{now:%Y%m}"
    current["export_time"] = f"{now:%Y-%m-%d %H:%M:%S} UTC"
    with FakeBigQuery("billing-proj", "billing_export", {TABLE: [*rows, current]}) as bigquery:
        plan = ExportPlan(
            URI, None, SourceReport(), bigquery_options={"endpoint": bigquery.endpoint}
        )
        units = plan.units()
        plan.close()
        assert {f"{p:%Y%m}" for p, _ in units} == {f"{now:%Y%m}"}
        assert any("no rows" in note for note in plan.report.notes)  # the previous month
        missing = URI.replace(TABLE, "gcp_billing_export_v1_NOPE")
        plan = ExportPlan(
            missing, ["2022-08"], SourceReport(), bigquery_options={"endpoint": bigquery.endpoint}
        )
        assert plan.units() == {}
        plan.close()
    reason = plan.report.quarantined[0].reason
    assert "gcp_billing_export_v1_NOPE" in reason and "invoice.month=202208" in reason


def test_postgres_load_restatement_and_silver(tmp_path: Path, postgres_database: str) -> None:
    rows = load_rows()
    root = tmp_path / "dumps"
    with use_warehouse("postgres", pg_database=postgres_database):
        first = copy.deepcopy(rows)
        first[0]["cost"] = 1000.0  # replaced below by the restated month
        write_csv(first, root / "export.csv")
        run(str(root))
        write_csv(rows, root / "export.csv")
        run(str(root))
        raw = query(
            "select to_char(billing_period, 'YYYYMM'), count(*), sum(cost + credits_total) "
            "from raw_gcp_billing.cost_lines group by 1 order by 1"
        )
        dbt_build(tmp_path / "pg")
        silver = query(SILVER_TOTALS)
        union = query(
            "select sum(billed_cost) from silver.int_costs_unioned where x_provider = 'gcp'"
        )
        lines = query(
            "select x_source_row, charge_category, charge_class, commitment_discount_id, "
            "commitment_discount_category, pricing_category, x_team, tags, sub_account_id, "
            "resource_id, region_id, service_category, publisher_name "
            "from silver.int_gcp__costs_focus order by x_source_row"
        )
        ancestry = query(
            "select project_id, ancestry_path, ancestry_numbers "
            "from silver.int_gcp__project_ancestry order by 1"
        )
        loads = query("select status, count(*) from raw_gcp_billing.loads group by 1")
    reference = billed_by_month(rows)
    assert [(m, n, Decimal(t)) for m, n, t in raw] == [
        ("202208", 8, reference["202208"]),
        ("202209", 4, reference["202209"]),
    ]
    assert Decimal(union[0][0]) == sum(reference.values())
    assert loads == [("loaded", 4)]
    categories = {row[1] for row in silver}
    assert categories == {"Usage", "Purchase", "Tax", "Adjustment"}
    by_row = {line[0]: line for line in lines}
    assert by_row[2][3:6] == ("CommitmentId-1234", "Usage", "Committed")
    assert by_row[8][3:5] == ("CommitmentId-sql-9", "Spend")
    assert by_row[3][1] == "Purchase"  # the CUD fee
    assert by_row[11][1] == "Purchase" and by_row[11][12] == "Acme SaaS Inc."
    assert by_row[5][1] == "Tax"
    assert by_row[6][1:3] == ("Adjustment", "Correction")
    assert by_row[7][1] == "Adjustment"  # rounding error
    assert by_row[1][6] == "payments"  # resource label team=Payments, lower-cased
    assert by_row[3][6] == "payments"  # no resource label: the project's team label
    assert by_row[4][6] == "search"
    assert json.loads(by_row[1][7])["project:cost-center"] == "cc-100"
    assert by_row[1][8] == "payments-prod" and by_row[1][9].endswith("/instances/4242")
    assert by_row[1][10] == "us-central1" and by_row[1][11] == "Compute"
    assert ancestry == [
        (
            "payments-prod",
            "example.com / Payments / Payments Prod",
            "/424242424242/555555555555/111111111111/",
        ),
        ("search-dev", "example.com / Search Dev", "/424242424242/222222222222/"),
    ]
