"""`bigquery://project.dataset`: the billing export tables are found by listing the dataset.

The real google-cloud-bigquery client lists (tables.list, paged) and queries a local server
speaking the documented REST API; rows go through dlt into DuckDB and are summed with Decimal.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest

from ingestion.common.report import SourceReport
from ingestion.gcp_billing import DATASET_NAME, dlt_source
from ingestion.gcp_billing.bigquery import choose_export_tables
from ingestion.gcp_billing.plan import ExportPlan
from ingestion.gcp_billing.reader import ExportError
from ingestion.warehouse import make_pipeline
from tests.ingestion.gcp_billing.exports import ACCOUNT, FakeBigQuery, billed_by_month, load_rows
from tests.warehouse_utils import query, use_warehouse

DATASET_URI = "bigquery://billing-proj.billing_export"
SUFFIX = ACCOUNT.replace("-", "_")
DETAILED = f"gcp_billing_export_resource_v1_{SUFFIX}"
STANDARD = f"gcp_billing_export_v1_{SUFFIX}"
OTHER_ACCOUNT = "0B1C2D-3E4F5A-6B7C8D"
OTHER_DETAILED = f"gcp_billing_export_resource_v1_{OTHER_ACCOUNT.replace('-', '_')}"
MONTHS = ["2022-08", "2022-09"]


def _load(endpoint: str, warehouse: Path) -> SourceReport:
    report = SourceReport()
    with use_warehouse("duckdb", warehouse):
        make_pipeline("gcp_billing", DATASET_NAME).run(
            dlt_source(
                path=DATASET_URI,
                billing_periods=MONTHS,
                report=report,
                bigquery_endpoint=endpoint,
            )
        )
    return report


def _raw_totals(warehouse: Path) -> dict[tuple[str, str], Decimal]:
    with use_warehouse("duckdb", warehouse):
        rows = query(
            "select billing_account_id, strftime(billing_period, '%Y%m'), "
            "sum(cost + credits_total) from raw_gcp_billing.cost_lines group by 1, 2"
        )
    return {(account, month): Decimal(str(total)) for account, month, total in rows}


def _tables_queried(bigquery: FakeBigQuery) -> set[str]:
    return {q.split("FROM `", 1)[1].split("`", 1)[0].rsplit(".", 1)[1] for q in bigquery.queries}


def test_choice_per_billing_account() -> None:
    names = [STANDARD, "cloud_pricing_export", DETAILED, "gcp_billing_export_v1_0X_0Y_0Z"]
    assert choose_export_tables(names) == [DETAILED, "gcp_billing_export_v1_0X_0Y_0Z"]
    assert choose_export_tables(["gcp_billing_export_v2_ABC", "billing"]) == []


def test_detailed_export_is_chosen_over_the_standard_one(tmp_path: Path) -> None:
    rows = load_rows()
    doubled = copy.deepcopy(rows)
    for row in doubled:
        row["cost"] = row["cost"] * 2  # would show if the standard table were read too
    tables = {STANDARD: doubled, DETAILED: rows, "cloud_pricing_export": []}
    with FakeBigQuery("billing-proj", "billing_export", tables) as bigquery:
        report = _load(bigquery.endpoint, tmp_path / "wh.duckdb")
        listed = [p for m, path, p in bigquery.requests if path.endswith("/tables")]
    assert report.quarantined == []
    assert _tables_queried(bigquery) == {DETAILED}
    assert len(listed) == 2 and "pageToken" in listed[1]  # 3 tables, 2 per page
    reference = billed_by_month(rows)
    assert _raw_totals(tmp_path / "wh.duckdb") == {
        (ACCOUNT, month): total for month, total in reference.items()
    }


def test_every_billing_account_of_the_dataset_is_loaded(tmp_path: Path) -> None:
    rows = load_rows()
    other = copy.deepcopy(rows)
    for row in other:
        row["billing_account_id"] = OTHER_ACCOUNT
        row["cost"] = row["cost"] + 1
    tables = {DETAILED: rows, STANDARD: rows, OTHER_DETAILED: other}
    with FakeBigQuery("billing-proj", "billing_export", tables) as bigquery:
        report = _load(bigquery.endpoint, tmp_path / "wh.duckdb")
    assert report.quarantined == []
    assert _tables_queried(bigquery) == {DETAILED, OTHER_DETAILED}
    expected = {(ACCOUNT, m): t for m, t in billed_by_month(rows).items()}
    expected |= {(OTHER_ACCOUNT, m): t for m, t in billed_by_month(other).items()}
    assert _raw_totals(tmp_path / "wh.duckdb") == expected
    assert expected[(OTHER_ACCOUNT, "202208")] == expected[(ACCOUNT, "202208")] + 8  # 8 rows +1
    with use_warehouse("duckdb", tmp_path / "wh.duckdb"):
        loads = query("select unit_key from raw_gcp_billing.loads where status = 'loaded'")
    assert len(loads) == 4  # two months of two accounts


@pytest.mark.parametrize(
    ("tables", "found"),
    [({}, "found: no tables"), ({"cloud_pricing_export": []}, "found: cloud_pricing_export")],
)
def test_a_dataset_without_export_tables_is_a_clear_error(
    tables: dict[str, list], found: str
) -> None:
    with FakeBigQuery("billing-proj", "billing_export", tables) as bigquery:
        plan = ExportPlan(
            DATASET_URI, MONTHS, SourceReport(), bigquery_options={"endpoint": bigquery.endpoint}
        )
        with pytest.raises(ExportError) as error:
            plan.units()
        plan.close()
    message = str(error.value)
    assert "dataset billing-proj.billing_export holds no Cloud Billing export table" in message
    assert "gcp_billing_export_resource_v1_<BILLING_ACCOUNT_ID>" in message
    assert "gcp_billing_export_v1_<BILLING_ACCOUNT_ID>" in message
    assert found in message
    assert bigquery.queries == []


def test_a_missing_dataset_is_named() -> None:
    with FakeBigQuery("billing-proj", "billing_export", {}) as bigquery:
        plan = ExportPlan(
            "bigquery://billing-proj.nope",
            MONTHS,
            SourceReport(),
            bigquery_options={"endpoint": bigquery.endpoint},
        )
        with pytest.raises(
            ExportError, match=r"cannot list the tables of dataset billing-proj\.nope"
        ):
            plan.units()
        plan.close()
