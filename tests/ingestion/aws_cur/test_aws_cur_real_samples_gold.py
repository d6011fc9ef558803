"""The real legacy AWS CUR samples, loaded by the dlt source and built by dbt to gold.

The reference totals are computed straight from the files (tests/reference_cur.py), so a
mapping error anywhere between raw and gold shows as a difference in cents. The whole Dagster
path is covered on generated data by tests/test_pipeline_*; a Dagster run over the samples'
66 monthly partitions added minutes for no extra coverage, so this builds with dbt directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

from ingestion.aws_cur import DATASET_NAME, IngestReport, aws_cur
from ingestion.warehouse import make_pipeline
from tests.conftest import FIXTURES, _admin_connection
from tests.reference_cur import reference_totals
from tests.warehouse_utils import query, use_warehouse

PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
CENT = Decimal("0.01")


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def gold(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Every legacy sample loaded into an empty warehouse and built up to gold.fct_cost."""
    tmp = tmp_path_factory.mktemp(f"legacy-gold-{request.param}")
    name = f"finops_legacy_{uuid.uuid4().hex[:8]}" if request.param == "postgres" else None
    if name:
        with _admin_connection() as con:
            con.execute(f'create database "{name}"')
    try:
        with use_warehouse(request.param, tmp / "wh.duckdb", name):
            report = IngestReport()
            make_pipeline("aws_cur", DATASET_NAME).run(
                aws_cur(path=str(FIXTURES / "aws_cur"), report=report)
            )
            assert report.quarantined == []
            cli = [
                "build", "--select", "+fct_cost", "--indirect-selection", "cautious",
                "--exclude-resource-type", "unit_test",
                "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
                "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), "--quiet",
            ]  # fmt: skip
            result = dbtRunner().invoke(cli)
            assert result.success, f"dbt build failed: {result.exception}"
            yield request.param
    finally:
        if name:
            with _admin_connection() as con:
                con.execute(f'drop database if exists "{name}" with (force)')


def test_gold_conserves_rows_billed_and_effective_cost_of_each_payer_month(gold: str) -> None:
    expected = reference_totals(sorted((FIXTURES / "aws_cur").rglob("*.csv*")))
    rows = query(
        "select billing_account_id, cast(x_billing_period as varchar), count(*), "
        "sum(billed_cost), sum(effective_cost) from gold.fct_cost group by 1, 2"
    )
    actual = {
        (payer, period[:7]): {"rows": Decimal(n), "billed": Decimal(b), "effective": Decimal(e)}
        for payer, period, n, b, e in rows
    }
    assert set(actual) == set(expected)
    for key, want in expected.items():
        got = actual[key]
        assert got["rows"] == want["rows"], key
        assert abs(got["billed"] - want["billed"]) < CENT, (key, got, want)
        assert abs(got["effective"] - want["effective"]) < CENT, (key, got, want)
